package raft

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"raftlab/labrpc"
)

// ApplyMsg is what a peer delivers on applyCh: a committed command
// (CommandValid) or a snapshot to install (SnapshotValid), in index order.
// Snapshot is the peer's own (immutable) copy, not made again for the
// service, which must only read it.
type ApplyMsg struct {
	CommandValid bool
	Command      interface{}
	CommandIndex int

	SnapshotValid bool
	Snapshot      []byte
	SnapshotTerm  int
	SnapshotIndex int
}

type role int

// A follower that hears no leader becomes a preCandidate, asking for
// pre-votes without changing its term (§9.6); if a majority would vote for
// it, it becomes a candidate in a new term.
const (
	follower role = iota
	preCandidate
	candidate
	leader
)

func (r role) String() string {
	return [...]string{"follower", "pre-candidate", "candidate", "leader"}[r]
}

// Timing (doc.go explains the choice). The course allows at most ten
// heartbeats a second. The election timeout is drawn afresh each time from
// a range above two heartbeats: a lost heartbeat or two may start a
// pre-vote, which changes nothing while the leader is alive (leaderLease),
// and a leader that is really gone is replaced within about a third of a
// second.
const (
	heartbeatInterval  = 100 * time.Millisecond
	electionTimeoutMin = 250 * time.Millisecond
	electionTimeoutMax = 400 * time.Millisecond
	// A peer that heard from the leader this recently refuses pre-votes:
	// the leader is alive. Shorter than electionTimeoutMin (a departure
	// from §9.6's "minimum election timeout", see doc.go), so that when the
	// leader is gone the others' leases have usually run out by the time
	// the first of them asks; a refused first round costs one more timeout.
	leaderLease = 200 * time.Millisecond
	// A leader that heard no reply from a majority for this long steps
	// down (CheckQuorum): it may be cut off, and its followers' leases
	// would otherwise keep refusing pre-votes on its behalf. Two minimum
	// election timeouts rather than one, so that a few lost replies on an
	// unreliable network do not depose a healthy leader (doc.go).
	quorumTimeout = 2 * electionTimeoutMin
	tick          = 10 * time.Millisecond // the ticker's resolution
	retryBackoff  = 20 * time.Millisecond // after a failed AppendEntries
	maxBatch      = 1024                  // entries in one AppendEntries, or one batch on applyCh
	// maxMsgBytes bounds the encoded entries of one AppendEntries (etcd's
	// MaxSizePerMsg), so a batch of big commands never makes a message the
	// transport refuses; a single entry larger than this still goes alone.
	maxMsgBytes = 1 << 20
)

// Raft is one peer. mu guards every field below it that is not marked
// otherwise; doc.go maps them to Figure 2.
type Raft struct {
	mu        sync.Mutex
	peers     []*labrpc.ClientEnd // immutable; nil for a peer made by MakeMember
	persister *Persister          // immutable
	me        int                 // immutable: this peer's id (its index into peers)
	// dial reaches a member (MakeMember); nil for a peer made by Make,
	// whose configuration is fixed: its peers, all voters. Immutable, as
	// is initialConfig, the configuration before any in the log or snapshot.
	dial          func(Server) *labrpc.ClientEnd
	initialConfig Configuration
	applyCh       chan ApplyMsg // immutable; only the deliverer sends on it
	dead          atomic.Int32  // set by Kill; read without mu
	killCh        chan struct{} // closed by Kill, ends a blocked applyCh send

	// deliverCond: the deliverer waits for commitIndex > lastDispatched or
	// a pending snapshot. replicateCond: replicators wait for something to
	// send to their follower. Both are broadcast by Kill.
	deliverCond   *sync.Cond
	replicateCond *sync.Cond

	// Persistent state (Figure 2), saved by persist before answering an
	// RPC or asking for votes; a leader saves new entries right after
	// sending them, and counts itself only for what it saved (doc.go).
	currentTerm int
	votedFor    int // -1 for none
	log         *raftLog
	snapshot    []byte       // the service's snapshot through log.snapshotIndex; never mutated
	state       stateEncoder // the encoded persistent state, and what was saved (persist.go)

	// Volatile state on all servers. Invariant:
	// log.snapshotIndex <= commitIndex <= log.lastIndex() and
	// lastDispatched <= commitIndex.
	role        role
	commitIndex int
	// lastDispatched is Figure 2's lastApplied as far as Raft can know it:
	// the highest index the deliverer has taken to send on applyCh (the
	// service applies it as it reads it).
	lastDispatched   int
	pendingSnapshot  *ApplyMsg        // an installed snapshot the deliverer has yet to deliver
	incoming         *snapshotReceive // a leader's snapshot being received, chunk by chunk; nil if none
	electionDeadline time.Time        // when a follower or candidate starts a pre-vote
	leaderContact    time.Time        // when a leader of currentTerm was last heard from (leaderLease)
	leaderId         int              // the leader of currentTerm this peer last heard from (itself if it leads); -1 if none
	// leavingSince: when this leader saw the configuration that removed it
	// commit; it then tells the others that commit before it steps down
	// (stepDownIfTold). Zero otherwise.
	leavingSince time.Time
	round        uint64       // numbers pre-vote and vote rounds, to drop replies to earlier ones
	granted      map[int]bool // who granted the current round's (pre-)vote
	rng          *rand.Rand   // election timeouts

	// The configuration in use: the latest in the log, committed or not
	// (membership.go), and its index (the snapshot's, or 0 for the
	// initial one).
	config      Configuration
	configIndex int

	// One progress per member other than this peer, kept on every peer
	// (each has a replicator, idle unless this peer leads); reset by
	// becomeLeader (replication.go).
	progress map[int]*progress
	sendSeq  uint64 // last RPC sequence number issued, for progress.inflight
}

