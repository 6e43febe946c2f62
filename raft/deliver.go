package raft

// deliverer is the only goroutine that sends on applyCh. It waits on
// deliverCond until there is a snapshot to deliver or committed entries not yet
// dispatched, copies them under the lock, and sends them without it, so the
// service may call Snapshot or GetState from its applyCh reader. Delivery is
// in index order, gapless, each index once; a snapshot installed from the
// leader is delivered before any entry after it.
func (rf *Raft) deliverer() {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	for {
		for !rf.killed() && rf.pendingSnapshot == nil && rf.lastDispatched >= rf.commitIndex {
			rf.deliverCond.Wait()
		}
		if rf.killed() {
			return
		}
		var msgs []ApplyMsg
		if snap := rf.pendingSnapshot; snap != nil {
			rf.pendingSnapshot = nil
			msgs = []ApplyMsg{*snap}
			rf.dlog(tApply, "snapshot through %d (dispatched was %d)", snap.SnapshotIndex, rf.lastDispatched)
			rf.lastDispatched = snap.SnapshotIndex
		} else {
			from, to := rf.lastDispatched+1, min(rf.commitIndex, rf.lastDispatched+maxBatch)
			msgs = make([]ApplyMsg, 0, to-from+1)
			for i, e := range rf.log.slice(from, to+1) {
				msgs = append(msgs, ApplyMsg{CommandValid: true, Command: e.Command, CommandIndex: from + i})
			}
			rf.dlog(tApply, "entries %d..%d", from, to)
			rf.lastDispatched = to
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
