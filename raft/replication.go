package raft

import (
	"fmt"
	"slices"
	"time"
)

// replicator keeps one follower up to date while this peer leads. It waits
// on replicateCond until there is something to send (needsSend), then sends
// every missing entry in one AppendEntries, or the snapshot if the follower
// needs entries that were compacted away. The RPC runs in its own goroutine,
// so a slow or lost RPC never blocks heartbeats.
func (rf *Raft) replicator(peer int) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	for {
		for !rf.killed() && !rf.needsSend(peer, time.Now()) {
			rf.replicateCond.Wait()
		}
		if rf.killed() {
			return
		}
		rf.sendSeq++
		seq := rf.sendSeq
		rf.inflight[peer] = seq
		rf.lastSent[peer] = time.Now()
		if rf.nextIndex[peer] <= rf.log.snapshotIndex {
			args := InstallSnapshotArgs{
				Term:              rf.currentTerm,
				LeaderId:          rf.me,
				LastIncludedIndex: rf.log.snapshotIndex,
				LastIncludedTerm:  rf.log.snapshotTerm,
				Data:              rf.snapshot,
			}
			rf.sentCommit[peer] = rf.commitIndex
			rf.dlog(tSnapshot, "sending snapshot through %d to S%d", args.LastIncludedIndex, peer)
			go rf.sendInstallSnapshot(peer, seq, args)
			continue
		}
		// Entries leave only once persisted: the leader counts itself
		// toward a majority, so what it sends it must already hold on disk.
		rf.persistIfDirty()
		next := rf.nextIndex[peer]
		end := min(rf.log.lastIndex()+1, next+maxBatch)
		args := AppendEntriesArgs{
			Term:         rf.currentTerm,
			LeaderId:     rf.me,
			PrevLogIndex: next - 1,
			PrevLogTerm:  rf.log.term(next - 1),
			Entries:      rf.log.slice(next, end),
			LeaderCommit: rf.commitIndex,
		}
		rf.sentCommit[peer] = rf.commitIndex
		go rf.sendAppendEntries(peer, seq, args)
	}
}

// needsSend reports whether the replicator for peer should send now: a
// heartbeat is due, or, with no RPC awaited and no backoff pending, the
// follower lacks entries or has not been told the latest commitIndex. A
// heartbeat is a full AppendEntries from nextIndex: if an earlier one was
// lost or is slow, it takes its place. Caller holds rf.mu.
func (rf *Raft) needsSend(peer int, now time.Time) bool {
	if rf.role != leader {
		return false
	}
	if now.Sub(rf.lastSent[peer]) >= heartbeatInterval {
		return true
	}
	if rf.inflight[peer] != 0 || now.Before(rf.retryAt[peer]) {
		return false
	}
	return rf.nextIndex[peer] <= rf.log.lastIndex() || rf.sentCommit[peer] < rf.commitIndex
}

