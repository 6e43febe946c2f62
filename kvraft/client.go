package kvraft

import (
	"math/rand/v2"
	"sync"
	"time"

	"raftlab/labrpc"
)

// roundPause is how long a Clerk waits after every server refused or failed
// to answer, typically during an election, before trying them all again.
const roundPause = 20 * time.Millisecond

// Clerk is a client of the key/value service. Each operation keeps trying
// until some server applies it, and is applied exactly once however often
// it is retried. A Clerk may be shared by goroutines; its operations are
// then performed one at a time.
type Clerk struct {
	mu       sync.Mutex
	servers  []*labrpc.ClientEnd
	clientId int64
	seq      int64
	leader   int // the server that answered last: tried first
}

// MakeClerk returns a Clerk that talks to the given servers.
func MakeClerk(servers []*labrpc.ClientEnd) *Clerk {
	// 63 random bits from the runtime's OS-seeded generator: two Clerks,
	// even in different processes, share an id with negligible chance.
	return &Clerk{servers: servers, clientId: rand.Int64()}
}

// Get returns the current value of key, or "" if it has none.
func (ck *Clerk) Get(key string) string {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	ck.seq++
	args := GetArgs{Key: key, ClientId: ck.clientId, Seq: ck.seq}
	var value string
	ck.call(func(end *labrpc.ClientEnd) bool {
		var reply GetReply
		if !end.Call("KVServer.Get", &args, &reply) || reply.Err == ErrWrongLeader {
			return false
		}
		value = reply.Value
		return true
	})
	return value
}

// Put sets key to value.
func (ck *Clerk) Put(key string, value string) {
	ck.putAppend(key, value, false)
}

// Append appends value to key's value (to "" if it has none).
func (ck *Clerk) Append(key string, value string) {
	ck.putAppend(key, value, true)
}

// Delete removes key: a Get then returns "", as for a key never written.
func (ck *Clerk) Delete(key string) {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	ck.seq++
	args := DeleteArgs{Key: key, ClientId: ck.clientId, Seq: ck.seq}
	ck.call(func(end *labrpc.ClientEnd) bool {
		var reply DeleteReply
		return end.Call("KVServer.Delete", &args, &reply) && reply.Err != ErrWrongLeader
	})
}

func (ck *Clerk) putAppend(key, value string, isAppend bool) {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	ck.seq++
	args := PutAppendArgs{Key: key, Value: value, Append: isAppend, ClientId: ck.clientId, Seq: ck.seq}
	ck.call(func(end *labrpc.ClientEnd) bool {
		var reply PutAppendReply
		return end.Call("KVServer.PutAppend", &args, &reply) && reply.Err != ErrWrongLeader
	})
}

// call tries servers, starting with the last one that answered, until try
// succeeds on one. Caller holds ck.mu.
func (ck *Clerk) call(try func(*labrpc.ClientEnd) bool) {
	for {
		for k := range ck.servers {
			s := (ck.leader + k) % len(ck.servers)
			if try(ck.servers[s]) {
				ck.leader = s
				return
			}
		}
		time.Sleep(roundPause)
	}
}
