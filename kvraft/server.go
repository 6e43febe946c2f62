package kvraft

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"raftlab/internal/bugs"
	"raftlab/labgob"
	"raftlab/labrpc"
	"raftlab/raft"
)

const (
	// requestTimeout bounds how long an RPC waits for its operation to be
	// applied; a leader cut off in a minority never learns it was deposed,
	// so its clients must give up on it and try elsewhere.
	requestTimeout = 1 * time.Second
	// leaderCheck is how often waiting requests are checked against Raft's
	// current term and role, so a deposed leader answers them promptly.
	leaderCheck = 10 * time.Millisecond
)

// KVServer is one replica of the key/value service.
type KVServer struct {
	mu           sync.Mutex
	me           int
	rf           *raft.Raft // course harnesses reach the Raft peer here
	applyCh      chan raft.ApplyMsg
	persister    *raft.Persister
	maxraftstate int // snapshot when the Raft state reaches this size; -1: never
	dead         atomic.Int32
	killCh       chan struct{} // closed by Kill
	// How long a client session may stay idle, in log time: the package's
	// sessionTimeout when the server started, given to every state
	// machine it makes or restores.
	sessionTimeout time.Duration

	// Guarded by mu.
	sm      *stateMachine
	waiters map[int]*waiter // by the log index their operation was given
	// Estimated log bytes applied since the last snapshot: what a snapshot
	// now would let Raft discard.
	appliedBytes int
	snapshotSize int           // bytes of the last snapshot taken or installed
	encodedBytes int64         // bytes of every snapshot this server encoded: what snapshots cost
	toSnapshot   *takeSnapshot // a snapshot applyLoop takes and hands Raft once it unlocked mu

	// inProportion: the log may grow to the last snapshot's size before
	// the next snapshot (SnapshotInProportion).
	inProportion atomic.Bool
}

// takeSnapshot asks applyLoop for a snapshot of the state machine through
// index, encoded and handed to Raft without mu.
type takeSnapshot struct {
	index int
}

// waiter is an RPC waiting for the operation it submitted at a log index.
type waiter struct {
	clientId, seq int64
	term          int       // the term in which it was submitted
	deadline      time.Time // answer ErrWrongLeader after this
	done          chan outcome
}

type outcome struct {
	value string
	err   Err
}

// answer is an outcome owed to a waiter. Whoever removes a waiter from the
// table under kv.mu owes it exactly one outcome, and delivers it after
// unlocking; done has room for it, so delivery never blocks.
type answer struct {
	w *waiter
	o outcome
}

func deliver(answers []answer) {
	for _, a := range answers {
		a.w.done <- a.o
	}
}

// StartKVServer starts a replica: servers are the ends of all replicas'
// Raft peers, me this one's index; persister holds what an earlier
// incarnation saved. With maxraftstate >= 0 the server snapshots when the
// persisted Raft state reaches that many bytes. It returns at once.
func StartKVServer(servers []*labrpc.ClientEnd, me int, persister *raft.Persister, maxraftstate int) *KVServer {
	return start(me, persister, maxraftstate, func(applyCh chan raft.ApplyMsg) *raft.Raft {
		return raft.Make(servers, me, persister, applyCh)
	})
}

// StartKVMember starts a replica whose Raft peer is made by raft.MakeMember
// with opts, so that its configuration can change (KVServer.Raft().AddServer
// and RemoveServer); me is its server id. Otherwise it is StartKVServer.
func StartKVMember(me int, persister *raft.Persister, maxraftstate int, opts raft.Options) *KVServer {
	return start(me, persister, maxraftstate, func(applyCh chan raft.ApplyMsg) *raft.Raft {
		return raft.MakeMember(me, persister, applyCh, opts)
	})
}

