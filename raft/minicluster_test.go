package raft

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"raftlab/labrpc"
)

// miniCluster is a minimal cluster for benchmarks and for the election
// tests: n peers on a reliable network (until told otherwise), each with a
// reader that records what it applied. Unlike the course-shaped harness
// (config_test.go), it lets a test reach into a peer.
type miniCluster struct {
	net   *labrpc.Network
	rafts []*Raft

	mu      sync.Mutex
	cond    *sync.Cond
	applied []int // highest index applied, by peer
}

func newMiniCluster(tb testing.TB, n int) *miniCluster {
	tb.Helper()
	c := &miniCluster{net: labrpc.MakeNetwork(), rafts: make([]*Raft, n), applied: make([]int, n)}
	c.cond = sync.NewCond(&c.mu)
	for i := 0; i < n; i++ {
		var peers []*labrpc.ClientEnd
		for j := 0; j < n; j++ {
			name := endName(i, j)
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
	tb.Cleanup(func() {
		for _, rf := range c.rafts {
			rf.Kill()
		}
		c.net.Cleanup()
	})
	return c
}

func (c *miniCluster) reader(i int, applyCh chan ApplyMsg) {
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
func (c *miniCluster) leader(tb testing.TB) int {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, rf := range c.rafts {
			if _, ok := rf.GetState(); ok {
				return i
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatal("no leader within 10 s")
	return -1
}

// minTerm is the lowest term any peer is in.
func (c *miniCluster) minTerm() int {
	m := -1
	for _, rf := range c.rafts {
		term, _ := rf.GetState()
		if m == -1 || term < m {
			m = term
		}
	}
	return m
}

// waitApplied waits until the given peers (all if nil) applied index, for
// at most 10 s. It returns what each peer applied, and whether all got
// there in time. Any goroutine may call it.
func (c *miniCluster) waitApplied(index int, peers []int) (applied []int, ok bool) {
	wake := time.AfterFunc(10*time.Second, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer wake.Stop()
	deadline := time.Now().Add(10 * time.Second)
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		done := true
		for i := range c.applied {
			if (peers == nil || slices.Contains(peers, i)) && c.applied[i] < index {
				done = false
			}
		}
		if done || !time.Now().Before(deadline) {
			return slices.Clone(c.applied), done
		}
		c.cond.Wait()
	}
}

// mustApply is waitApplied from the test goroutine, failing the test with
// what each peer applied if index does not reach them all.
func (c *miniCluster) mustApply(tb testing.TB, index int) {
	tb.Helper()
	if applied, ok := c.waitApplied(index, nil); !ok {
		tb.Fatalf("index %d not applied by every peer within 10 s; applied by peer: %v", index, applied)
	}
}

// endName names the end from peer i to peer j.
func endName(i, j int) string { return fmt.Sprintf("bench-%d-%d", i, j) }

// setConnected connects or cuts off peer p, both ways.
func (c *miniCluster) setConnected(p int, on bool) {
	for j := range c.rafts {
		c.net.Enable(endName(p, j), on)
		c.net.Enable(endName(j, p), on)
	}
}

// maxTerm is the highest term any peer is in.
func (c *miniCluster) maxTerm() int {
	m := 0
	for _, rf := range c.rafts {
		term, _ := rf.GetState()
		m = max(m, term)
	}
	return m
}

// pollUntil polls cond every millisecond until it holds, failing the test
// with what if it does not within limit.
func pollUntil(tb testing.TB, limit time.Duration, what string, cond func() bool) time.Duration {
	tb.Helper()
	t0 := time.Now()
	for !cond() {
		if time.Since(t0) > limit {
			tb.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(t0)
}
