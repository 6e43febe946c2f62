package linearizability

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// LinearizationInfo is what a check found, part by part: enough to draw the
// HTML page (see Visualize) or to print a diagnosis.
type LinearizationInfo struct {
	// Err is set when the input could not be checked: a malformed
	// operation, a nil Step, or a model function that panicked. The
	// result is then Illegal, so a harness that fails on Illegal fails.
	Err        error
	Partitions []PartitionInfo
}

// PartitionInfo is the outcome of one independent part of the history.
type PartitionInfo struct {
	Label   string      // from Model.DescribePartition
	History []Operation // the part; the indexes below point into it
	// Result is Ok, Illegal, or Unknown when the search of this part did
	// not finish (Reason says why: time limit, another part illegal).
	Result CheckResult
	Reason string
	// Prefix is the longest linearizable prefix found, in linearization
	// order; States[i] is the model state after Prefix[i]. For an Ok part
	// it is a linearization of the whole part.
	Prefix []int
	States []any
	// Stuck is, for an Illegal part, the operation that could not be
	// placed after Prefix: it returned before any order of the remaining
	// operations let it in (-1 for Ok and Unknown parts). Pending are the operations that could have gone next
	// at that point; the model accepted none of them, Stuck included.
	Stuck   int
	Pending []int
	// Lookahead is set when the diagnosis above is that of the search
	// that used Model.Doomed, because the plain search, run again to
	// diagnose an Illegal part, ran out of steps. Then either StuckDoomed
	// is set, and Stuck can never be linearized after Prefix, whatever
	// goes before it (Model.Doomed showed it), or Stuck and each of
	// Pending were refused after Prefix, by the model or because taking
	// them would doom an operation ahead.
	Lookahead, StuckDoomed bool
}

// CheckOperations reports whether history is linearizable with respect to
// model, searching for as long as it takes.
func CheckOperations(model Model, history []Operation) bool {
	res, _ := CheckOperationsTimeout(model, history, 0)
	return res == Ok
}

// CheckOperationsVerbose is CheckOperationsTimeout under the name the course's
// kvraft tests call (porcupine's), so that a course test_test.go can import
// this package in place of both porcupine and models.
func CheckOperationsVerbose(model Model, history []Operation, timeout time.Duration) (CheckResult, LinearizationInfo) {
	return CheckOperationsTimeout(model, history, timeout)
}

// CheckOperationsTimeout checks history against model, each part in its own
// goroutine. It stops every part as soon as one is found Illegal, and
// returns Unknown if timeout (when > 0) passes before the answer is known.
// Ok and Illegal are always proven answers, never guesses. Every goroutine
// it starts has finished by the time it returns.
func CheckOperationsTimeout(model Model, history []Operation, timeout time.Duration) (CheckResult, LinearizationInfo) {
	var info LinearizationInfo
	m, parts, err := prepare(model, history)
	if err != nil {
		info.Err = err
		return Illegal, info
	}
	info.Partitions = unsearched(m, parts)
	errs, timedOut := searchParts(m, info.Partitions, timeout)
	return verdict(&info, errs, timedOut, timeout), info
}

// prepare checks the model and the history and splits the history into the
// model's parts. The model it returns has every optional function filled in.
func prepare(model Model, history []Operation) (Model, [][]Operation, error) {
	if model.Step == nil {
		return Model{}, nil, errNoStep
	}
	if err := Validate(history); err != nil {
		return Model{}, nil, err
	}
	m := model.withDefaults()
	parts, err := partition(m, history)
	if err != nil {
		return Model{}, nil, err
	}
	return m, parts, nil
}

// unsearched describes each part before its search: labelled, Unknown, no
// operation stuck.
func unsearched(m Model, parts [][]Operation) []PartitionInfo {
	ps := make([]PartitionInfo, len(parts))
	for i, p := range parts {
		ps[i] = PartitionInfo{Label: describePartition(m, p, i), History: p, Result: Unknown, Stuck: -1}
	}
	return ps
}

