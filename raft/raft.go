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

const (
	follower role = iota
	candidate
	leader
)

func (r role) String() string {
	return [...]string{"follower", "candidate", "leader"}[r]
}

// Timing. The course allows at most ten heartbeats a second; the election
// timeout is drawn afresh each time from a range well above it, so that a
// couple of lost heartbeats do not start an election and split votes are
// rare.
const (
	heartbeatInterval  = 100 * time.Millisecond
	electionTimeoutMin = 400 * time.Millisecond
	electionTimeoutMax = 700 * time.Millisecond
	tick               = 10 * time.Millisecond // the ticker's resolution
	retryBackoff       = 20 * time.Millisecond // after a failed AppendEntries
	maxBatch           = 1024                  // entries in one AppendEntries
)

// Raft is one peer. mu guards every field below it that is not marked
// otherwise; doc.go maps them to Figure 2.
type Raft struct {
	mu        sync.Mutex
	peers     []*labrpc.ClientEnd // immutable
	persister *Persister          // immutable
	me        int                 // immutable: this peer's index into peers
	applyCh   chan ApplyMsg       // immutable; only the applier sends on it
	dead      atomic.Int32        // set by Kill; read without mu
	killCh    chan struct{}       // closed by Kill, ends a blocked applyCh send

	// applyCond: the applier waits for commitIndex > lastApplied or a
	// pending snapshot. replicateCond: replicators wait for something to
	// send to their follower. Both are broadcast by Kill.
	applyCond     *sync.Cond
	replicateCond *sync.Cond

	// Persistent state (Figure 2), saved by persist before answering an
	// RPC or sending entries that depend on it.
	currentTerm int
	votedFor    int // -1 for none
	log         *raftLog
	snapshot    []byte     // the service's snapshot through log.snapshotIndex; never mutated
	logDirty    bool       // entries were appended and not yet persisted
	saved       savedState // what this peer last saved, for incremental saves (persist.go)

	// Volatile state on all servers. Invariant:
	// log.snapshotIndex <= commitIndex <= log.lastIndex() and
	// lastApplied <= commitIndex.
	role             role
	commitIndex      int
	lastApplied      int        // highest index handed to the applier's delivery
	pendingSnapshot  *ApplyMsg  // an installed snapshot the applier has yet to deliver
	electionDeadline time.Time  // when a follower or candidate starts an election
	votes            int        // votes received in the current election
	rng              *rand.Rand // election timeouts

	// Volatile state on leaders, by peer (Figure 2, plus replication
	// bookkeeping). Reinitialized by becomeLeader.
	nextIndex  []int
	matchIndex []int
	inflight   []uint64    // sequence number of the AppendEntries awaited, 0 if none
	sendSeq    uint64      // last sequence number issued
	lastSent   []time.Time // when the last RPC left, for heartbeats
	retryAt    []time.Time // after a failed RPC, no resend before this
	sentCommit []int       // leaderCommit of the last AppendEntries sent
}

// Make creates a peer. peers holds the ends of every peer, this one's at
// peers[me]. persister holds what an earlier incarnation saved, if
// anything; applyCh receives committed commands and snapshots. Make returns
// at once, with the peer's goroutines running.
func Make(peers []*labrpc.ClientEnd, me int, persister *Persister, applyCh chan ApplyMsg) *Raft {
	rf := &Raft{
		peers:     peers,
		persister: persister,
		me:        me,
		applyCh:   applyCh,
		killCh:    make(chan struct{}),
		votedFor:  -1,
		log:       newLog(0, 0, nil),
		rng:       rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(me))),
	}
	rf.applyCond = sync.NewCond(&rf.mu)
	rf.replicateCond = sync.NewCond(&rf.mu)
	n := len(peers)
	rf.nextIndex, rf.matchIndex = make([]int, n), make([]int, n)
	rf.inflight, rf.sentCommit = make([]uint64, n), make([]int, n)
	rf.lastSent, rf.retryAt = make([]time.Time, n), make([]time.Time, n)

	if err := rf.readPersist(persister.ReadRaftState(), persister.ReadSnapshot()); err != nil {
		// A peer that cannot trust its storage must not vote or lead: it
		// stays dead, and leaves the persisted bytes untouched.
		fmt.Fprintf(os.Stderr, "raft: peer %d cannot restore its persisted state, so it stays down: %v\n", me, err)
		rf.dead.Store(1)
		close(rf.killCh)
		return rf
	}
	rf.log.peer = me
	rf.commitIndex = rf.log.snapshotIndex
	rf.lastApplied = rf.log.snapshotIndex

	rf.mu.Lock()
	rf.resetElectionTimer()
	rf.dlog(tTimer, "started: log (%d, %d], snapshot term %d, voted for %d",
		rf.log.snapshotIndex, rf.log.lastIndex(), rf.log.snapshotTerm, rf.votedFor)
	rf.mu.Unlock()

	go rf.ticker()
	go rf.applier()
	for peer := range peers {
		if peer != me {
			go rf.replicator(peer)
		}
	}
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
	if rf.role != leader || rf.killed() {
		return -1, rf.currentTerm, false
	}
	rf.log.append(Entry{Term: rf.currentTerm, Command: command})
	index := rf.log.lastIndex()
	rf.matchIndex[rf.me] = index
	// Persisted by the first replicator to send, once per batch of Starts.
	rf.logDirty = true
	rf.dlog(tAppend, "start: appended index %d", index)
	if len(rf.peers) == 1 {
		rf.advanceCommit()
	}
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
	rf.applyCond.Broadcast()
	rf.replicateCond.Broadcast()
}