// Make creates a peer. peers holds the ends of every peer, this one's at
// peers[me]. persister holds what an earlier incarnation saved, if
// anything; applyCh receives committed commands and snapshots. Make returns
// at once, with the peer's goroutines running.
func Make(peers []*labrpc.ClientEnd, me int, persister *Persister, applyCh chan ApplyMsg) *Raft {
	var fixed Configuration
	for id := range peers {
		fixed.Servers = append(fixed.Servers, Server{ID: id})
	}
	return start(me, persister, applyCh, peers, nil, fixed)
}

// start makes a peer for Make (peers, no dial) or MakeMember (dial, no
// peers).
func start(me int, persister *Persister, applyCh chan ApplyMsg, peers []*labrpc.ClientEnd,
	dial func(Server) *labrpc.ClientEnd, initial Configuration) *Raft {
	rf := &Raft{
		peers:         peers,
		persister:     persister,
		me:            me,
		dial:          dial,
		initialConfig: initial,
		applyCh:       applyCh,
		killCh:        make(chan struct{}),
		votedFor:      -1,
		leaderId:      -1,
		log:           newLog(0, 0, nil),
		rng:           rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(me))),
		progress:      map[int]*progress{},
	}
	rf.deliverCond = sync.NewCond(&rf.mu)
	rf.replicateCond = sync.NewCond(&rf.mu)
	rf.state.withConfig, rf.state.initial = dial != nil, initial

	if err := rf.readPersist(persister.ReadRaftState(), persister.sharedSnapshot()); err != nil {
		// A peer that cannot trust its storage must not vote or lead: it
		// stays dead, and leaves the persisted bytes untouched.
		fmt.Fprintf(os.Stderr, "raft: peer %d cannot restore its persisted state, so it stays down: %v\n", me, err)
		rf.dead.Store(1)
		close(rf.killCh)
		return rf
	}
	rf.log.peer = me
	rf.commitIndex = rf.log.snapshotIndex
	rf.lastDispatched = rf.log.snapshotIndex

	rf.mu.Lock()
	rf.resetElectionTimer()
	rf.refreshConfig(0) // starts the replicators
	rf.dlog(tTimer, "started: log (%d, %d], snapshot term %d, voted for %d, configuration %v at %d",
		rf.log.snapshotIndex, rf.log.lastIndex(), rf.log.snapshotTerm, rf.votedFor, rf.config, rf.configIndex)
	rf.mu.Unlock()

	go rf.ticker()
	go rf.deliverer()
	return rf
}

// GetState returns currentTerm and whether this peer believes it is the leader.
func (rf *Raft) GetState() (int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.currentTerm, rf.role == leader
}

// Start asks the peer to append command to the replicated log. If it is not
// the leader it returns false. Otherwise it appends the command and returns
// at once, with the index the command will have if it is ever committed and
// the current term; replication starts immediately. There is no guarantee
// the command will commit: leaders fail.
func (rf *Raft) Start(command interface{}) (int, int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.role != leader || rf.killed() || !rf.leavingSince.IsZero() {
		return -1, rf.currentTerm, false
	}
	if _, ok := command.(Configuration); ok {
		panic(fmt.Sprintf("raft: peer %d: Start(%v): a Configuration is changed by AddServer and RemoveServer", rf.me, command))
	}
	// Persisted by the first replicator to send (persistLog), once per
	// batch of Starts.
	rf.log.append(Entry{Term: rf.currentTerm, Command: command})
	index := rf.log.lastIndex()
	rf.dlog(tAppend, "start: appended index %d", index)
	rf.commitIfAlone()
	rf.replicateCond.Broadcast()
	return index, rf.currentTerm, true
}

// Kill stops the peer: every goroutine ends promptly, it sends no more RPCs
// and delivers nothing more on applyCh. Its persisted state stays.
func (rf *Raft) Kill() {
	if !rf.dead.CompareAndSwap(0, 1) {
		return
	}
	close(rf.killCh)
	rf.mu.Lock()
	defer rf.mu.Unlock()
	rf.dlog(tTimer, "killed")
	rf.deliverCond.Broadcast()
	rf.replicateCond.Broadcast()
}

func (rf *Raft) killed() bool {
	return rf.dead.Load() == 1
}
