package kvraft

import (
	"reflect"
	"testing"
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
	if sm.Store["k"] != "123" {
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
