package raft

import (
	"time"

	"raftlab/labrpc"
)

// ticker is the one time-driven loop of a peer. On any peer but a leader
// it starts a pre-vote round when the election timeout passes without word
// from a leader (a candidate or pre-candidate whose round went nowhere
// included: it goes back to pre-vote, not straight to a new term); on a leader it steps down if a majority stopped answering
// (CheckQuorum), and wakes the replicators when time alone made one of them
// due to send (a heartbeat, or the end of a retry backoff). It sleeps
// without the lock.
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
			if !rf.quorumAnswered(now) {
				rf.dlog(tLeader, "no reply from a majority for %v: stepping down", quorumTimeout)
				rf.becomeFollower(rf.currentTerm)
				break
			}
			rf.stepDownIfTold(now)
			if rf.role == leader && rf.anyNeedsSend(now) {
				rf.replicateCond.Broadcast()
			}
		case now.After(rf.electionDeadline) && !rf.canCampaign():
			// A learner, a removed server, or one waiting to be added.
			rf.becomeFollower(rf.currentTerm)
			rf.resetElectionTimer()
		case now.After(rf.electionDeadline):
			rf.becomePreCandidate()
			rf.requestVotes(true)
		}
		rf.mu.Unlock()
	}
}

// requestVotes asks every other peer for its pre-vote or vote in the
// current round, each in its own goroutine, or wins at once in a group of
// one. Caller holds rf.mu.
func (rf *Raft) requestVotes(preVote bool) {
	if rf.quorum(func(id int) bool { return rf.granted[id] }) {
		rf.wonRound()
		return
	}
	args := RequestVoteArgs{
		Term:         rf.currentTerm,
		CandidateId:  rf.me,
		LastLogIndex: rf.log.lastIndex(),
		LastLogTerm:  rf.log.lastTerm(),
		PreVote:      preVote,
	}
	if preVote {
		args.Term++ // the term it would run in; its own is unchanged
	}
	for _, id := range rf.config.voters() {
		if pr := rf.progress[id]; pr != nil && pr.end != nil {
			go rf.requestVote(id, pr.end, args, rf.currentTerm, rf.role, rf.round)
		}
	}
}

// wonRound moves on when a majority granted the current round: a
// pre-candidate runs for the next term, a candidate leads. Caller holds rf.mu.
func (rf *Raft) wonRound() {
	if rf.role == preCandidate {
		rf.becomeCandidate()
		rf.requestVotes(false)
		return
	}
	rf.becomeLeader()
}

// requestVote sends one RequestVote, sent in term sentTerm as sentAs in the
// given round, and counts the answer. It runs without the lock held across
// the RPC.
func (rf *Raft) requestVote(peer int, end *labrpc.ClientEnd, args RequestVoteArgs, sentTerm int, sentAs role, round uint64) {
	if rf.killed() {
		return
	}
	var reply RequestVoteReply
	if !end.Call("Raft.RequestVote", &args, &reply) {
		return
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if args.PreVote && reply.VoteGranted {
		// A grant answers for args.Term; a voter still in an older term
		// says nothing stale by granting it.
		reply.Term = max(reply.Term, sentTerm)
	}
	if !rf.replyCurrent(peer, "RequestVote", sentTerm, sentAs, reply.Term) || rf.round != round || !reply.VoteGranted {
		return
	}
	rf.granted[peer] = true
	kind := "vote"
	if args.PreVote {
		kind = "pre-vote"
	}
	rf.dlog(tVote, "%s from S%d: %d of voters %v", kind, peer, len(rf.granted), rf.config.voters())
	if rf.quorum(func(id int) bool { return rf.granted[id] }) {
		rf.wonRound()
	}
}

// RequestVote is the RPC handler for vote requests (Figure 2, §5.2, §5.4)
// and pre-vote requests (§9.6).
func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if args.PreVote {
		rf.answerPreVote(args, reply)
		return
	}
	if !rf.admit(args.Term, args.validate(rf.idLimit()), &reply.Term) {
		return
	}
	upToDate := rf.upToDate(args)
	if (rf.votedFor == -1 || rf.votedFor == args.CandidateId) && upToDate {
		if rf.votedFor != args.CandidateId {
			rf.votedFor = args.CandidateId
			rf.persist()
		}
		// A pre-candidate of this term that votes for another ends its
		// own round, which could otherwise still win and disrupt the
		// candidate it voted for.
		rf.becomeFollower(rf.currentTerm)
		reply.VoteGranted = true
		rf.resetElectionTimer()
		rf.dlog(tVote, "granted vote to S%d", args.CandidateId)
		return
	}
	rf.dlog(tVote, "refused S%d: voted for %d, up to date %v (its %d/%d, ours %d/%d)", args.CandidateId,
		rf.votedFor, upToDate, args.LastLogIndex, args.LastLogTerm, rf.log.lastIndex(), rf.log.lastTerm())
}

// answerPreVote grants a pre-vote if this peer would grant the vote in
// args.Term: the term is newer than its own, the candidate's log is up to
// date, and no leader is alive as far as it knows (inLease). It changes
// nothing: not its term, its vote or its timer. Caller holds rf.mu.
func (rf *Raft) answerPreVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	reply.Term = rf.currentTerm
	if rf.killed() {
		return
	}
	if err := args.validate(rf.idLimit()); err != nil {
		rf.dlog(tDrop, "%v", err)
		return
	}
	reply.VoteGranted = args.Term > rf.currentTerm && rf.upToDate(args) && !rf.inLease(time.Now())
	rf.dlog(tVote, "pre-vote for S%d in term %d: %v", args.CandidateId, args.Term, reply.VoteGranted)
}

// upToDate is the election restriction (§5.4.1): the candidate's log ends
// in a later term, or in the same term and is at least as long. Caller
// holds rf.mu.
func (rf *Raft) upToDate(args *RequestVoteArgs) bool {
	return args.LastLogTerm > rf.log.lastTerm() ||
		(args.LastLogTerm == rf.log.lastTerm() && args.LastLogIndex >= rf.log.lastIndex())
}
