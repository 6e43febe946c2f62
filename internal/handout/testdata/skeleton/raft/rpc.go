package raft

// The RPCs of Figure 2 (RequestVote, AppendEntries) and of Figure 13
// (InstallSnapshot, part 3D): their arguments, replies and handlers, and the
// helpers that send them. Field names must start with capital letters:
// labgob carries only exported fields, and warns about the others.

// Entry is one log entry: a command for the state machine and the term in
// which the leader received it (Figure 2, log[]).
type Entry struct {
	Term    int
	Command any
}

// RequestVoteArgs is a candidate's request for a vote (Figure 2,
// RequestVote RPC, arguments: term, candidateId, lastLogIndex,
// lastLogTerm), or a pre-candidate's request for a pre-vote: the same
// arguments, for the term it would campaign in, with a flag that says so
// (doc.go, part 3A). Pre-votes travel in this RPC: the tests allow no
// other handlers than the three below.
type RequestVoteArgs struct {
	// Your data here (3A, 3B).
}

// RequestVoteReply answers a RequestVote (Figure 2, results: term,
// voteGranted).
type RequestVoteReply struct {
	// Your data here (3A).
}

// RequestVote is the handler of the RequestVote RPC (Figure 2, receiver
// implementation: reply false if the term is older than currentTerm; grant
// the vote if votedFor is null or candidateId, and the candidate's log is
// at least as up-to-date as the receiver's, §5.2 and §5.4). And, as for
// every RPC request or reply: a term higher than currentTerm makes this
// peer adopt it and become a follower (rules for all servers, §5.1), with
// one exception: a pre-vote request changes nothing, not even the term. A
// peer answers it as it would a vote, without voting, and refuses it if it
// heard from a leader less than an election timeout ago.
func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	// Your code here (3A, 3B).
}

// AppendEntriesArgs carries log entries from the leader, or none as a
// heartbeat (Figure 2, AppendEntries RPC, arguments: term, leaderId,
// prevLogIndex, prevLogTerm, entries[], leaderCommit).
type AppendEntriesArgs struct {
	// Your data here (3A, 3B).
}

// AppendEntriesReply answers an AppendEntries (Figure 2, results: term,
// success). To back up quickly over a follower's conflicting entries, the
// reply can also say the term of the conflicting entry and the first index
// of that term in the follower's log (the closing paragraphs of §5.3), and
// the follower's log length when it has no entry at prevLogIndex at all
// (the course's lecture notes). The Figure 8 tests of 3C need it.
type AppendEntriesReply struct {
	// Your data here (3A, 3B).
}

// AppendEntries is the handler of the AppendEntries RPC (Figure 2, receiver
// implementation: 1. reply false if term < currentTerm; 2. reply false if
// the log has no entry at prevLogIndex whose term is prevLogTerm; 3. if an
// existing entry conflicts with a new one (same index, different term),
// delete it and all that follow it; 4. append any new entries not already
// in the log; 5. if leaderCommit > commitIndex, set commitIndex =
// min(leaderCommit, index of last new entry)). A valid AppendEntries from
// the current term's leader also resets the election timeout.
func (rf *Raft) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	// Your code here (3A, 3B).
}

// InstallSnapshotArgs carries the leader's snapshot to a follower that
// needs entries the leader has discarded (Figure 13, arguments: term,
// leaderId, lastIncludedIndex, lastIncludedTerm, data; send the whole
// snapshot in one RPC, without offset and done).
type InstallSnapshotArgs struct {
	// Your data here (3D).
}

// InstallSnapshotReply answers an InstallSnapshot (Figure 13, results:
// term).
type InstallSnapshotReply struct {
	// Your data here (3D).
}

// InstallSnapshot is the handler of the InstallSnapshot RPC (Figure 13,
// receiver implementation: reply immediately if term < currentTerm; if an
// existing log entry has the same index and term as the snapshot's last
// included entry, retain the entries following it; else discard the entire
// log; save the snapshot with the state, persister.Save). A snapshot
// through an index this peer already sent on applyCh is not delivered:
// only a newer one goes to the service, as an ApplyMsg with SnapshotValid,
// from the same goroutine that sends commands (so the service sees
// everything in index order), and commitIndex and lastDispatched move up
// to its last included index.
func (rf *Raft) InstallSnapshot(args *InstallSnapshotArgs, reply *InstallSnapshotReply) {
	// Your code here (3D).
}

// sendRequestVote sends a RequestVote RPC to a peer; server is its index
// into rf.peers[], and args and reply are the RPC's. labrpc, like a real
// network, may lose the request or the reply, or deliver them late: Call
// returns true if a reply came back, and false if none did within a
// timeout, in which case *reply is unchanged. Call always returns (unless
// the handler on the other side never does), so there is no need for a
// timeout of your own. Never hold rf.mu while calling it: the other peer's
// handler may be waiting for a lock, or a reply, of its own.
//
// The types of args and reply, and the name of the handler, must be those
// declared above: labrpc calls the handler by reflection and fails (Call
// returns false) on a mismatch. Pass &reply, not reply.
func (rf *Raft) sendRequestVote(server int, args *RequestVoteArgs, reply *RequestVoteReply) bool {
	ok := rf.peers[server].Call("Raft.RequestVote", args, reply)
	return ok
}
