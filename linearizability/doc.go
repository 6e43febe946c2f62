// Package linearizability checks whether a concurrent history of operations
// is linearizable with respect to a sequential model, and draws a page that
// shows what broke when it is not. It uses the standard library only.
//
// A kvraft test harness records every client call and checks at the end:
//
//	var mu sync.Mutex
//	var history []linearizability.Operation
//	// in each client, around each call:
//	call := time.Now().UnixNano()
//	v := ck.Get(key)
//	ret := time.Now().UnixNano()
//	mu.Lock()
//	history = append(history, linearizability.Operation{
//		ClientId: id,
//		Input:    linearizability.KvInput{Op: linearizability.KvGet, Key: key},
//		Call:     call,
//		Output:   linearizability.KvOutput{Value: v},
//		Return:   ret,
//	})
//	mu.Unlock()
//	// at the end:
//	res, info := linearizability.CheckOperationsTimeout(linearizability.KvModel, history, 5*time.Second)
//	if res == linearizability.Illegal {
//		// Not t.TempDir(): it is removed when the test ends.
//		if f, err := os.CreateTemp("", "linearizability-*.html"); err == nil {
//			if linearizability.Visualize(linearizability.KvModel, info, f) == nil {
//				t.Logf("history visualized in %s", f.Name())
//			}
//			f.Close()
//		}
//		t.Fatalf("history is not linearizable: %v", info.Err)
//	}
//	// Unknown: out of time; the course treats it as a pass with a note.
//
// # Contract
//
// An Operation is a call that completed: its input, its output, and the
// times it was called and returned, int64 in any unit that never goes
// backwards (time.Time.UnixNano, or time.Since(start) for a monotonic
// clock). The page shows times as nanoseconds. A client's own operations
// should not overlap, though the checker does not rely on it. Operations
// that never returned are left out: an output that was never seen cannot
// be checked.
//
// A Model gives the initial state, a Step that says whether an input may
// produce an output from a state and what state follows, and optionally
// how to split a history into independent parts, compare states, and
// describe operations, states and parts for the page. Step must be pure.
// KvModel is the model of the kvraft service: Get, Put and Append on string
// keys, split by key.
//
// Memory. Where values grow (each Append adds to what every later Get
// returns), a history that keeps each Get's whole output grows with the sum
// of the values read: quadratic in the number of operations. Record a Get's
// output as DigestKvOutput(v) instead (a KvDigest: length, SHA-256, and the
// last 48 bytes to show on the page) and the history grows linearly, with
// verdicts exactly as strict, since one changed byte changes the hash. The
// model's own state of a key is the value itself up to 256 bytes, and past
// that is built the same way (length, a running SHA-256, the tail), so a
// Put or Append step costs what it writes, not the value's length, and a
// state takes constant space. KvOutput{Value: v}
// still works, as the course's harness records it; each step that compares
// such an output against a state of equal length and tail hashes it. Where
// values stay short and many clients write one key, whole values are the
// better record: the search reads them ahead (see Model.Doomed below) and
// a digest only tells it a length.
//
// The verdicts (CheckResult):
//   - Ok: a linearization of every part was found (info has it);
//   - Illegal: some part has none, every order having been tried; or the
//     input could not be checked at all, and info.Err says why (an
//     operation returning before its call, a nil Step, a model function
//     that panicked on an input it does not understand). Nothing in this
//     package panics on bad input;
//   - Unknown: the time limit passed first. Unknown is never rounded to a
//     verdict: a check that runs out of time claims nothing.
//
// CheckOperations is the same check with no time limit, as a bool.
// Validate reports a malformed history up front.
//
// # The search
//
// Each part is checked with the backtracking search of Wing & Gong
// ("Testing and verifying concurrent objects", J. Parallel Distrib. Comput.
// 1993) as improved by Lowe ("Testing for linearizability", Concurrency and
// Computation 2017), the algorithm of the porcupine checker the course uses:
//
//   - The part's calls and returns are sorted by time into a doubly linked
//     list. At equal times a call comes before a return, so two operations
//     that touch (one returns at t, the other is called at t) count as
//     concurrent. That is the lenient choice: a clock tick is coarse, and a
//     false Illegal sends a student hunting a bug that is not there.
//   - Walking the list, at each call the search tries to linearize that
//     operation next: if the model accepts it from the current state, the
//     call and its return are lifted out of the list, the choice is pushed
//     on a stack, and the walk restarts from the head. Reaching a return
//     means that operation had to take effect by now and did not, so the
//     search pops the last choice, puts it back in the list, and tries the
//     call after it. The list empties: Ok. The stack empties at a return:
//     Illegal.
//   - Lowe's cache: each (set of linearized operations, state) reached is
//     remembered, keyed by a hash of the set (a bitset) and compared with
//     Model.Equal. Reaching the same pair again by another order is
//     skipped: what follows depends only on the pair. This turns most
//     histories from factorial to near-linear work. The cache files each
//     pair under the set's hash mixed with Model.Hash of the state, so a
//     set reached in many states costs a lookup, not a comparison with
//     each (KvModel's hardest histories ran 900 times faster with it).
//   - Histories where every order yields a different state (concurrent
//     appends of distinct values) defeat the cache: only the next read
//     tells the orders apart, and the plain search reaches it once per
//     order. Model.Doomed, when set, looks ahead instead: after each step
//     the search asks it about the next 32 calls in the list, and drops the
//     step if one of them can no longer be linearized whatever may still
//     go before it. KvModel's Doomed knows a Get whose whole value was
//     recorded (KvOutput) cannot follow a state whose value is not a
//     prefix of it, unless a Put that may go first begins its value; so a
//     burst of appends is cut down to the one order the next Get saw. A
//     digest tells it only the length. Doomed changes the time a verdict
//     takes, not the verdict. An Illegal part is searched again without it
//     (within 65536 steps) so that the page blames the operation the plain
//     search blames; if that search finds a linearization, Doomed was
//     wrong and the check reports an error. Past the budget, the pruned
//     search's diagnosis stands and says so (PartitionInfo.Lookahead):
//     the longest prefix it reached and, where a step was refused, the
//     operation Doomed showed can never follow (StuckDoomed). What is left exponential
//     (digests of concurrent appends, or proving a get illegal among many
//     orders no get ahead rules out) is what the time limit is for.
//   - The longest stack seen is kept as the longest linearizable prefix,
//     along with the operation whose return ended it (Stuck) and the ones
//     that could have gone next there (Pending). It costs no more than the
//     pushes: only the part of the stack that changed since is copied.
//
// # Parts, cancellation and the time limit
//
// Model.Partition splits the history (for KvModel, by key: a history is
// linearizable exactly when each key's is), and every part is searched in
// its own goroutine, so a small illegal key is found even while a large one
// is still running. All searches watch one atomic stop flag, read at every
// step: it is set by the first part found Illegal, and by a timer when the
// limit (if > 0) passes. A stopped part reports Unknown with the reason.
// The overall verdict is Illegal if any part is, else Unknown if any part
// was stopped, else Ok. CheckOperationsTimeout waits for every goroutine
// it started before returning, so it leaks none, and returns within one
// search step of the limit.
//
// # The page
//
// Visualize and VisualizePath write the info of any check as one HTML file
// with inline CSS and no scripts, fonts or links, so it opens anywhere,
// straight from a test log directory. For each part (named by
// Model.DescribePartition, e.g. key 'x'): a timeline with one row per
// client and each operation as a box from its call to its return, labelled
// by Model.DescribeOperation; the longest linearizable prefix in green,
// numbered in linearization order; the operation that could not be placed
// in red and the others that could have gone next in orange; a paragraph
// saying what the state was and what could not follow it; and the whole
// prefix as a table with the state after each step (Model.DescribeState).
// Hovering a box shows its times and the state after it. The axis is the
// order of calls and returns, not a time scale, so every overlap the
// checker considered is visible however short. Parts that explain the
// verdict come first and unfolded. All text is HTML-escaped.
//
// Files: model.go (Operation, Model, CheckResult, Validate), check.go (the
// parts, their goroutines, the time limit), search.go (the search of one
// part), kv.go (KvModel), visualize.go (the page).
package linearizability
