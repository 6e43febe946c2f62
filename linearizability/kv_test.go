package linearizability

import (
	"strings"
	"testing"
)

// Hand-made histories. Times are small integers; two operations overlap when
// each is called before the other returns.

func TestEmptyHistoryIsOk(t *testing.T) {
	checkKv(t, nil, Ok)
}

func TestSequentialLegal(t *testing.T) {
	checkKv(t, []Operation{
		get(0, "x", "", 0, 1),
		put(0, "x", "a", 2, 3),
		get(1, "x", "a", 4, 5),
		appendOp(1, "x", "b", 6, 7),
		get(0, "x", "ab", 8, 9),
		put(1, "x", "", 10, 11),
		get(0, "x", "", 12, 13),
	}, Ok)
}

func TestSequentialIllegal(t *testing.T) {
	checkKv(t, []Operation{
		put(0, "x", "a", 0, 1),
		get(1, "x", "b", 2, 3),
	}, Illegal)
}

// A single Get of a value never written, with nothing to blame but itself.
func TestLoneBadGetIsIllegal(t *testing.T) {
	info := checkKv(t, []Operation{get(0, "x", "ghost", 0, 1)}, Illegal)
	p := info.Partitions[0]
	if p.Stuck != 0 || len(p.Prefix) != 0 {
		t.Fatalf("stuck %d prefix %v, want stuck 0 and an empty prefix", p.Stuck, p.Prefix)
	}
}

// A Get concurrent with a Put may see either value.
func TestConcurrentGetSeesOldOrNew(t *testing.T) {
	for _, seen := range []string{"old", "new"} {
		checkKv(t, []Operation{
			put(0, "x", "old", 0, 1),
			put(1, "x", "new", 2, 10),
			get(2, "x", seen, 3, 8),
		}, Ok)
	}
}

// Overlapping operations whose only legal order is not the order of their
// calls: the checker must reorder them.
func TestConcurrentOverlappingReordered(t *testing.T) {
	checkKv(t, []Operation{
		put(0, "x", "1", 0, 10),
		put(1, "x", "2", 1, 10),
		put(2, "x", "3", 2, 10),
		get(3, "x", "1", 3, 10), // so "1" was written last of the three
		get(4, "x", "1", 11, 12),
	}, Ok)
}

// Once a Put has returned, a Get that starts later must not see the value
// before it: a stale read.
func TestStaleReadAfterCompletedWriteIsIllegal(t *testing.T) {
	info := checkKv(t, []Operation{
		put(0, "x", "old", 0, 1),
		put(0, "x", "new", 2, 3),
		get(1, "x", "old", 4, 5),
	}, Illegal)
	p := info.Partitions[0]
	if p.Stuck != 2 || len(p.Prefix) != 2 {
		t.Fatalf("stuck %d after prefix %v, want the stale get (2) after both puts", p.Stuck, p.Prefix)
	}
}

// Two gets that disagree about the order of two concurrent puts.
func TestGetsDisagreeOnOrderIsIllegal(t *testing.T) {
	checkKv(t, []Operation{
		put(0, "x", "a", 0, 10),
		put(1, "x", "b", 0, 10),
		get(2, "x", "a", 11, 12),
		get(3, "x", "b", 13, 14),
	}, Illegal)
}

// Concurrent appends may land in either order, but later gets fix it, and
// every get after must agree.
func TestConcurrentAppendsOrderObservable(t *testing.T) {
	base := []Operation{
		appendOp(0, "x", "a", 0, 10),
		appendOp(1, "x", "b", 1, 9),
		appendOp(2, "x", "c", 2, 8),
	}
	with := func(ops ...Operation) []Operation { return append(append([]Operation(nil), base...), ops...) }
	checkKv(t, with(get(3, "x", "cab", 11, 12), get(4, "x", "cab", 13, 14)), Ok)
	checkKv(t, with(get(3, "x", "bca", 11, 12)), Ok)
	checkKv(t, with(get(3, "x", "cab", 11, 12), get(4, "x", "abc", 13, 14)), Illegal)
	checkKv(t, with(get(3, "x", "ab", 11, 12)), Illegal)   // one append lost
	checkKv(t, with(get(3, "x", "abca", 11, 12)), Illegal) // one applied twice
	// A get during the appends may see any prefix of the final order.
	checkKv(t, with(get(3, "x", "c", 3, 4), get(4, "x", "cb", 5, 6), get(5, "x", "cba", 11, 12)), Ok)
	checkKv(t, with(get(3, "x", "c", 3, 4), get(4, "x", "cb", 5, 6), get(5, "x", "cab", 11, 12)), Illegal)
}

// A Get may not see an append that has not been called yet.
func TestGetSeesFutureAppendIsIllegal(t *testing.T) {
	checkKv(t, []Operation{
		put(0, "x", "a", 0, 1),
		get(1, "x", "ab", 2, 3),
		appendOp(0, "x", "b", 4, 5),
	}, Illegal)
	// The same values with the append overlapping the get are fine.
	checkKv(t, []Operation{
		put(0, "x", "a", 0, 1),
		get(1, "x", "ab", 2, 5),
		appendOp(0, "x", "b", 4, 6),
	}, Ok)
}

