package kvraft

// Benchmarks of the whole service (Clerk, KVServer, Raft, labrpc) on a
// reliable network, next to the floor that labrpc itself sets: every figure
// is reported with the same measurement for a bare labrpc round trip of a
// request of the same shape, so the cost of consensus shows as a ratio.
//
//	go test -run XXX -bench . ./kvraft
//	go test -run XXX -bench LongRun -benchtime 50000x ./kvraft
//
// Metrics: us/op (mean latency), p50-us, p99-us, floor-us (a sequential
// labrpc round trip), x-floor (us/op / floor-us); ops/s, floor-calls/s (labrpc
// round trips per second from as many goroutines), ops/floor-call (ops/s /
// floor-calls/s); first10%-us/op and last10%-us/op (wall time per operation
// over the first and last tenth of a long run, at fixed concurrency).
//
// These measure; they assert nothing. The targets: a sequential Append in
// at most 1 ms; 50 clients on 3 servers at 5,000 ops/s or more, with and
// without snapshots; last10%-us/op close to first10%-us/op.
//
// The helpers are named bench* and build their own cluster, so this file
// compiles with a course harness in place of config_test.go.

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"raftlab/labrpc"
	"raftlab/raft"
)

// benchCluster is n KVServers on a reliable network, all connected.
type benchCluster struct {
	net     *labrpc.Network
	n       int
	servers []*KVServer
	nends   int
}

func benchStartCluster(b *testing.B, n, maxraftstate int) *benchCluster {
	b.Helper()
	c := &benchCluster{net: labrpc.MakeNetwork(), n: n, servers: make([]*KVServer, n)}
	for i := range n {
		ends := make([]*labrpc.ClientEnd, n)
		for j := range n {
			ends[j] = c.end(j)
		}
		kv := StartKVServer(ends, i, raft.MakePersister(), maxraftstate)
		srv := labrpc.MakeServer()
		srv.AddService(labrpc.MakeService(kv))
		srv.AddService(labrpc.MakeService(kv.rf))
		c.net.AddServer(i, srv)
		c.servers[i] = kv
	}
	b.Cleanup(func() {
		for _, kv := range c.servers {
			kv.Kill()
		}
		c.net.Cleanup()
	})
	return c
}

// end returns a new enabled end to server j.
func (c *benchCluster) end(j int) *labrpc.ClientEnd {
	c.nends++
	name := "bench-end-" + strconv.Itoa(c.nends)
	e := c.net.MakeEnd(name)
	c.net.Connect(name, j)
	c.net.Enable(name, true)
	return e
}

// clerk returns a Clerk connected to every server, after its first
// operation has completed (a leader exists).
func (c *benchCluster) clerk() *Clerk {
	ends := make([]*labrpc.ClientEnd, c.n)
	for j := range ends {
		ends[j] = c.end(j)
	}
	ck := MakeClerk(ends)
	ck.Get("warm-up")
	return ck
}

// benchEcho is the floor: a service that answers a PutAppend-shaped request
// at once.
type benchEcho struct{}

func (*benchEcho) PutAppend(args *PutAppendArgs, reply *PutAppendReply) { reply.Err = OK }

var (
	benchFloorMu sync.Mutex
	benchFloors  = map[int]benchFloor{} // by concurrency
)

type benchFloor struct {
	roundTrip   time.Duration // mean sequential round trip
	callsPerSec float64       // from as many goroutines as the key
}

// benchLabrpcFloor measures labrpc round trips of a PutAppend-sized
// request: sequential latency, and calls/s from clients goroutines. It is
// measured once per concurrency per process, outside any benchmark timer.
func benchLabrpcFloor(clients int) benchFloor {
	benchFloorMu.Lock()
	defer benchFloorMu.Unlock()
	if f, ok := benchFloors[clients]; ok {
		return f
	}
	net := labrpc.MakeNetwork()
	defer net.Cleanup()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(&benchEcho{}))
	net.AddServer("echo", srv)
	mkEnd := func(i int) *labrpc.ClientEnd {
		name := "floor-" + strconv.Itoa(i)
		e := net.MakeEnd(name)
		net.Connect(name, "echo")
		net.Enable(name, true)
		return e
	}
	args := PutAppendArgs{Key: "k12", Value: "x 12 345 y", Append: true, ClientId: 1 << 60, Seq: 1}
	call := func(e *labrpc.ClientEnd) {
		var reply PutAppendReply
		if !e.Call("benchEcho.PutAppend", &args, &reply) {
			panic("labrpc floor: a call failed on a reliable network")
		}
	}

	var f benchFloor
	e := mkEnd(0)
	for range 100 {
		call(e) // warm up
	}
	const seqCalls = 3000
	start := time.Now()
	for range seqCalls {
		call(e)
	}
	f.roundTrip = time.Since(start) / seqCalls

	const window = 300 * time.Millisecond
	var calls atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(window)
	start = time.Now()
	for i := range clients {
		e := mkEnd(i + 1)
		wg.Go(func() {
			for time.Now().Before(stop) {
				call(e)
				calls.Add(1)
			}
		})
	}
	wg.Wait()
	f.callsPerSec = float64(calls.Load()) / time.Since(start).Seconds()
	benchFloors[clients] = f
	return f
}

// benchPercentile returns the p-th percentile (0..100) of sorted.
func benchPercentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func benchSnapName(maxraftstate int) string {
	if maxraftstate < 0 {
		return "snap=none"
	}
	return "snap=" + strconv.Itoa(maxraftstate)
}

