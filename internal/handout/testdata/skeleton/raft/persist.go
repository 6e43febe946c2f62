package raft

// Persistence (part 3C): what a peer saves before it answers an RPC or
// sends one, and reads back at Make after a crash.

// persist saves the peer's persistent state (Figure 2: currentTerm,
// votedFor, log[]) to stable storage, where it can be read back after a
// crash and restart (§5.1: "updated on stable storage before responding
// to RPCs"). Before part 3D the second argument of Save is nil; after it,
// it is the latest snapshot (rf.persister.ReadSnapshot() unchanged, or the
// one just taken). Caller holds rf.mu.
func (rf *Raft) persist() {
	// Your code here (3C).
	// Example:
	// w := new(bytes.Buffer)
	// e := labgob.NewEncoder(w)
	// e.Encode(rf.xxx)
	// e.Encode(rf.yyy)
	// raftstate := w.Bytes()
	// rf.persister.Save(raftstate, nil)
}

// readPersist restores previously persisted state (what persist saved).
// data is empty when nothing was saved yet: the peer starts afresh.
func (rf *Raft) readPersist(data []byte) {
	if len(data) < 1 { // bootstrap without any state?
		return
	}
	// Your code here (3C).
	// Example:
	// r := bytes.NewBuffer(data)
	// d := labgob.NewDecoder(r)
	// var xxx
	// var yyy
	// if d.Decode(&xxx) != nil ||
	//    d.Decode(&yyy) != nil {
	//   error...
	// } else {
	//   rf.xxx = xxx
	//   rf.yyy = yyy
	// }
}
