package labrpc

// Faults: crashed servers, cut connections, partition timeouts, loss and
// reordering. Timing bounds are generous on purpose (the suite
// runs under -race on a loaded two-core machine); statistical bounds are
// several standard deviations wide.

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// prompt bounds how long a Call may take to notice something that should
// end it at once (a crash, a cut, Cleanup). It is far above the real
// latency and far below the delays it must not wait out.
const prompt = 2 * time.Second

// TestKilled: a Call stuck in a handler returns false when the server is
// deleted, and the handler's reply, when it finally comes, is thrown away.
func TestKilled(t *testing.T) {
	rn := makeNet(t)
	js := addJunk(rn, "server")
	t.Cleanup(js.unblock)
	e := connectedEnd(rn, "end", "server")

	var reply int
	ch := goCall(e, "JunkServer.Block", 7, &reply)
	waitFor(t, prompt, "the Block handler to start", func() bool { return js.blocked.Load() == 1 })
	rn.DeleteServer("server")
	if r := awaitCall(t, ch, prompt, "Call to a deleted server"); r.ok {
		t.Fatalf("Call to a server deleted while its handler ran returned true")
	}

	js.unblock()
	waitFor(t, prompt, "the released handler to return", func() bool { return js.finished.Load() == 1 })
	if reply != 0 {
		t.Fatalf("the crashed server's late reply reached the caller: reply = %d", reply)
	}
	if st := rn.MethodStats()["JunkServer.Block"]; st.Calls != 1 || st.Replies != 0 {
		t.Fatalf("Block stats after a crash: want 1 call and 0 replies, got %+v", st)
	}
	if n := rn.GetCount("server"); n != 0 {
		t.Fatalf("GetCount of a deleted server = %d, want 0", n)
	}

	// Later calls fail like a partition: within 100 ms plus slack.
	start := time.Now()
	var s string
	if e.Call("JunkServer.Handler2", 1, &s) {
		t.Fatalf("Call to a deleted server returned true")
	}
	if d := time.Since(start); d > 100*time.Millisecond+prompt {
		t.Fatalf("Call to a deleted server took %v, want about 100 ms at most", d)
	}
}

// TestDeleteThenAdd: a server added again under a deleted name serves, and
// its count starts afresh.
func TestDeleteThenAdd(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")
	var s string
	if !e.Call("JunkServer.Handler2", 1, &s) {
		t.Fatalf("Call before the crash returned false")
	}
	rn.DeleteServer("server")
	rn.DeleteServer("server") // deleting twice is harmless
	if e.Call("JunkServer.Handler2", 2, new(string)) {
		t.Fatalf("Call after DeleteServer returned true")
	}

	js2 := addJunk(rn, "server")
	s = ""
	if !e.Call("JunkServer.Handler2", 3, &s) || s != "handler2-3" {
		t.Fatalf("Call to the re-added server: want true and %q, got %q", "handler2-3", s)
	}
	js2.mu.Lock()
	log2 := js2.log2
	js2.mu.Unlock()
	if len(log2) != 1 || log2[0] != 3 || rn.GetCount("server") != 1 {
		t.Fatalf("the new incarnation saw %v (GetCount %d), want only [3]", log2, rn.GetCount("server"))
	}
}

// TestAddServerReplaces: adding a server under a live name crashes the old
// one; its in-flight Calls fail.
func TestAddServerReplaces(t *testing.T) {
	rn := makeNet(t)
	old := addJunk(rn, "server")
	t.Cleanup(old.unblock)
	e := connectedEnd(rn, "end", "server")

	ch := goCall(e, "JunkServer.Block", 1, new(int))
	waitFor(t, prompt, "the Block handler to start", func() bool { return old.blocked.Load() == 1 })
	addJunk(rn, "server")
	if r := awaitCall(t, ch, prompt, "Call to a replaced server"); r.ok {
		t.Fatalf("Call to a server replaced while its handler ran returned true")
	}
	var s string
	if !e.Call("JunkServer.Handler2", 2, &s) || s != "handler2-2" {
		t.Fatalf("Call to the replacement: want %q, got %q", "handler2-2", s)
	}
}

