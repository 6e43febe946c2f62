package kvraft

import (
	"fmt"
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
// it is retried (do says what happens when a Clerk idle longer than
// SessionTimeout finds its session expired). A Clerk may be shared by
// goroutines; its operations are then performed one at a time.
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
	var value string
	ck.do(func(end *labrpc.ClientEnd, clientId, seq int64) (Err, bool) {
		args := GetArgs{Key: key, ClientId: clientId, Seq: seq}
		var reply GetReply
		ok := end.Call("KVServer.Get", &args, &reply)
		value = reply.Value
		return reply.Err, ok
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
	ck.do(func(end *labrpc.ClientEnd, clientId, seq int64) (Err, bool) {
		args := DeleteArgs{Key: key, ClientId: clientId, Seq: seq}
		var reply DeleteReply
		ok := end.Call("KVServer.Delete", &args, &reply)
		return reply.Err, ok
	})
}

func (ck *Clerk) putAppend(key, value string, isAppend bool) {
	ck.do(func(end *labrpc.ClientEnd, clientId, seq int64) (Err, bool) {
		args := PutAppendArgs{Key: key, Value: value, Append: isAppend, ClientId: clientId, Seq: seq}
		var reply PutAppendReply
		ok := end.Call("KVServer.PutAppend", &args, &reply)
		return reply.Err, ok
	})
}

// do performs one request, numbered with the Clerk's next seq: send sends
// it to a server as (clientId, seq) and returns the server's Err, and
// whether an answer came at all. It tries servers, starting with the last
// one that answered, until one answers other than ErrWrongLeader.
//
// ErrSessionExpired means the Clerk was idle longer than SessionTimeout:
// the request was not applied in the expired session, and none of its
// copies can be any more, so the Clerk starts a new session (a new client
// id, from seq 1) and sends it again. (Only a Clerk that had been retrying
// this very request for longer than SessionTimeout, with an earlier copy
// applied and unanswered, could see it applied twice.) ErrStaleRequest,
// or ErrSessionExpired to a seq 1, cannot answer a Clerk, which sends its
// requests one at a time with rising seqs from 1: it panics.
func (ck *Clerk) do(send func(end *labrpc.ClientEnd, clientId, seq int64) (Err, bool)) {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	ck.seq++
	for {
		for k := 0; k < len(ck.servers); k++ {
			s := (ck.leader + k) % len(ck.servers)
			err, ok := send(ck.servers[s], ck.clientId, ck.seq)
			switch {
			case !ok || err == ErrWrongLeader:
				continue
			case err == ErrSessionExpired && ck.seq > 1:
				ck.clientId, ck.seq = rand.Int64(), 1
				k-- // the same server again, in the new session
				continue
			case err == ErrStaleRequest || err == ErrSessionExpired:
				panic(fmt.Sprintf("kvraft: Clerk %d: server %d answered %s to request %d", ck.clientId, s, err, ck.seq))
			}
			ck.leader = s
			return
		}
		time.Sleep(roundPause)
	}
}
