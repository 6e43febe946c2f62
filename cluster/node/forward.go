package node

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"raftlab/kvraft"
)

// poolSize is how many node-internal kvraft client ids a node has: at most
// this many requests without Client-Id headers are in flight at once; more
// wait for a free id, within their deadline.
const poolSize = 64

// roundBackoff is the pause after every member was tried once without an
// answer: an election is likely under way.
const roundBackoff = 50 * time.Millisecond

// op is one key/value request, as kvraft's RPCs take it.
type op struct {
	kind     kvraft.OpKind
	key      string
	value    string
	clientId int64
	seq      int64
}

// result is kvraft's answer to an op.
type result struct {
	value string
	err   kvraft.Err
}

// forwarder sends key/value requests to the members' KVServer RPCs until
// the leader applies them. It is the node's own clerk, with a deadline.
type forwarder struct {
	peers  *peers       // reaches the members
	voters func() []int // the voters of the configuration in use, sorted
	self   int          // this node's member id: its requests to itself are
	local  kvHandlers   // answered by local in process, not through peers
	logf   func(format string, args ...any)
	leader atomic.Int64 // the member that last answered; -1 until one has
	// raftLeader is the leader this node's Raft peer knows of, -1 if none;
	// tried first. Set before the node serves; nil in tests without Raft.
	raftLeader func() int
	pool       chan *clientId
	closed     chan struct{} // closed by close

	mu       sync.Mutex     // guards isClosed, so that no call starts once wait may have begun
	isClosed bool           // set by close
	calls    sync.WaitGroup // RPCs in flight, including those a timed-out request left behind
}

// clientId is a node-internal kvraft client: one request at a time, each
// with the next seq, so kvraft's duplicate table holds one entry per id.
// An id may sit in the pool longer than kvraft.SessionTimeout, or have
// its seq 1 lost to a timeout; kvraft then answers ErrSessionExpired, and
// the id is drawn afresh from seq 1 (do).
type clientId struct {
	id  int64
	seq int64
}

// kvHandlers are kvraft's RPC handlers, which a *kvraft.KVServer has.
type kvHandlers interface {
	Get(*kvraft.GetArgs, *kvraft.GetReply)
	PutAppend(*kvraft.PutAppendArgs, *kvraft.PutAppendReply)
	Delete(*kvraft.DeleteArgs, *kvraft.DeleteReply)
}

func newForwarder(p *peers, voters func() []int, self int, local kvHandlers, logf func(format string, args ...any)) (*forwarder, error) {
	f := &forwarder{peers: p, voters: voters, self: self, local: local, logf: logf, pool: make(chan *clientId, poolSize), closed: make(chan struct{})}
	f.leader.Store(-1)
	for range poolSize {
		id, err := drawClientId()
		if err != nil {
			return nil, err
		}
		f.pool <- &clientId{id: id}
	}
	return f, nil
}

// drawClientId returns a new node-internal client id: 63 random bits.
// Ids are drawn afresh by each process, and whenever a session expired:
// kvraft's duplicate table outlives the process, so an id used again from
// seq 1 would have its requests taken for an old session's.
func drawClientId() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("node: drawing a client id: %w", err)
	}
	return int64(binary.BigEndian.Uint64(b[:]) >> 1), nil
}

