package linearizability

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// hardKey is an illegal history that defeats the cache and Doomed: n
// concurrent appends of distinct values, so every order of them is a
// different state, then a get, recorded as a digest, that no order explains
// (one append missing). A digest tells Doomed only the value's length,
// which every order reaches alike, so proving the history illegal means
// trying all n! orders.
func hardKey(key string, n int) []Operation {
	h := wholeValueHardKey(key, n)
	h[n].Output = DigestKvOutput(h[n].Output.(KvOutput).Value)
	return h
}

// wholeValueHardKey is hardKey with the get's whole value recorded, which
// Doomed reads: an order that strays from the value's is cut off at once.
func wholeValueHardKey(key string, n int) []Operation {
	var h []Operation
	var seen strings.Builder
	for i := range n {
		v := fmt.Sprintf("%c", 'a'+i)
		h = append(h, appendOp(i, key, v, 0, 100))
		if i > 0 {
			seen.WriteString(v)
		}
	}
	return append(h, get(n, key, seen.String(), 101, 102))
}

// Out of time, the answer is Unknown: never a guess, and not long after the
// limit.
func TestTimeoutGivesUnknownPromptly(t *testing.T) {
	const limit = 100 * time.Millisecond
	for _, h := range [][]Operation{
		hardKey("x", 20), // illegal, but not provably in time
		append(hardKey("x", 20)[:20], Operation{20, KvInput{KvGet, "x", ""}, 101, DigestKvOutput("tsrqponmlkjihgfedcba"), 102}), // legal, found last
	} {
		start := time.Now()
		got, info := CheckOperationsTimeout(KvModel, h, limit)
		took := time.Since(start)
		if got != Unknown {
			t.Fatalf("verdict %v after %v, want Unknown", got, took)
		}
		if took > limit+2*time.Second {
			t.Fatalf("returned %v after a limit of %v", took, limit)
		}
		p := info.Partitions[0]
		if p.Result != Unknown || !strings.Contains(p.Reason, "time limit") {
			t.Fatalf("part says %v (%q), want Unknown for the time limit", p.Result, p.Reason)
		}
		if len(p.Prefix) == 0 {
			t.Fatalf("no prefix recorded for a search that ran %v", took)
		}
		if p.Stuck != -1 || p.Pending != nil {
			t.Fatalf("unfinished part blames op %d (pending %v): nothing is proven", p.Stuck, p.Pending)
		}
	}
}

// A small illegal key stops the search of a hopeless one: the verdict is
// Illegal long before the time limit, and the other key is reported as
// stopped, not as illegal.
func TestIllegalPartStopsTheOthers(t *testing.T) {
	h := append(hardKey("slow", 20), // illegal, provably so only after 20! steps
		put(0, "bad", "1", 200, 201),
		get(1, "bad", "2", 202, 203))
	before := runtime.NumGoroutine()
	start := time.Now()
	got, info := CheckOperationsTimeout(KvModel, h, 30*time.Second)
	took := time.Since(start)
	if got != Illegal {
		t.Fatalf("verdict %v, want Illegal", got)
	}
	if took > 5*time.Second {
		t.Fatalf("took %v: the illegal key did not stop the slow one", took)
	}
	for _, p := range info.Partitions {
		switch p.Label {
		case "key 'bad'":
			if p.Result != Illegal {
				t.Errorf("bad key: %v, want Illegal", p.Result)
			}
		case "key 'slow'":
			if p.Result != Unknown || !strings.Contains(p.Reason, "another part") {
				t.Errorf("slow key: %v (%q), want Unknown, stopped because of another part", p.Result, p.Reason)
			}
		}
	}
	// A worker's wg.Done runs before its goroutine has quite exited, so the
	// count may lag the return by a moment: wait for it, with a deadline.
	deadline := time.Now().Add(2 * time.Second)
	after := runtime.NumGoroutine()
	for after > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if after > before {
		t.Errorf("%d goroutines before the check, %d two seconds after it returned: a worker leaked", before, after)
	}
}

// A get's whole value lets Doomed cut a burst of concurrent appends down to
// the order the get saw: the histories hardKey makes hopeless (20! orders)
// are decided, legal or illegal, and the illegal one's diagnosis blames the
// get, which nothing can explain.
func TestWholeValuesPinTheOrder(t *testing.T) {
	legal := append(wholeValueHardKey("x", 20)[:20], get(20, "x", "tsrqponmlkjihgfedcba", 101, 102))
	info := checkKv(t, legal, Ok)
	if p := info.Partitions[0]; !isLinearization(legal, p.Prefix) {
		t.Fatalf("Ok with %v, which is not a linearization", p.Prefix)
	}
	// With no time limit: the plain search, run again to diagnose, must
	// give up within its budget (20! orders would never end).
	illegal := wholeValueHardKey("x", 20)
	done := make(chan bool, 1)
	go func() { done <- CheckOperations(KvModel, illegal) }()
	select {
	case ok := <-done:
		if ok {
			t.Fatalf("CheckOperations says linearizable, want not")
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("CheckOperations still running after 30 s: the diagnosis is not bounded")
	}
	got, info := CheckOperationsTimeout(KvModel, illegal, 10*time.Second)
	if got != Illegal {
		t.Fatalf("verdict %v, want Illegal", got)
	}
	// The diagnosis is the pruned search's: all 20 appends are a prefix
	// the model accepts (the 19 the get saw, in its order, then the one it
	// missed), after which the get can never be linearized.
	p := info.Partitions[0]
	want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0}
	if !slices.Equal(p.Prefix, want) || p.Stuck != 20 || !p.StuckDoomed || !p.Lookahead || p.Pending != nil {
		t.Errorf("prefix %v stuck %d doomed %v lookahead %v pending %v; want prefix %v, stuck 20 (the get), doomed, lookahead, nothing pending",
			p.Prefix, p.Stuck, p.StuckDoomed, p.Lookahead, p.Pending, want)
	}
	page := writePage(t, KvModel, info)
	if !strings.Contains(page, "can never be linearized") || !strings.Contains(page, "plain search ran out of steps") {
		t.Errorf("the page does not say the get can never be linearized, nor that the diagnosis is the look-ahead's")
	}
}
