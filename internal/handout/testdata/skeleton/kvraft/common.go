package kvraft

// The RPCs between a Clerk and the KVServers. The tests send some of them
// themselves, so keep the names and fields below; add fields if you need
// more.

// Err is the outcome of an RPC to a KVServer.
type Err string

const (
	OK             Err = "OK"
	ErrNoKey       Err = "ErrNoKey"       // Get of a key that was never written; Value is ""
	ErrWrongLeader Err = "ErrWrongLeader" // not the leader, lost leadership, or timed out: try another server
)

// PutAppendArgs asks for a Put (Append false) or an Append. ClientId and
// Seq name the request, so that a server can tell a retry of a request it
// already applied and apply it only once (exactly-once semantics).
type PutAppendArgs struct {
	Key      string
	Value    string
	Append   bool // false for Put
	ClientId int64
	Seq      int64
}

// PutAppendReply answers a PutAppend.
type PutAppendReply struct {
	Err Err
}

// GetArgs asks for the value of a key.
type GetArgs struct {
	Key      string
	ClientId int64
	Seq      int64
}

// GetReply answers a Get.
type GetReply struct {
	Err   Err
	Value string
}

// DeleteArgs asks for a key to be removed.
type DeleteArgs struct {
	Key      string
	ClientId int64
	Seq      int64
}

// DeleteReply answers a Delete.
type DeleteReply struct {
	Err Err
}
