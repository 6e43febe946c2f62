package kvraft

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"raftlab/labgob"
	"raftlab/labrpc"
)

func TestStateMachineApply(t *testing.T) {
	sm := newStateMachine(SessionTimeout)
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
	sm := newStateMachine(SessionTimeout)
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
	if v, err, ok := sm.answered(7, 2); !ok || v != "12" || err != OK {
		t.Fatalf("answered(7, 2) = (%q, %s, %v), want the recorded (12, OK)", v, err, ok)
	}
	if _, _, ok := sm.answered(7, 3); ok {
		t.Fatal("answered(7, 3): a new request must go through the log")
	}
	if _, _, ok := sm.answered(99, 1); ok {
		t.Fatal("answered(99, 1): an unknown client's first request must go through the log")
	}
	if _, _, ok := sm.answered(99, 5); ok {
		t.Fatal("answered(99, 5): a client without a session here must go through the log, which alone knows if it expired")
	}
}

// A request below the client's last applied Seq is an old copy of an
// earlier request: it gets ErrStaleRequest, never the last request's
// result, and changes nothing; the last Seq still gets the recorded result,
// on the applied path and from answered (KVServer.submit's early check).
func TestStateMachineStaleRequest(t *testing.T) {
	sm := newStateMachine(SessionTimeout)
	sm.apply(1, Op{Kind: OpPut, Key: "k", Value: "a", ClientId: 8, Seq: 1})
	sm.apply(2, Op{Kind: OpGet, Key: "k", ClientId: 8, Seq: 2})
	sm.apply(3, Op{Kind: OpPut, Key: "k", Value: "b", ClientId: 9, Seq: 1})
	for i, op := range []Op{
		{Kind: OpPut, Key: "k", Value: "stale", ClientId: 8, Seq: 1},
		{Kind: OpGet, Key: "k", ClientId: 8, Seq: 1},
		{Kind: OpAppend, Key: "k", Value: "stale", ClientId: 8, Seq: 0},
	} {
		if v, err := sm.apply(4+i, op); v != "" || err != ErrStaleRequest {
			t.Fatalf("%+v after client 8's Seq 2: (%q, %s), want (\"\", ErrStaleRequest)", op, v, err)
		}
		if v, err, ok := sm.answered(op.ClientId, op.Seq); !ok || v != "" || err != ErrStaleRequest {
			t.Fatalf("answered(8, %d) = (%q, %s, %v), want ErrStaleRequest", op.Seq, v, err, ok)
		}
	}
	if string(sm.Store["k"]) != "b" {
		t.Fatalf("store %q after stale requests, want b", sm.Store["k"])
	}
	// The last request's retry: the Get's recorded "a", not the present "b".
	if v, err := sm.apply(7, Op{Kind: OpGet, Key: "k", ClientId: 8, Seq: 2}); v != "a" || err != OK {
		t.Fatalf("retry of client 8's last request: (%q, %s), want its recorded (a, OK)", v, err)
	}
	if v, err, ok := sm.answered(8, 2); !ok || v != "a" || err != OK {
		t.Fatalf("answered(8, 2) = (%q, %s, %v), want (a, OK, true)", v, err, ok)
	}
	if s := sm.Sessions[8]; s.Seq != 2 || s.Value != "a" {
		t.Fatalf("client 8's session %+v: stale requests changed its record", s)
	}
}

