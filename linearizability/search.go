package linearizability

import (
	"cmp"
	"iter"
	"math/bits"
	"slices"
	"sync/atomic"
)

// The search over one part of a history: Wing & Gong's backtracking over a
// doubly linked list of call and return events, with Lowe's cache of
// (linearized set, state) pairs already explored.

// event is a call or return of one operation in a part.
type event struct {
	isReturn bool
	op       int // index into the part
	time     int64
}

// events returns the part's calls and returns in the order the search sees
// them: by time, and at equal times calls before returns. So an operation
// that returns at t and one called at t count as concurrent: either may be
// linearized first. That is the lenient side; clocks are coarse, and a false
// Illegal costs a student far more than a missed one.
func events(part []Operation) []event {
	evs := make([]event, 0, 2*len(part))
	for i, op := range part {
		evs = append(evs, event{false, i, op.Call}, event{true, i, op.Return})
	}
	slices.SortFunc(evs, func(a, b event) int {
		if c := cmp.Compare(a.time, b.time); c != 0 {
			return c
		}
		if a.isReturn != b.isReturn {
			if a.isReturn {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.op, b.op)
	})
	return evs
}

// node is an event in the search's linked list. A call node points at its
// return node through match; a return node has match == nil.
type node struct {
	op         int
	match      *node
	prev, next *node
}

// buildList links the events after a sentinel head and returns the head.
func buildList(evs []event, n int) *node {
	head := &node{op: -1}
	returns := make([]*node, n)
	calls := make([]*node, n)
	prev := head
	for _, ev := range evs {
		nd := &node{op: ev.op, prev: prev}
		prev.next = nd
		prev = nd
		if ev.isReturn {
			returns[ev.op] = nd
		} else {
			calls[ev.op] = nd
		}
	}
	for i := range n {
		calls[i].match = returns[i]
	}
	return head
}

// lift unlinks a call node and its return node. A call node always has a
// successor (at least its own return), a return node may be last.
func (c *node) lift() {
	c.prev.next = c.next
	c.next.prev = c.prev
	r := c.match
	r.prev.next = r.next
	if r.next != nil {
		r.next.prev = r.prev
	}
}

// unlift undoes the lift of c; lifts are undone in reverse order, so the
// neighbours recorded in c and its match are the right ones again.
func (c *node) unlift() {
	r := c.match
	r.prev.next = r
	if r.next != nil {
		r.next.prev = r
	}
	c.prev.next = c
	c.next.prev = c
}

// bitset is the set of operations linearized so far.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)   { b[i/64] |= 1 << (i % 64) }
func (b bitset) clear(i int) { b[i/64] &^= 1 << (i % 64) }
func (b bitset) clone() bitset {
	return slices.Clone(b)
}

func (b bitset) hash() uint64 {
	h := uint64(14695981039346656037)
	for _, w := range b {
		h ^= w
		h *= 1099511628211
		h = bits.RotateLeft64(h, 29)
	}
	return h
}

// cacheEntry is a point of the search already explored: this set of
// operations linearized, ending in this state. Reaching it again by another
// order cannot succeed where the first visit did not.
type cacheEntry struct {
	linearized bitset
	state      any
}

// frame is one linearized operation on the backtracking stack.
type frame struct {
	call   *node
	before any // state before the operation, restored on backtrack
	after  any
}

// partResult is what the search of one part found.
type partResult struct {
	result CheckResult // Unknown here means the search was stopped
	// The longest linearizable prefix found: operations in order, and the
	// state after each.
	prefix []int
	states []any
	// stuck is the operation whose return ended the longest prefix of an
	// Illegal part: it had to be linearized by then and could not be (-1
	// otherwise). pending are the operations that could have gone next at
	// that point, none of which the model accepted.
	stuck   int
	pending []int
	// doomed: stuck is an operation Model.Doomed showed can never follow
	// the prefix (pending is then empty).
	doomed bool
}

// searchOptions are what a search of one part is told besides the part.
type searchOptions struct {
	stop   *atomic.Bool // give up (Unknown) once it is set
	prune  bool         // ask Model.Doomed (which must be set) after each step
	budget int          // give up after this many steps of the walk, if > 0
}

// search checks one part. It returns Ok or Illegal, or Unknown as soon as it
// sees opts.stop set or its budget spent; it never reports Illegal unless
// every order was tried (every order Model.Doomed did not rule out, when
// pruning). Model functions may panic; the caller recovers, and
// res (filled in as the search goes) then still holds the longest prefix
// found.
func search(m Model, part []Operation, opts searchOptions, res *partResult) {
	s := newSearcher(m, part, res)
	s.prune = opts.prune
	e := s.head.next
	for steps := 0; s.head.next != nil; steps++ {
		if opts.stop.Load() || opts.budget > 0 && steps >= opts.budget {
			s.giveUp()
			return
		}
		if e.match != nil {
			// A call: try its operation as the next one linearized.
			e = s.tryLinearize(e)
			continue
		}
		// A return: an operation that had to be linearized by now was not.
		var ok bool
		if e, ok = s.backtrack(e); !ok {
			res.result = Illegal
			return
		}
	}
	// Every operation is linearized: the stack is a linearization.
	s.recordPrefix(nil)
	res.result = Ok
}

// searcher is the state of the search of one part.
type searcher struct {
	m          Model
	part       []Operation
	res        *partResult
	head       *node  // sentinel before the events not yet linearized
	linearized bitset // the operations on stack
	// Lowe's cache: the points already explored, by hash of their set.
	cache map[uint64][]cacheEntry
	stack []frame
	state any // the model state after the operations on stack
	// The best prefix so far (res.prefix, of length best) agrees with
	// stack[:common]; recordPrefix copies only what changed since, so
	// recording costs no more than pushing.
	common, best int
	// prune: ask Model.Doomed about the calls ahead after each step.
	// others yields, for Doomed, the operations that may go before
	// doomOp's; it is made once, and reads doomOp and doomSkip.
	prune            bool
	others           iter.Seq[Operation]
	doomOp, doomSkip *node
}

// newSearcher lays the part's events out as the list to walk, with nothing
// linearized yet.
func newSearcher(m Model, part []Operation, res *partResult) *searcher {
	res.stuck = -1
	s := &searcher{
		m:          m,
		part:       part,
		res:        res,
		head:       buildList(events(part), len(part)),
		linearized: newBitset(len(part)),
		cache:      make(map[uint64][]cacheEntry),
		state:      m.Init(),
		best:       -1,
	}
	s.others = s.mayGoBefore
	return s
}

// tryLinearize tries the operation of call node e as the next one
// linearized. If the model accepts it from the current state, reaching a
// point of the search not explored before and (when pruning) not doomed,
// it is pushed, lifted out of the list, and the walk restarts from the
// head; otherwise the walk goes on past e. It returns the node to visit
// next. A doomed point stays in the cache: what is doomed depends only on
// the point, so it is asked about once.
func (s *searcher) tryLinearize(e *node) *node {
	ok, next := s.m.Step(s.state, s.part[e.op].Input, s.part[e.op].Output)
	if !ok {
		return e.next
	}
	s.linearized.set(e.op)
	if !s.firstVisit(next) {
		s.linearized.clear(e.op)
		return e.next
	}
	if s.prune {
		if c := s.doomedBy(next, e); c != nil {
			s.linearized.clear(e.op)
			s.recordDoomed(e, next, c)
			return e.next
		}
	}
	s.stack = append(s.stack, frame{e, s.state, next})
	s.state = next
	e.lift()
	return s.head.next
}

// doomHorizon is how many calls, from the head of the list, the search asks
// Model.Doomed about after each step: enough to reach the read that follows
// a burst of concurrent writes (the read that pins their order down), few
// enough that asking costs about what a step does.
const doomHorizon = 32

// doomedBy returns, with e's operation linearized next, leading to state,
// the first of the first doomHorizon calls still in the list (e's aside)
// that can never be linearized, or nil. Exploring state would then be
// wasted: without Doomed the search would find that out only on reaching
// that call's return, after trying every order of what comes before it.
func (s *searcher) doomedBy(state any, e *node) *node {
	asked := 0
	for c := s.head.next; c != nil && asked < doomHorizon; c = c.next {
		if c.match == nil || c == e {
			continue
		}
		asked++
		s.doomOp, s.doomSkip = c, e
		if s.m.Doomed(state, s.part[c.op], s.others) {
			return c
		}
	}
	return nil
}

// mayGoBefore yields the operations, other than doomOp's and doomSkip's,
// that are called before doomOp returns and are not linearized: those that
// may still go before doomOp's.
func (s *searcher) mayGoBefore(yield func(Operation) bool) {
	for n := s.head.next; n != s.doomOp.match; n = n.next {
		if n.match != nil && n != s.doomOp && n != s.doomSkip && !yield(s.part[n.op]) {
			return
		}
	}
}

// firstVisit reports whether the current linearized set, ending in state,
// is a point not seen before (Lowe's cache), and remembers it if so. A
// point seen before costs no allocation.
func (s *searcher) firstVisit(state any) bool {
	h := s.linearized.hash()
	if s.m.Hash != nil {
		h = bits.RotateLeft64((h^s.m.Hash(state))*1099511628211, 29)
	}
	for _, c := range s.cache[h] {
		if slices.Equal(c.linearized, s.linearized) && s.m.Equal(c.state, state) {
			return false
		}
	}
	s.cache[h] = append(s.cache[h], cacheEntry{s.linearized.clone(), state})
	return true
}

// backtrack is called at return node ret, whose operation had to be
// linearized before this point and was not. It records the stack if it is
// the longest prefix yet, undoes the last choice and returns the call after
// it, to try next; false when there is no choice left to undo, so the part
// is Illegal.
func (s *searcher) backtrack(ret *node) (*node, bool) {
	if len(s.stack) > s.best {
		s.recordPrefix(ret)
	}
	if len(s.stack) == 0 {
		return nil, false
	}
	top := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.common = min(s.common, len(s.stack))
	s.state = top.before
	s.linearized.clear(top.call.op)
	top.call.unlift()
	return top.call.next, true
}

// recordDoomed makes the stack followed by e's operation, leading to state,
// the longest prefix if it is longer than the one kept, with c's operation,
// which Doomed showed can never follow it, as the one stuck. It is a
// prefix the model accepts, and the step that would make it longer is
// refused, so a pruned search of an Illegal part blames the operation that
// can no longer be placed, not an innocent one before it.
func (s *searcher) recordDoomed(e *node, state any, c *node) {
	if len(s.stack)+1 <= s.best {
		return
	}
	s.stack = append(s.stack, frame{e, s.state, state})
	s.recordPrefix(nil)
	s.stack = s.stack[:len(s.stack)-1]
	s.common = len(s.stack)
	s.res.stuck, s.res.doomed = c.op, true
}

// giveUp ends a stopped search as Unknown, keeping the longest prefix.
func (s *searcher) giveUp() {
	if len(s.stack) > s.best {
		s.recordPrefix(nil)
	}
	// Backtracking is routine in a legal history too: where an unfinished
	// search got stuck proves nothing.
	s.res.stuck, s.res.pending, s.res.doomed = -1, nil, false
	s.res.result = Unknown
}

// recordPrefix makes the stack the longest prefix found. stuck is the
// return node that ended it, or nil; the calls before stuck in the list are
// the operations that could have gone next.
func (s *searcher) recordPrefix(stuck *node) {
	res := s.res
	s.best = len(s.stack)
	res.prefix = res.prefix[:s.common]
	res.states = res.states[:s.common]
	for _, f := range s.stack[s.common:] {
		res.prefix = append(res.prefix, f.call.op)
		res.states = append(res.states, f.after)
	}
	s.common = len(s.stack)
	res.stuck, res.pending, res.doomed = -1, nil, false
	if stuck != nil {
		res.stuck = stuck.op
		for e := s.head.next; e != stuck; e = e.next {
			if e.match != nil {
				res.pending = append(res.pending, e.op)
			}
		}
	}
}