func (rf *Raft) killed() bool {
	return rf.dead.Load() == 1
}

// ---- Role and term changes: every one goes through these functions. ----

// observeTerm applies the rule of Figure 2 for all servers: a term higher
// than currentTerm, seen in any RPC or reply, is adopted and the peer
// becomes a follower. It returns true if term is older than currentTerm, so
// that the caller rejects or drops the message. Caller holds rf.mu.
func (rf *Raft) observeTerm(term int) (stale bool) {
	if term > rf.currentTerm {
		rf.becomeFollower(term)
	}
	return term < rf.currentTerm
}

// admit runs the checks every RPC handler starts with: a killed peer answers
// nothing, a malformed request (invalid, from validate) is dropped, and the
// request's term passes observeTerm. It returns false if the handler must
// reject the request; the caller then replies with currentTerm alone.
// Caller holds rf.mu.
func (rf *Raft) admit(term int, invalid error) bool {
	if rf.killed() {
		return false
	}
	if invalid != nil {
		rf.dlog(tDrop, "%v", invalid)
		return false
	}
	return !rf.observeTerm(term)
}

// acceptReply is the gate for the reply to the RPC numbered seq, sent to
// peer in term sentTerm: it records the end of the RPC, applies the reply's
// term, and drops a reply that failed or arrived after this peer left that
// term or stopped leading. Caller holds rf.mu.
func (rf *Raft) acceptReply(peer int, seq uint64, ok bool, sentTerm, replyTerm int, rpc string) bool {
	if !rf.finishSend(peer, seq, ok) || rf.observeTerm(replyTerm) {
		return false
	}
	if rf.role != leader || rf.currentTerm != sentTerm {
		rf.dlog(tDrop, "%s reply from S%d for term %d: now %s", rpc, peer, sentTerm, rf.role)
		return false
	}
	return true
}

// becomeFollower moves to term (which may be the current one) as a
// follower, clearing the vote if the term is new, and persists the change.
// Caller holds rf.mu.
func (rf *Raft) becomeFollower(term int) {
	if term < rf.currentTerm {
		panic(fmt.Sprintf("raft: peer %d in term %d asked to follow in older term %d", rf.me, rf.currentTerm, term))
	}
	if term > rf.currentTerm {
		rf.dlog(tTerm, "term %d -> %d as follower (was %s)", rf.currentTerm, term, rf.role)
		rf.currentTerm = term
		rf.votedFor = -1
		rf.role = follower
		rf.persist()
		return
	}
	if rf.role != follower {
		rf.dlog(tTerm, "%s -> follower", rf.role)
		rf.role = follower
	}
}

// becomeCandidate starts a new term voting for itself (§5.2). Caller holds rf.mu.
func (rf *Raft) becomeCandidate() {
	if rf.role == leader {
		panic(fmt.Sprintf("raft: peer %d, leader in term %d, asked to become a candidate", rf.me, rf.currentTerm))
	}
	rf.currentTerm++
	rf.role = candidate
	rf.votedFor = rf.me
	rf.votes = 1
	rf.persist()
	rf.resetElectionTimer()
	rf.dlog(tVote, "candidate: election timeout, requesting votes")
}

// becomeLeader takes over as leader of the current term (§5.2) and wakes
// the replicators to assert it at once. Caller holds rf.mu.
func (rf *Raft) becomeLeader() {
	if rf.role != candidate {
		panic(fmt.Sprintf("raft: peer %d in term %d becoming leader as %s", rf.me, rf.currentTerm, rf.role))
	}
	rf.role = leader
	last := rf.log.lastIndex()
	for p := range rf.peers {
		rf.nextIndex[p] = last + 1
		rf.matchIndex[p] = 0
		rf.inflight[p] = 0
		rf.lastSent[p] = time.Time{} // a heartbeat is due now
		rf.retryAt[p] = time.Time{}
		rf.sentCommit[p] = 0
	}
	rf.matchIndex[rf.me] = last
	rf.dlog(tLeader, "leader with %d votes, log through %d", rf.votes, last)
	rf.replicateCond.Broadcast()
}

// resetElectionTimer draws a new randomized election timeout. Caller holds rf.mu.
func (rf *Raft) resetElectionTimer() {
	span := int64(electionTimeoutMax - electionTimeoutMin)
	rf.electionDeadline = time.Now().Add(electionTimeoutMin + time.Duration(rf.rng.Int64N(span)))
}
