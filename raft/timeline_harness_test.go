package raft

// The harness's side of the failure timeline (internal/timeline): what the
// page of a raft test shows and where it comes from.
//
//   - Roles and terms, commit and applied indexes, from the peers
//     themselves, two ways. eventHook (debug.go) is called by every debug
//     event under rf.mu, whether the debug log is on or not, so a role
//     taken for a moment (a pre-candidacy of a few ms that a poll would
//     miss) is seen when the peer's next dlog runs (raftlab's raft logs
//     each role change after making it). A peer may log other changes
//     before making them (a new term, a step down, commit, apply), or log
//     nothing, so a sampler also reads every running peer every 10 ms,
//     with TryLock: it never waits on a peer, so a deadlocked peer cannot
//     hang it.
//   - Crashes, restarts, connect/disconnect, unreliable and long
//     reordering: from the harness's own calls (config_test.go).
//   - Failures: cfg.fatalf marks the failed check with its message and
//     writes the page at once; its path is printed after the seed line.
//     cleanup writes it for a test that failed another way, and for every
//     test when RAFTLAB_TIMELINE=1.
//
// Nothing is formatted and no file is written while a test passes; the
// recorder keeps a few words per role change and at most one
// commit/applied sample per 40 ms per peer.
//
// This file uses our harness (config), so scripts/use-course-harness moves
// it aside with config_test.go.

import (
	"fmt"
	"sync"
	"time"

	"raftlab/internal/timeline"
)

// timelinePeers maps each running peer made by the harness to its lane.
var timelinePeers sync.Map // *Raft -> timelinePeer

type timelinePeer struct {
	rec  *timeline.Recorder
	peer int
	// The role and term last recorded, so that the hook, called on every
	// debug event, calls the recorder only on a change. Guarded by the
	// peer's rf.mu.
	role *role
	term *int
}

func init() { eventHook = timelineEvent }

// timelineEvent is eventHook: caller holds rf.mu. The recorder is called
// only when the role or term changed since the peer's last event.
func timelineEvent(rf *Raft, _ topic) {
	if v, ok := timelinePeers.Load(rf); ok {
		v.(timelinePeer).roleLocked(rf)
	}
}

// roleLocked records rf's role and term if they changed. Caller holds
// rf.mu.
func (tp timelinePeer) roleLocked(rf *Raft) {
	if *tp.role != rf.role || *tp.term != rf.currentTerm {
		*tp.role, *tp.term = rf.role, rf.currentTerm
		tp.rec.Role(tp.peer, rf.role.String(), rf.currentTerm)
	}
}

// sampleLocked records rf's role, term, commit and applied indexes.
// Caller holds rf.mu.
func (tp timelinePeer) sampleLocked(rf *Raft) {
	tp.roleLocked(rf)
	tp.rec.Progress(tp.peer, rf.commitIndex, rf.lastDispatched)
}

// timelineStarted notes that peer i's new incarnation rf is running
// (restarted, unless first) and starts watching it.
func (cfg *config) timelineStarted(i int, rf *Raft, first bool) {
	if !first {
		cfg.tl.Restart(i)
	}
	tp := timelinePeer{rec: cfg.tl, peer: i, role: new(role), term: new(int)}
	*tp.term = -1 // nothing recorded yet
	timelinePeers.Store(rf, tp)
	rf.mu.Lock()
	tp.sampleLocked(rf)
	rf.mu.Unlock()
}

// timelineStopped stops watching rf, peer i's incarnation; crashed says it
// was crashed by the test (not stopped by cleanup).
func (cfg *config) timelineStopped(i int, rf *Raft, crashed bool) {
	timelinePeers.Delete(rf)
	if crashed {
		cfg.tl.Crash(i)
	}
}

// sampleTimeline samples every running peer every 10 ms until stop is
// closed.
func (cfg *config) sampleTimeline(stop <-chan struct{}) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		timelinePeers.Range(func(k, v any) bool {
			rf, tp := k.(*Raft), v.(timelinePeer)
			if tp.rec == cfg.tl && rf.mu.TryLock() {
				tp.sampleLocked(rf)
				rf.mu.Unlock()
			}
			return true
		})
	}
}

// writeTimeline writes the page and returns the line that gives its path
// (or why there is none). Once per test: later calls return the first
// line.
func (cfg *config) writeTimeline() string {
	cfg.tlOnce.Do(func() {
		path, err := cfg.tl.WriteFile("")
		if err != nil {
			cfg.tlLine = fmt.Sprintf("timeline page: none (%v)", err)
		} else {
			cfg.tlLine = "timeline page: " + path
		}
	})
	return cfg.tlLine
}

// timelineCleanup writes the page of a test that failed without fatalf,
// or of any test when RAFTLAB_TIMELINE is set. Called by cleanup once the
// peers are stopped.
func (cfg *config) timelineCleanup() {
	cfg.tl.Finish()
	if cfg.tlLine != "" || !cfg.t.Failed() && !timeline.Always() {
		return // written by fatalf, or not wanted
	}
	if cfg.t.Failed() && !cfg.tl.Failed() {
		cfg.tl.Fail("the test failed (see its output): not through the harness's fatalf, so the time shown is the end of the test")
	}
	msg := fmt.Sprintf("%s (network seed %d)", cfg.writeTimeline(), cfg.seed)
	if cfg.t.Failed() {
		cfg.t.Logf("%s", msg)
	} else {
		fmt.Printf("  %s\n", msg) // t.Logf of a passing test shows only with -v
	}
}

// timelineNetLocked records that peer i was connected or disconnected,
// and the network's sides after it: the connected peers on one side, each
// disconnected one alone (this harness cuts a peer off from all others).
// Nothing is recorded while make_config starts the peers. Caller holds
// cfg.mu.
func (cfg *config) timelineNetLocked(i int) {
	if !cfg.tlNet {
		return
	}
	cfg.tl.Disconnected(i, !cfg.connected[i])
	var in []int
	var sides [][]int
	for i, c := range cfg.connected {
		switch {
		case c:
			in = append(in, i)
		case cfg.endnames[i] != nil: // started at least once
			sides = append(sides, []int{i})
		}
	}
	if len(sides) == 0 {
		cfg.tl.Partition() // healed
		return
	}
	cfg.tl.Partition(append([][]int{in}, sides...)...)
}
