package raft

// Log compaction (part 3D, §7).

// Snapshot is called by the service when it has created a snapshot that
// holds everything through index (inclusive): Raft no longer needs the log
// through that index, and should trim it (§7), keeping the index and term
// of the last entry it discards, and save the snapshot with its state
// (persister.Save(raftstate, snapshot)). A leader sends it with
// InstallSnapshot to a follower that needs entries it discarded. After a
// restart the service reads the snapshot from the persister itself: Raft
// does not send it on applyCh again, and starts with commitIndex and
// lastDispatched at its last included index. The
// service calls Snapshot from its applyCh reader: it must not wait for
// anything that waits for applyCh.
func (rf *Raft) Snapshot(index int, snapshot []byte) {
	// Your code here (3D).
}
