package kvraft

// The server: a replica of the key/value state machine, kept in step with
// the others by its Raft peer.

import (
	"sync"
	"sync/atomic"

	"raftlab/labgob"
	"raftlab/labrpc"
	"raftlab/raft"
)

// Op is an operation as it travels through the Raft log: what the leader
// passes to Start, and every replica applies, in order, when it comes out
// of applyCh.
type Op struct {
	// Your definitions here.
	// Field names must start with capital letters,
	// otherwise RPC will break.
}

// KVServer is one replica of the key/value service.
type KVServer struct {
	mu      sync.Mutex
	me      int
	rf      *raft.Raft // the harness registers this peer as the RPC service "Raft": keep the name and type
	applyCh chan raft.ApplyMsg
	dead    atomic.Int32 // set by Kill()
	// killCh is closed by Kill. Raft sends nothing more on applyCh after
	// Kill, and never closes it: a goroutine reading it selects on killCh
	// too, or it never ends (TestKillNoGoroutineLeak4B counts goroutines).
	killCh chan struct{}

	maxraftstate int // snapshot if the Raft state grows this big (-1: never)

	// Your definitions here.
}

// Get is the handler of the Get RPC. Submit the operation to Raft with
// rf.Start and answer once it comes out of applyCh at the index Start gave
// (and is still the one submitted there); a server that is not the leader,
// or stops being it, answers ErrWrongLeader so the Clerk tries another. A
// Get also goes through the log: a leader answering from its own state may
// have been deposed without knowing it (§8).
func (kv *KVServer) Get(args *GetArgs, reply *GetReply) {
	// Your code here.
}

// PutAppend is the handler of the PutAppend RPC: as Get, and applied once
// however often the Clerk retries it (remember each client's last request
// number and its answer).
func (kv *KVServer) PutAppend(args *PutAppendArgs, reply *PutAppendReply) {
	// Your code here.
}

// Delete is the handler of the Delete RPC: as PutAppend.
func (kv *KVServer) Delete(args *DeleteArgs, reply *DeleteReply) {
	// Your code here.
}

// Kill is called by the tester when a KVServer instance won't be needed
// again. It stops the server's Raft peer; any long-running goroutine should
// check killed() and end. You may add code here, e.g. to suppress debug
// output from a Kill()ed instance.
func (kv *KVServer) Kill() {
	if !kv.dead.CompareAndSwap(0, 1) {
		return
	}
	close(kv.killCh)
	kv.rf.Kill()
	// Your code here, if desired.
}

func (kv *KVServer) killed() bool {
	return kv.dead.Load() == 1
}

// Raft returns the server's Raft peer (the membership tests reach it here).
func (kv *KVServer) Raft() *raft.Raft { return kv.rf }

// StartKVServer starts a replica. servers[] holds the ends of all the
// replicas' Raft peers, which talk with one another through Raft to form
// the fault-tolerant service; me is this server's index into servers[].
// The k/v server should store snapshots through the underlying Raft
// implementation, which calls persister.Save() to save the Raft state and
// the snapshot together. The server should snapshot when Raft's saved
// state exceeds maxraftstate bytes (persister.RaftStateSize()), so that
// Raft can trim its log (part 4B); if maxraftstate is -1, it never
// snapshots. A restarted server reads its snapshot back with
// persister.ReadSnapshot(). StartKVServer must return quickly: start
// goroutines for any long-running work.
func StartKVServer(servers []*labrpc.ClientEnd, me int, persister *raft.Persister, maxraftstate int) *KVServer {
	// call labgob.Register on structures you want
	// Go's RPC library to marshall/unmarshall.
	labgob.Register(Op{})

	kv := new(KVServer)
	kv.me = me
	kv.maxraftstate = maxraftstate
	kv.killCh = make(chan struct{})

	// You may need initialization code here.

	kv.applyCh = make(chan raft.ApplyMsg)
	kv.rf = raft.Make(servers, me, persister, kv.applyCh)

	// You may need initialization code here.

	return kv
}

// StartKVMember is StartKVServer for a replica whose Raft peer is made by
// raft.MakeMember with opts, so that its configuration can change (the
// membership extension, in no graded part).
func StartKVMember(me int, persister *raft.Persister, maxraftstate int, opts raft.Options) *KVServer {
	labgob.Register(Op{})
	kv := &KVServer{me: me, maxraftstate: maxraftstate, applyCh: make(chan raft.ApplyMsg), killCh: make(chan struct{})}
	kv.rf = raft.MakeMember(me, persister, kv.applyCh, opts)
	// Your code here (membership).
	return kv
}
