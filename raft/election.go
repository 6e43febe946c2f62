package raft

import "time"

// ticker is the one time-driven loop of a peer: it starts elections when the
// election timeout passes without word from a leader, and, on a leader,
// wakes the replicators when time alone made one of them due to send (a
// heartbeat, or the end of a retry backoff). It sleeps without the lock.
func (rf *Raft) ticker() {
	for !rf.killed() {
		time.Sleep(tick)
		rf.mu.Lock()
		now := time.Now()
		switch {
		case rf.killed():
		case rf.role == leader:
			// A leader has no election timer; keeping it fresh means a
			// leader that steps down waits a whole timeout before it
			// campaigns, instead of disrupting the new leader at once.
			rf.resetElectionTimer()
			for p := range rf.peers {
				if p != rf.me && rf.needsSend(p, now) {
					rf.replicateCond.Broadcast()
					break
				}
			}
		case now.After(rf.electionDeadline):
			rf.startElection()
		}
		rf.mu.Unlock()
	}
}

// startElection begins a new term as a candidate and asks every other peer
// for its vote, each in its own goroutine (§5.2). Caller holds rf.mu.
func (rf *Raft) startElection() {
	rf.becomeCandidate()
	if rf.votes > len(rf.peers)/2 {
		rf.becomeLeader() // a group of one elects itself
		return
	}
	args := RequestVoteArgs{
		Term:         rf.currentTerm,
		CandidateId:  rf.me,
		LastLogIndex: rf.log.lastIndex(),
		LastLogTerm:  rf.log.lastTerm(),
	}
	for p := range rf.peers {
		if p != rf.me {
			go rf.requestVote(p, args)
		}
	}
}

// requestVote sends one RequestVote and counts the answer. It runs without
// the lock held across the RPC.
func (rf *Raft) requestVote(peer int, args RequestVoteArgs) {
	if rf.killed() {
		return
	}
	var reply RequestVoteReply
	if !rf.peers[peer].Call("Raft.RequestVote", &args, &reply) {
		return
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.killed() || rf.observeTerm(reply.Term) {
		return
	}
	if rf.role != candidate || rf.currentTerm != args.Term {
		rf.dlog(tDrop, "vote reply from S%d for term %d: now %s", peer, args.Term, rf.role)
		return
	}
	if !reply.VoteGranted {
		return
	}
	rf.votes++
	rf.dlog(tVote, "vote from S%d: %d of %d", peer, rf.votes, len(rf.peers))
	if rf.votes > len(rf.peers)/2 {
		rf.becomeLeader()
	}
}

// RequestVote is the RPC handler for vote requests (Figure 2, §5.2, §5.4).
func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	admitted := rf.admit(args.Term, args.validate(len(rf.peers)))
	reply.Term = rf.currentTerm
	if !admitted {
		return
	}
	// §5.4.1: grant only to a candidate whose log is at least as up to
	// date: a later last term, or the same last term and at least as long.
	upToDate := args.LastLogTerm > rf.log.lastTerm() ||
		(args.LastLogTerm == rf.log.lastTerm() && args.LastLogIndex >= rf.log.lastIndex())
	if (rf.votedFor == -1 || rf.votedFor == args.CandidateId) && upToDate {
		if rf.votedFor != args.CandidateId {
			rf.votedFor = args.CandidateId
			rf.persist()
		}
		reply.VoteGranted = true
		rf.resetElectionTimer()
		rf.dlog(tVote, "granted vote to S%d", args.CandidateId)
		return
	}
	rf.dlog(tVote, "refused S%d: voted for %d, up to date %v (its %d/%d, ours %d/%d)", args.CandidateId,
		rf.votedFor, upToDate, args.LastLogIndex, args.LastLogTerm, rf.log.lastIndex(), rf.log.lastTerm())
}
