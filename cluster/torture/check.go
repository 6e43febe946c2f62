package torture

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"raftlab/linearizability"
)

// Verdicts of a run.
const (
	Linearizable    = "linearizable"
	NotLinearizable = "not linearizable"
	CheckUnknown    = "unknown within the time limit" // not a pass
)

// writeLoss is what the final reads say about the acknowledged writes.
type writeLoss struct {
	lost    []*op    // acknowledged writes missing from their key's final value, by time acknowledged
	twice   []string // tokens found more than once: a write applied twice
	phantom []string // tokens no client ever wrote, and damaged big values read
	missing []string // keys whose final read did not come back
}

// lostLines describes each lost write in a line.
func (l writeLoss) lostLines() []string {
	lines := make([]string, len(l.lost))
	for i, o := range l.lost {
		lines[i] = fmt.Sprintf("%s %s to %s, acknowledged at %s by node %d",
			kindNames[o.kind], strings.TrimSuffix(o.value, ";"), o.key, seconds(o.ret), o.node)
	}
	return lines
}

func (l writeLoss) ok() bool {
	return len(l.lost)+len(l.twice)+len(l.phantom)+len(l.missing) == 0
}

// checkWrites compares every acknowledged write with the final read of
// its key. Every write's value is a token no other write uses, and a put
// replaces the value, so the final value is the token of the put that
// took effect last (if any put did), then the appends after it. An
// acknowledged write called after that put returned (after the start, if
// no put took effect) must have come after it, so its token must be in
// the value. A token may appear once, and only if a client wrote it. A big
// value any get read damaged (not the bytes its token and size make) is a
// value no client wrote too: a final read's shows up among its tokens,
// another read's is said with the read.
func checkWrites(ops []op, keys int) writeLoss {
	var l writeLoss
	final := map[string]*op{}
	writes := map[string]*op{} // by token
	for i := range ops {
		o := &ops[i]
		switch {
		case o.final && !o.unknown:
			final[o.key] = o
		case o.kind != linearizability.KvGet:
			writes[o.value] = o
		case o.damaged != "":
			l.phantom = append(l.phantom, fmt.Sprintf("%s in key %s, read at %s from node %d", o.damaged, o.key, seconds(o.ret), o.node))
		}
	}
	for k := range keys {
		if final[key(k)] == nil {
			l.missing = append(l.missing, key(k))
		}
	}
	seen := map[string]map[string]int{} // key -> token -> count
	lastPut := map[string]*op{}         // key -> the put whose token leads the value
	for k, o := range final {
		c := map[string]int{}
		for i, t := range strings.SplitAfter(o.full, ";") {
			if t == "" {
				continue
			}
			c[t]++
			w := writes[t]
			switch {
			case c[t] == 2:
				l.twice = append(l.twice, fmt.Sprintf("%s in key %s", strings.TrimSuffix(t, ";"), k))
			case c[t] == 1 && (w == nil || w.key != k):
				l.phantom = append(l.phantom, fmt.Sprintf("%q in key %s", t, k))
			case i == 0 && w.kind == linearizability.KvPut:
				lastPut[k] = w
			}
		}
		seen[k] = c
	}
	for _, o := range writes {
		if o.unknown || final[o.key] == nil || o == lastPut[o.key] {
			continue
		}
		if p := lastPut[o.key]; p != nil && (p.unknown || o.call < p.ret) {
			continue // it may have come before the last put, which replaced it
		}
		if seen[o.key][o.value] == 0 {
			l.lost = append(l.lost, o)
		}
	}
	sort.Slice(l.lost, func(i, j int) bool { return l.lost[i].ret < l.lost[j].ret })
	sort.Strings(l.twice)
	sort.Strings(l.phantom)
	return l
}

// kvModel is linearizability.KvModel; the page names parts by key.
var kvModel = linearizability.KvModel

// toHistory turns the run's operations into the checker's: an operation
// with an unknown outcome is a write that may take effect at any time
// after its call (it returns after everything else), or a read that tells
// nothing and is left out.
func toHistory(ops []op) []linearizability.Operation {
	var end time.Duration
	for _, o := range ops {
		end = max(end, o.ret, o.call)
	}
	h := make([]linearizability.Operation, 0, len(ops))
	for _, o := range ops {
		if o.unknown && o.kind == linearizability.KvGet {
			continue
		}
		lo := linearizability.Operation{
			ClientId: o.client,
			Input:    linearizability.KvInput{Op: o.kind, Key: o.key, Value: o.value},
			Call:     int64(o.call),
			Return:   int64(o.ret),
			Output:   linearizability.KvOutput{},
		}
		if o.kind == linearizability.KvGet {
			lo.Output = o.out
		}
		if o.unknown {
			lo.Return = int64(end + time.Hour)
		}
		h = append(h, lo)
	}
	return h
}

// checkHistory runs the linearizability check and returns the verdict.
func checkHistory(ops []op, timeout time.Duration) (string, linearizability.LinearizationInfo, time.Duration) {
	start := time.Now()
	res, info := linearizability.CheckOperationsTimeout(kvModel, toHistory(ops), timeout)
	took := time.Since(start)
	switch res {
	case linearizability.Ok:
		return Linearizable, info, took
	case linearizability.Illegal:
		return NotLinearizable, info, took
	default:
		return CheckUnknown, info, took
	}
}
