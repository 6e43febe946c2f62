package kvraft

// The client: a Clerk sends each operation to the servers until one that
// leads applies it.

import (
	"math/rand/v2"

	"raftlab/labrpc"
)

// Clerk is a client of the key/value service. A Clerk's operations are
// sequential: the tests wait for one to return before starting the next.
type Clerk struct {
	servers []*labrpc.ClientEnd
	// You will have to modify this struct.
}

// nrand returns 62 random bits: an id with a negligible chance of being
// another Clerk's.
func nrand() int64 {
	return rand.Int64N(1 << 62)
}

// MakeClerk returns a Clerk that talks to the given servers.
func MakeClerk(servers []*labrpc.ClientEnd) *Clerk {
	ck := new(Clerk)
	ck.servers = servers
	// You'll have to add code here.
	return ck
}

// Get fetches the current value for a key; it returns "" if the key does
// not exist. It keeps trying forever in the face of all other errors.
//
// You can send an RPC with code like this:
//
//	ok := ck.servers[i].Call("KVServer.Get", &args, &reply)
//
// The types of args and reply (including whether they are pointers) must
// match the declared types of the RPC handler function's arguments, and
// reply must be passed as a pointer. Call returns false if no reply came
// back (a lost request or reply, a server down, a partition): try another
// server. Remember which server led last, and try it first next time.
func (ck *Clerk) Get(key string) string {

	// You will have to modify this function.
	return ""
}

// putAppend is shared by Put and Append: it sends PutAppend RPCs until a
// server applies the request, once, even if the Clerk sends it many times
// (number each request, and keep the number when you retry it).
func (ck *Clerk) putAppend(key string, value string, isAppend bool) {
	// You will have to modify this function.
}

// Put sets key to value.
func (ck *Clerk) Put(key string, value string) {
	ck.putAppend(key, value, false)
}

// Append appends value to key's value (to "" if it has none).
func (ck *Clerk) Append(key string, value string) {
	ck.putAppend(key, value, true)
}

// Delete removes key, so that a Get returns "" until it is set again. Like
// Put and Append it is applied exactly once.
func (ck *Clerk) Delete(key string) {
	// You will have to modify this function.
}
