package raft

import "fmt"

// The RPC arguments and replies of Figure 2, with the fast-backup fields of
// section 5.3's closing paragraph. Fields are exported so labgob carries them.

// RequestVoteArgs is a candidate's request for a vote (Figure 2).
type RequestVoteArgs struct {
	Term         int // candidate's term
	CandidateId  int // candidate requesting the vote
	LastLogIndex int // index of the candidate's last log entry (§5.4)
	LastLogTerm  int // term of the candidate's last log entry (§5.4)
	// PreVote asks whether the peer would vote for the candidate in Term,
	// without changing anything (§9.6); the candidate's own term is
	// Term-1.
	PreVote bool
}

// RequestVoteReply answers a RequestVote.
type RequestVoteReply struct {
	Term        int  // currentTerm, for the candidate to update itself
	VoteGranted bool // true means the candidate received the vote
}

// AppendEntriesArgs carries log entries, or none as a heartbeat (Figure 2).
type AppendEntriesArgs struct {
	Term         int     // leader's term
	LeaderId     int     // so followers know who leads
	PrevLogIndex int     // index of the entry just before the new ones
	PrevLogTerm  int     // term of the entry at PrevLogIndex
	Entries      []Entry // entries to store; empty for a heartbeat
	LeaderCommit int     // leader's commitIndex
}

// AppendEntriesReply answers an AppendEntries. On a rejection for log
// inconsistency it says enough for the leader to skip a whole term at once:
//   - XTerm = -1: the follower's log is too short; XLen is its length
//     (last index + 1), where the leader should retry.
//   - otherwise XTerm is the term of the follower's conflicting entry at
//     PrevLogIndex and XIndex the first index it holds with that term.
//
// XLen is at least 1 on every such rejection. A rejection with XLen 0 says
// nothing about the log (the request was from an older term, malformed, or
// reached a killed peer), and the leader does not back up on it.
type AppendEntriesReply struct {
	Term    int  // currentTerm, for the leader to update itself
	Success bool // the follower held an entry matching PrevLogIndex and PrevLogTerm
	XTerm   int
	XIndex  int
	XLen    int
}

// InstallSnapshotArgs carries one chunk of a leader's snapshot (Figure 13:
// offset, data, done). A snapshot of any size travels as a sequence of
// chunks of at most snapshotChunk bytes, sent one at a time; every chunk
// names the snapshot (LastIncludedIndex, LastIncludedTerm, Size, Checksum)
// so a follower can tell chunks of another snapshot, or of another leader,
// from the ones it is collecting. The course's single-RPC snapshot is the
// one-chunk case: Offset 0, Done true.
type InstallSnapshotArgs struct {
	Term              int    // leader's term
	LeaderId          int    // so followers know who leads
	LastIncludedIndex int    // the snapshot replaces all entries through this index
	LastIncludedTerm  int    // term of LastIncludedIndex
	Offset            int    // where this chunk starts in the snapshot
	Data              []byte // the chunk's bytes
	Done              bool   // this is the last chunk
	Size              int    // the whole snapshot's length
	Checksum          uint32 // CRC-32C (Castagnoli) of the whole snapshot
	// Config is the configuration in force at LastIncludedIndex (a peer
	// made by MakeMember; empty from one made by Make).
	Config Configuration
}

// InstallSnapshotReply answers an InstallSnapshot.
type InstallSnapshotReply struct {
	Term int // currentTerm, for the leader to update itself
	// Installed: the follower now holds the snapshot's prefix, because it
	// installed the snapshot or had already committed through it.
	Installed bool
	// Offset, when not Installed, is where the follower expects the next
	// chunk of this snapshot: the bytes it holds, or 0 to start again.
	Offset int
}

// RPC arguments come from the network and are checked before use: a
// malformed request is answered as a rejection, never a panic. Indexes and
// terms are bounded by maxIndex, far beyond any real log, so that index
// arithmetic on them cannot overflow.
const maxIndex = 1 << 40

func inRange(vs ...int) bool {
	for _, v := range vs {
		if v < 0 || v > maxIndex {
			return false
		}
	}
	return true
}

func (a *RequestVoteArgs) validate(npeers int) error {
	if !inRange(a.Term, a.LastLogIndex, a.LastLogTerm) || a.CandidateId < 0 || a.CandidateId >= npeers {
		return fmt.Errorf("malformed RequestVote %+v", *a)
	}
	return nil
}

func (a *AppendEntriesArgs) validate(npeers int) error {
	if !inRange(a.Term, a.PrevLogIndex, a.PrevLogTerm, a.LeaderCommit, len(a.Entries)) ||
		a.LeaderId < 0 || a.LeaderId >= npeers || a.PrevLogTerm > a.Term {
		return fmt.Errorf("malformed AppendEntries term %d leader %d prev %d/%d commit %d",
			a.Term, a.LeaderId, a.PrevLogIndex, a.PrevLogTerm, a.LeaderCommit)
	}
	if err := checkEntryTerms(a.Entries, a.PrevLogIndex+1, a.PrevLogTerm, a.Term); err != nil {
		return fmt.Errorf("malformed AppendEntries from leader %d: %w", a.LeaderId, err)
	}
	if err := checkConfigs(a.Entries); err != nil {
		return fmt.Errorf("malformed AppendEntries from leader %d: %w", a.LeaderId, err)
	}
	return nil
}

// checkConfigs validates the configurations among entries.
func checkConfigs(entries []Entry) error {
	for _, e := range entries {
		if c, ok := e.Command.(Configuration); ok {
			if err := c.validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *InstallSnapshotArgs) validate(npeers int) error {
	if !inRange(a.Term, a.LastIncludedIndex, a.Offset, a.Size) || a.LeaderId < 0 || a.LeaderId >= npeers ||
		a.LastIncludedIndex < 1 || a.LastIncludedTerm < 1 || a.LastIncludedTerm > a.Term || a.Config.validate() != nil {
		return fmt.Errorf("malformed InstallSnapshot term %d leader %d last included %d/%d configuration %v",
			a.Term, a.LeaderId, a.LastIncludedIndex, a.LastIncludedTerm, a.Config)
	}
	if end := a.Offset + len(a.Data); end > a.Size || a.Done != (end == a.Size) {
		return fmt.Errorf("malformed InstallSnapshot chunk from leader %d: %d bytes at offset %d of %d, done %v",
			a.LeaderId, len(a.Data), a.Offset, a.Size, a.Done)
	}
	return nil
}
