package linearizability

import (
	"errors"
	"fmt"
	"iter"
	"reflect"
)

// Operation is one completed call on the object under test, as a client saw
// it: the input it sent, the output it got back, and the times (in any
// monotonic unit, usually nanoseconds) at which it called and at which the
// call returned. The operation took effect at some instant in
// [Call, Return], which is what the checker is free to choose.
type Operation struct {
	ClientId int // which client issued it; used only to draw the page
	Input    any
	Call     int64 // when the client called; Call <= Return
	Output   any
	Return   int64 // when the call returned to the client
}

// Model is a sequential specification of the object under test.
//
// Step must be a pure function: it must not modify state, and the same
// (state, input, output) must always give the same answer, because the
// checker keeps states in its cache and revisits them while backtracking.
type Model struct {
	// Partition splits a history into independent parts that are checked
	// separately (for a key/value store, one part per key). A history is
	// linearizable if and only if every part is, which is only true when
	// operations in different parts never affect each other. Nil means the
	// whole history is one part.
	Partition func(history []Operation) [][]Operation
	// DescribePartition names a part on the HTML page ("key 'x'"). Nil
	// names parts by their position.
	DescribePartition func(part []Operation) string
	// Init returns the initial state. Nil means the initial state is nil.
	Init func() any
	// Step reports whether input may take the object from state to a state
	// in which it answers output, and returns that next state. Required.
	Step func(state, input, output any) (ok bool, next any)
	// Equal reports whether two states are the same, for the cache. Nil
	// means == when the states' types are comparable, and
	// reflect.DeepEqual otherwise.
	Equal func(a, b any) bool
	// Hash returns a hash of a state that agrees with Equal: states Equal
	// calls the same must hash alike. The cache files each point it
	// remembers (set of operations linearized, state) under the set's
	// hash mixed with the state's, so a set reached in many states (every
	// order of concurrent writes of distinct values) does not make each
	// visit compare against all of them. Nil hashes every state alike.
	Hash func(state any) uint64
	// DescribeOperation renders an operation for the HTML page. Nil means
	// fmt's %v of input and output.
	DescribeOperation func(input, output any) string
	// DescribeState renders a state for the HTML page. Nil means fmt's %v.
	DescribeState func(state any) string
	// Doomed lets the search drop a state before it pays for exploring it.
	// It reports that op, not yet linearized, can never be linearized
	// after state: that no sequence of the operations others yields (each
	// used at most once, in any order) followed by op is accepted by Step
	// from state. others are the operations not yet linearized that may
	// still go before op (those called before op returned). Doomed must
	// answer false when unsure: a wrong true could turn a linearizable
	// history Illegal. Nil prunes nothing. The verdicts are those of the
	// search without it; only the time to reach them changes.
	Doomed func(state any, op Operation, others iter.Seq[Operation]) bool
}

// CheckResult is the verdict on a history.
type CheckResult int

const (
	// Ok: a linearization of the whole history was found.
	Ok CheckResult = iota
	// Illegal: every order was tried and none is legal, or the input could
	// not be checked at all (LinearizationInfo.Err then says why).
	Illegal
	// Unknown: the time limit ran out first. Nothing is claimed either way.
	Unknown
)

func (r CheckResult) String() string {
	switch r {
	case Ok:
		return "Ok"
	case Illegal:
		return "Illegal"
	case Unknown:
		return "Unknown"
	}
	return fmt.Sprintf("CheckResult(%d)", int(r))
}

// Validate reports the first malformed operation in history: one that
// returned before it was called. The check functions run it themselves;
// it is exported so a harness can check its recording early.
func Validate(history []Operation) error {
	for i, op := range history {
		if op.Return < op.Call {
			return fmt.Errorf("linearizability: operation %d (client %d, input %v) returns at %d, before its call at %d",
				i, op.ClientId, op.Input, op.Return, op.Call)
		}
	}
	return nil
}

// errNoStep is returned for a model that cannot step.
var errNoStep = errors.New("linearizability: Model.Step is nil")

// withDefaults returns m with every nil optional function filled in.
func (m Model) withDefaults() Model {
	if m.Partition == nil {
		m.Partition = func(h []Operation) [][]Operation { return [][]Operation{h} }
	}
	if m.Init == nil {
		m.Init = func() any { return nil }
	}
	if m.Equal == nil {
		m.Equal = defaultEqual
	}
	if m.DescribeOperation == nil {
		m.DescribeOperation = func(in, out any) string { return fmt.Sprintf("%v -> %v", in, out) }
	}
	if m.DescribeState == nil {
		m.DescribeState = func(s any) string { return fmt.Sprintf("%v", s) }
	}
	return m
}

// defaultEqual is == where that cannot panic, and reflect.DeepEqual where it
// could (slices, maps and funcs are not comparable).
func defaultEqual(a, b any) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb {
		return false
	}
	if ta == nil || ta.Comparable() {
		return a == b
	}
	return reflect.DeepEqual(a, b)
}