// An operation that returns at the very instant another is called counts as
// concurrent with it (calls sort before returns at equal times).
func TestTouchingOperationsAreConcurrent(t *testing.T) {
	checkKv(t, []Operation{
		put(0, "x", "a", 0, 5),
		get(1, "x", "", 5, 6),
	}, Ok)
	checkKv(t, []Operation{
		put(0, "x", "a", 0, 5),
		get(1, "x", "", 6, 7),
	}, Illegal)
}

// Keys are independent: a bad read on one key makes the whole history
// illegal, and the report names that key.
func TestMultipleKeysOneIllegal(t *testing.T) {
	info := checkKv(t, []Operation{
		put(0, "a", "1", 0, 1),
		put(1, "b", "1", 0, 1),
		put(2, "c", "1", 0, 1),
		get(0, "a", "1", 2, 3),
		get(1, "b", "2", 2, 3), // never written
		get(2, "c", "1", 2, 3),
	}, Illegal)
	if len(info.Partitions) != 3 {
		t.Fatalf("%d parts, want one per key (3)", len(info.Partitions))
	}
	for _, p := range info.Partitions {
		want := Ok
		if p.Label == "key 'b'" {
			want = Illegal
		}
		// Ok parts may also have been stopped (Unknown) by the illegal one.
		if p.Result != want && !(want == Ok && p.Result == Unknown) {
			t.Errorf("%s: %v, want %v", p.Label, p.Result, want)
		}
	}
	// Across keys, values that would be fine on one key are not confused.
	checkKv(t, []Operation{
		put(0, "a", "1", 0, 1),
		get(1, "b", "1", 2, 3),
	}, Illegal)
}

func TestKvDescribe(t *testing.T) {
	cases := []struct {
		op   Operation
		want string
	}{
		{get(0, "k", "v", 0, 1), "get('k') -> 'v'"},
		{put(0, "k", "v", 0, 1), "put('k', 'v')"},
		{appendOp(0, "k", "it's", 0, 1), `append('k', 'it\'s')`},
		{get(0, "k", "", 0, 1), "get('k') -> ''"},
	}
	for _, c := range cases {
		if got := KvModel.DescribeOperation(c.op.Input, c.op.Output); got != c.want {
			t.Errorf("describe %+v = %s, want %s", c.op.Input, got, c.want)
		}
	}
	if got := KvModel.DescribeState("a\nb"); got != `'a\x0ab'` {
		t.Errorf("describe state = %s", got)
	}
}

// Malformed input is an Illegal verdict with an error that says what is
// wrong, never a panic.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name    string
		model   Model
		history []Operation
		want    string
	}{
		{"return before call", KvModel, []Operation{put(3, "x", "a", 5, 4)}, "before its call"},
		{"nil step", Model{}, []Operation{put(0, "x", "a", 0, 1)}, "Step is nil"},
		{"wrong input type", KvModel, []Operation{{0, "put x", 0, nil, 1}}, "want KvInput"},
		{"wrong output type", KvModel, []Operation{{0, KvInput{KvGet, "x", ""}, 0, "", 1}}, "want KvOutput or KvDigest"},
		{"unknown op", KvModel, []Operation{{0, KvInput{7, "x", ""}, 0, nil, 1}}, "unknown Op 7"},
		{"partition returns bad part", Model{
			Step:      func(s, i, o any) (bool, any) { return true, s },
			Partition: func([]Operation) [][]Operation { return [][]Operation{{{Call: 2, Return: 1}}} },
		}, nil, "before its call"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, info := CheckOperationsTimeout(c.model, c.history, 0)
			if got != Illegal || info.Err == nil || !strings.Contains(info.Err.Error(), c.want) {
				t.Fatalf("got %v, err %v; want Illegal with an error mentioning %q", got, info.Err, c.want)
			}
		})
	}
	if err := Validate([]Operation{put(0, "x", "a", 1, 1)}); err != nil {
		t.Fatalf("an instantaneous operation is valid, got %v", err)
	}
}

// A model with no Partition, Init or Equal: a register of ints, states
// compared with the default ==.
func TestGenericModelDefaults(t *testing.T) {
	register := Model{Step: func(state, input, output any) (bool, any) {
		st, _ := state.(int)
		if input == nil { // read
			return output.(int) == st, st
		}
		return true, input.(int)
	}}
	ok := []Operation{
		{0, 1, 0, nil, 10},
		{1, nil, 1, 1, 2},
		{1, nil, 3, 0, 4}, // 0 after a read saw 1: the write cannot be undone
	}
	if CheckOperations(register, ok) {
		t.Fatalf("read 1 then 0 during one write of 1 passed")
	}
	ok[2].Output = 1
	if !CheckOperations(register, ok) {
		t.Fatalf("legal register history failed")
	}
	// Default Equal on states that are not comparable must not panic.
	slices := Model{Step: func(state, input, output any) (bool, any) {
		st, _ := state.([]int)
		return true, append(append([]int(nil), st...), input.(int))
	}}
	if !CheckOperations(slices, []Operation{{0, 1, 0, nil, 5}, {1, 2, 0, nil, 5}}) {
		t.Fatalf("slice-state history failed")
	}
}
