package raft

// Status is a read-only copy of a peer's state: the kvraft harness's
// failure timeline samples it every 10 ms, and the membership tests read
// it. Status below fills what the contract fields of raft.go hold; the
// rest is yours to fill if you like (raftlab's real cluster shows it).
type Status struct {
	Me            int    // this peer's index
	Role          string // "follower", "pre-candidate", "candidate", "leader", or "dead" once killed
	Term          int    // currentTerm
	VotedFor      int    // -1 for none
	CommitIndex   int    // highest index known committed
	LastApplied   int    // highest index handed to the service (lastDispatched)
	LastIndex     int    // index of the last log entry (the snapshot's if the log is empty)
	LogEntries    int    // entries held in memory after the snapshot
	SnapshotIndex int    // last index the snapshot covers; 0 if none
	SnapshotTerm  int

	// The configuration in use (the latest in the log), the index of its
	// entry (0: the initial one) and whether this peer knows it committed.
	Members         []MemberStatus
	ConfigIndex     int
	ConfigCommitted bool
}

// MemberStatus is one member of the configuration, and how far its log
// matches the leader's: MatchIndex is known only on the leader (its own is
// its last index), -1 elsewhere. A learner whose MatchIndex nears the
// leader's last index is about to be promoted.
type MemberStatus struct {
	Server
	MatchIndex int
}

// Status returns a copy of the peer's state. It changes nothing.
func (rf *Raft) Status() Status {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	st := Status{
		Me:          rf.me,
		Role:        rf.role.String(),
		Term:        rf.currentTerm,
		CommitIndex: rf.commitIndex,
		LastApplied: rf.lastDispatched,
	}
	if rf.killed() {
		st.Role = "dead"
	}
	return st
}
