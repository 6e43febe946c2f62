package labrpc

// Cleanup: it ends every Call in flight and every goroutine labrpc started.

import (
	"runtime"
	"testing"
	"time"
)

// TestCleanup: Cleanup ends every Call in flight at once, whatever it waits
// for, and then every goroutine labrpc started, except handlers still
// running user code; a Call after Cleanup fails at once.
func TestCleanup(t *testing.T) {
	before := runtime.NumGoroutine()

	rn := MakeNetwork()
	rn.LongDelays(true)
	js := addJunk(rn, "server")
	defer js.unblock()
	disabled := rn.MakeEnd("disabled")
	rn.Connect("disabled", "server")
	stuck := connectedEnd(rn, "stuck", "server")

	var chs []<-chan callResult
	for i := 0; i < 5; i++ {
		chs = append(chs, goCall(disabled, "JunkServer.Handler2", i, new(string)))
	}
	for i := 0; i < 3; i++ {
		chs = append(chs, goCall(stuck, "JunkServer.Block", i, new(int)))
	}
	waitFor(t, prompt, "the Calls to be sent and the handlers to start", func() bool {
		return rn.GetTotalCount() == 8 && js.blocked.Load() == 3
	})

	rn.Cleanup()
	for i, ch := range chs {
		if r := awaitCall(t, ch, prompt, "Call in flight at Cleanup"); r.ok {
			t.Fatalf("call %d in flight at Cleanup returned true", i)
		}
	}
	// Only the three handlers blocked in user code remain; once released,
	// they end too.
	waitFor(t, prompt, "only the blocked handlers to outlive Cleanup", func() bool {
		return runtime.NumGoroutine() <= before+3
	})
	js.unblock()
	waitFor(t, prompt, "the goroutine count to fall back to its level before the test", func() bool {
		return runtime.NumGoroutine() <= before
	})

	count := rn.GetCount("server")
	start := time.Now()
	if stuck.Call("JunkServer.Handler2", 1, new(string)) {
		t.Fatalf("Call after Cleanup returned true")
	}
	if disabled.Call("JunkServer.Handler2", 1, new(string)) {
		t.Fatalf("Call on a disabled end after Cleanup returned true")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Calls after Cleanup took %v to fail, want no delay", d)
	}
	if n := rn.GetCount("server"); n != count {
		t.Fatalf("a Call after Cleanup reached the handler: GetCount went from %d to %d", count, n)
	}
	rn.Cleanup() // a second Cleanup is harmless
}

// TestCleanupUnreliable: Cleanup also cuts short the unreliable request
// delay and the long reply delay.
func TestCleanupUnreliable(t *testing.T) {
	rn := makeNet(t)
	rn.Reliable(false)
	rn.LongReordering(true)
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")

	var chs []<-chan callResult
	for i := 0; i < 20; i++ {
		chs = append(chs, goCall(e, "JunkServer.Handler3", i, new(int)))
	}
	// Once some replies are likely held back, shut down: neither the
	// request delay nor up to 2.2 s of reply delay may be waited out.
	waitFor(t, prompt, "some requests to be handled", func() bool { return rn.GetCount("server") >= 5 })
	rn.Cleanup()
	for _, ch := range chs {
		awaitCall(t, ch, time.Second, "Call in a simulated delay at Cleanup")
	}
}