// do runs o, with o.clientId and o.seq set by the caller or, if clientId
// is zero, from the pool. It returns kvraft's answer (OK or ErrNoKey; for
// the caller's ids also ErrStaleRequest or ErrSessionExpired, which mean
// the request was not applied), or an error saying why none came before
// ctx ended. A pool id whose session expired gets a new id, and the
// request is sent again from seq 1: not applied in the old session, it is
// applied once in the new.
func (f *forwarder) do(ctx context.Context, o op) (result, error) {
	var c *clientId // the pool's, if o has no id of its own
	if o.clientId == 0 {
		select {
		case c = <-f.pool:
		case <-ctx.Done():
			return result{}, fmt.Errorf("no free internal client id within the deadline (%d in use)", poolSize)
		}
		defer func() { f.pool <- c }()
		c.seq++
		o.clientId, o.seq = c.id, c.seq
	}
	srv := int(f.leader.Load())
	if f.raftLeader != nil {
		if id := f.raftLeader(); id >= 0 {
			srv = id // what Raft knows first: the member that answered last may have lost the lead
		}
	}
	last := "no member tried"
	again := false // send to srv again, at once
	for tried := 0; ; tried++ {
		// Each step goes to the next voter of the configuration in use
		// now, after srv: a change made while the request waits is
		// followed at once.
		ids := f.voters()
		if len(ids) == 0 {
			last = "this node is in no configuration yet (a new member that has not joined)"
		} else if (tried == 0 || again) && slices.Contains(ids, srv) {
			// srv, the last to answer, goes first
		} else {
			again = false
			srv = nextMember(ids, srv)
		}
		if tried > 0 && !again && (len(ids) == 0 || srv == ids[0]) {
			t := time.NewTimer(roundBackoff)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		select {
		case <-f.closed:
			return result{}, fmt.Errorf("the node is closing")
		default:
		}
		if ctx.Err() != nil {
			return result{}, fmt.Errorf("no leader applied the request within the deadline (last: %s)", last)
		}
		if len(ids) == 0 {
			continue
		}
		r, ok := f.call(ctx, srv, o)
		again = false
		switch {
		case !ok:
			last = fmt.Sprintf("member %d did not answer", srv)
		case r.err == kvraft.ErrWrongLeader:
			last = fmt.Sprintf("member %d: %s", srv, r.err)
		case r.err == kvraft.ErrSessionExpired && c != nil && o.seq > 1:
			id, err := drawClientId()
			if err != nil {
				return result{}, err
			}
			c.id, c.seq = id, 1
			o.clientId, o.seq = c.id, c.seq
			last = fmt.Sprintf("member %d: %s; a new internal client id", srv, r.err)
			again = true
		default:
			if old := f.leader.Swap(int64(srv)); old != int64(srv) {
				f.logf("requests now go to member %d (the leader, as far as this node knows)", srv)
			}
			return r, nil
		}
	}
}

// nextMember is the id after srv in the sorted ids, wrapping around (the
// first if srv is below them all or above them all).
func nextMember(ids []int, srv int) int {
	for _, id := range ids {
		if id > srv {
			return id
		}
	}
	return ids[0]
}

// call sends o to member srv and waits for its answer, ctx's end or close,
// whichever comes first. The RPC goes on in its own goroutine after an
// early return; the transport ends it within its own deadline, or at once
// when the node closes its clients.
func (f *forwarder) call(ctx context.Context, srv int, o op) (result, bool) {
	type answer struct {
		r  result
		ok bool
	}
	ch := make(chan answer, 1)
	f.mu.Lock()
	if f.isClosed {
		f.mu.Unlock()
		return result{}, false
	}
	f.calls.Add(1)
	f.mu.Unlock()
	go func() {
		defer f.calls.Done()
		var a answer
		switch o.kind {
		case kvraft.OpGet:
			var reply kvraft.GetReply
			args := &kvraft.GetArgs{Key: o.key, ClientId: o.clientId, Seq: o.seq}
			a.ok = f.invoke(srv, "KVServer.Get", args, &reply, func() { f.local.Get(args, &reply) })
			a.r = result{reply.Value, reply.Err}
		case kvraft.OpPut, kvraft.OpAppend:
			var reply kvraft.PutAppendReply
			args := &kvraft.PutAppendArgs{Key: o.key, Value: o.value, Append: o.kind == kvraft.OpAppend, ClientId: o.clientId, Seq: o.seq}
			a.ok = f.invoke(srv, "KVServer.PutAppend", args, &reply, func() { f.local.PutAppend(args, &reply) })
			a.r = result{err: reply.Err}
		case kvraft.OpDelete:
			var reply kvraft.DeleteReply
			args := &kvraft.DeleteArgs{Key: o.key, ClientId: o.clientId, Seq: o.seq}
			a.ok = f.invoke(srv, "KVServer.Delete", args, &reply, func() { f.local.Delete(args, &reply) })
			a.r = result{err: reply.Err}
		}
		ch <- a
	}()
	select {
	case a := <-ch:
		return a.r, a.ok
	case <-ctx.Done():
	case <-f.closed:
	}
	return result{}, false
}

// invoke calls svcMeth of member srv through its end or, for this node's
// own member, runs local: the same handler called in process (args are
// built fresh for each call and reply is read only once it returns, so
// nothing is shared that labgob's encoding would have copied). A killed
// KVServer answers at once, so a local call ends when the node closes.
func (f *forwarder) invoke(srv int, svcMeth string, args, reply any, local func()) bool {
	if srv == f.self && f.local != nil {
		local()
		return true
	}
	end, ok := f.peers.end(srv)
	if !ok {
		return false
	}
	return end.Call(svcMeth, args, reply)
}

// leaderHint is the member that last answered a request, or -1.
func (f *forwarder) leaderHint() int { return int(f.leader.Load()) }

// close makes requests in progress give up; wait then waits for their
// RPCs, which the node ends by closing its transport clients.
func (f *forwarder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.isClosed {
		f.isClosed = true
		close(f.closed)
	}
}

func (f *forwarder) wait() { f.calls.Wait() }
