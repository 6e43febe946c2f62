package raft

// The harness's continuous checks, as a type of their own. A monitor watches
// a cluster of n Raft peers and records every violation it sees of:
//
//   - One leader per term (§5.2): no two peers claim to lead the same term,
//     at whatever times they claim it, and a peer's term never goes back
//     within one incarnation.
//   - Applied agreement (State Machine Safety, §5.4.3): every command applied
//     at an index is the one every peer, earlier incarnations included,
//     applied or snapshotted there. What a peer applied outlives its
//     crashes: a restarted peer must apply what it applied before.
//   - Gapless apply: each incarnation applies indexes 1, 2, 3, ... in order,
//     each once, starting after the snapshot it restored, if any.
//   - Snapshot agreement: a snapshot moves its incarnation's service forward
//     and holds, at every index it covers, what was applied there.
//
// The harness tells the monitor what happens and asks it what it saw:
//
//	m := newMonitor(n)
//	inc := m.incarnate(i)            a new incarnation of peer i, before Make
//	m.snapshot(inc, cmds)            its service took (or restored) a snapshot: cmds[k] is index k+1
//	m.running(inc, rf)               Make returned: poll rf's GetState
//	m.applied(inc, index, cmd)       it applied cmd at index (from applyCh)
//	m.stopped(inc)                   it crashed: poll it no more
//	go m.watch(stop)                 poll every running incarnation until stop is closed
//	m.observe(inc, term, isLeader)   one GetState answer (what watch does)
//	m.report(msg)                    a violation the harness saw itself
//	m.violations()                   what was seen, timestamped, at most 20
//	m.committed(index)               how many peers applied index, the command, which peers
//	m.appliedPrefix(i, through)      what peer i applied at 1..through, for a service snapshot
//	m.appliedThrough(inc), m.highest()
//
// applied, snapshot and observe return the violation they found (nil if
// none) as well as recording it. Every method is safe from any goroutine;
// the monitor's lock is never held across a call into a peer.
//
// The monitor knows nothing of networks or tests, and this file declares no
// name that the course's harness (config.go, test_test.go) declares, so a
// course harness dropped into the package can use it too.

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// stateReporter is what the monitor polls: a peer's GetState.
type stateReporter interface {
	GetState() (term int, isLeader bool)
}

// incarnation is one life of a peer, from its Make to its crash.
type incarnation struct {
	peer int
	gen  int // unique among the monitor's incarnations, from 1

	// Guarded by the monitor's mu.
	through  int           // last index this incarnation applied or restored
	lastTerm int           // the term it last reported, 0 before any
	reporter stateReporter // nil until running, and after stopped
}

// maxViolations bounds what a monitor keeps: the first ones explain a
// failure, and a broken peer can produce thousands.
const maxViolations = 20

type monitor struct {
	start time.Time // violations are timestamped from here

	mu        sync.Mutex
	gens      int
	polled    []*incarnation // polled[i]: peer i's running incarnation, or nil
	appliedAt []map[int]any  // appliedAt[i][index]: what peer i applied there, in any incarnation
	top       int            // highest index applied by any peer
	leaderOf  map[int]int    // term -> the peer seen leading it
	seen      []string       // violations, as reported
	seenSet   map[string]bool
}

func newMonitor(n int) *monitor {
	m := &monitor{
		start:     time.Now(),
		polled:    make([]*incarnation, n),
		appliedAt: make([]map[int]any, n),
		leaderOf:  map[int]int{},
		seenSet:   map[string]bool{},
	}
	for i := range m.appliedAt {
		m.appliedAt[i] = map[int]any{}
	}
	return m
}

// ---- Incarnations ----

// incarnate returns a new incarnation of peer, which has applied nothing:
// its next command must be at index 1, or after the snapshot it restores.
func (m *monitor) incarnate(peer int) *incarnation {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gens++
	return &incarnation{peer: peer, gen: m.gens}
}

// running makes inc the peer's incarnation that watch polls, through r.
func (m *monitor) running(inc *incarnation, r stateReporter) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inc.reporter = r
	m.polled[inc.peer] = inc
}

// stopped says inc has crashed (or been killed): watch polls it no more.
// What it applied still counts.
func (m *monitor) stopped(inc *incarnation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inc.reporter = nil
	if m.polled[inc.peer] == inc {
		m.polled[inc.peer] = nil
	}
}

// ---- Observations ----

// observe checks one GetState answer of inc: one leader per term, and no
// term going back within an incarnation. Two GetState calls are not one
// atomic view, but two peers claiming the same term is a violation at
// whatever times they claim it.
func (m *monitor) observe(inc *incarnation, term int, isLeader bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	if term < inc.lastTerm {
		errs = append(errs, m.violationLocked("S%d's term went back from %d to %d without a restart", inc.peer, inc.lastTerm, term))
	}
	inc.lastTerm = term
	if isLeader {
		if other, ok := m.leaderOf[term]; !ok {
			m.leaderOf[term] = inc.peer
		} else if other != inc.peer {
			errs = append(errs, m.violationLocked("two leaders in term %d: S%d and S%d", term, other, inc.peer))
		}
	}
	return errors.Join(errs...)
}

