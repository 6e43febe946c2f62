package raft

import (
	"fmt"
	"os"
	"time"

	"raftlab/labrpc"
)

// Snapshot tells Raft that the service has a snapshot of its state through
// index (inclusive), so the log through index can be discarded (§7). The
// service may call it from its applyCh reader. A snapshot that is not newer
// than the current one, or reaches past what was delivered on applyCh, is
// ignored.
func (rf *Raft) Snapshot(index int, snapshot []byte) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.killed() || index <= rf.log.snapshotIndex {
		return
	}
	if index > rf.lastDispatched {
		fmt.Fprintf(os.Stderr, "raft: peer %d: Snapshot(%d) ignored: only %d was delivered on applyCh\n", rf.me, index, rf.lastDispatched)
		return
	}
	rf.log.compact(index, rf.log.term(index), rf.snapshotConfigFor(index))
	rf.snapshot = clone(snapshot)
	rf.persist()
	rf.dlog(tSnapshot, "service snapshot through %d (%d bytes); log now (%d, %d]",
		index, len(snapshot), rf.log.snapshotIndex, rf.log.lastIndex())
}

// sendInstallSnapshot sends the whole snapshot through end (as
// sendAppendEntries) to a follower that needs entries the leader no longer
// holds, and acts on the reply.
func (rf *Raft) sendInstallSnapshot(peer int, pr *progress, end *labrpc.ClientEnd, seq uint64, args InstallSnapshotArgs) {
	if rf.killed() {
		return
	}
	var reply InstallSnapshotReply
	ok := end.Call("Raft.InstallSnapshot", &args, &reply)

	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.acceptReply(peer, pr, seq, ok, args.Term, reply.Term, "InstallSnapshot") {
		return
	}
	if !reply.Installed {
		pr.retryAt = time.Now().Add(retryBackoff) // a killed follower: don't resend at once
		return
	}
	rf.recordMatch(pr, args.LastIncludedIndex)
}

// InstallSnapshot is the RPC handler that brings a lagging follower up to a
// leader's snapshot (Figure 13). The follower keeps any log entries after the
// snapshot that match it, and hands the snapshot to the service through the
// deliverer, in order with commands. It never installs a snapshot that is not
// newer than what it has committed, so the service never goes backwards.
func (rf *Raft) InstallSnapshot(args *InstallSnapshotArgs, reply *InstallSnapshotReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.admitFromLeader(args.Term, args.LeaderId, args.validate(rf.idLimit()), &reply.Term, "InstallSnapshot") {
		return
	}
	reply.Installed = true
	if args.LastIncludedIndex <= rf.commitIndex {
		rf.dlog(tSnapshot, "snapshot through %d from S%d: have committed %d already",
			args.LastIncludedIndex, args.LeaderId, rf.commitIndex)
		return
	}
	var cfg *Configuration
	if rf.dial != nil {
		c := args.Config.clone()
		cfg = &c
	}
	rf.log.compact(args.LastIncludedIndex, args.LastIncludedTerm, cfg)
	rf.refreshConfig(0)
	rf.snapshot = clone(args.Data)
	rf.commitIndex = args.LastIncludedIndex
	rf.pendingSnapshot = &ApplyMsg{
		SnapshotValid: true,
		Snapshot:      rf.snapshot,
		SnapshotTerm:  args.LastIncludedTerm,
		SnapshotIndex: args.LastIncludedIndex,
	}
	rf.persist()
	rf.dlog(tSnapshot, "installed snapshot through %d from S%d; log now (%d, %d]",
		args.LastIncludedIndex, args.LeaderId, rf.log.snapshotIndex, rf.log.lastIndex())
	rf.deliverCond.Broadcast()
}

// snapshotConfigFor is the configuration a snapshot through index records:
// the one in force at index, for a changeable configuration; nil for a
// fixed one. Caller holds rf.mu.
func (rf *Raft) snapshotConfigFor(index int) *Configuration {
	if rf.dial == nil {
		return nil
	}
	c := rf.configAt(index).clone()
	return &c
}