// searchParts searches every part of ps in its own goroutine, filling in
// its result, and returns when all have finished: each part's error, and
// whether the time limit (when timeout > 0) ran out. The first part found
// Illegal stops the others, as does the time limit.
func searchParts(m Model, ps []PartitionInfo, timeout time.Duration) (errs []error, timedOut bool) {
	var stop, expired atomic.Bool
	if timeout > 0 {
		timer := time.AfterFunc(timeout, func() {
			expired.Store(true)
			stop.Store(true)
		})
		defer timer.Stop()
	}
	errs = make([]error, len(ps))
	var wg sync.WaitGroup
	for i := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = checkPart(m, &ps[i], &stop)
			if ps[i].Result == Illegal {
				stop.Store(true)
			}
		}()
	}
	wg.Wait()
	// A part stopped by the timer saw stop set after expired, so this reads
	// true for it.
	return errs, expired.Load()
}

// verdict is the result of the whole check: Illegal if any part is, else
// Unknown if any part was stopped, else Ok. It sets info.Err to the first
// part's error, if any, and says why each unfinished part stopped.
func verdict(info *LinearizationInfo, errs []error, timedOut bool, timeout time.Duration) CheckResult {
	result := Ok
	for i := range info.Partitions {
		p := &info.Partitions[i]
		if errs[i] != nil && info.Err == nil {
			info.Err = errs[i]
		}
		switch p.Result {
		case Illegal:
			result = Illegal
		case Unknown:
			if result == Ok {
				result = Unknown
			}
			if timedOut {
				p.Reason = fmt.Sprintf("not finished: the time limit of %v ran out", timeout)
			} else {
				p.Reason = "not finished: stopped because another part is illegal"
			}
		}
	}
	if result == Unknown && info.Err == nil && !timedOut {
		// Only the timer or an Illegal part stops a search.
		panic("linearizability: a part was stopped with no time limit passed and no illegal part")
	}
	return result
}

// checkPart searches one part into p, turning a panic in the model into an
// error and an Illegal verdict.
func checkPart(m Model, p *PartitionInfo, stop *atomic.Bool) (err error) {
	var res partResult
	var lookahead bool // the diagnosis is the pruned search's
	defer func() {
		if r := recover(); r != nil {
			res.result = Illegal
			err = fmt.Errorf("linearizability: %s: the model panicked: %v", p.Label, r)
		}
		p.Result = res.result
		p.Prefix, p.States = res.prefix, res.states
		p.Stuck, p.Pending = res.stuck, res.pending
		p.Lookahead, p.StuckDoomed = lookahead, res.doomed
	}()
	search(m, p.History, searchOptions{stop: stop, prune: m.Doomed != nil}, &res)
	if m.Doomed != nil && res.result == Illegal {
		lookahead = true // until diagnose replaces res (it may panic)
		res, lookahead, err = diagnose(m, p.History, stop, res)
	}
	return err
}

// diagnoseBudget is how many steps the search of an Illegal part may take
// again without Model.Doomed, to say where the part breaks.
const diagnoseBudget = 1 << 16

// diagnose searches an Illegal part found with Model.Doomed again without
// it, for the page: the pruned search stops short of prefixes the plain one
// reaches (a step is refused as soon as an operation ahead is doomed), and
// the plain search's diagnosis (the longest prefix the model accepts, the
// operation whose return ended it, the others that could have gone next)
// is the one the page explains. If that search runs out of steps or is
// stopped, the pruned result stands, and lookahead says so. If it finds
// the part linearizable, Doomed was wrong, which is an error.
func diagnose(m Model, part []Operation, stop *atomic.Bool, pruned partResult) (res partResult, lookahead bool, err error) {
	search(m, part, searchOptions{stop: stop, budget: diagnoseBudget}, &res)
	switch res.result {
	case Illegal:
		return res, false, nil
	case Ok:
		return pruned, true, errors.New("linearizability: the model's Doomed pruned a linearizable part: it answered true where a linearization exists")
	}
	return pruned, true, nil
}

// partition runs the model's Partition, which may panic on input it does not
// expect, and validates what it returns.
func partition(m Model, history []Operation) (parts [][]Operation, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("linearizability: the model's Partition panicked: %v", r)
		}
	}()
	parts = m.Partition(history)
	for i, p := range parts {
		if err := Validate(p); err != nil {
			return nil, fmt.Errorf("part %d: %w", i, err)
		}
	}
	return parts, nil
}

func describePartition(m Model, part []Operation, i int) (s string) {
	s = fmt.Sprintf("part %d", i)
	if m.DescribePartition == nil {
		return s
	}
	defer func() { _ = recover() }()
	return m.DescribePartition(part)
}
