package raft

import (
	"testing"
	"time"
)

// Status shows one leader among three peers, in the term the others see,
// and follows an entry from Start to commit and delivery.
func TestStatusReportsRoleTermAndIndexes(t *testing.T) {
	c := newMiniCluster(t, 3)
	ld := c.leader(t)
	index, _, ok := c.rafts[ld].Start(42)
	if !ok {
		t.Skipf("peer %d lost leadership before Start; nothing to check", ld)
	}
	c.mustApply(t, index)
	pollUntil(t, 5*time.Second, "every peer's Status shows the entry applied", func() bool {
		for _, rf := range c.rafts {
			if st := rf.Status(); st.CommitIndex < index || st.LastApplied < index {
				return false
			}
		}
		return true
	})
	pollUntil(t, 5*time.Second, "every peer's Status names the leader", func() bool {
		for _, rf := range c.rafts {
			if st := rf.Status(); st.Leader != ld {
				return false
			}
		}
		return true
	})
	leaders := 0
	for i, rf := range c.rafts {
		st := rf.Status()
		term, isLeader := rf.GetState()
		if st.Me != i {
			t.Errorf("peer %d: Status().Me = %d", i, st.Me)
		}
		if st.Role == "leader" {
			leaders++
		}
		if (st.Role == "leader") != isLeader && st.Term == term {
			t.Errorf("peer %d term %d: Status role %q, GetState says leader=%v", i, term, st.Role, isLeader)
		}
		if st.LastIndex < index || st.LogEntries != st.LastIndex-st.SnapshotIndex {
			t.Errorf("peer %d: Status %+v after index %d committed", i, st, index)
		}
		if st.LastApplied > st.CommitIndex || st.CommitIndex > st.LastIndex {
			t.Errorf("peer %d: Status breaks applied <= commit <= last: %+v", i, st)
		}
		if len(st.Members) != len(c.rafts) || st.ConfigIndex != 0 || !st.ConfigCommitted {
			t.Errorf("peer %d: Status configuration %+v at %d, want the fixed %d peers at 0", i, st.Members, st.ConfigIndex, len(c.rafts))
		}
		for _, m := range st.Members {
			if (st.Role == "leader") != (m.MatchIndex >= 0) || m.Learner {
				t.Errorf("peer %d (%s): member %+v", i, st.Role, m)
			}
		}
	}
	if leaders > 1 {
		t.Errorf("%d peers report the leader role", leaders)
	}
	c.rafts[0].Kill()
	if st := c.rafts[0].Status(); st.Role != "dead" {
		t.Errorf("peer 0 after Kill: role %q, want dead", st.Role)
	}
}

// LogTail copies the terms of the log's last entries with the index of
// the first, and bounds n by what the log holds.
func TestStatusLogTail(t *testing.T) {
	c := newMiniCluster(t, 3)
	ld := c.leader(t)
	var last int
	for cmd := range 3 {
		index, _, ok := c.rafts[ld].Start(100 + cmd)
		if !ok {
			t.Skipf("peer %d lost leadership before Start; nothing to check", ld)
		}
		last = index
	}
	c.mustApply(t, last)
	rf := c.rafts[ld]
	st := rf.Status()
	first, terms := rf.LogTail(2)
	if first != st.LastIndex-1 || len(terms) != 2 {
		t.Fatalf("peer %d: LogTail(2) = %d, %v; want 2 terms from index %d", ld, first, terms, st.LastIndex-1)
	}
	for i, term := range terms {
		if term < 1 || term > st.Term {
			t.Errorf("peer %d: LogTail(2) entry %d has term %d; want 1..%d", ld, first+i, term, st.Term)
		}
	}
	if first, terms := rf.LogTail(1 << 20); first != st.SnapshotIndex+1 || len(terms) != st.LogEntries {
		t.Errorf("peer %d: LogTail(huge) = %d, %d terms; want the whole log, %d entries from %d", ld, first, len(terms), st.LogEntries, st.SnapshotIndex+1)
	}
	if first, terms := rf.LogTail(-1); first != st.LastIndex+1 || len(terms) != 0 {
		t.Errorf("peer %d: LogTail(-1) = %d, %v; want none from %d", ld, first, terms, st.LastIndex+1)
	}
}
