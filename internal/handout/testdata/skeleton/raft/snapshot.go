package raft

// Log compaction (part 3D, §7).

// Snapshot is called by the service when it has created a snapshot that
// holds everything through index (inclusive): Raft no longer needs the log
// through that index, and should trim it (§7), keeping the index and term
// of the last entry it discards, and save the snapshot with its state
// (persister.Save(raftstate, snapshot)). A restarted peer reads the
// snapshot back with persister.ReadSnapshot(), and a leader sends it with
// InstallSnapshot to a follower that needs entries it discarded. The
// service calls Snapshot from its applyCh reader: it must not wait for
// anything that waits for applyCh.
func (rf *Raft) Snapshot(index int, snapshot []byte) {
	// Your code here (3D).
}
