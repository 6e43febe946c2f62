package raft

import (
	"fmt"
	"slices"
	"time"

	"raftlab/labrpc"
)

// progress is what a leader knows of one other peer (Figure 2's nextIndex
// and matchIndex) and the bookkeeping of its replication to it.
type progress struct {
	server      Server            // the member, as the configuration has it
	end         *labrpc.ClientEnd // reaches it; nil until the replicator dialed
	nextIndex   int               // index of the next entry to send
	matchIndex  int               // highest index known to be replicated on the peer
	inflight    uint64            // sequence number of the RPC awaited, 0 if none
	lastSent    time.Time         // when the last RPC left, for heartbeats
	retryAt     time.Time         // after a failed RPC, no resend before this
	sentCommit  int               // leaderCommit of the last AppendEntries sent
	ackedCommit int               // highest leaderCommit of an AppendEntries the peer accepted
	lastReply   time.Time         // when the peer last answered in this term (CheckQuorum)
	// snap is the snapshot transfer in progress to the peer, nil if none:
	// at most one at a time, and while it runs the replicator sends only
	// heartbeats (snapshot.go).
	snap *snapshotSend
}

// replicator keeps one follower up to date while this peer leads. It waits
// on replicateCond until there is something to send (needsSend), then sends
// the missing entries (up to maxBatch, and maxMsgBytes of them) in one
// AppendEntries, or starts a snapshot transfer if the follower needs
// entries that were compacted away. The RPC runs in its own goroutine, so a
// slow or lost RPC never blocks heartbeats; a snapshot transfer runs in one
// goroutine of its own, chunk by chunk (snapshot.go), and meanwhile the
// replicator sends only heartbeats. It ends when the peer is killed or the
// member leaves the configuration (its progress is no longer pr). A
// changeable configuration's replicator first dials its member.
func (rf *Raft) replicator(peer int, pr *progress) {
	if rf.dial != nil {
		rf.mu.Lock()
		s := pr.server
		rf.mu.Unlock()
		end := rf.dial(s)
		rf.mu.Lock()
		pr.end = end
		rf.mu.Unlock()
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	for {
		for !rf.killed() && rf.progress[peer] == pr && !rf.needsSend(pr, time.Now()) {
			rf.replicateCond.Wait()
		}
		if rf.killed() || rf.progress[peer] != pr {
			return
		}
		if pr.nextIndex <= rf.log.snapshotIndex && pr.snap == nil {
			rf.startSnapshot(peer, pr)
		}
		rf.sendSeq++
		seq := rf.sendSeq
		pr.inflight = seq
		pr.lastSent = time.Now()
		pr.sentCommit = rf.commitIndex
		if pr.snap != nil {
			// A heartbeat that asserts leadership and carries the commit
			// index; from the snapshot's index, which the follower either
			// holds (then it matches from there on) or lacks (then it
			// rejects, and the transfer goes on).
			args := AppendEntriesArgs{
				Term:         rf.currentTerm,
				LeaderId:     rf.me,
				PrevLogIndex: rf.log.snapshotIndex,
				PrevLogTerm:  rf.log.snapshotTerm,
				LeaderCommit: rf.commitIndex,
			}
			go rf.sendAppendEntries(peer, pr, pr.end, seq, args)
			continue
		}
		next := pr.nextIndex
		rf.state.follow(rf.log) // the entries' encoded sizes, for the byte budget
		end := rf.state.batchEnd(next, min(rf.log.lastIndex()+1, next+maxBatch), maxMsgBytes)
		args := AppendEntriesArgs{
			Term:         rf.currentTerm,
			LeaderId:     rf.me,
			PrevLogIndex: next - 1,
			PrevLogTerm:  rf.log.term(next - 1),
			Entries:      rf.log.slice(next, end),
			LeaderCommit: rf.commitIndex,
		}
		go rf.sendAppendEntries(peer, pr, pr.end, seq, args)
		// Save what was just sent while it travels (§10.2.1): the
		// follower's disk write and this one overlap. The reply waits
		// for rf.mu, so it is counted only after the save, and
		// advanceCommit counts this peer only for what it has saved.
		rf.persistLog()
	}
}

// needsSend reports whether the replicator for peer should send now: a
// snapshot transfer is to start, a heartbeat is due, or, with no RPC
// awaited, no backoff pending and no snapshot in flight, the follower lacks
// entries or has not been told the latest commitIndex. A heartbeat is a
// full AppendEntries from nextIndex: if an earlier one was lost or is slow,
// it takes its place. Caller holds rf.mu.
func (rf *Raft) needsSend(pr *progress, now time.Time) bool {
	if rf.role != leader || pr.end == nil {
		return false
	}
	if pr.nextIndex <= rf.log.snapshotIndex && pr.snap == nil {
		return true
	}
	if now.Sub(pr.lastSent) >= heartbeatInterval {
		return true
	}
	if pr.inflight != 0 || now.Before(pr.retryAt) || pr.snap != nil {
		return false
	}
	return pr.nextIndex <= rf.log.lastIndex() || pr.sentCommit < rf.commitIndex
}

// anyNeedsSend reports whether some replicator should send now. Caller
// holds rf.mu.
func (rf *Raft) anyNeedsSend(now time.Time) bool {
	for _, pr := range rf.progress {
		if rf.needsSend(pr, now) {
			return true
		}
	}
	return false
}

// quorumAnswered reports whether a majority of the voters, this leader
// included if it is one, answered within quorumTimeout (CheckQuorum).
// Caller holds rf.mu.
func (rf *Raft) quorumAnswered(now time.Time) bool {
	return rf.quorum(func(id int) bool {
		pr := rf.progress[id]
		return id == rf.me || (pr != nil && now.Sub(pr.lastReply) < quorumTimeout)
	})
}

// sendAppendEntries sends one AppendEntries through end (pr.end when it was
// sent: pr is rewritten under rf.mu, and the RPC runs without it) and acts
// on the reply.
func (rf *Raft) sendAppendEntries(peer int, pr *progress, end *labrpc.ClientEnd, seq uint64, args AppendEntriesArgs) {
	if rf.killed() {
		return
	}
	var reply AppendEntriesReply
	ok := end.Call("Raft.AppendEntries", &args, &reply)

	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.acceptReply(peer, pr, seq, ok, args.Term, reply.Term, "AppendEntries") {
		return
	}
	if reply.Success {
		// From what was sent, not from the log as it is now.
		rf.recordMatch(pr, args.PrevLogIndex+len(args.Entries))
		pr.ackedCommit = max(pr.ackedCommit, min(args.LeaderCommit, args.PrevLogIndex+len(args.Entries)))
		rf.stepDownIfTold(time.Now())
		return
	}
	if reply.XLen == 0 {
		// A rejection that says nothing about the follower's log (it is
		// killed, or found the request malformed): don't resend at once.
		pr.retryAt = time.Now().Add(retryBackoff)
		return
	}
	// Fast backup: skip the follower's whole conflicting term, or to the
	// end of its log if it is too short.
	next := reply.XLen
	if reply.XTerm != -1 {
		if last := rf.log.lastIndexOfTerm(reply.XTerm); last != -1 {
			next = last + 1
		} else {
			next = reply.XIndex
		}
	}
	next = max(next, pr.matchIndex+1, 1)
	if next < pr.nextIndex {
		rf.dlog(tAppend, "S%d rejected prev %d/%d (xterm %d xindex %d xlen %d): next %d -> %d", peer,
			args.PrevLogIndex, args.PrevLogTerm, reply.XTerm, reply.XIndex, reply.XLen, pr.nextIndex, next)
		pr.nextIndex = next
		rf.replicateCond.Broadcast()
	}
}

// acceptReply is replyCurrent for a leader's RPC numbered seq to peer
// (AppendEntries, InstallSnapshot): it first records the end of the RPC, and
// a short backoff before the next resend if it failed (ok false). An
// accepted reply shows the peer is reachable (CheckQuorum). A reply from a
// member that left the configuration since (its progress is not pr) is
// dropped. Caller holds rf.mu.
func (rf *Raft) acceptReply(peer int, pr *progress, seq uint64, ok bool, sentTerm, replyTerm int, rpc string) bool {
	if pr.inflight == seq {
		pr.inflight = 0
		if !ok {
			pr.retryAt = time.Now().Add(retryBackoff)
			pr.sentCommit = 0 // the follower may not have heard it
		}
		rf.replicateCond.Broadcast()
	}
	if !ok || !rf.replyCurrent(peer, rpc, sentTerm, leader, replyTerm) || rf.progress[peer] != pr {
		return false
	}
	pr.lastReply = time.Now()
	return true
}

// recordMatch records that peer holds the leader's log through index, and
// commits what a majority now holds (or promotes a learner that caught up).
// Caller holds rf.mu.
func (rf *Raft) recordMatch(pr *progress, index int) {
	if index > pr.matchIndex {
		pr.matchIndex = index
		rf.advanceCommit()
		if pr.server.Learner {
			rf.afterCommit()
		}
	}
	if index+1 > pr.nextIndex {
		pr.nextIndex = index + 1
	}
	if pr.snap != nil && pr.nextIndex > pr.snap.index {
		pr.snap = nil // it caught up another way: the transfer ends
	}
}

// advanceCommit sets commitIndex to the highest index held by a majority,
// if that entry is of the current term (§5.4.2, Figure 8: older entries
// commit only indirectly). Caller holds rf.mu.
func (rf *Raft) advanceCommit() {
	rf.persistLog() // the leader counts itself: what it counts must be durable
	var matches []int
	for _, id := range rf.config.voters() {
		if id == rf.me {
			matches = append(matches, rf.log.lastIndex())
		} else if pr := rf.progress[id]; pr != nil {
			matches = append(matches, pr.matchIndex)
		} else {
			matches = append(matches, 0)
		}
	}
	if len(matches) == 0 {
		return
	}
	slices.Sort(matches)
	n := matches[(len(matches)-1)/2] // held by a majority of the voters: this and every larger one
	if n > rf.commitIndex && rf.log.term(n) == rf.currentTerm {
		rf.dlog(tCommit, "commit %d -> %d", rf.commitIndex, n)
		rf.commitIndex = n
		rf.deliverCond.Broadcast()
		rf.replicateCond.Broadcast() // tell the followers now, not at the next heartbeat
		rf.afterCommit()
	}
}

// AppendEntries is the RPC handler for log replication and heartbeats
// (Figure 2, §5.3).
func (rf *Raft) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.admitFromLeader(args.Term, args.LeaderId, args.validate(rf.idLimit()), &reply.Term, "AppendEntries") {
		return
	}
	prev, entries, ok := rf.matchPrev(args, reply)
	if !ok {
		return
	}
	rf.appendNew(prev, entries, args.LeaderId)
	reply.Success = true
	if in := rf.incoming; in != nil && !in.installing && in.index <= prev+len(entries) {
		rf.incoming = nil // caught up through the log: the snapshot being collected is not needed
	}
	// Commit no further than what this RPC showed to match the leader.
	if newCommit := min(args.LeaderCommit, prev+len(entries)); newCommit > rf.commitIndex {
		rf.dlog(tCommit, "commit %d -> %d (leader S%d)", rf.commitIndex, newCommit, args.LeaderId)
		rf.commitIndex = newCommit
		rf.deliverCond.Broadcast()
	}
}

