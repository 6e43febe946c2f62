package kvraft

import (
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStateMachineApply(t *testing.T) {
	sm := newStateMachine()
	steps := []struct {
		op        Op
		wantValue string
		wantErr   Err
	}{
		{Op{Kind: OpGet, Key: "a", ClientId: 1, Seq: 1}, "", ErrNoKey},
		{Op{Kind: OpPut, Key: "a", Value: "x", ClientId: 1, Seq: 2}, "", OK},
		{Op{Kind: OpAppend, Key: "a", Value: "y", ClientId: 2, Seq: 1}, "", OK},
		{Op{Kind: OpGet, Key: "a", ClientId: 2, Seq: 2}, "xy", OK},
		{Op{Kind: OpAppend, Key: "b", Value: "z", ClientId: 1, Seq: 3}, "", OK},
		{Op{Kind: OpGet, Key: "b", ClientId: 1, Seq: 4}, "z", OK},
		{Op{Kind: OpPut, Key: "a", Value: "", ClientId: 3, Seq: 1}, "", OK},
		{Op{Kind: OpGet, Key: "a", ClientId: 3, Seq: 2}, "", OK}, // present but empty
		{Op{Kind: OpDelete, Key: "b", ClientId: 3, Seq: 3}, "", OK},
		{Op{Kind: OpGet, Key: "b", ClientId: 3, Seq: 4}, "", ErrNoKey}, // gone
		{Op{Kind: OpDelete, Key: "never", ClientId: 3, Seq: 5}, "", OK},
		{Op{Kind: OpAppend, Key: "b", Value: "w", ClientId: 3, Seq: 6}, "", OK},
		{Op{Kind: OpGet, Key: "b", ClientId: 3, Seq: 7}, "w", OK}, // afresh
	}
	for i, s := range steps {
		v, err := sm.apply(i+1, s.op)
		if v != s.wantValue || err != s.wantErr {
			t.Fatalf("step %d %v: got (%q, %s), want (%q, %s)", i+1, s.op, v, err, s.wantValue, s.wantErr)
		}
	}
	if sm.LastApplied != len(steps) {
		t.Fatalf("LastApplied %d, want %d", sm.LastApplied, len(steps))
	}
}

// A retried request, committed twice in the log, takes effect once, and the
// retry gets the original's answer.
func TestStateMachineExactlyOnce(t *testing.T) {
	sm := newStateMachine()
	sm.apply(1, Op{Kind: OpAppend, Key: "k", Value: "1", ClientId: 7, Seq: 1})
	sm.apply(2, Op{Kind: OpAppend, Key: "k", Value: "1", ClientId: 7, Seq: 1}) // the retry
	sm.apply(3, Op{Kind: OpAppend, Key: "k", Value: "2", ClientId: 8, Seq: 1})
	v, err := sm.apply(4, Op{Kind: OpGet, Key: "k", ClientId: 7, Seq: 2})
	if v != "12" || err != OK {
		t.Fatalf("after a duplicated append: %q %s, want 12", v, err)
	}
	// A retried Get answers what the first execution saw, not the present.
	sm.apply(5, Op{Kind: OpAppend, Key: "k", Value: "3", ClientId: 8, Seq: 2})
	if v, _ := sm.apply(6, Op{Kind: OpGet, Key: "k", ClientId: 7, Seq: 2}); v != "12" {
		t.Fatalf("retried Get returned %q, want the recorded 12", v)
	}
	// An old request arriving late changes nothing.
	sm.apply(7, Op{Kind: OpPut, Key: "k", Value: "stale", ClientId: 8, Seq: 1})
	if string(sm.Store["k"]) != "123" {
		t.Fatalf("store %q after a stale request, want 123", sm.Store["k"])
	}
	if last, dup := sm.duplicate(7, 2); !dup || last.Value != "12" {
		t.Fatalf("duplicate(7, 2) = %+v %v", last, dup)
	}
	if _, dup := sm.duplicate(7, 3); dup {
		t.Fatal("duplicate(7, 3) is a new request")
	}
	if _, dup := sm.duplicate(99, 1); dup {
		t.Fatal("an unknown client's first request is not a duplicate")
	}
}

func TestStateMachineSnapshotRoundTrip(t *testing.T) {
	sm := newStateMachine()
	sm.apply(1, Op{Kind: OpPut, Key: "a", Value: "1", ClientId: 1, Seq: 1})
	sm.apply(2, Op{Kind: OpGet, Key: "a", ClientId: 2, Seq: 5})
	sm.apply(3, Op{Kind: OpGet, Key: "missing", ClientId: 3, Seq: 1})
	back, err := decodeStateMachine(sm.encode())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sm, back) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, sm)
	}
	// Exactly once survives the snapshot.
	if v, _ := back.apply(4, Op{Kind: OpGet, Key: "a", ClientId: 2, Seq: 5}); v != "1" {
		t.Fatalf("duplicate after restore: %q", v)
	}
	if v, err := back.apply(5, Op{Kind: OpGet, Key: "missing", ClientId: 3, Seq: 1}); v != "" || err != ErrNoKey {
		t.Fatalf("recorded ErrNoKey lost in the snapshot: %q %s", v, err)
	}
}