func TestStateMachineSnapshotRoundTrip(t *testing.T) {
	sm := newStateMachine(SessionTimeout)
	sec := int64(time.Second)
	sm.apply(1, Op{Kind: OpPut, Key: "a", Value: "1", ClientId: 1, Seq: 1, LeaderTime: 1000 * sec})
	sm.apply(2, Op{Kind: OpGet, Key: "a", ClientId: 2, Seq: 1, LeaderTime: 1001 * sec})
	sm.apply(3, Op{Kind: OpGet, Key: "a", ClientId: 2, Seq: 2, LeaderTime: 1002 * sec})
	sm.apply(4, Op{Kind: OpGet, Key: "missing", ClientId: 3, Seq: 1, LeaderTime: 1001 * sec}) // an older clock: no effect
	back, err := decodeStateMachine(sm.encode(), SessionTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sm, back) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, sm)
	}
	if back.LogClock != 1002*sec || back.Sessions[1].LastActive != 1000*sec || back.Sessions[3].LastActive != 1002*sec {
		t.Fatalf("restored clock %d and sessions %+v: want the clock at 1002 s, client 1 active at 1000 s, client 3 at 1002 s", back.LogClock, back.Sessions)
	}
	// Exactly once survives the snapshot.
	if v, _ := back.apply(5, Op{Kind: OpGet, Key: "a", ClientId: 2, Seq: 2}); v != "1" {
		t.Fatalf("duplicate after restore: %q", v)
	}
	if v, err := back.apply(6, Op{Kind: OpGet, Key: "missing", ClientId: 3, Seq: 1}); v != "" || err != ErrNoKey {
		t.Fatalf("recorded ErrNoKey lost in the snapshot: %q %s", v, err)
	}
	if _, err := back.apply(7, Op{Kind: OpGet, Key: "a", ClientId: 2, Seq: 1}); err != ErrStaleRequest {
		t.Fatalf("stale request after restore: %s, want ErrStaleRequest", err)
	}
}

// Values grown by Append and present-but-empty values come back exactly,
// and the restored store keeps appending where the original left off.
func TestStateMachineSnapshotRestoresValuesExactly(t *testing.T) {
	sm := newStateMachine(SessionTimeout)
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
	back, err := decodeStateMachine(sm.encode(), SessionTimeout)
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
	sm := newStateMachine(SessionTimeout)
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
	sm := newStateMachine(SessionTimeout)
	for i := 1; i <= 100; i++ {
		sm.apply(i, Op{Kind: OpPut, Key: "k", Value: "v", ClientId: 1, Seq: int64(i)})
	}
	if n := len(sm.encode()); n > 300 {
		t.Fatalf("snapshot of a one-key store is %d bytes", n)
	}
}

