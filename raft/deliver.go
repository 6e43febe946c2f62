package raft

// applier is the only goroutine that sends on applyCh. It waits on
// applyCond until there is a snapshot to deliver or committed entries not yet
// applied, copies them under the lock, and sends them without it, so the
// service may call Snapshot or GetState from its applyCh reader. Delivery is
// in index order, gapless, each index once; a snapshot installed from the
// leader is delivered before any entry after it.
func (rf *Raft) applier() {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	for {
		for !rf.killed() && rf.pendingSnapshot == nil && rf.lastApplied >= rf.commitIndex {
			rf.applyCond.Wait()
		}
		if rf.killed() {
			return
		}
		var msgs []ApplyMsg
		if snap := rf.pendingSnapshot; snap != nil {
			rf.pendingSnapshot = nil
			msgs = []ApplyMsg{*snap}
			rf.dlog(tApply, "snapshot through %d (applied was %d)", snap.SnapshotIndex, rf.lastApplied)
			rf.lastApplied = snap.SnapshotIndex
		} else {
			from, to := rf.lastApplied+1, min(rf.commitIndex, rf.lastApplied+maxBatch)
			msgs = make([]ApplyMsg, 0, to-from+1)
			for i, e := range rf.log.slice(from, to+1) {
				msgs = append(msgs, ApplyMsg{CommandValid: true, Command: e.Command, CommandIndex: from + i})
			}
			rf.dlog(tApply, "entries %d..%d", from, to)
			rf.lastApplied = to
		}
		rf.mu.Unlock()
		for _, m := range msgs {
			if rf.killed() {
				break
			}
			select {
			case rf.applyCh <- m:
			case <-rf.killCh:
			}
		}
		rf.mu.Lock()
	}
}