// TestDisableInFlight: disabling an end fails the Calls in flight on it.
func TestDisableInFlight(t *testing.T) {
	rn := makeNet(t)
	js := addJunk(rn, "server")
	t.Cleanup(js.unblock)
	e := connectedEnd(rn, "end", "server")
	other := connectedEnd(rn, "other", "server")

	const n = 3
	var chs []<-chan callResult
	for i := 0; i < n; i++ {
		chs = append(chs, goCall(e, "JunkServer.Block", i, new(int)))
	}
	otherCh := goCall(other, "JunkServer.Block", 9, new(int))
	waitFor(t, prompt, "the Block handlers to start", func() bool { return js.blocked.Load() == n+1 })
	rn.Enable("end", false)
	for i, ch := range chs {
		if r := awaitCall(t, ch, prompt, "in-flight Call on a disabled end"); r.ok {
			t.Fatalf("in-flight call %d returned true after its end was disabled", i)
		}
	}
	select {
	case r := <-otherCh:
		t.Fatalf("a Call on another end returned (%v) when only \"end\" was disabled", r.ok)
	default:
	}
	js.unblock()
	if r := awaitCall(t, otherCh, prompt, "Call on the enabled end"); !r.ok {
		t.Fatalf("Call on the still-enabled end returned false")
	}
	rn.Enable("end", true)
	if !e.Call("JunkServer.Handler2", 1, new(string)) {
		t.Fatalf("Call after re-enabling the end returned false")
	}
}

// TestDisabledTimeout: a Call on a disabled end fails after at most 100 ms
// (plus slack for a loaded machine).
func TestDisabledTimeout(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	e := rn.MakeEnd("end")
	rn.Connect("end", "server")

	var chs []<-chan callResult
	for i := 0; i < 10; i++ {
		chs = append(chs, goCall(e, "JunkServer.Handler2", i, new(string)))
	}
	for i, ch := range chs {
		r := awaitCall(t, ch, 100*time.Millisecond+prompt, "Call on a disabled end")
		if r.ok {
			t.Fatalf("call %d on a disabled end returned true", i)
		}
	}
}

// TestLongDelays: with LongDelays a disabled end takes up to 7 s to fail, so
// some of several Calls take well over the usual 100 ms.
func TestLongDelays(t *testing.T) {
	t.Parallel()
	rn := makeNet(t)
	rn.LongDelays(true)
	addJunk(rn, "server")
	e := rn.MakeEnd("end")
	rn.Connect("end", "server")

	// Each delay is uniform in [0, 7 s): all four under 100 ms has
	// probability (1/70)^4, below one in twenty million.
	const n = 4
	var chs []<-chan callResult
	for i := 0; i < n; i++ {
		chs = append(chs, goCall(e, "JunkServer.Handler2", i, new(string)))
	}
	var longest time.Duration
	for i, ch := range chs {
		r := awaitCall(t, ch, 7*time.Second+prompt, "Call on a disabled end with LongDelays")
		if r.ok {
			t.Fatalf("call %d on a disabled end returned true", i)
		}
		longest = max(longest, r.took)
	}
	if longest <= 100*time.Millisecond {
		t.Fatalf("with LongDelays the slowest of %d failing Calls took %v, want over 100 ms", n, longest)
	}
}

// TestRegression1: Calls delayed while an end was disabled do not hold up
// Calls made after it is enabled again.
func TestRegression1(t *testing.T) {
	rn := makeNet(t)
	rn.LongDelays(true)
	addJunk(rn, "server")
	e := rn.MakeEnd("end")
	rn.Connect("end", "server")

	var chs []<-chan callResult
	for i := 0; i < 5; i++ {
		chs = append(chs, goCall(e, "JunkServer.Handler2", i, new(string)))
	}
	waitFor(t, prompt, "the disabled Calls to be sent", func() bool { return rn.GetTotalCount() == 5 })

	rn.Enable("end", true)
	start := time.Now()
	var s string
	if !e.Call("JunkServer.Handler2", 99, &s) || s != "handler2-99" {
		t.Fatalf("Call after Enable: want %q, got %q", "handler2-99", s)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Call after Enable took %v: held up by the Calls delayed while disabled?", d)
	}

	// Rather than wait out up to 7 s, end the delayed Calls with Cleanup.
	rn.Cleanup()
	for i, ch := range chs {
		if r := awaitCall(t, ch, prompt, "delayed Call after Cleanup"); r.ok {
			t.Fatalf("call %d made while the end was disabled returned true", i)
		}
	}
}

