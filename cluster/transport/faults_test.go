package transport

import (
	"testing"
	"time"

	"raftlab/labrpc"
)

// A dropped address loses every call (each waits out its deadline and
// fails, as across a partition); a delayed one answers that much later;
// Set replaces the faults, and without any the calls go through again.
func TestFaultsDropAndDelayCalls(t *testing.T) {
	s, _ := junkServer(t, Config{}, nil)
	f := &Faults{}
	c := client(t, s.Addr().String(), Config{Timeout: 300 * time.Millisecond, Faults: f})
	end := labrpc.MakeRemoteEnd(c)
	call := func() (bool, time.Duration) {
		var reply int
		start := time.Now()
		ok := end.Call("Junk.Double", 21, &reply)
		if ok && reply != 42 {
			t.Fatalf("Double(21) = %d", reply)
		}
		return ok, time.Since(start)
	}
	if ok, _ := call(); !ok {
		t.Fatal("a call with no faults failed")
	}

	f.Set([]string{s.Addr().String()}, nil)
	if ok, took := call(); ok || took < 300*time.Millisecond {
		t.Fatalf("a call to a dropped address: ok %v after %v; want false after the 300ms deadline", ok, took)
	}

	f.Set(nil, map[string]time.Duration{s.Addr().String(): 100 * time.Millisecond})
	if ok, took := call(); !ok || took < 100*time.Millisecond {
		t.Fatalf("a call with 100ms added: ok %v after %v; want true after 100ms or more", ok, took)
	}
	f.Set(nil, map[string]time.Duration{s.Addr().String(): time.Second})
	if ok, took := call(); ok || took > 900*time.Millisecond {
		t.Fatalf("a call delayed past its deadline: ok %v after %v; want false at the 300ms deadline", ok, took)
	}

	f.Set([]string{"127.0.0.1:1"}, nil) // another address: no fault on this one
	if ok, took := call(); !ok || took > 200*time.Millisecond {
		t.Fatalf("a call after the faults were replaced: ok %v after %v", ok, took)
	}
}

// Close ends a call waiting out a drop at once.
func TestCloseEndsADroppedCall(t *testing.T) {
	s, _ := junkServer(t, Config{}, nil)
	f := &Faults{}
	f.Set([]string{s.Addr().String()}, nil)
	c := client(t, s.Addr().String(), Config{Timeout: time.Minute, Faults: f})
	var reply int
	ch := goCall(labrpc.MakeRemoteEnd(c), "Junk.Double", 1, &reply)
	time.AfterFunc(50*time.Millisecond, func() { c.Close() })
	if r := await(t, ch, 5*time.Second, "a dropped call after Close"); r.ok {
		t.Fatal("a dropped call succeeded")
	}
}
