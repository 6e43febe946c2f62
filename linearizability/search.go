package linearizability

import (
	"cmp"
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
}

// search checks one part. It returns Ok or Illegal, or Unknown as soon as it
// sees stop set; it never reports Illegal unless every order was tried.
// Model functions may panic; the caller recovers, and res (filled in as the
// search goes) then still holds the longest prefix found.
func search(m Model, part []Operation, stop *atomic.Bool, res *partResult) {
	n := len(part)
	res.stuck = -1
	head := buildList(events(part), n)
	linearized := newBitset(n)
	cache := make(map[uint64][]cacheEntry)
	var stack []frame
	state := m.Init()

	// The best prefix so far agrees with stack[:common]; snapshot copies
	// only what changed since, so recording costs no more than pushing.
	common, best := 0, -1
	snapshot := func(stuck *node) {
		best = len(stack)
		res.prefix = res.prefix[:common]
		res.states = res.states[:common]
		for _, f := range stack[common:] {
			res.prefix = append(res.prefix, f.call.op)
			res.states = append(res.states, f.after)
		}
		common = len(stack)
		res.stuck, res.pending = -1, nil
		if stuck != nil {
			res.stuck = stuck.op
			for e := head.next; e != stuck; e = e.next {
				if e.match != nil {
					res.pending = append(res.pending, e.op)
				}
			}
		}
	}

	e := head.next
	for head.next != nil {
		if stop.Load() {
			if len(stack) > best {
				snapshot(nil)
			}
			// Backtracking is routine in a legal history too: where an
			// unfinished search got stuck proves nothing.
			res.stuck, res.pending = -1, nil
			res.result = Unknown
			return
		}
		if e.match != nil {
			// A call: try linearizing its operation next.
			ok, next := m.Step(state, part[e.op].Input, part[e.op].Output)
			if ok {
				lin := linearized.clone()
				lin.set(e.op)
				h := lin.hash()
				seen := false
				for _, c := range cache[h] {
					if slices.Equal(c.linearized, lin) && m.Equal(c.state, next) {
						seen = true
						break
					}
				}
				if !seen {
					cache[h] = append(cache[h], cacheEntry{lin, next})
					stack = append(stack, frame{e, state, next})
					state = next
					linearized.set(e.op)
					e.lift()
					e = head.next
					continue
				}
			}
			e = e.next
			continue
		}
		// A return: its operation had to be linearized before this point
		// and was not, so undo the last choice and try the one after it.
		if len(stack) > best {
			snapshot(e)
		}
		if len(stack) == 0 {
			res.result = Illegal
			return
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		common = min(common, len(stack))
		state = top.before
		linearized.clear(top.call.op)
		top.call.unlift()
		e = top.call.next
	}
	// Every operation is linearized: stack is a linearization.
	snapshot(nil)
	res.result = Ok
}