func start(me int, persister *raft.Persister, maxraftstate int, makeRaft func(chan raft.ApplyMsg) *raft.Raft) *KVServer {
	labgob.Register(Op{})
	kv := &KVServer{
		me:             me,
		persister:      persister,
		maxraftstate:   maxraftstate,
		sessionTimeout: sessionTimeout,
		applyCh:        make(chan raft.ApplyMsg, 64),
		killCh:         make(chan struct{}),
		waiters:        map[int]*waiter{},
	}
	sm, err := decodeStateMachine(persister.ReadSnapshot(), kv.sessionTimeout)
	if err != nil {
		// The snapshot and the Raft state are saved together; if one is
		// unreadable, this replica must not serve. Raft itself refuses to
		// run on corrupt state; the service refuses on a corrupt snapshot.
		// Its Raft peer exists (harnesses register it) but is killed at once.
		fmt.Fprintf(os.Stderr, "kvraft: server %d cannot restore its snapshot, so it stays down: %v\n", me, err)
		kv.sm = newStateMachine(kv.sessionTimeout)
		kv.rf = makeRaft(kv.applyCh)
		kv.Kill()
		return kv
	}
	kv.sm = sm
	kv.snapshotSize = persister.SnapshotSize()
	kv.rf = makeRaft(kv.applyCh)
	go kv.applyLoop()
	go kv.leaderWatch()
	return kv
}

// Kill stops the server and its Raft peer. It answers nothing more.
func (kv *KVServer) Kill() {
	if !kv.dead.CompareAndSwap(0, 1) {
		return
	}
	kv.rf.Kill()
	close(kv.killCh)
}

func (kv *KVServer) killed() bool {
	return kv.dead.Load() == 1
}

// Get is the RPC handler for reads. The read goes through the Raft log, so
// a leader that may be stale cannot answer it.
func (kv *KVServer) Get(args *GetArgs, reply *GetReply) {
	if bugs.On(bugs.StaleRead) {
		kv.localGet(args, reply)
		return
	}
	reply.Value, reply.Err = kv.submit(Op{Kind: OpGet, Key: args.Key, ClientId: args.ClientId, Seq: args.Seq})
}

// localGet is the deliberate bug stale-read (package internal/bugs, never
// in a production build): a read answered from this server's state, on
// any member, with no check that it is current.
func (kv *KVServer) localGet(args *GetArgs, reply *GetReply) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if v, ok := kv.sm.Store[args.Key]; ok {
		reply.Value, reply.Err = string(v), OK
	} else {
		reply.Err = ErrNoKey
	}
}

// PutAppend is the RPC handler for writes.
func (kv *KVServer) PutAppend(args *PutAppendArgs, reply *PutAppendReply) {
	op := Op{Kind: OpPut, Key: args.Key, Value: args.Value, ClientId: args.ClientId, Seq: args.Seq}
	if args.Append {
		op.Kind = OpAppend
	}
	_, reply.Err = kv.submit(op)
}

// Delete is the RPC handler for removing a key. It is not part of the
// course's API (its harness never calls it); the cluster's HTTP API is.
func (kv *KVServer) Delete(args *DeleteArgs, reply *DeleteReply) {
	_, reply.Err = kv.submit(Op{Kind: OpDelete, Key: args.Key, ClientId: args.ClientId, Seq: args.Seq})
}

// submit puts op in the Raft log and waits until it is applied, or until it
// is clear it will not be applied here: another operation was applied at its
// index, the leader lost its term, the request timed out, or the server was
// killed. All of those answer ErrWrongLeader, and the Clerk tries elsewhere.
//
// A retry of the client's last applied request, or an older request, is
// answered at once from the session table, by the rule apply follows. A
// client without a session here goes through the log: only the log can
// say whether its session expired or is merely not applied here yet.
func (kv *KVServer) submit(op Op) (string, Err) {
	kv.mu.Lock()
	if kv.killed() {
		kv.mu.Unlock()
		return "", ErrWrongLeader
	}
	if value, err, ok := kv.sm.answered(op.ClientId, op.Seq); ok {
		kv.mu.Unlock()
		return value, err
	}
	// The log's clock for session expiry: this leader's, as the entry is
	// made (a follower's Start refuses the op anyway).
	op.LeaderTime = time.Now().UnixNano()
	// Start under kv.mu, so applyLoop cannot apply the index before the
	// waiter is registered. Lock order: kv.mu, then Raft's own lock;
	// Raft never calls into the server holding its lock.
	index, term, isLeader := kv.rf.Start(op)
	if !isLeader {
		kv.mu.Unlock()
		return "", ErrWrongLeader
	}
	w := &waiter{clientId: op.ClientId, seq: op.Seq, term: term,
		deadline: time.Now().Add(requestTimeout), done: make(chan outcome, 1)}
	var answers []answer
	if old := kv.waiters[index]; old != nil {
		// Its entry was overwritten in a later term, so it never committed.
		answers = append(answers, answer{old, outcome{err: ErrWrongLeader}})
	}
	kv.waiters[index] = w
	kv.mu.Unlock()
	deliver(answers)

	select {
	case o := <-w.done:
		return o.value, o.err
	case <-kv.killCh:
		return "", ErrWrongLeader
	}
}

