package kvraft

// The harness's side of the failure timeline (internal/timeline) for
// kvraft tests:
//
//   - Each server's Raft role, term, commit and applied indexes: a sampler
//     reads raft.Status of every running server every 10 ms. kvraft is
//     outside package raft, so it cannot use raft's test-only event hook;
//     a role held for less than 10 ms may be missed here (the raft tests'
//     pages show every one).
//   - Crashes (ShutdownServer), restarts (StartServer), partitions,
//     ConnectAll, unreliable: from the harness's own calls.
//   - The clients' operations: Get, Put, Append and Delete (test_test.go)
//     record each one's client, kind, key and times, as the linearizability
//     checker's history does; when the check fails, the checker's page is
//     linked.
//   - Failures: fatalf and errorf mark the failure with its message; fatalf
//     writes the page at once and prints its path after the seed line;
//     cleanup writes it for a test that failed another way, and for every
//     test when RAFTLAB_TIMELINE=1.
//
// This file uses our harness (config), so scripts/use-course-harness moves
// it aside with config_test.go.

import (
	"fmt"
	"slices"
	"time"

	"raftlab/internal/timeline"
)

// sampleTimeline samples every running server's Raft peer every 10 ms
// until stop is closed.
func (cfg *config) sampleTimeline(stop <-chan struct{}) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		cfg.mu.Lock()
		kvs := slices.Clone(cfg.kvservers)
		cfg.mu.Unlock()
		for i, kv := range kvs {
			if kv != nil {
				cfg.sampleServer(i, kv)
			}
		}
	}
}

// sampleServer records server i's Raft role, term, commit and applied
// indexes, unless it is dead.
func (cfg *config) sampleServer(i int, kv *KVServer) {
	st := kv.rf.Status()
	if st.Role == "dead" {
		return
	}
	cfg.tl.Role(i, st.Role, st.Term)
	cfg.tl.Progress(i, st.CommitIndex, st.LastApplied)
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

// timelineCleanup stops the sampler and writes the page of a test that
// failed without fatalf, or of any test when RAFTLAB_TIMELINE is set.
// Called by cleanup once the servers are killed.
func (cfg *config) timelineCleanup() {
	close(cfg.sampleStop)
	if !waitClosed(cfg.sampleDone, 5*time.Second) {
		cfg.t.Errorf("the timeline sampler did not stop within 5s: a Raft peer's Status is blocked; %s", cfg.seedLine())
	}
	cfg.tl.Finish()
	if cfg.tlLine != "" || !cfg.t.Failed() && !timeline.Always() {
		return // written by fatalf, or not wanted
	}
	if cfg.t.Failed() && !cfg.tl.Failed() {
		cfg.tl.Fail("the test failed (see its output): not through the harness's fatalf or errorf, so the time shown is the end of the test")
	}
	msg := fmt.Sprintf("%s; %s", cfg.writeTimeline(), cfg.seedLine())
	if cfg.t.Failed() {
		cfg.t.Logf("%s", msg)
	} else {
		fmt.Printf("  %s\n", msg) // t.Logf of a passing test shows only with -v
	}
}

func waitClosed(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}