// TestUnreliable: each request and each reply is lost with probability
// 1/10, so about 19% of round trips fail and about 90% of requests reach the
// handler.
func TestUnreliable(t *testing.T) {
	t.Parallel()
	rn := makeNet(t)
	rn.Reliable(false)
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")

	const workers, each = 50, 20
	const total = workers * each
	var succeeded, wrong atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				arg := w*each + i
				var s string
				if e.Call("JunkServer.Handler2", arg, &s) {
					succeeded.Add(1)
					if s != "handler2-"+strconv.Itoa(arg) {
						wrong.Add(1)
					}
				}
			}
		}(w)
	}
	wg.Wait()

	if wrong.Load() != 0 {
		t.Fatalf("%d successful Calls carried a wrong reply", wrong.Load())
	}
	// Over 1000 trials the standard deviations are 1.2% for the loss and
	// 0.9% for delivery. The bounds are about five deviations out, yet tight
	// enough to fail if either the request or the reply loss is missing
	// (10% expected) or doubled (27%).
	loss := 1 - float64(succeeded.Load())/total
	if loss < 0.13 || loss > 0.25 {
		t.Fatalf("unreliable network lost %.1f%% of %d round trips, want about 19%%", 100*loss, total)
	}
	delivered := float64(rn.GetCount("server")) / total
	if delivered < 0.80 || delivered > 0.97 {
		t.Fatalf("unreliable network delivered %.1f%% of %d requests, want about 90%%", 100*delivered, total)
	}
	st := rn.MethodStats()["JunkServer.Handler2"]
	if st.Calls != total || st.Replies != succeeded.Load() {
		t.Fatalf("Handler2 stats: want %d calls and %d replies, got %+v", total, succeeded.Load(), st)
	}
	checkTotals(t, rn)
	t.Logf("lost %.1f%% of round trips, delivered %.1f%% of requests", 100*loss, 100*delivered)
}

// TestLongReordering: with LongReordering some replies are held back for
// 200-2200 ms, so replies to later requests overtake them.
func TestLongReordering(t *testing.T) {
	t.Parallel()
	rn := makeNet(t)
	rn.LongReordering(true)
	js := addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")

	// Start the Calls one by one, each once the previous one was handled, so
	// that the handling order is the sending order. About 2/3 of the replies
	// are delayed; with 40 Calls, none or all delayed is vanishingly rare.
	const n = 40
	type result struct {
		callResult
		handled int // position in handling order, from the reply
		arrived int // position in arrival order
	}
	var arrivals atomic.Int64
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := time.Now()
			ok := e.Call("JunkServer.Seq", 0, &results[i].handled)
			results[i].arrived = int(arrivals.Add(1))
			results[i].callResult = callResult{ok, time.Since(start)}
		}(i)
		waitFor(t, prompt, "the Seq handler to run", func() bool {
			js.mu.Lock()
			defer js.mu.Unlock()
			return js.seq == i+1
		})
	}
	wg.Wait()

	var delayed int
	overtaken := false
	for i, r := range results {
		if !r.ok {
			t.Fatalf("call %d returned false on a reliable network with LongReordering", i)
		}
		if r.took > 2200*time.Millisecond+prompt {
			t.Fatalf("call %d took %v, want at most 2.2 s", i, r.took)
		}
		if r.took >= 200*time.Millisecond {
			delayed++
		}
		for _, later := range results[i+1:] {
			if later.handled > r.handled && later.arrived < r.arrived && r.took >= 200*time.Millisecond {
				overtaken = true
			}
		}
	}
	if delayed == 0 {
		t.Fatalf("no reply of %d took 200 ms or more", n)
	}
	if !overtaken {
		t.Fatalf("no delayed reply was overtaken by the reply to a later request")
	}
	t.Logf("%d of %d replies delayed by 200 ms or more", delayed, n)
}
