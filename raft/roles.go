package raft

import (
	"fmt"
	"time"
)

// Role and term changes, and the gates every RPC request and reply passes.
// A term seen in a message is applied only in observeTerm, and a role
// changes only in the become functions.

// observeTerm applies the rule of Figure 2 for all servers: a term higher
// than currentTerm, seen in any RPC or reply, is adopted and the peer
// becomes a follower. It returns true if term is older than currentTerm, so
// that the caller rejects or drops the message. Caller holds rf.mu.
func (rf *Raft) observeTerm(term int) (stale bool) {
	if term > rf.currentTerm {
		rf.becomeFollower(term)
	}
	return term < rf.currentTerm
}

// admit runs the checks every RPC handler but a pre-vote's starts with: a
// killed peer grants nothing, a malformed request (invalid, from validate)
// is dropped, and the request's term passes observeTerm. It returns false
// if the handler must reject the request. Either way *replyTerm is set to currentTerm, which
// tells a sender from an older term that it is stale. Caller holds rf.mu.
func (rf *Raft) admit(term int, invalid error, replyTerm *int) bool {
	ok := !rf.killed()
	if ok && invalid != nil {
		rf.dlog(tDrop, "%v", invalid)
		ok = false
	}
	ok = ok && !rf.observeTerm(term)
	*replyTerm = rf.currentTerm
	return ok
}

// admitFromLeader is admit for the requests only a leader sends
// (AppendEntries, InstallSnapshot). An admitted request comes from the
// leader of currentTerm: this peer follows it, and its election timer and
// leaderLease start again. Caller holds rf.mu.
func (rf *Raft) admitFromLeader(term, leaderId int, invalid error, replyTerm *int, rpc string) bool {
	if !rf.admit(term, invalid, replyTerm) {
		return false
	}
	if rf.role == leader {
		panic(fmt.Sprintf("raft: peer %d, leader in term %d, got %s from S%d in the same term",
			rf.me, rf.currentTerm, rpc, leaderId))
	}
	rf.becomeFollower(term) // a (pre-)candidate yields to the term's leader
	rf.resetElectionTimer()
	rf.leaderContact = time.Now()
	rf.leaderId = leaderId
	return true
}

// replyCurrent is the gate every RPC reply passes: it applies the reply's
// term, then accepts the reply only if this peer is still in the term it
// sent the request in (sentTerm) and in the role it sent it as (sentAs).
// A reply that fails the gate is dropped. Caller holds rf.mu.
func (rf *Raft) replyCurrent(peer int, rpc string, sentTerm int, sentAs role, replyTerm int) bool {
	if rf.killed() || rf.observeTerm(replyTerm) {
		return false
	}
	if rf.role != sentAs || rf.currentTerm != sentTerm {
		rf.dlog(tDrop, "%s reply from S%d for term %d as %s: now %s", rpc, peer, sentTerm, sentAs, rf.role)
		return false
	}
	return true
}

// inLease reports whether this peer believes a leader of its term is alive:
// it leads, or heard from the leader within leaderLease. Such a peer refuses
// pre-votes (§9.6). Caller holds rf.mu.
func (rf *Raft) inLease(now time.Time) bool {
	return rf.role == leader || (!rf.leaderContact.IsZero() && now.Sub(rf.leaderContact) < leaderLease)
}

// becomeFollower moves to term (which may be the current one) as a
// follower, clearing the vote if the term is new, and persists the change.
// Caller holds rf.mu.
func (rf *Raft) becomeFollower(term int) {
	if term < rf.currentTerm {
		panic(fmt.Sprintf("raft: peer %d in term %d asked to follow in older term %d", rf.me, rf.currentTerm, term))
	}
	if term > rf.currentTerm {
		rf.dlog(tTerm, "term %d -> %d as follower (was %s)", rf.currentTerm, term, rf.role)
		rf.currentTerm = term
		rf.votedFor = -1
		rf.role = follower
		rf.leaderContact = time.Time{} // a lease is for the leader of a term
		rf.leavingSince = time.Time{}
		rf.incoming = nil // a snapshot of an older term's leader
		rf.leaderId = -1
		rf.persist()
		return
	}
	if rf.role != follower {
		rf.dlog(tTerm, "%s -> follower", rf.role)
		if rf.role == leader {
			rf.leaderId = -1 // it stepped down: the term has no leader it knows of
			rf.leavingSince = time.Time{}
		}
		rf.role = follower
	}
}

// becomePreCandidate starts a pre-vote round for the next term, changing
// neither the term nor the vote (§9.6): a peer that cannot win an election
// never raises its term, so it cannot depose a healthy leader when it
// rejoins. Caller holds rf.mu.
func (rf *Raft) becomePreCandidate() {
	if rf.role == leader {
		panic(fmt.Sprintf("raft: peer %d, leader in term %d, asked to become a pre-candidate", rf.me, rf.currentTerm))
	}
	rf.role = preCandidate
	rf.round++
	rf.granted = map[int]bool{rf.me: true}
	rf.resetElectionTimer()
	rf.dlog(tVote, "pre-candidate: election timeout, requesting pre-votes for term %d", rf.currentTerm+1)
}

// becomeCandidate starts a new term voting for itself (§5.2), once a
// majority granted its pre-vote. Caller holds rf.mu.
func (rf *Raft) becomeCandidate() {
	if rf.role != preCandidate {
		panic(fmt.Sprintf("raft: peer %d in term %d becoming a candidate as %s", rf.me, rf.currentTerm, rf.role))
	}
	rf.currentTerm++
	rf.role = candidate
	rf.votedFor = rf.me
	rf.leaderContact = time.Time{}
	rf.incoming = nil
	rf.leaderId = -1
	rf.round++
	rf.granted = map[int]bool{rf.me: true}
	rf.persist()
	rf.resetElectionTimer()
	rf.dlog(tVote, "candidate: requesting votes")
}

// becomeLeader takes over as leader of the current term (§5.2) and wakes
// the replicators to assert it at once. Caller holds rf.mu.
func (rf *Raft) becomeLeader() {
	if rf.role != candidate {
		panic(fmt.Sprintf("raft: peer %d in term %d becoming leader as %s", rf.me, rf.currentTerm, rf.role))
	}
	rf.role = leader
	rf.leaderId = rf.me
	last := rf.log.lastIndex()
	now := time.Now()
	for _, pr := range rf.progress {
		*pr = progress{server: pr.server, end: pr.end, nextIndex: last + 1, lastReply: now}
	}
	rf.dlog(tLeader, "leader with %d votes, log through %d", len(rf.granted), last)
	if rf.dial != nil {
		// A changeable configuration's leader starts its term with an
		// entry: its configuration again. Changes wait until it commits
		// (changeAllowed), and so does the leader's knowledge of what
		// earlier terms committed.
		rf.appendConfig(rf.config.clone(), "new leader")
	}
	rf.replicateCond.Broadcast()
}

// resetElectionTimer draws a new randomized election timeout. Caller holds rf.mu.
func (rf *Raft) resetElectionTimer() {
	span := int64(electionTimeoutMax - electionTimeoutMin)
	rf.electionDeadline = time.Now().Add(electionTimeoutMin + time.Duration(rf.rng.Int64N(span)))
}
