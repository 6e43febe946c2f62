package kvraft

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestKillNoGoroutineLeak4B: after every server is killed and the network
// is cleaned up, the number of goroutines returns to what it was before
// the cluster started. The cluster first goes through what leaves
// goroutines behind if Kill is incomplete: snapshots, a server that needs
// InstallSnapshot, a crash and restart, and requests blocked in a
// minority.
//
// It uses only names and signatures that the course's config.go and
// test_test.go also have, so it compiles with a course harness dropped in.
func TestKillNoGoroutineLeak4B(t *testing.T) {
	base := runtime.NumGoroutine()
	const nservers = 3
	cfg := make_config(t, nservers, false, 1000)
	defer cfg.cleanup()
	cfg.begin("Test: no goroutine leak after Kill (4B)")
	ck := cfg.makeClient(cfg.All())
	Put(cfg, ck, "a", "A", nil, -1)

	// Server 2 falls behind a snapshot, then catches up with it.
	cfg.partition([]int{0, 1}, []int{2})
	ck01 := cfg.makeClient([]int{0, 1})
	for i := range 30 {
		Put(cfg, ck01, strconv.Itoa(i), "value "+strconv.Itoa(i), nil, -1)
	}
	cfg.ShutdownServer(0)
	cfg.StartServer(0)
	cfg.ConnectAll()
	check(cfg, t, ck, "29", "value 29")

	// A request waiting in a deposed leader's submit when everything is
	// killed. It is sent on a raw end, not by a Clerk: a Clerk retries
	// forever, and would outlive the cluster by design.
	_, leader := cfg.Leader()
	others := []int{}
	for i := range nservers {
		if i != leader {
			others = append(others, i)
		}
	}
	cfg.partition(others, []int{leader})
	end := cfg.net.MakeEnd("leak-test-raw-end")
	cfg.net.Connect("leak-test-raw-end", leader)
	cfg.net.Enable("leak-test-raw-end", true)
	blocked := make(chan bool, 1)
	go func() {
		var reply GetReply
		ok := end.Call("KVServer.Get", &GetArgs{Key: "a", ClientId: 1 << 40, Seq: 1}, &reply)
		blocked <- ok && reply.Err != ErrWrongLeader
	}()
	check(cfg, t, cfg.makeClient(others), "a", "A")
	time.Sleep(100 * time.Millisecond) // let the request reach the server, which waits for an agreement that cannot come (a minority)

	cfg.cleanup()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("expected at most %d goroutines within 5s of Kill and Cleanup (as many as before the cluster started), got %d; seed %d (rerun with RAFTLAB_SEED=%d); stacks:\n%s",
				base, runtime.NumGoroutine(), cfg.net.Seed(), cfg.net.Seed(), buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if answered := <-blocked; answered {
		t.Fatalf("Get sent to a leader cut off in a minority was answered; expected no answer; seed %d (rerun with RAFTLAB_SEED=%d)", cfg.net.Seed(), cfg.net.Seed())
	}
	cfg.end()
}
