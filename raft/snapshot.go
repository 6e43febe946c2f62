package raft

import (
	"fmt"
	"hash/crc32"
	"os"
	"sync/atomic"
	"time"

	"raftlab/labrpc"
)

// snapshotChunk bounds the data of one InstallSnapshot: a snapshot of any
// size travels in chunks of this many bytes, one RPC at a time, so neither
// a frame limit of the transport nor the memory of either side grows with
// the state. A variable so that tests can make transfers take many chunks
// (atomic: a transfer of a killed peer may still read it as a test ends).
var snapshotChunk atomic.Int64

const defaultSnapshotChunk = 1 << 20

// snapshotBeforeLastChunk names the deliberate bug of this file
// (raftlab/internal/bugs.SnapshotBeforeLastChunk).
const snapshotBeforeLastChunk = "snapshot-before-last-chunk"

// chunkTimeout bounds the wait for the reply to one chunk (callChunk); it
// doubles after each chunk abandoned, up to maxChunkTimeout, and starts
// again after a reply.
const (
	chunkTimeout    = 500 * time.Millisecond
	maxChunkTimeout = 16 * time.Second
)

func init() { snapshotChunk.Store(defaultSnapshotChunk) }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Snapshot tells Raft that the service has a snapshot of its state through
// index (inclusive), so the log through index can be discarded (§7). The
// service may call it from its applyCh reader. A snapshot that is not newer
// than the current one, or reaches past what was delivered on applyCh, is
// ignored.
//
// The snapshot's bytes are copied and written aside (Persister's staging)
// without rf.mu, so a big snapshot does not stop heartbeats and votes
// while it is written; then, under rf.mu, the log is compacted and saved
// with it. Meanwhile the log may grow, and a snapshot from the leader may
// overtake this one (then this one is dropped).
func (rf *Raft) Snapshot(index int, snapshot []byte) {
	rf.mu.Lock()
	ok := rf.snapshotWanted(index)
	rf.mu.Unlock()
	if !ok {
		return
	}
	data := clone(snapshot)
	staged, err := rf.persister.stageSnapshot(data)

	rf.mu.Lock()
	defer rf.mu.Unlock()
	if err != nil {
		if !rf.killed() {
			fmt.Fprintf(os.Stderr, "raft: peer %d: Snapshot(%d) dropped: %v\n", rf.me, index, err)
		}
		return
	}
	if !rf.snapshotWanted(index) {
		rf.persister.dropStaged(staged)
		return
	}
	rf.log.compact(index, rf.log.term(index), rf.snapshotConfigFor(index))
	rf.snapshot = data
	rf.persistStaged(staged)
	rf.dlog(tSnapshot, "service snapshot through %d (%d bytes); log now (%d, %d]",
		index, len(snapshot), rf.log.snapshotIndex, rf.log.lastIndex())
}

// snapshotWanted reports whether a service snapshot through index would
// be taken now. Caller holds rf.mu.
func (rf *Raft) snapshotWanted(index int) bool {
	if rf.killed() || index <= rf.log.snapshotIndex {
		return false
	}
	if index > rf.lastDispatched {
		fmt.Fprintf(os.Stderr, "raft: peer %d: Snapshot(%d) ignored: only %d was delivered on applyCh\n", rf.me, index, rf.lastDispatched)
		return false
	}
	return true
}

// snapshotSend is a leader's transfer of one snapshot to one follower
// (progress.snap): at most one per follower at a time, sent chunk by chunk
// by sendSnapshot while the replicator sends only heartbeats.
type snapshotSend struct {
	index, term int
	data        []byte // the leader's snapshot as it was when the transfer began; never mutated
	config      Configuration
}

// startSnapshot begins a transfer of the current snapshot to peer, which
// needs entries the log no longer holds. Caller holds rf.mu.
func (rf *Raft) startSnapshot(peer int, pr *progress) {
	s := &snapshotSend{index: rf.log.snapshotIndex, term: rf.log.snapshotTerm, data: rf.snapshot}
	if rf.dial != nil {
		s.config = rf.snapshotConfig().clone()
	}
	pr.snap = s
	rf.dlog(tSnapshot, "sending snapshot through %d (%d bytes) to S%d", s.index, len(s.data), peer)
	go rf.sendSnapshot(peer, pr, pr.end, rf.currentTerm, s)
}

