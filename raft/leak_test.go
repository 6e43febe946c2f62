package raft

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// TestKillNoGoroutineLeak3D: after every peer is killed and the network is
// cleaned up, the number of goroutines returns to what it was before the
// cluster started. The cluster first goes through what leaves goroutines
// behind if Kill is incomplete: snapshots, a follower that needs
// InstallSnapshot, a crash and restart, RPCs pending to a disconnected peer
// (Calls that take up to 7 s to fail) and replies held back by long
// reordering.
//
// It uses only names the course's config.go also has, so it compiles with a
// course harness dropped in; but that harness never stops its appliers, so
// this test then fails and should be left out.
func TestKillNoGoroutineLeak3D(t *testing.T) {
	base := runtime.NumGoroutine()
	servers := 3
	cfg := make_config(t, servers, false, true)
	defer cfg.cleanup()
	cfg.begin("Test (3D): no goroutine leak after Kill")
	seed := cfg.net.Seed()
	r := rand.New(rand.NewPCG(uint64(seed), 2))

	cfg.one(r.Int(), servers, true)
	leader := cfg.checkOneLeader()
	behind := (leader + 1) % servers
	cfg.disconnect(behind)
	for range 2*SnapShotInterval + 1 {
		cfg.one(r.Int(), servers-1, true)
	}
	cfg.crash1(leader)
	cfg.start1(leader, cfg.applierSnap)
	cfg.connect(leader)
	cfg.connect(behind) // needs the snapshot
	cfg.one(r.Int(), servers, true)

	// Leave work in flight: a disconnected follower with RPCs pending to it,
	// and replies held back by reordering.
	leader = cfg.checkOneLeader()
	cfg.disconnect((leader + 1) % servers)
	cfg.setlongreordering(true)
	for range 5 {
		cfg.rafts[leader].Start(r.Int())
	}
	time.Sleep(300 * time.Millisecond)

	cfg.cleanup()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines 5s after Kill and Cleanup, %d before the cluster started (network seed %d); stacks:\n%s",
				runtime.NumGoroutine(), base, seed, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cfg.end()
}
