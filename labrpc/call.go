package labrpc

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"time"

	"raftlab/labgob"
)

// ClientEnd is a client's end of a connection to one server: an end of the
// simulated Network (MakeEnd), or an end whose calls a Caller carries to a
// server elsewhere (MakeRemoteEnd).
type ClientEnd struct {
	endname any
	net     *Network // nil for a remote end
	remote  Caller   // nil for an end of a Network
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
	if e.remote != nil {
		return e.callRemote(svcMeth, args, reply)
	}
	rn := e.net
	if rn.closed.Load() {
		return false
	}
	req := encodeArgs(svcMeth, args)
	atomic.AddInt64(&rn.count, 1)
	atomic.AddInt64(&rn.bytes, int64(len(req)))
	r := rn.routeFor(e.endname, svcMeth, len(req))
	if !r.enabled || r.slot == nil {
		rn.waitUnreachable(r)
		return false
	}
	if !rn.requestArrives(r) {
		return false
	}
	rep, ok := rn.handle(r, svcMeth, req)
	if !ok || !rn.stillConnected(e.endname, r.slot) || !rn.replyArrives(r) {
		return false
	}
	rn.countReply(svcMeth, len(rep))
	return decodeReply(svcMeth, rep, reply)
}

// encodeArgs encodes a Call's args. Args of a type that cannot travel are
// the caller's programming error, which would otherwise look like a network
// that never delivers: it panics.
func encodeArgs(svcMeth string, args any) []byte {
	var qb bytes.Buffer
	if err := labgob.NewEncoder(&qb).Encode(args); err != nil {
		panic(fmt.Sprintf("labrpc: Call(%q): cannot encode args of type %T: %v", svcMeth, args, err))
	}
	return qb.Bytes()
}

// waitUnreachable is a Call on a disabled end or to no server (a partition
// or a crash): there is no reply, only the wait after which a caller times
// out, 0-100 ms, or 0-7 s with LongDelays.
func (rn *Network) waitUnreachable(r route) {
	limit := 100
	if r.longDelays {
		limit = 7000
	}
	rn.sleep(time.Duration(rn.randIntn(limit)) * time.Millisecond)
}

// requestArrives delays a request on an unreliable network by 0-27 ms and
// loses 1 in 10. It reports whether the request reaches the server: not
// lost, and the network not cleaned up meanwhile.
func (rn *Network) requestArrives(r route) bool {
	if r.reliable {
		return true
	}
	if !rn.sleep(time.Duration(rn.randIntn(27)) * time.Millisecond) {
		return false
	}
	return rn.randIntn(1000) >= 100
}

// handle runs the request's handler in a goroutine of its own, so that a
// crash (the server is deleted) or a cut connection can abandon it, and
// waits for the encoded reply. ok is false when the request was abandoned,
// the network cleaned up, or the request could not be dispatched.
func (rn *Network) handle(r route, svcMeth string, req []byte) (reply []byte, ok bool) {
	ch := make(chan replyMsg, 1)
	go func(srv *Server) {
		ch <- srv.dispatch(svcMeth, req)
	}(r.slot.srv)
	select {
	case rep := <-ch:
		return rep.reply, rep.ok
	case <-r.slot.dead:
	case <-r.cut:
	case <-rn.done:
	}
	return nil, false
}

// replyArrives loses a reply on an unreliable network 1 time in 10, and
// with LongReordering holds 2 in 3 back by 200-2200 ms so that later
// replies overtake them. It reports whether the reply reaches the caller:
// not lost, and the network not cleaned up meanwhile.
func (rn *Network) replyArrives(r route) bool {
	if !r.reliable && rn.randIntn(1000) < 100 {
		return false
	}
	if r.longReordering && rn.randIntn(900) < 600 {
		ms := 200 + rn.randIntn(1+rn.randIntn(2000))
		return rn.sleep(time.Duration(ms) * time.Millisecond)
	}
	return true
}

// decodeReply decodes a delivered reply into reply. A reply that does not
// fit the caller's type is reported on stderr, and the Call fails.
func decodeReply(svcMeth string, data []byte, reply any) bool {
	if err := labgob.NewDecoder(bytes.NewReader(data)).Decode(reply); err != nil {
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
