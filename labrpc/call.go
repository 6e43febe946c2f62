package labrpc

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"time"

	"raftlab/labgob"
)

// ClientEnd is a client's end of a connection to one server.
type ClientEnd struct {
	endname any
	net     *Network
}

// NetworkMade returns when the network this end belongs to was made, which
// in a course-shaped harness is when the test started: raft's debug log
// counts its milliseconds from there. The zero time for an end of no
// network.
func (e *ClientEnd) NetworkMade() time.Time {
	if e == nil || e.net == nil {
		return time.Time{}
	}
	return e.net.made
}

// Call sends an RPC to the server this end is connected to and waits for the
// reply. See the package documentation for exactly when it returns true.
// svcMeth is "Service.Method"; args is encoded as sent; reply must point to
// a zero value of the handler's reply type.
func (e *ClientEnd) Call(svcMeth string, args any, reply any) bool {
	rn := e.net
	if rn.closed.Load() {
		return false
	}
	var qb bytes.Buffer
	if err := labgob.NewEncoder(&qb).Encode(args); err != nil {
		// The caller's own types cannot travel: a programming error that
		// would otherwise look like a network that never delivers.
		panic(fmt.Sprintf("labrpc: Call(%q): cannot encode args of type %T: %v", svcMeth, args, err))
	}
	atomic.AddInt64(&rn.count, 1)
	atomic.AddInt64(&rn.bytes, int64(qb.Len()))
	r := rn.routeFor(e.endname, svcMeth, qb.Len())

	if !r.enabled || r.slot == nil {
		// Partitioned or crashed: no reply, and the caller times out.
		limit := 100
		if r.longDelays {
			limit = 7000
		}
		rn.sleep(time.Duration(rn.randIntn(limit)) * time.Millisecond)
		return false
	}
	if !r.reliable {
		if !rn.sleep(time.Duration(rn.randIntn(27)) * time.Millisecond) {
			return false
		}
		if rn.randIntn(1000) < 100 {
			return false // request lost
		}
	}

	// Run the handler in its own goroutine so that a crash (the server is
	// deleted) or a cut connection can abandon it.
	ch := make(chan replyMsg, 1)
	go func(srv *Server, args []byte) {
		ch <- srv.dispatch(svcMeth, args)
	}(r.slot.srv, qb.Bytes())
	var rep replyMsg
	select {
	case rep = <-ch:
	case <-r.slot.dead:
		return false
	case <-r.cut:
		return false
	case <-rn.done:
		return false
	}
	if !rep.ok || !rn.stillConnected(e.endname, r.slot) {
		return false
	}
	if !r.reliable && rn.randIntn(1000) < 100 {
		return false // reply lost
	}
	if r.longReordering && rn.randIntn(900) < 600 {
		// Hold the reply back so that later replies overtake it.
		ms := 200 + rn.randIntn(1+rn.randIntn(2000))
		if !rn.sleep(time.Duration(ms) * time.Millisecond) {
			return false
		}
	}
	rn.countReply(svcMeth, len(rep.reply))
	if err := labgob.NewDecoder(bytes.NewReader(rep.reply)).Decode(reply); err != nil {
		report(fmt.Sprintf("labrpc: Call(%q): cannot decode the reply into %T: %v", svcMeth, reply, err))
		return false
	}
	return true
}

// replyMsg is a handler's encoded reply; ok is false when the request could
// not be dispatched.
type replyMsg struct {
	ok    bool
	reply []byte
}