func TestDecodeStateMachineBadInput(t *testing.T) {
	if sm, err := decodeStateMachine(nil, SessionTimeout); err != nil || sm.LastApplied != 0 || sm.Store == nil {
		t.Fatalf("empty snapshot: %+v %v", sm, err)
	}
	good := newStateMachine(SessionTimeout)
	good.apply(1, Op{Kind: OpPut, Key: "a", Value: "1", ClientId: 1, Seq: 1})
	data := good.encode()
	for name, bad := range map[string][]byte{
		"garbage":   []byte("not a snapshot"),
		"truncated": data[:len(data)-4],
	} {
		if _, err := decodeStateMachine(bad, SessionTimeout); err == nil {
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
	sm := newStateMachine(SessionTimeout)
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
		sm := newStateMachine(SessionTimeout)
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

// sessionOps is a log of n operations, from seed: a quarter by one-shot
// clients, the rest by 30 clients, a few busy and most seldom active, some
// retries and stale copies among them, with LeaderTimes that advance by up
// to timeout/50 and now and then go back (a new leader whose clock is
// behind).
func sessionOps(seed uint64, n int, timeout time.Duration) []Op {
	r := rand.New(rand.NewPCG(seed, 0))
	seqs := map[int64]int64{}
	now := int64(1_700_000_000) * int64(time.Second)
	ops := make([]Op, n)
	nextOneShot := int64(1000)
	for i := range ops {
		var id int64
		if r.IntN(4) == 0 {
			id = nextOneShot
			nextOneShot++
		} else {
			id = int64(min(r.ExpFloat64()*3, 29))
		}
		switch k := r.IntN(10); {
		case k == 0: // a retry of the last request
			if seqs[id] == 0 {
				seqs[id] = 1
			}
		case k == 1 && seqs[id] > 1: // a stale copy
		default:
			seqs[id]++
		}
		seq := seqs[id]
		if k := r.IntN(10); k == 1 && seq > 1 {
			seq-- // stale
		}
		if r.IntN(50) == 0 {
			now -= r.Int64N(int64(timeout) / 2)
		} else {
			now += r.Int64N(int64(timeout) / 50)
		}
		ops[i] = Op{Kind: OpKind(r.IntN(4)), Key: strconv.Itoa(r.IntN(5)), Value: strconv.Itoa(i), ClientId: id, Seq: seq, LeaderTime: now}
	}
	return ops
}

// checkSessionInvariants: no session is deleted before it is idle longer
// than the timeout, and none outlives a scan after that.
func checkSessionInvariants(t *testing.T, sm *stateMachine, index int, before map[int64]session) {
	t.Helper()
	interval := sm.sessionTimeout / expiryScans
	for id, s := range before {
		if _, ok := sm.Sessions[id]; !ok && time.Duration(sm.LogClock-s.LastActive) <= sm.sessionTimeout {
			t.Fatalf("index %d: client %d's session deleted idle %v, timeout %v", index, id, time.Duration(sm.LogClock-s.LastActive), sm.sessionTimeout)
		}
	}
	for id, s := range sm.Sessions {
		if idle := time.Duration(sm.LogClock - s.LastActive); idle > sm.sessionTimeout+interval {
			t.Fatalf("index %d: client %d's session kept idle %v, timeout %v and a scan every %v", index, id, idle, sm.sessionTimeout, interval)
		}
	}
}

// Reference: the Raft dissertation, §6.3: sessions expire at the same log
// position on every replica. Two state machines are fed the same log; one
// of them is restored from its own snapshot every 97 entries (so where
// scans fall depends on nothing a snapshot loses). After every entry both
// give the same answer and hold the same state; sessions do expire; none
// goes before it is idle longer than the timeout or stays a scan after.
func TestStateMachineSessionsExpireAtTheSamePosition(t *testing.T) {
	const timeout = time.Minute
	seed := uint64(time.Now().UnixNano())
	if env := os.Getenv(labrpc.SeedEnv); env != "" {
		n, err := strconv.ParseUint(env, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: want a number", labrpc.SeedEnv, env)
		}
		seed = n
	}
	t.Logf("seed %d (rerun with %s=%d)", seed, labrpc.SeedEnv, seed)
	ops := sessionOps(seed, 5000, timeout)
	a, b := newStateMachine(timeout), newStateMachine(timeout)
	expired := 0
	for i, op := range ops {
		index := i + 1
		before := maps.Clone(a.Sessions)
		va, ea := a.apply(index, op)
		vb, eb := b.apply(index, op)
		if va != vb || ea != eb {
			t.Fatalf("seed %d, index %d %+v: answers (%q, %s) and (%q, %s) differ", seed, index, op, va, ea, vb, eb)
		}
		if ea == ErrSessionExpired {
			expired++
		}
		checkSessionInvariants(t, a, index, before)
		if index%97 == 0 {
			var err error
			if b, err = decodeStateMachine(b.encode(), timeout); err != nil {
				t.Fatalf("index %d: %v", index, err)
			}
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d, index %d: states differ:\n%+v\n%+v", seed, index, a, b)
		}
	}
	if expired == 0 {
		t.Fatalf("seed %d: no request was answered ErrSessionExpired in %d entries over %v of log time", seed, len(ops), time.Duration(a.LogClock-ops[0].LeaderTime))
	}
	t.Logf("%d requests answered ErrSessionExpired; %d sessions at the end", expired, len(a.Sessions))
}

// The log clock is the largest LeaderTime applied: a leader whose clock is
// behind neither moves it back nor makes a session look older.
func TestStateMachineLogClockIsMonotone(t *testing.T) {
	const timeout = time.Minute
	sm := newStateMachine(timeout)
	t0 := int64(1_700_000_000) * int64(time.Second)
	sm.apply(1, Op{Kind: OpPut, Key: "k", Value: "1", ClientId: 1, Seq: 1, LeaderTime: t0 + int64(10*time.Minute)})
	sm.apply(2, Op{Kind: OpPut, Key: "k", Value: "2", ClientId: 2, Seq: 1, LeaderTime: t0}) // a new leader, 10 minutes behind
	if sm.LogClock != t0+int64(10*time.Minute) || sm.Sessions[2].LastActive != sm.LogClock {
		t.Fatalf("clock %d, client 2 active at %d: want both at the first leader's time %d", sm.LogClock, sm.Sessions[2].LastActive, t0+int64(10*time.Minute))
	}
	// Entries without a time (from before sessions expired) leave the clock.
	sm.apply(3, Op{Kind: OpGet, Key: "k", ClientId: 1, Seq: 2})
	if sm.LogClock != t0+int64(10*time.Minute) {
		t.Fatalf("an entry without LeaderTime moved the clock to %d", sm.LogClock)
	}
}

// A client idle longer than the timeout loses its session: its next
// request gets ErrSessionExpired and is not applied, whatever its Seq; a
// session idle no longer than the timeout is kept; a new client id starts
// a new session with Seq 1.
func TestStateMachineExpiredSession(t *testing.T) {
	const timeout = time.Minute
	sm := newStateMachine(timeout)
	t0 := int64(1_700_000_000) * int64(time.Second)
	at := func(d time.Duration) int64 { return t0 + int64(d) }
	index := 0
	do := func(op Op) (string, Err) {
		index++
		return sm.apply(index, op)
	}
	do(Op{Kind: OpPut, Key: "k", Value: "a", ClientId: 1, Seq: 1, LeaderTime: at(0)})
	do(Op{Kind: OpAppend, Key: "k", Value: "b", ClientId: 2, Seq: 1, LeaderTime: at(0)})
	do(Op{Kind: OpAppend, Key: "k", Value: "c", ClientId: 2, Seq: 2, LeaderTime: at(timeout)}) // client 2 keeps busy
	// Client 1 was idle exactly the timeout: kept.
	if _, err := do(Op{Kind: OpGet, Key: "k", ClientId: 1, Seq: 2, LeaderTime: at(timeout)}); err != OK {
		t.Fatalf("client 1 after %v idle: %s, want OK", timeout, err)
	}
	// Then only client 2 is active.
	do(Op{Kind: OpAppend, Key: "k", Value: "d", ClientId: 2, Seq: 3, LeaderTime: at(2 * timeout)})
	do(Op{Kind: OpGet, Key: "k", ClientId: 2, Seq: 4, LeaderTime: at(2*timeout + timeout/2)})
	if _, ok := sm.Sessions[1]; ok {
		t.Fatalf("client 1's session still there after %v idle (timeout %v)", timeout+timeout/2, timeout)
	}
	for _, seq := range []int64{3, 2, 7} { // the next, the last, a later one
		if v, err := do(Op{Kind: OpAppend, Key: "k", Value: "X", ClientId: 1, Seq: seq, LeaderTime: at(2*timeout + timeout/2)}); v != "" || err != ErrSessionExpired {
			t.Fatalf("client 1, Seq %d, after its session expired: (%q, %s), want ErrSessionExpired", seq, v, err)
		}
		if _, _, ok := sm.answered(1, seq); ok {
			t.Fatalf("answered(1, %d) after expiry: must go through the log", seq)
		}
	}
	if got := string(sm.Store["k"]); got != "abcd" {
		t.Fatalf("store %q, want abcd: an expired session's request was applied", got)
	}
	if _, ok := sm.Sessions[1]; ok {
		t.Fatal("a refused request opened a session")
	}
	// A new session: a new id, Seq 1.
	if _, err := do(Op{Kind: OpAppend, Key: "k", Value: "e", ClientId: 3, Seq: 1, LeaderTime: at(2*timeout + timeout/2)}); err != OK {
		t.Fatalf("a new client's Seq 1: %s, want OK", err)
	}
	if _, err := do(Op{Kind: OpAppend, Key: "k", Value: "f", ClientId: 4, Seq: 2, LeaderTime: at(2*timeout + timeout/2)}); err != ErrSessionExpired {
		t.Fatalf("a client never seen, Seq 2: %s, want ErrSessionExpired", err)
	}
	if got := string(sm.Store["k"]); got != "abcde" {
		t.Fatalf("store %q, want abcde", got)
	}
}

// Many one-shot clients over a long log time: the table holds about the
// clients of the last timeout, not all of them.
func TestStateMachineSessionTableStaysBounded(t *testing.T) {
	const timeout = time.Minute
	const clients = 100000
	const step = 10 * time.Millisecond // a new client every 10 ms of log time: 1000 s in all
	sm := newStateMachine(timeout)
	t0 := int64(1_700_000_000) * int64(time.Second)
	bound := int((timeout+timeout/expiryScans)/step) + 1
	most := 0
	for i := range clients {
		op := Op{Kind: OpPut, Key: "k", Value: "v", ClientId: int64(i + 1), Seq: 1, LeaderTime: t0 + int64(i)*int64(step)}
		if _, err := sm.apply(i+1, op); err != OK {
			t.Fatalf("client %d: %s", i+1, err)
		}
		most = max(most, len(sm.Sessions))
		if len(sm.Sessions) > bound {
			t.Fatalf("after %d one-shot clients over %v: %d sessions, want at most %d (the clients of %v)",
				i+1, time.Duration(i)*step, len(sm.Sessions), bound, timeout+timeout/expiryScans)
		}
	}
	if most < int(timeout/step) {
		t.Fatalf("at most %d sessions: expired before they were idle %v", most, timeout)
	}
	if n := len(sm.encode()); n > 100*bound {
		t.Fatalf("snapshot of %d sessions is %d bytes", len(sm.Sessions), n)
	}
}

// oldStateMachine is what encode wrote before sessions expired.
type oldStateMachine struct {
	Store       map[string][]byte
	Clients     map[int64]oldLastRequest
	LastApplied int
}

type oldLastRequest struct {
	Seq   int64
	Value string
	Err   Err
}

// A snapshot from before sessions expired (no log clock, no activity
// times) still decodes, with its duplicate table; its sessions count as
// active when the log clock first reads, not as expired at once, and
// expire like any other after that.
func TestStateMachineOldSnapshotDecodes(t *testing.T) {
	const timeout = time.Minute
	var buf bytes.Buffer
	old := oldStateMachine{
		Store:       map[string][]byte{"k": []byte("v")},
		Clients:     map[int64]oldLastRequest{7: {Seq: 3, Value: "v", Err: OK}, 8: {Seq: 1, Err: ErrNoKey}},
		LastApplied: 10,
	}
	if err := labgob.NewEncoder(&buf).Encode(old); err != nil {
		t.Fatal(err)
	}
	sm, err := decodeStateMachine(buf.Bytes(), timeout)
	if err != nil {
		t.Fatalf("an old snapshot: %v", err)
	}
	if sm.LastApplied != 10 || string(sm.Store["k"]) != "v" || sm.LogClock != 0 || len(sm.Sessions) != 2 || sm.Sessions[7].Seq != 3 {
		t.Fatalf("an old snapshot decoded as %+v", sm)
	}
	t0 := int64(1_700_000_000) * int64(time.Second)
	// The first entry with a time: client 7's retry of its last request.
	if v, err := sm.apply(11, Op{Kind: OpGet, Key: "k", ClientId: 7, Seq: 3, LeaderTime: t0}); v != "v" || err != OK {
		t.Fatalf("retry after an old snapshot: (%q, %s), want the recorded (v, OK)", v, err)
	}
	if s, ok := sm.Sessions[8]; !ok || s.LastActive != t0 {
		t.Fatalf("client 8 after the first clock reading: %+v %v, want kept and active at %d", s, ok, t0)
	}
	sm.apply(12, Op{Kind: OpGet, Key: "k", ClientId: 9, Seq: 1, LeaderTime: t0 + int64(2*timeout)})
	if _, ok := sm.Sessions[8]; ok {
		t.Fatalf("client 8's session kept after %v idle", 2*timeout)
	}
}

func TestDecodeStateMachineBadSessions(t *testing.T) {
	for name, st := range map[string]snapshotState{
		"negative clock":         {LogClock: -1},
		"active after the clock": {LogClock: 5, Clients: map[int64]session{1: {Seq: 1, LastActive: 6}}},
		"negative activity":      {LogClock: 5, Clients: map[int64]session{1: {Seq: 1, LastActive: -1}}},
	} {
		var buf bytes.Buffer
		if err := labgob.NewEncoder(&buf).Encode(st); err != nil {
			t.Fatal(err)
		}
		if _, err := decodeStateMachine(buf.Bytes(), time.Minute); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