// sendAppendEntries sends one AppendEntries and acts on the reply.
func (rf *Raft) sendAppendEntries(peer int, seq uint64, args AppendEntriesArgs) {
	if rf.killed() {
		return
	}
	var reply AppendEntriesReply
	ok := rf.peers[peer].Call("Raft.AppendEntries", &args, &reply)

	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.acceptReply(peer, seq, ok, args.Term, reply.Term, "AppendEntries") {
		return
	}
	if reply.Success {
		// From what was sent, not from the log as it is now.
		rf.matched(peer, args.PrevLogIndex+len(args.Entries))
		return
	}
	if reply.XLen == 0 {
		// A rejection that says nothing about the follower's log (it is
		// killed, or found the request malformed): don't resend at once.
		rf.retryAt[peer] = time.Now().Add(retryBackoff)
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
	next = max(next, rf.matchIndex[peer]+1, 1)
	if next < rf.nextIndex[peer] {
		rf.dlog(tAppend, "S%d rejected prev %d/%d (xterm %d xindex %d xlen %d): next %d -> %d", peer,
			args.PrevLogIndex, args.PrevLogTerm, reply.XTerm, reply.XIndex, reply.XLen, rf.nextIndex[peer], next)
		rf.nextIndex[peer] = next
		rf.replicateCond.Broadcast()
	}
}

// finishSend records the end of the RPC numbered seq to peer. It returns
// false if the RPC failed or the peer was killed, and then sets a short
// backoff before the next resend. Caller holds rf.mu.
func (rf *Raft) finishSend(peer int, seq uint64, ok bool) bool {
	if rf.inflight[peer] == seq {
		rf.inflight[peer] = 0
		if !ok {
			rf.retryAt[peer] = time.Now().Add(retryBackoff)
			rf.sentCommit[peer] = 0 // the follower may not have heard it
		}
		rf.replicateCond.Broadcast()
	}
	return ok && !rf.killed()
}

// matched records that peer holds the leader's log through index, and
// commits what a majority now holds. Caller holds rf.mu.
func (rf *Raft) matched(peer, index int) {
	if index > rf.matchIndex[peer] {
		rf.matchIndex[peer] = index
		rf.advanceCommit()
	}
	if index+1 > rf.nextIndex[peer] {
		rf.nextIndex[peer] = index + 1
	}
}

// advanceCommit sets commitIndex to the highest index held by a majority,
// if that entry is of the current term (§5.4.2, Figure 8: older entries
// commit only indirectly). Caller holds rf.mu.
func (rf *Raft) advanceCommit() {
	rf.persistIfDirty() // the leader counts itself: what it counts must be durable
	matches := slices.Clone(rf.matchIndex)
	matches[rf.me] = rf.log.lastIndex()
	slices.Sort(matches)
	n := matches[(len(matches)-1)/2] // held by a majority: this and every larger one
	if n > rf.commitIndex && rf.log.term(n) == rf.currentTerm {
		rf.dlog(tCommit, "commit %d -> %d", rf.commitIndex, n)
		rf.commitIndex = n
		rf.applyCond.Broadcast()
		rf.replicateCond.Broadcast() // tell the followers now, not at the next heartbeat
	}
}

// AppendEntries is the RPC handler for log replication and heartbeats
// (Figure 2, §5.3).
func (rf *Raft) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	admitted := rf.admit(args.Term, args.validate(len(rf.peers)))
	reply.Term = rf.currentTerm // to a deposed leader, this says so
	if !admitted {
		return
	}
	if rf.role == leader {
		panic(fmt.Sprintf("raft: peer %d, leader in term %d, got AppendEntries from S%d in the same term",
			rf.me, rf.currentTerm, args.LeaderId))
	}
	rf.becomeFollower(args.Term) // a candidate yields to the term's leader
	rf.resetElectionTimer()

	prev, entries := args.PrevLogIndex, args.Entries
	if prev < rf.log.snapshotIndex {
		// The start is in our snapshot, so committed, so it matches.
		skip := min(rf.log.snapshotIndex-prev, len(entries))
		prev, entries = prev+skip, entries[skip:]
		if prev < rf.log.snapshotIndex {
			reply.Success = true // everything sent is in the snapshot already
			return
		}
	} else if prev > rf.log.lastIndex() {
		reply.XTerm, reply.XLen = -1, rf.log.lastIndex()+1
		rf.dlog(tAppend, "reject from S%d: prev %d past our last %d", args.LeaderId, prev, rf.log.lastIndex())
		return
	} else if t := rf.log.term(prev); t != args.PrevLogTerm {
		reply.XTerm, reply.XIndex, reply.XLen = t, rf.log.firstIndexOfTerm(prev), rf.log.lastIndex()+1
		rf.dlog(tAppend, "reject from S%d: prev %d has term %d, not %d", args.LeaderId, prev, t, args.PrevLogTerm)
		return
	}

	// Append what is new. Truncate only at a real conflict: a delayed,
	// older AppendEntries must not erase entries we already hold.
	changed := false
	for k, e := range entries {
		i := prev + 1 + k
		if i <= rf.log.lastIndex() {
			if rf.log.term(i) == e.Term {
				continue
			}
			if i <= rf.commitIndex {
				panic(fmt.Sprintf("raft: peer %d term %d: leader S%d conflicts at committed index %d (commit %d)",
					rf.me, rf.currentTerm, args.LeaderId, i, rf.commitIndex))
			}
			rf.log.truncateFrom(i)
		}
		rf.log.append(entries[k:]...)
		changed = true
		break
	}
	if changed {
		rf.persist()
		rf.dlog(tAppend, "from S%d: log now through %d", args.LeaderId, rf.log.lastIndex())
	}
	reply.Success = true

	// Commit no further than what this RPC showed to match the leader.
	if newCommit := min(args.LeaderCommit, prev+len(entries)); newCommit > rf.commitIndex {
		rf.dlog(tCommit, "commit %d -> %d (leader S%d)", rf.commitIndex, newCommit, args.LeaderId)
		rf.commitIndex = newCommit
		rf.applyCond.Broadcast()
	}
}
