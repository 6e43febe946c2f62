package kvraft

import "fmt"

// Err is the outcome of an RPC to a KVServer.
type Err string

const (
	OK             Err = "OK"
	ErrNoKey       Err = "ErrNoKey"       // Get of a key that was never written; Value is ""
	ErrWrongLeader Err = "ErrWrongLeader" // not the leader, lost leadership, or timed out: try another server

	// ErrStaleRequest: Seq is below the client's last applied one, so the
	// request is an old copy of an earlier request, not a retry of the
	// last; it is not applied, and gets no other request's result.
	ErrStaleRequest Err = "ErrStaleRequest"
	// ErrSessionExpired: the client has no session and Seq is not 1, the
	// first of a session: its session expired (idle longer than
	// SessionTimeout), or its request 1 was never applied. The request is
	// not applied; the client must start a new session, with a new
	// ClientId and Seq 1.
	ErrSessionExpired Err = "ErrSessionExpired"
)

// OpKind says what an operation does.
type OpKind uint8

const (
	OpGet OpKind = iota
	OpPut
	OpAppend
	OpDelete
)

func (k OpKind) String() string {
	switch k {
	case OpGet:
		return "Get"
	case OpPut:
		return "Put"
	case OpAppend:
		return "Append"
	case OpDelete:
		return "Delete"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// Op is one client request as it travels through the Raft log.
type Op struct {
	Kind     OpKind
	Key      string
	Value    string // Put and Append
	ClientId int64  // the Clerk that asked
	Seq      int64  // its request number, from 1; requests of one Clerk are sequential

	// LeaderTime is the wall clock, in Unix nanoseconds, of the leader that
	// put the request in its log, read just before Start: the state
	// machine's clock for session expiry comes from the log, never from a
	// replica's own clock. 0 in entries written before sessions expired.
	LeaderTime int64
}

// PutAppendArgs asks for a Put or an Append.
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
