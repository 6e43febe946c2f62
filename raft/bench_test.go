package raft

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"raftlab/labrpc"
)

// The performance figures the raft issue asks for, on a reliable network:
//
//	go test -run XXX -bench . ./raft
//	go test -run XXX -bench Election -benchtime 30x ./raft   (30 trials)
//
// Latency and throughput report RPCs and bytes per committed command from
// labrpc's per-method counts.

// benchCluster is a minimal cluster for benchmarks: n peers on a reliable
// network, each with a reader that records what it applied.
type benchCluster struct {
	net   *labrpc.Network
	rafts []*Raft
	ends  [][]string // ends[i][j]: end name from i to j

	mu      sync.Mutex
	cond    *sync.Cond
	applied []int // highest index applied, by peer
}

func newBenchCluster(b *testing.B, n int) *benchCluster {
	b.Helper()
	c := &benchCluster{net: labrpc.MakeNetwork(), rafts: make([]*Raft, n), applied: make([]int, n)}
	c.cond = sync.NewCond(&c.mu)
	for i := 0; i < n; i++ {
		var peers []*labrpc.ClientEnd
		for j := 0; j < n; j++ {
			name := fmt.Sprintf("bench-%d-%d", i, j)
			peers = append(peers, c.net.MakeEnd(name))
			c.net.Connect(name, j)
			c.net.Enable(name, true)
		}
		applyCh := make(chan ApplyMsg, 256)
		c.rafts[i] = Make(peers, i, MakePersister(), applyCh)
		srv := labrpc.MakeServer()
		srv.AddService(labrpc.MakeService(c.rafts[i]))
		c.net.AddServer(i, srv)
		go c.reader(i, applyCh)
	}
	b.Cleanup(func() {
		for _, rf := range c.rafts {
			rf.Kill()
		}
		c.net.Cleanup()
	})
	return c
}

func (c *benchCluster) reader(i int, applyCh chan ApplyMsg) {
	for m := range applyCh {
		if m.CommandValid {
			c.mu.Lock()
			if m.CommandIndex != c.applied[i]+1 {
				panic(fmt.Sprintf("bench: peer %d applied %d after %d", i, m.CommandIndex, c.applied[i]))
			}
			c.applied[i] = m.CommandIndex
			c.cond.Broadcast()
			c.mu.Unlock()
		}
	}
}

// leader waits for a leader and returns it.
func (c *benchCluster) leader(b *testing.B) int {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, rf := range c.rafts {
			if _, ok := rf.GetState(); ok {
				return i
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatal("no leader within 10 s")
	return -1
}

// waitApplied waits until the given peers (all if nil) applied index.
func (c *benchCluster) waitApplied(index int, peers []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		done := true
		for i := range c.applied {
			if (peers == nil || slices.Contains(peers, i)) && c.applied[i] < index {
				done = false
			}
		}
		if done {
			return
		}
		c.cond.Wait()
	}
}

// reportTraffic reports RPCs and bytes per committed command since before.
func reportTraffic(b *testing.B, net *labrpc.Network, before map[string]labrpc.MethodStat, commits int) {
	var calls, bytes int64
	for name, st := range net.MethodStats() {
		calls += st.Calls - before[name].Calls
		bytes += st.ArgBytes + st.ReplyBytes - before[name].ArgBytes - before[name].ReplyBytes
	}
	b.ReportMetric(float64(calls)/float64(commits), "rpcs/commit")
	b.ReportMetric(float64(bytes)/float64(commits), "bytes/commit")
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// BenchmarkStartToAppliedAll measures sequential commits: from Start on the
// leader until every peer of a 3-peer cluster applied the command.
func BenchmarkStartToAppliedAll(b *testing.B) {
	c := newBenchCluster(b, 3)
	l := c.leader(b)
	before := c.net.MethodStats()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		index, _, ok := c.rafts[l].Start(i)
		if !ok {
			b.Fatalf("peer %d lost leadership", l)
		}
		c.waitApplied(index, nil)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
	reportTraffic(b, c.net, before, b.N)
}

// BenchmarkConcurrentStart16 measures throughput with 16 goroutines, each
// Starting a command and waiting until the leader applied it.
func BenchmarkConcurrentStart16(b *testing.B) {
	const clients = 16
	c := newBenchCluster(b, 3)
	l := c.leader(b)
	before := c.net.MethodStats()
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < clients; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < b.N; i += clients {
				index, _, ok := c.rafts[l].Start(i)
				if !ok {
					panic(fmt.Sprintf("peer %d lost leadership", l))
				}
				c.waitApplied(index, []int{l})
			}
		}(g)
	}
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
	reportTraffic(b, c.net, before, b.N)
}

// BenchmarkElection measures the time from cutting the leader off to a new
// leader among the rest; each iteration is one trial.
func BenchmarkElection(b *testing.B) {
	const n = 3
	c := newBenchCluster(b, n)
	setConnected := func(p int, on bool) {
		for j := 0; j < n; j++ {
			c.net.Enable(fmt.Sprintf("bench-%d-%d", p, j), on)
			c.net.Enable(fmt.Sprintf("bench-%d-%d", j, p), on)
		}
	}
	var times []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		old := c.leader(b)
		oldTerm, _ := c.rafts[old].GetState()
		setConnected(old, false)
		t0 := time.Now()
		for {
			found := false
			for p, rf := range c.rafts {
				if term, ok := rf.GetState(); p != old && ok && term > oldTerm {
					found = true
				}
			}
			if found {
				break
			}
			if time.Since(t0) > 10*time.Second {
				b.Fatalf("trial %d: no new leader 10 s after disconnecting %d", i, old)
			}
			time.Sleep(time.Millisecond)
		}
		times = append(times, time.Since(t0))
		setConnected(old, true)
		for t1 := time.Now(); ; { // the old leader steps down before the next trial
			if _, ok := c.rafts[old].GetState(); !ok {
				break
			}
			if time.Since(t1) > 10*time.Second {
				b.Fatalf("trial %d: old leader %d still leads 10 s after rejoining", i, old)
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(times, 0.5).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(slices.Max(times).Milliseconds()), "max-ms")
}

// BenchmarkPersistAfterAppend measures one append and its save on logs of
// different lengths: with incremental saves the cost must not grow with the
// log.
func BenchmarkPersistAfterAppend(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("log=%d", n), func(b *testing.B) {
			rf := &Raft{peers: make([]*labrpc.ClientEnd, 3), persister: MakePersister(), votedFor: -1, log: newLog(0, 0, nil)}
			rf.currentTerm = 1
			for i := 0; i < n; i++ {
				rf.log.append(Entry{Term: 1, Command: i})
			}
			rf.persist()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rf.log.append(Entry{Term: 1, Command: i})
				rf.persist()
			}
			b.ReportMetric(float64(rf.persister.RaftStateSize())/float64(rf.log.lastIndex()), "state-bytes/entry")
		})
	}
}