// applyLoop reads applyCh into the state machine: it applies committed
// operations in log order, answers the RPCs waiting for them, installs
// snapshots from Raft, and takes a snapshot when the Raft state grows large.
// It is the only reader of applyCh.
func (kv *KVServer) applyLoop() {
	for {
		var m raft.ApplyMsg
		select {
		case m = <-kv.applyCh:
		case <-kv.killCh:
			return
		}
		var answers []answer
		kv.mu.Lock()
		switch {
		case m.SnapshotValid:
			answers = kv.installSnapshot(m)
		case m.CommandValid:
			answers = kv.applyCommand(m)
		}
		snap, sm, hint := kv.toSnapshot, kv.sm, kv.snapshotSize
		kv.toSnapshot = nil
		kv.mu.Unlock()
		deliver(answers)
		if snap != nil {
			kv.snapshot(snap.index, sm, hint)
		}
	}
}

// applyCommand applies one committed entry and returns the answer owed to
// the RPC waiting for that index, if any. Caller holds kv.mu.
func (kv *KVServer) applyCommand(m raft.ApplyMsg) []answer {
	if m.CommandIndex <= kv.sm.LastApplied {
		return nil // covered by a snapshot installed since
	}
	if _, ok := m.Command.(raft.Configuration); ok {
		kv.sm.skip(m.CommandIndex) // a membership change: Raft's, not the service's
		kv.maybeSnapshot(m.CommandIndex)
		return nil
	}
	op, ok := m.Command.(Op)
	if !ok {
		fmt.Fprintf(os.Stderr, "kvraft: server %d: index %d holds %T, not an Op; skipped\n", kv.me, m.CommandIndex, m.Command)
		kv.sm.skip(m.CommandIndex)
		return nil
	}
	value, err := kv.sm.apply(m.CommandIndex, op)
	kv.appliedBytes += len(op.Key) + len(op.Value) + opOverhead
	kv.maybeSnapshot(m.CommandIndex)

	w := kv.waiters[m.CommandIndex]
	if w == nil {
		return nil
	}
	delete(kv.waiters, m.CommandIndex)
	if w.clientId != op.ClientId || w.seq != op.Seq {
		return []answer{{w, outcome{err: ErrWrongLeader}}}
	}
	return []answer{{w, outcome{value: value, err: err}}}
}

// opOverhead estimates the bytes an Op takes in the persisted log beyond its
// key and value (type name, ids, gob framing).
const opOverhead = 32

// maybeSnapshot encodes a snapshot through index, for applyLoop to hand
// Raft, when the persisted Raft state has reached maxraftstate and at
// least half of that is entries already applied, which the snapshot lets
// Raft discard. Entries not yet applied stay in the log after any
// snapshot, so snapshotting on size alone while a backlog is applied would
// encode the whole store per entry and save nothing; this way each
// snapshot frees at least maxraftstate/2 bytes. With SnapshotInProportion,
// the applied entries must also add up to the last snapshot's size: a
// snapshot costs the state's size, so the writes between two snapshots
// pay for it, and snapshotting stays linear in the bytes written however
// large the state grows. Caller holds kv.mu.
func (kv *KVServer) maybeSnapshot(index int) {
	if kv.maxraftstate < 0 || kv.persister.RaftStateSize() < kv.maxraftstate ||
		kv.appliedBytes < kv.maxraftstate/2 {
		return
	}
	if kv.inProportion.Load() && kv.appliedBytes < kv.snapshotSize {
		return
	}
	kv.toSnapshot = &takeSnapshot{index: index}
	kv.appliedBytes = 0
}