// BenchmarkSequentialAppend: one Clerk, one Append at a time, over 100
// keys.
func BenchmarkSequentialAppend(b *testing.B) {
	for _, servers := range []int{3, 5} {
		for _, maxraftstate := range []int{-1, 1000} {
			b.Run(fmt.Sprintf("servers=%d/%s", servers, benchSnapName(maxraftstate)), func(b *testing.B) {
				floor := benchLabrpcFloor(1)
				c := benchStartCluster(b, servers, maxraftstate)
				ck := c.clerk()
				lat := make([]time.Duration, b.N)
				b.ResetTimer()
				for i := range b.N {
					start := time.Now()
					ck.Append("k"+strconv.Itoa(i%100), "x")
					lat[i] = time.Since(start)
				}
				b.StopTimer()
				benchReportLatency(b, lat, floor)
			})
		}
	}
}

// benchReportLatency reports mean, p50 and p99 latency and the ratio of
// the mean to the labrpc floor.
func benchReportLatency(b *testing.B, lat []time.Duration, floor benchFloor) {
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	mean := sum / time.Duration(len(lat))
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	b.ReportMetric(float64(mean.Nanoseconds())/1e3, "us/op")
	b.ReportMetric(float64(benchPercentile(sorted, 50).Nanoseconds())/1e3, "p50-us")
	b.ReportMetric(float64(benchPercentile(sorted, 99).Nanoseconds())/1e3, "p99-us")
	b.ReportMetric(float64(floor.roundTrip.Nanoseconds())/1e3, "floor-us")
	b.ReportMetric(float64(mean)/float64(floor.roundTrip), "x-floor")
	b.ReportMetric(0, "ns/op") // wall time per b.N is us/op above, more precisely
}

// benchRun has clients Clerks perform b.N operations between them, each
// alternating Append and Get on a key of its own, and returns each
// operation's latency in completion order.
func benchRun(c *benchCluster, clients, total int) []time.Duration {
	clerks := make([]*Clerk, clients)
	for i := range clerks {
		clerks[i] = c.clerk()
	}
	lat := make([]time.Duration, total)
	var next atomic.Int64 // operations handed out
	var done atomic.Int64 // slots of lat filled, in completion order
	var wg sync.WaitGroup
	for i, ck := range clerks {
		key := "client-" + strconv.Itoa(i)
		wg.Go(func() {
			for n := next.Add(1); n <= int64(total); n = next.Add(1) {
				start := time.Now()
				if n%2 == 0 {
					ck.Append(key, "x")
				} else {
					ck.Get(key)
				}
				lat[done.Add(1)-1] = time.Since(start)
			}
		})
	}
	wg.Wait()
	return lat
}

// BenchmarkThroughput: 1, 10 and 50 concurrent Clerks.
func BenchmarkThroughput(b *testing.B) {
	for _, servers := range []int{3, 5} {
		for _, clients := range []int{1, 10, 50} {
			for _, maxraftstate := range []int{-1, 1000} {
				name := fmt.Sprintf("servers=%d/clients=%d/%s", servers, clients, benchSnapName(maxraftstate))
				b.Run(name, func(b *testing.B) {
					floor := benchLabrpcFloor(clients)
					c := benchStartCluster(b, servers, maxraftstate)
					b.ResetTimer()
					lat := benchRun(c, clients, b.N)
					b.StopTimer()
					opsPerSec := float64(b.N) / b.Elapsed().Seconds()
					slices.Sort(lat)
					b.ReportMetric(opsPerSec, "ops/s")
					b.ReportMetric(float64(benchPercentile(lat, 50).Nanoseconds())/1e3, "p50-us")
					b.ReportMetric(float64(benchPercentile(lat, 99).Nanoseconds())/1e3, "p99-us")
					b.ReportMetric(floor.callsPerSec, "floor-calls/s")
					b.ReportMetric(opsPerSec/floor.callsPerSec, "ops/floor-call")
				})
			}
		}
	}
}

// BenchmarkLongRun checks that the cost of an operation does not grow with
// the operations done before it: 10 Clerks on 3 servers, wall time per
// operation over the first and the last tenth of the run. The operations
// are Puts of a fixed size and Gets, so the store does not grow: only the
// service's own bookkeeping (the log, its persistence, the snapshots)
// could make later operations dearer. Run it long: -benchtime 50000x.
func BenchmarkLongRun(b *testing.B) {
	for _, maxraftstate := range []int{-1, 1000} {
		b.Run(benchSnapName(maxraftstate), func(b *testing.B) {
			const clients = 10
			c := benchStartCluster(b, 3, maxraftstate)
			clerks := make([]*Clerk, clients)
			for i := range clerks {
				clerks[i] = c.clerk()
			}
			// Completion times of the operations, in completion order.
			ends := make([]time.Duration, b.N)
			var next, done atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for i, ck := range clerks {
				key := "client-" + strconv.Itoa(i)
				wg.Go(func() {
					for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
						if n%2 == 0 {
							ck.Put(key, "value "+strconv.Itoa(int(n%10)))
						} else {
							ck.Get(key)
						}
						ends[done.Add(1)-1] = time.Since(start)
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if b.N < 100 {
				return
			}
			tenth := b.N / 10
			first := ends[tenth-1]
			last := ends[b.N-1] - ends[b.N-1-tenth]
			b.ReportMetric(float64(first.Nanoseconds())/1e3/float64(tenth), "first10%-us/op")
			b.ReportMetric(float64(last.Nanoseconds())/1e3/float64(tenth), "last10%-us/op")
			b.ReportMetric(float64(last)/float64(first), "last/first")
		})
	}
}
