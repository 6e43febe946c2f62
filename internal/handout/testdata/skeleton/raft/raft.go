package raft

// The peer: its state, Make, Start, GetState, Kill, and the ticker that
// starts elections. The RPCs are in rpc.go, persistence in persist.go, log
// compaction in snapshot.go.

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"raftlab/labrpc"
)

// ApplyMsg is what a peer sends on applyCh for each newly committed log
// entry, in index order, on every peer: CommandValid with the Command and
// its CommandIndex (Figure 2, rules for all servers: "If commitIndex >
// lastApplied: increment lastApplied, apply log[lastApplied] to state
// machine"). In part 3D a peer also sends a snapshot it received from the
// leader (InstallSnapshot): SnapshotValid with the Snapshot and the index
// and term of the last entry it covers. Keep the field names: the tests and
// kvraft read them.
type ApplyMsg struct {
	CommandValid bool
	Command      interface{}
	CommandIndex int

	// For 3D:
	SnapshotValid bool
	Snapshot      []byte
	SnapshotTerm  int
	SnapshotIndex int
}

// role is what a peer is in its current term (§5.1, Figure 4), with the
// pre-candidate of pre-vote (§9.6 of the dissertation; doc.go, part 3A).
type role int

const (
	follower role = iota
	preCandidate
	candidate
	leader
)

func (r role) String() string {
	switch r {
	case follower:
		return "follower"
	case preCandidate:
		return "pre-candidate"
	case candidate:
		return "candidate"
	case leader:
		return "leader"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// Raft is one peer.
type Raft struct {
	mu        sync.Mutex          // guards the fields below that change
	peers     []*labrpc.ClientEnd // RPC ends of all peers, this one's at peers[me]
	persister *Persister          // holds this peer's persisted state
	me        int                 // this peer's index into peers[]
	applyCh   chan ApplyMsg       // where committed commands go, in order
	dead      atomic.Int32        // set by Kill
	// killCh is closed by Kill. After Kill nobody reads applyCh: a send on
	// it waits in a select on killCh too, or its goroutine never ends (the
	// tests count goroutines after Kill).
	killCh chan struct{}

	// The test harness's failure timeline reads these four fields, under
	// mu, and debug.go's dlog reads currentTerm: keep their names and
	// types, keep them up to date, and write them only with mu held (the
	// race detector reports a write without it).
	role           role
	currentTerm    int // Figure 2: latest term this peer has seen (persistent)
	commitIndex    int // Figure 2: highest log index known to be committed
	lastDispatched int // Figure 2's lastApplied: highest index sent on applyCh

	// Your data here (3A, 3B, 3C).
	// Look at Figure 2 for the state a Raft peer keeps:
	//   persistent on all servers: currentTerm (above), votedFor, log[];
	//   volatile on leaders: nextIndex[] and matchIndex[], reinitialized
	//   after each election.
	// A peer also needs to know when its election timeout runs out.
}

// Make creates a peer. peers holds the RPC ends of all the peers
// (including this one's, at peers[me]); all peers' peers arrays have the
// same order. persister is where this peer saves its persistent state, and
// holds what it saved most recently, if anything (after a restart).
// applyCh is where the peer sends ApplyMsg messages. Make must return
// quickly: start goroutines for any long-running work.
func Make(peers []*labrpc.ClientEnd, me int, persister *Persister, applyCh chan ApplyMsg) *Raft {
	rf := &Raft{
		peers:     peers,
		persister: persister,
		me:        me,
		applyCh:   applyCh,
		killCh:    make(chan struct{}),
	}

	// Your initialization code here (3A, 3B, 3C).

	// initialize from state persisted before a crash
	rf.readPersist(persister.ReadRaftState())

	// start ticker goroutine to start elections
	go rf.ticker()

	return rf
}

// GetState returns currentTerm and whether this peer believes it is the
// leader.
func (rf *Raft) GetState() (int, bool) {
	var term int
	var isleader bool
	// Your code here (3A).
	return term, isleader
}

// Start asks the peer to agree on command as the next entry of the
// replicated log. If this peer is not the leader, it returns false.
// Otherwise it appends the command to its log (Figure 2, rules for
// leaders: "If command received from client: append entry to local log")
// and returns at once, without waiting for the entry to commit: the first
// return value is the index the command will have if it is ever committed,
// the second the current term, the third true. There is no guarantee that
// the command will ever be committed: the leader may fail or lose an
// election.
func (rf *Raft) Start(command interface{}) (int, int, bool) {
	index := -1
	term := -1
	isLeader := false

	// Your code here (3B).

	return index, term, isLeader
}

// Kill is called by the tester when a peer is no longer needed (it may be
// restarted later with the same persister). The peer must stop: its
// long-running goroutines check killed() and end, it sends no more RPCs and
// delivers nothing more on applyCh, and none of its goroutines is left
// (TestKillNoGoroutineLeak3D counts them). Kill must return at once: wake
// any goroutine waiting on a condition variable (Broadcast, with mu held)
// so it sees killed(), and one blocked sending on applyCh (killCh).
func (rf *Raft) Kill() {
	if !rf.dead.CompareAndSwap(0, 1) {
		return
	}
	close(rf.killCh)
	// Your code here, if desired.
}

func (rf *Raft) killed() bool {
	return rf.dead.Load() == 1
}

// ticker starts an election (Figure 2, rules for followers: "If election
// timeout elapses without receiving AppendEntries RPC from current leader
// or granting vote to candidate: convert to candidate") when this peer has
// heard no leader for a randomized election timeout (§5.2); with pre-vote,
// it first asks whether it could win (doc.go, part 3A). The tester
// allows a leader at most ten heartbeats a second, and expects a new
// leader within five seconds of the old one failing: an election timeout
// well above the heartbeat interval, and drawn at random, avoids split
// votes.
func (rf *Raft) ticker() {
	for !rf.killed() {

		// Your code here (3A)
		// Check if a leader election should be started.

		// pause for a random amount of time between 50 and 350
		// milliseconds.
		ms := 50 + rand.Int64N(300)
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
}