// sendSnapshot sends s to peer through end, one chunk at a time, each
// awaited, until the follower has installed it, or this peer is no longer
// the leader of term, or the transfer was dropped (pr.snap is no longer
// s: the follower caught up another way, or left). A lost chunk is sent
// again after retryBackoff; the follower says at which offset it wants
// the next one, so a chunk it got twice, or a transfer it lost (it
// restarted), goes on from where it stands.
func (rf *Raft) sendSnapshot(peer int, pr *progress, end *labrpc.ClientEnd, term int, s *snapshotSend) {
	sum := crc32.Checksum(s.data, castagnoli) // the data is immutable: no lock needed
	offset := 0
	timeout := chunkTimeout
	for {
		rf.mu.Lock()
		if rf.killed() || rf.role != leader || rf.currentTerm != term || rf.progress[peer] != pr || pr.snap != s {
			rf.mu.Unlock()
			return
		}
		rf.mu.Unlock()

		n := min(int(snapshotChunk.Load()), len(s.data)-offset)
		if bugOn(snapshotBeforeLastChunk) {
			n = min(256, len(s.data)-offset) // the deliberate bug's many small chunks
		}
		args := InstallSnapshotArgs{
			Term:              term,
			LeaderId:          rf.me,
			LastIncludedIndex: s.index,
			LastIncludedTerm:  s.term,
			Offset:            offset,
			Data:              s.data[offset : offset+n],
			Done:              offset+n == len(s.data),
			Size:              len(s.data),
			Checksum:          sum,
			Config:            s.config,
		}
		reply, ok, abandoned := rf.callChunk(end, &args, timeout)
		if abandoned {
			// A slow link, or a follower that is away: wait longer for the
			// next try, so a link on which a chunk takes longer than
			// chunkTimeout still carries the transfer.
			timeout = min(2*timeout, maxChunkTimeout)
			continue
		}
		timeout = chunkTimeout

		rf.mu.Lock()
		if !ok || !rf.replyCurrent(peer, "InstallSnapshot", term, leader, reply.Term) || rf.progress[peer] != pr || pr.snap != s {
			rf.mu.Unlock()
			if !ok && !rf.killed() {
				time.Sleep(retryBackoff) // a lost chunk: try it again shortly
			}
			continue
		}
		pr.lastReply = time.Now() // reachable (CheckQuorum)
		if reply.Installed {
			pr.snap = nil
			rf.dlog(tSnapshot, "S%d installed the snapshot through %d", peer, s.index)
			rf.recordMatch(pr, s.index)
			rf.replicateCond.Broadcast()
			rf.mu.Unlock()
			return
		}
		next := args.Offset + len(args.Data)
		// Stalled: the follower restarted, refused, or holds every byte and
		// is still writing the snapshot to its disk.
		stalled := reply.Offset != next || next == len(s.data)
		offset = reply.Offset
		if offset < 0 || offset > len(s.data) {
			offset = 0 // a reply that makes no sense: start again
		}
		if stalled {
			rf.dlog(tSnapshot, "S%d wants the snapshot through %d from offset %d (sent %d..%d)", peer, s.index, offset, args.Offset, next)
		}
		rf.mu.Unlock()
		if stalled {
			time.Sleep(retryBackoff) // the follower restarted, or refused: don't spin
		}
	}
}

// callChunk sends one chunk and waits for the reply, but no longer than
// timeout: a call to a follower that is cut off may hang for seconds
// (labrpc's long delays, a transport's deadline), and the follower may be
// back long before. An abandoned call (abandoned true) is sent again; its
// late reply, if any, is dropped, and the follower's offsets make a chunk
// that arrives twice harmless.
func (rf *Raft) callChunk(end *labrpc.ClientEnd, args *InstallSnapshotArgs, timeout time.Duration) (reply InstallSnapshotReply, ok, abandoned bool) {
	type result struct {
		reply InstallSnapshotReply
		ok    bool
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.ok = end.Call("Raft.InstallSnapshot", args, &r.reply)
		done <- r
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-done:
		return r.reply, r.ok, false
	case <-t.C:
		return reply, false, true
	case <-rf.killCh:
		return reply, false, true
	}
}

// snapshotReceive is a snapshot a follower is collecting, chunk by chunk
// (rf.incoming). It is installed only when whole and checksummed.
type snapshotReceive struct {
	term, leader, index, lastTerm, size int
	checksum                            uint32
	data                                []byte
	sum                                 uint32 // CRC-32C of data so far
	installing                          bool   // whole: being written to disk, without rf.mu
}

func (r *snapshotReceive) sameSnapshot(a *InstallSnapshotArgs) bool {
	return r != nil && r.term == a.Term && r.leader == a.LeaderId && r.index == a.LastIncludedIndex &&
		r.lastTerm == a.LastIncludedTerm && r.size == a.Size && r.checksum == a.Checksum
}