// Values grown by Append and present-but-empty values come back exactly,
// and the restored store keeps appending where the original left off.
func TestStateMachineSnapshotRestoresValuesExactly(t *testing.T) {
	sm := newStateMachine()
	seq := int64(0)
	do := func(sm *stateMachine, kind OpKind, key, value string) (string, Err) {
		seq++
		return sm.apply(sm.LastApplied+1, Op{Kind: kind, Key: key, Value: value, ClientId: 1, Seq: seq})
	}
	want := map[string]string{"empty": "", "grown": ""}
	do(sm, OpPut, "empty", "")
	for i := range 1000 {
		v := "<" + strconv.Itoa(i) + ">"
		do(sm, OpAppend, "grown", v)
		want["grown"] += v
	}
	back, err := decodeStateMachine(sm.encode())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*stateMachine{sm, back} {
		if len(m.Store) != len(want) {
			t.Fatalf("store has %d keys, want %d", len(m.Store), len(want))
		}
		for k, w := range want {
			if v, err := do(m, OpGet, k, ""); v != w || err != OK {
				t.Fatalf("Get(%q) = (%d bytes, %s), want (%d bytes, OK)", k, len(v), err, len(w))
			}
		}
	}
	// A Get's result is a string of its own: appending after it, in the
	// original or the restored state, does not change what was returned.
	got, _ := do(back, OpGet, "grown", "")
	do(back, OpAppend, "grown", "!")
	do(sm, OpAppend, "grown", "?")
	if got != want["grown"] {
		t.Fatal("a returned value changed after a later Append")
	}
	if v, _ := do(back, OpGet, "grown", ""); v != want["grown"]+"!" {
		t.Fatalf("restored store appends wrongly: ends %q", v[len(v)-8:])
	}
}

// An Append costs what it adds, amortized, not the value's length: the
// bytes allocated by n appends of 10 bytes to one key stay within a small
// multiple of the final value (a copy-the-value Append allocates ~n²/2
// times 10 bytes: 500 MB for n = 10,000).
func TestStateMachineAppendCostIsAmortized(t *testing.T) {
	const n, size = 10000, 10
	sm := newStateMachine()
	value := strings.Repeat("a", size)
	op := Op{Kind: OpAppend, Key: "k", Value: value, ClientId: 1}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range n {
		op.Seq = int64(i + 1)
		sm.apply(i+1, op)
	}
	runtime.ReadMemStats(&after)
	final := n * size
	// Slice growth allocates under 2x the final size in all; the per-client
	// record of each request adds a few map writes.
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(8*final) {
		t.Fatalf("%d appends of %d bytes allocated %d bytes, want at most 8 x the %d-byte value", n, size, got, final)
	}
	if len(sm.Store["k"]) != final {
		t.Fatalf("value is %d bytes, want %d", len(sm.Store["k"]), final)
	}
}

func TestStateMachineSnapshotOfSmallStoreIsSmall(t *testing.T) {
	sm := newStateMachine()
	for i := 1; i <= 100; i++ {
		sm.apply(i, Op{Kind: OpPut, Key: "k", Value: "v", ClientId: 1, Seq: int64(i)})
	}
	if n := len(sm.encode()); n > 300 {
		t.Fatalf("snapshot of a one-key store is %d bytes", n)
	}
}

func TestDecodeStateMachineBadInput(t *testing.T) {
	if sm, err := decodeStateMachine(nil); err != nil || sm.LastApplied != 0 || sm.Store == nil {
		t.Fatalf("empty snapshot: %+v %v", sm, err)
	}
	good := newStateMachine()
	good.apply(1, Op{Kind: OpPut, Key: "a", Value: "1", ClientId: 1, Seq: 1})
	data := good.encode()
	for name, bad := range map[string][]byte{
		"garbage":   []byte("not a snapshot"),
		"truncated": data[:len(data)-4],
	} {
		if _, err := decodeStateMachine(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestStateMachineApplyOutOfOrderPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("applying index 3 after 1 did not panic")
		}
	}()
	sm := newStateMachine()
	sm.apply(1, Op{Kind: OpPut, Key: "a", ClientId: 1, Seq: 1})
	sm.apply(3, Op{Kind: OpPut, Key: "a", ClientId: 1, Seq: 2})
}

// BenchmarkStateMachineAppend: 100,000 appends of 10 bytes to one key on a
// fresh state machine per iteration. Reports time and bytes allocated per
// append, and the time per append of the first and of the last 10,000, which
// stay close when an Append costs what it adds.
func BenchmarkStateMachineAppend(b *testing.B) {
	const n, size, tenth = 100000, 10, 10000
	value := strings.Repeat("a", size)
	var first, last time.Duration
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		sm := newStateMachine()
		op := Op{Kind: OpAppend, Key: "k", Value: value, ClientId: 1}
		start := time.Now()
		for i := range n {
			if i == tenth {
				first += time.Since(start)
			}
			if i == n-tenth {
				start = time.Now()
			}
			op.Seq = int64(i + 1)
			sm.apply(i+1, op)
		}
		last += time.Since(start)
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	appends := float64(b.N) * n
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/appends, "ns/append")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/appends, "B/append")
	b.ReportMetric(float64(first.Nanoseconds())/float64(b.N*tenth), "ns/append-first-10k")
	b.ReportMetric(float64(last.Nanoseconds())/float64(b.N*tenth), "ns/append-last-10k")
	b.ReportMetric(0, "ns/op")
}