// poll observes every running incarnation once.
func (m *monitor) poll() {
	m.mu.Lock()
	incs := slices.Clone(m.polled)
	reporters := make([]stateReporter, len(incs))
	for i, inc := range incs {
		if inc != nil {
			reporters[i] = inc.reporter
		}
	}
	m.mu.Unlock()
	for i, inc := range incs {
		if inc != nil {
			term, isLeader := reporters[i].GetState()
			m.observe(inc, term, isLeader)
		}
	}
}

// watch polls every running incarnation every 5 ms until stop is closed. A
// peer whose GetState blocks blocks watch too: the caller should give it a
// deadline to return after stop.
func (m *monitor) watch(stop <-chan struct{}) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		m.poll()
	}
}

// applied checks and notes that inc applied cmd at index: the next index of
// this incarnation, and what every peer applied there, if any did.
func (m *monitor) applied(inc *incarnation, index int, cmd any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := inc.peer
	switch {
	case index <= inc.through:
		return m.violationLocked("S%d (incarnation %d) applied index %d again or out of order: it had applied through %d",
			i, inc.gen, index, inc.through)
	case index > inc.through+1:
		return m.violationLocked("S%d (incarnation %d) applied index %d after %d: indexes %d..%d were skipped",
			i, inc.gen, index, inc.through, inc.through+1, index-1)
	}
	for j, at := range m.appliedAt {
		if old, ok := at[index]; ok && old != cmd {
			if j == i {
				return m.violationLocked("S%d (incarnation %d) applied %s at index %d, but applied %s there before it crashed",
					i, inc.gen, cmdString(cmd), index, cmdString(old))
			}
			return m.violationLocked("index %d: S%d applied %s but S%d applied %s", index, i, cmdString(cmd), j, cmdString(old))
		}
	}
	m.appliedAt[i][index] = cmd
	inc.through = index
	m.top = max(m.top, index)
	return nil
}

// snapshot checks and notes that inc's service took on a snapshot holding
// cmds[k] at index k+1 (delivered on applyCh, or restored at restart): it
// must move the service forward and agree with what every peer applied at
// every index it covers. It becomes the incarnation's applied prefix.
func (m *monitor) snapshot(inc *incarnation, cmds []any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, through := inc.peer, len(cmds)
	if through <= inc.through {
		return m.violationLocked("S%d (incarnation %d) took a snapshot through %d after applying through %d: the service would go back",
			i, inc.gen, through, inc.through)
	}
	for k, cmd := range cmds {
		for j, at := range m.appliedAt {
			if old, ok := at[k+1]; ok && old != cmd {
				return m.violationLocked("S%d's snapshot through %d holds %s at index %d, but S%d applied %s there",
					i, through, cmdString(cmd), k+1, j, cmdString(old))
			}
		}
	}
	for k, cmd := range cmds {
		m.appliedAt[i][k+1] = cmd
	}
	inc.through = through
	m.top = max(m.top, through)
	return nil
}

// ---- Violations ----

// violationLocked records a violation and returns it. Caller holds m.mu.
func (m *monitor) violationLocked(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if !m.seenSet[msg] && len(m.seen) < maxViolations {
		m.seenSet[msg] = true
		m.seen = append(m.seen, fmt.Sprintf("%.3fs: %s", time.Since(m.start).Seconds(), msg))
	}
	return errors.New(msg)
}

// report records a violation the harness saw itself, once per message.
func (m *monitor) report(msg string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.violationLocked("%s", msg)
}

// violations returns the violations recorded so far, oldest first, each
// with the seconds since the monitor was made.
func (m *monitor) violations() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.seen)
}

// ---- What was applied ----

// committed returns how many peers applied index (in any incarnation), the
// command there, and which peers. They agree: applied checked it.
func (m *monitor) committed(index int) (int, any, []int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cmd any
	var who []int
	for i, at := range m.appliedAt {
		if c, ok := at[index]; ok {
			cmd = c
			who = append(who, i)
		}
	}
	return len(who), cmd, who
}

// appliedPrefix returns what peer applied at indexes 1..through, for a
// service snapshot; an index it never applied or restored is nil.
func (m *monitor) appliedPrefix(peer, through int) []any {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmds := make([]any, through)
	for k := range cmds {
		cmds[k] = m.appliedAt[peer][k+1]
	}
	return cmds
}

// appliedThrough returns the last index inc applied or restored.
func (m *monitor) appliedThrough(inc *incarnation) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return inc.through
}

// highest returns the highest index any peer applied or restored.
func (m *monitor) highest() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.top
}

// cmdString formats a command for a message, cut short: some tests'
// commands are 5000 bytes.
func cmdString(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) > 24 {
		return s[:20] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}
