package transport

import (
	"fmt"
	"time"

	"raftlab/labrpc"
)

// peerCall is the one net/rpc method a transport serves: it carries any
// labrpc call.
const peerCall = "Peer.Call"

// Request is the argument of Peer.Call: one labrpc call, its service
// method and its labgob-encoded args. It is exported only because net/rpc
// requires an exported argument type; nothing outside the package needs
// it.
type Request struct {
	SvcMeth string // "Service.Method", as labrpc names it
	Args    []byte // the labgob encoding of the handler's args

	deadline time.Time // the caller's: a request not written by then is not sent
}

// peerService is the receiver of Peer.Call: it hands each request to a
// labrpc Server.
type peerService struct {
	srv  *labrpc.Server
	logf func(format string, args ...any)
}

// Call runs the labrpc handler for req and returns its encoded reply. A
// request labrpc cannot dispatch (it reports why on stderr) and a reply
// too large for a frame come back to the caller as net/rpc errors: the
// connection is fine, the call is not.
func (p *peerService) Call(req *Request, reply *[]byte) error {
	rep, ok := p.srv.Dispatch(req.SvcMeth, req.Args)
	if !ok {
		return fmt.Errorf("labrpc could not dispatch %s", req.SvcMeth)
	}
	if len(rep) > maxReply {
		err := fmt.Errorf("the reply of %s is %d bytes, more than a frame carries (%d)", req.SvcMeth, len(rep), maxReply)
		p.logf("transport: %v; the call fails", err)
		return err
	}
	*reply = rep
	return nil
}

// maxReply is the largest reply a response frame carries, with room for
// its fixed fields.
const maxReply = MaxFrame - u64 - u32

// maxArgs is the largest args a request frame carries, with room for its
// fixed fields and names.
const maxArgs = MaxFrame - u64 - 2*u32 - len(peerCall) - MaxName
