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
	c := newMiniCluster(b, 3)
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
		c.mustApply(b, index)
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
	c := newMiniCluster(b, 3)
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
				if applied, ok := c.waitApplied(index, []int{l}); !ok {
					panic(fmt.Sprintf("leader %d did not apply %d within 10 s; applied by peer: %v", l, index, applied))
				}
			}
		}(g)
	}
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
	reportTraffic(b, c.net, before, b.N)
}

// BenchmarkElection measures failover on a reliable network: the time from
// cutting the leader off to a new leader among the rest; each iteration is
// one trial. It also reports how many AppendEntries an idle leader sends
// each follower per second (the course allows ten).
func BenchmarkElection(b *testing.B) {
	const n = 3
	c := newMiniCluster(b, n)
	c.leader(b)
	heartbeats := idleHeartbeatRate(c, 2*time.Second)
	var times []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		old := c.leader(b)
		oldTerm, _ := c.rafts[old].GetState()
		c.setConnected(old, false)
		times = append(times, pollUntil(b, 10*time.Second, fmt.Sprintf("trial %d: a new leader after cutting off %d", i, old), func() bool {
			for p, rf := range c.rafts {
				if term, ok := rf.GetState(); p != old && ok && term > oldTerm {
					return true
				}
			}
			return false
		}))
		c.setConnected(old, true)
		// The old leader steps down (CheckQuorum, or the new term) before the next trial.
		pollUntil(b, 10*time.Second, fmt.Sprintf("trial %d: old leader %d steps down", i, old), func() bool {
			_, ok := c.rafts[old].GetState()
			return !ok
		})
	}
	b.StopTimer()
	b.ReportMetric(heartbeats, "heartbeats/s/follower")
	b.ReportMetric(float64(percentile(times, 0.5).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(percentile(times, 0.9).Milliseconds()), "p90-ms")
	b.ReportMetric(float64(slices.Max(times).Milliseconds()), "max-ms")
}

// idleHeartbeatRate counts the AppendEntries an idle leader sends in
// window, per follower and second.
func idleHeartbeatRate(c *miniCluster, window time.Duration) float64 {
	before := c.net.MethodStats()["Raft.AppendEntries"].Calls
	time.Sleep(window) // the measurement window itself, not a wait for an event
	sent := c.net.MethodStats()["Raft.AppendEntries"].Calls - before
	return float64(sent) / float64(len(c.rafts)-1) / window.Seconds()
}

// BenchmarkUnreliableElections counts elections while a leader is alive on
// an unreliable network, as in TestUnreliableAgree3C (5 peers); each
// iteration is one second. "busy": a command arrives every 20 ms; "idle":
// none, so only heartbeats keep the followers quiet. Elections are term
// changes; pre-vote rounds that changed nothing show up in the RequestVote
// count.
//
//	go test -run XXX -bench UnreliableElections -benchtime 60x ./raft   (a minute each)
func BenchmarkUnreliableElections(b *testing.B) {
	for _, busy := range []bool{true, false} {
		b.Run(map[bool]string{true: "busy", false: "idle"}[busy], func(b *testing.B) {
			const n = 5
			c := newMiniCluster(b, n)
			c.leader(b)
			c.net.Reliable(false)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			if busy {
				wg.Add(1)
				go func() { // a command every 20 ms, to whoever leads
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						case <-time.After(20 * time.Millisecond):
						}
						for _, rf := range c.rafts {
							rf.Start(i)
						}
					}
				}()
			}
			term0, votes0 := c.maxTerm(), c.net.MethodStats()["Raft.RequestVote"].Calls
			b.ResetTimer()
			t0 := time.Now()
			for i := 0; i < b.N; i++ {
				time.Sleep(time.Second) // each iteration is one second of the cluster's life
			}
			minutes := time.Since(t0).Minutes()
			b.StopTimer()
			close(stop)
			wg.Wait()
			b.ReportMetric(float64(c.maxTerm()-term0)/minutes, "elections/min")
			b.ReportMetric(float64(c.net.MethodStats()["Raft.RequestVote"].Calls-votes0)/minutes, "requestvotes/min")
		})
	}
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