// InstallSnapshot is the RPC handler that brings a lagging follower up to a
// leader's snapshot (Figure 13), one chunk at a time. A chunk at offset 0
// of another snapshot than the one being collected starts it afresh
// (dropping the other); a chunk of the snapshot being collected is taken
// only at the offset where the bytes held end (a late copy of an earlier
// chunk changes nothing); anything else is answered with the offset
// wanted. Nothing is
// installed before the last chunk, and then only if the length and the
// checksum match. The follower keeps any log entries after the snapshot
// that match it, and hands the snapshot to the service through the
// deliverer, in order with commands. It never installs a snapshot that is
// not newer than what it has committed, so the service never goes
// backwards.
func (rf *Raft) InstallSnapshot(args *InstallSnapshotArgs, reply *InstallSnapshotReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.admitFromLeader(args.Term, args.LeaderId, args.validate(rf.idLimit()), &reply.Term, "InstallSnapshot") {
		return
	}
	if args.LastIncludedIndex <= rf.commitIndex {
		rf.dlog(tSnapshot, "snapshot through %d from S%d: have committed %d already",
			args.LastIncludedIndex, args.LeaderId, rf.commitIndex)
		rf.incoming = nil
		reply.Installed = true
		return
	}
	in := rf.incoming
	switch {
	case in.sameSnapshot(args) && in.installing:
		reply.Offset = len(in.data) // whole, and being saved: nothing more is needed
		return
	case args.Offset == 0 && !in.sameSnapshot(args):
		in = &snapshotReceive{term: args.Term, leader: args.LeaderId, index: args.LastIncludedIndex,
			lastTerm: args.LastIncludedTerm, size: args.Size, checksum: args.Checksum,
			data: make([]byte, 0, min(args.Size, 4*len(args.Data)))}
		rf.incoming = in
	case !in.sameSnapshot(args):
		reply.Offset = 0 // a chunk of a snapshot this peer is not collecting: start again
		return
	case args.Offset != len(in.data):
		reply.Offset = len(in.data) // a duplicate, or a gap: go on from what is held
		return
	}
	in.data = append(in.data, args.Data...)
	in.sum = crc32.Update(in.sum, castagnoli, args.Data)
	reply.Offset = len(in.data)
	early := bugOn(snapshotBeforeLastChunk) // the deliberate bug (internal/bugs): install what is held
	if !args.Done && !early {
		return
	}
	if !early && (len(in.data) != in.size || in.sum != in.checksum) {
		rf.dlog(tSnapshot, "snapshot through %d from S%d: %d bytes with checksum %08x, want %d and %08x: dropped",
			in.index, in.leader, len(in.data), in.sum, in.size, in.checksum)
		rf.incoming = nil
		reply.Offset = 0
		return
	}
	// Written aside without rf.mu (the slow part), then installed under
	// it if nothing overtook it meanwhile.
	in.installing = true
	rf.mu.Unlock()
	staged, err := rf.persister.stageSnapshot(in.data)
	rf.mu.Lock()
	if err != nil {
		if !rf.killed() {
			fmt.Fprintf(os.Stderr, "raft: peer %d: snapshot through %d from S%d dropped: %v\n", rf.me, in.index, in.leader, err)
		}
		if rf.incoming == in {
			rf.incoming = nil
		}
		reply.Term, reply.Offset = rf.currentTerm, 0
		return
	}
	if rf.incoming != in || rf.killed() || rf.currentTerm != args.Term || args.LastIncludedIndex <= rf.commitIndex {
		rf.persister.dropStaged(staged)
		if rf.incoming == in {
			rf.incoming = nil
		}
		reply.Term = rf.currentTerm
		reply.Installed = !rf.killed() && args.LastIncludedIndex <= rf.commitIndex
		return
	}
	rf.incoming = nil
	rf.installSnapshot(args, in.data, staged)
	reply.Installed = true
}

// installSnapshot makes data, the whole snapshot args names, this peer's
// snapshot, and has the deliverer hand it to the service. Caller holds
// rf.mu.
func (rf *Raft) installSnapshot(args *InstallSnapshotArgs, data []byte, staged *stagedSnapshot) {
	var cfg *Configuration
	if rf.dial != nil {
		c := args.Config.clone()
		cfg = &c
	}
	rf.log.compact(args.LastIncludedIndex, args.LastIncludedTerm, cfg)
	rf.refreshConfig(0)
	rf.snapshot = data
	rf.commitIndex = args.LastIncludedIndex
	rf.pendingSnapshot = &ApplyMsg{
		SnapshotValid: true,
		Snapshot:      rf.snapshot,
		SnapshotTerm:  args.LastIncludedTerm,
		SnapshotIndex: args.LastIncludedIndex,
	}
	rf.persistStaged(staged)
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