// matchPrev is AppendEntries' consistency check (§5.3): it returns the
// request's entries that fall after this peer's snapshot, and the index
// just before them, which matches the leader's log. A rejection (ok false)
// fills in the fast-backup fields; a request wholly inside the snapshot
// succeeds with nothing to do. Caller holds rf.mu.
func (rf *Raft) matchPrev(args *AppendEntriesArgs, reply *AppendEntriesReply) (prev int, entries []Entry, ok bool) {
	prev, entries = args.PrevLogIndex, args.Entries
	switch {
	case prev < rf.log.snapshotIndex:
		// The start is in our snapshot, so committed, so it matches.
		skip := min(rf.log.snapshotIndex-prev, len(entries))
		prev, entries = prev+skip, entries[skip:]
		if prev < rf.log.snapshotIndex {
			reply.Success = true // everything sent is in the snapshot already
			return 0, nil, false
		}
	case prev > rf.log.lastIndex():
		reply.XTerm, reply.XLen = -1, rf.log.lastIndex()+1
		rf.dlog(tAppend, "reject from S%d: prev %d past our last %d", args.LeaderId, prev, rf.log.lastIndex())
		return 0, nil, false
	case rf.log.term(prev) != args.PrevLogTerm:
		t := rf.log.term(prev)
		reply.XTerm, reply.XIndex, reply.XLen = t, rf.log.firstIndexOfTerm(prev), rf.log.lastIndex()+1
		rf.dlog(tAppend, "reject from S%d: prev %d has term %d, not %d", args.LeaderId, prev, t, args.PrevLogTerm)
		return 0, nil, false
	}
	return prev, entries, true
}

// appendNew stores the entries that follow index prev, which matches the
// leader, and persists if that changed the log. It truncates only at a
// real conflict: a delayed, older AppendEntries must not erase entries this
// peer already holds. Caller holds rf.mu.
func (rf *Raft) appendNew(prev int, entries []Entry, leaderId int) {
	for k, e := range entries {
		i := prev + 1 + k
		if i <= rf.log.lastIndex() {
			if rf.log.term(i) == e.Term {
				continue
			}
			if i <= rf.commitIndex {
				panic(fmt.Sprintf("raft: peer %d term %d: leader S%d conflicts at committed index %d (commit %d)",
					rf.me, rf.currentTerm, leaderId, i, rf.commitIndex))
			}
			rf.log.truncateFrom(i)
			rf.refreshConfig(0)
		}
		rf.log.append(entries[k:]...)
		rf.refreshConfig(i)
		rf.persist()
		rf.dlog(tAppend, "from S%d: log now through %d", leaderId, rf.log.lastIndex())
		return
	}
}
