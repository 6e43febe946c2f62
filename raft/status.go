package raft

// Status is a read-only copy of a peer's state, for an operator's view of
// a running cluster (a node's /status). It is taken under rf.mu and holds
// values only, so a caller can keep it as long as it likes; it is stale as
// soon as it is returned.
type Status struct {
	Me   int    // this peer's index
	Role string // "follower", "pre-candidate", "candidate", "leader", or "dead" once killed
	Term int    // currentTerm
	// Leader is the leader of Term as this peer knows it: itself if it
	// leads, else the one whose AppendEntries or InstallSnapshot it last
	// accepted in Term; -1 if it has heard from none (a new term, or a
	// leader that stepped down).
	Leader        int
	VotedFor      int // -1 for none
	CommitIndex   int // highest index known committed
	LastApplied   int // highest index handed to the service (lastDispatched)
	LastIndex     int // index of the last log entry (the snapshot's if the log is empty)
	LogEntries    int // entries held in memory after the snapshot
	SnapshotIndex int // last index the snapshot covers; 0 if none
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
		Me:            rf.me,
		Role:          rf.role.String(),
		Term:          rf.currentTerm,
		Leader:        rf.leaderId,
		VotedFor:      rf.votedFor,
		CommitIndex:   rf.commitIndex,
		LastApplied:   rf.lastDispatched,
		LastIndex:     rf.log.lastIndex(),
		LogEntries:    len(rf.log.entries),
		SnapshotIndex: rf.log.snapshotIndex,
		SnapshotTerm:  rf.log.snapshotTerm,
	}
	st.ConfigIndex, st.ConfigCommitted = rf.configIndex, rf.configIndex <= rf.commitIndex
	for _, m := range rf.config.Servers {
		ms := MemberStatus{Server: m, MatchIndex: -1}
		switch pr := rf.progress[m.ID]; {
		case rf.role != leader:
		case m.ID == rf.me:
			ms.MatchIndex = rf.log.lastIndex()
		case pr != nil:
			ms.MatchIndex = pr.matchIndex
		}
		st.Members = append(st.Members, ms)
	}
	if rf.killed() {
		st.Role = "dead"
	}
	return st
}

// Leader returns the leader of the current term as this peer knows it
// (Status.Leader: itself if it leads; -1 if it has heard from none), and
// the term.
func (rf *Raft) Leader() (id, term int) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.leaderId, rf.currentTerm
}

// LogTail returns the terms of the last n entries the log holds after its
// snapshot (fewer if it holds fewer; none for n <= 0), and the index of the
// first of them (LastIndex+1 when none). Like Status it is a copy taken
// under rf.mu and changes nothing: an operator's view draws the log as
// index/term cells from it.
func (rf *Raft) LogTail(n int) (first int, terms []int) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	last := rf.log.lastIndex()
	first = max(last-max(n, 0)+1, rf.log.firstIndex())
	terms = make([]int, 0, last-first+1)
	for i := first; i <= last; i++ {
		terms = append(terms, rf.log.term(i))
	}
	return first, terms
}