// snapshot encodes sm, the state through index, and hands it to Raft,
// which writes it to disk; requests go on meanwhile, since neither holds
// mu. Encoding sm without mu is safe: applyLoop, which calls this, is the
// only goroutine that changes (or replaces) the state machine, and
// everyone else only reads it; no entry is applied before this returns.
func (kv *KVServer) snapshot(index int, sm *stateMachine, hint int) {
	data := sm.encodeSized(hint)
	kv.mu.Lock()
	kv.snapshotSize = len(data)
	kv.encodedBytes += int64(len(data))
	kv.mu.Unlock()
	kv.rf.Snapshot(index, data)
}

// SnapshotInProportion lets the Raft log grow, past maxraftstate, to the
// size of the last snapshot before the server takes the next one (as
// etcd's snapshot count and hashicorp/raft's threshold do): the cost of
// snapshots stays proportional to the bytes written, not to the state's
// size times the writes. The persisted Raft state is then bounded by
// maxraftstate or about the state's size, whichever is larger, instead of
// by maxraftstate (the course's rule, which the lab's tests check). A
// real cluster node uses it.
func (kv *KVServer) SnapshotInProportion() { kv.inProportion.Store(true) }

// installSnapshot replaces the state with a snapshot from the leader, and
// returns the answers owed to waiters it overtook. Caller holds kv.mu.
func (kv *KVServer) installSnapshot(m raft.ApplyMsg) []answer {
	if m.SnapshotIndex <= kv.sm.LastApplied {
		return nil
	}
	sm, err := decodeStateMachine(m.Snapshot, kv.sessionTimeout)
	if err == nil && sm.LastApplied != m.SnapshotIndex {
		err = fmt.Errorf("it ends at index %d", sm.LastApplied)
	}
	if err != nil {
		// Made by a replica's encode and carried intact by Raft: a bug.
		panic(fmt.Sprintf("kvraft: server %d: the snapshot through %d from Raft is unusable: %v", kv.me, m.SnapshotIndex, err))
	}
	kv.sm = sm
	kv.appliedBytes = 0
	kv.snapshotSize = len(m.Snapshot)
	// Waiters at or below the snapshot cannot tell whether their operation
	// is in it; the Clerk's retry is answered from the duplicate table.
	return kv.failWaiters(func(index int, _ *waiter) bool { return index <= m.SnapshotIndex })
}

// failWaiters removes from the table every waiter for which fails is true
// and returns the ErrWrongLeader answers now owed to them. Caller holds
// kv.mu.
func (kv *KVServer) failWaiters(fails func(index int, w *waiter) bool) []answer {
	var answers []answer
	for index, w := range kv.waiters {
		if fails(index, w) {
			delete(kv.waiters, index)
			answers = append(answers, answer{w, outcome{err: ErrWrongLeader}})
		}
	}
	return answers
}

// leaderWatch answers waiting requests with ErrWrongLeader as soon as their
// leader's term is over, or their deadline passes. Raft has no callback for
// a change of role, so this is a poll; it is the only time-driven loop of
// the server.
func (kv *KVServer) leaderWatch() {
	t := time.NewTicker(leaderCheck)
	defer t.Stop()
	for {
		select {
		case <-kv.killCh:
			return
		case <-t.C:
		}
		term, isLeader := kv.rf.GetState()
		now := time.Now()
		kv.mu.Lock()
		answers := kv.failWaiters(func(_ int, w *waiter) bool {
			return !isLeader || w.term != term || now.After(w.deadline)
		})
		kv.mu.Unlock()
		deliver(answers)
	}
}
