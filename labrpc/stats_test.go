package labrpc

// Counts of bytes and of calls per method, and the seeded random source.

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBytes: the byte counts are the sizes of the labgob encodings of the
// requests sent and the replies delivered.
func TestBytes(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")

	var want int64
	for i := 0; i < 17; i++ {
		args := strings.Repeat("x", 128*i) + "7"
		var reply int
		if !e.Call("JunkServer.Handler1", args, &reply) {
			t.Fatalf("call %d returned false on a reliable network", i)
		}
		want += encodedLen(t, args) + encodedLen(t, &reply)
	}
	if got := rn.GetTotalBytes(); got != want {
		t.Fatalf("GetTotalBytes() = %d after 17 round trips, want %d", got, want)
	}
	if want < 17*128*8 {
		t.Fatalf("expected at least the payload, %d bytes, in %d", 17*128*8, want)
	}

	// A request that is lost counts; there is no reply to count.
	lost := rn.MakeEnd("lost")
	lost.Call("JunkServer.Handler1", "12345", new(int))
	want += encodedLen(t, "12345")
	if got := rn.GetTotalBytes(); got != want {
		t.Fatalf("GetTotalBytes() = %d after a lost request, want %d", got, want)
	}
}

// TestMethodStats: per-method calls, replies and bytes, consistent with the
// network's totals.
func TestMethodStats(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")
	lost := rn.MakeEnd("lost") // disabled: its requests are sent and lost

	var want2 MethodStat
	for i := 0; i < 3; i++ {
		var s string
		if !e.Call("JunkServer.Handler2", i*1000, &s) {
			t.Fatalf("Handler2 call %d returned false", i)
		}
		want2.Calls++
		want2.Replies++
		want2.ArgBytes += encodedLen(t, i*1000)
		want2.ReplyBytes += encodedLen(t, &s)
	}
	lost.Call("JunkServer.Handler2", 5, new(string))
	want2.Calls++
	want2.ArgBytes += encodedLen(t, 5)

	var wantEcho MethodStat
	for i := 0; i < 2; i++ {
		args := &Bag{Name: strings.Repeat("n", 100*i), Items: make([]int, 50*i), Inner: &Inner{V: i}}
		var reply Bag
		if !e.Call("JunkServer.Echo", args, &reply) {
			t.Fatalf("Echo call %d returned false", i)
		}
		wantEcho.Calls++
		wantEcho.Replies++
		wantEcho.ArgBytes += encodedLen(t, args)
		wantEcho.ReplyBytes += encodedLen(t, &reply)
	}

	stats := rn.MethodStats()
	if len(stats) != 2 {
		t.Fatalf("MethodStats has %d methods, want Handler2 and Echo: %+v", len(stats), stats)
	}
	if got := stats["JunkServer.Handler2"]; got != want2 {
		t.Fatalf("JunkServer.Handler2: want %+v, got %+v", want2, got)
	}
	if got := stats["JunkServer.Echo"]; got != wantEcho {
		t.Fatalf("JunkServer.Echo: want %+v, got %+v", wantEcho, got)
	}
	checkTotals(t, rn)

	// The result is a copy.
	stats["JunkServer.Echo"] = MethodStat{}
	delete(stats, "JunkServer.Handler2")
	if got := rn.MethodStats(); got["JunkServer.Echo"] != wantEcho || got["JunkServer.Handler2"] != want2 {
		t.Fatalf("changing the map MethodStats returned changed the network's counters: %+v", got)
	}
}

// checkTotals checks that the per-method stats add up to the totals.
func checkTotals(t *testing.T, rn *Network) {
	t.Helper()
	var calls, bytes int64
	for _, st := range rn.MethodStats() {
		if st.Replies > st.Calls {
			t.Fatalf("more replies than calls: %+v", st)
		}
		calls += st.Calls
		bytes += st.ArgBytes + st.ReplyBytes
	}
	if calls != int64(rn.GetTotalCount()) || bytes != rn.GetTotalBytes() {
		t.Fatalf("MethodStats add up to %d calls and %d bytes, GetTotalCount and GetTotalBytes say %d and %d",
			calls, bytes, rn.GetTotalCount(), rn.GetTotalBytes())
	}
}

// TestSameSeed: networks with the same seed make the same drop decisions
// for a caller that calls one at a time; another seed makes different ones.
func TestSameSeed(t *testing.T) {
	t.Parallel()
	type run struct {
		pattern string // one byte per Call: 1 for success, 0 for failure
		handled int    // requests that reached the handler
		took    time.Duration
	}
	schedule := func(seed int64) run {
		rn := MakeNetworkSeeded(seed)
		defer rn.Cleanup()
		if rn.Seed() != seed {
			t.Errorf("MakeNetworkSeeded(%d).Seed() = %d", seed, rn.Seed())
		}
		rn.Reliable(false)
		addJunk(rn, "server")
		e := connectedEnd(rn, "end", "server")
		var b strings.Builder
		start := time.Now()
		for i := 0; i < 100; i++ {
			if e.Call("JunkServer.Handler3", i, new(int)) {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		return run{b.String(), rn.GetCount("server"), time.Since(start)}
	}

	seeds := []int64{42, 42, 43}
	runs := make([]run, len(seeds))
	var wg sync.WaitGroup
	for i, seed := range seeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = schedule(seed)
		}()
	}
	wg.Wait()

	a, b, c := runs[0], runs[1], runs[2]
	if a.pattern != b.pattern || a.handled != b.handled {
		t.Fatalf("seed 42 twice gave different schedules:\n%s (%d handled)\n%s (%d handled)",
			a.pattern, a.handled, b.pattern, b.handled)
	}
	if !strings.Contains(a.pattern, "0") || !strings.Contains(a.pattern, "1") {
		t.Fatalf("seed 42 on an unreliable network: want both failures and successes, got %s", a.pattern)
	}
	if a.pattern == c.pattern {
		t.Fatalf("seeds 42 and 43 gave the same 100 outcomes: %s", a.pattern)
	}
	// Each request waits a random 0-27 ms: 100 sequential Calls average
	// 1.3 s, with a standard deviation under 0.1 s.
	for i, r := range runs {
		if r.took < 300*time.Millisecond {
			t.Fatalf("seed %d: 100 unreliable Calls took only %v; are requests delayed?", seeds[i], r.took)
		}
	}
}

func TestSeedFromEnv(t *testing.T) {
	t.Setenv(SeedEnv, "12345")
	if s := MakeNetwork().Seed(); s != 12345 {
		t.Fatalf("with %s=12345, Seed() = %d", SeedEnv, s)
	}
	t.Setenv(SeedEnv, "-7")
	if s := MakeNetwork().Seed(); s != -7 {
		t.Fatalf("with %s=-7, Seed() = %d", SeedEnv, s)
	}

	t.Setenv(SeedEnv, "")
	s1, s2 := MakeNetwork().Seed(), MakeNetwork().Seed()
	if s1 == s2 {
		t.Fatalf("without %s, two networks got the same seed %d", SeedEnv, s1)
	}

	t.Setenv(SeedEnv, "bogus")
	out := captureDiagnostics(t, func() { MakeNetwork() })
	if !strings.Contains(out, SeedEnv) || !strings.Contains(out, `"bogus"`) {
		t.Fatalf("with %s=bogus, want a warning naming the variable and its value, got %q", SeedEnv, out)
	}
}
