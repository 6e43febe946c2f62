package node

import (
	"fmt"
	"slices"
	"sync"

	"raftlab/cluster/transport"
	"raftlab/labrpc"
	"raftlab/raft"
)

// peers is the node's address book and its transport clients: one client
// per peer address, made the first time a member at that address is
// dialed (by Raft, through raft.Options.Dial, or by the forwarder) and
// closed by Close. Every user of an address shares its client, so a member
// is reached over one set of connections whoever calls it.
//
// The book maps member ids to the addresses they were last seen at: the
// initial Peers, then every configuration Raft dials. Faults name members
// by id; the book turns them into the addresses the transport drops or
// slows, again each time it learns a new member (resolve).
type peers struct {
	tcfg    transport.Config
	self    int
	resolve func() // called, without mu, when an id's address is new or changed

	mu      sync.Mutex
	book    map[int]string               // member id -> peer address
	clients map[string]*transport.Client // peer address -> its client
	ends    map[string]*labrpc.ClientEnd // peer address -> its end
	closed  bool

	sent messageRing // the Raft RPCs sent through the ends, for GET /messages
}

func newPeers(self int, tcfg transport.Config) *peers {
	return &peers{
		tcfg: tcfg, self: self, resolve: func() {},
		book: map[int]string{}, clients: map[string]*transport.Client{}, ends: map[string]*labrpc.ClientEnd{},
	}
}

// learn records that member id is at addr. It reports whether that is
// news.
func (p *peers) learn(id int, addr string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.book[id] == addr {
		return false
	}
	p.book[id] = addr
	return true
}

// dial is raft.Options.Dial: the end for s, learning its address.
func (p *peers) dial(s raft.Server) *labrpc.ClientEnd {
	if p.learn(s.ID, s.Addr) {
		p.resolve()
	}
	end, err := p.endAt(s.Addr)
	if err != nil {
		// transport.NewClient fails only on a closed node or an address
		// it cannot take at all; Raft then sees every call to this
		// member fail, as it would for a member that is down.
		return labrpc.MakeRemoteEnd(failing{err})
	}
	return end
}

// end returns the end for member id, if its address is known.
func (p *peers) end(id int) (*labrpc.ClientEnd, bool) {
	p.mu.Lock()
	addr, ok := p.book[id]
	p.mu.Unlock()
	if !ok {
		return nil, false
	}
	end, err := p.endAt(addr)
	return end, err == nil
}

// addr returns member id's address, if known.
func (p *peers) addr(id int) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.book[id]
	return a, ok
}

// endAt returns the end for a peer address, making its client if need be.
func (p *peers) endAt(addr string) (*labrpc.ClientEnd, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("node: dialing %s after Close", addr)
	}
	if end, ok := p.ends[addr]; ok {
		return end, nil
	}
	// NewClient does not connect (it dials on the first call), so
	// holding mu here keeps no one waiting on the network.
	c, err := transport.NewClient(addr, p.tcfg)
	if err != nil {
		return nil, err
	}
	p.clients[addr] = c
	p.ends[addr] = labrpc.MakeRemoteEnd(recorder{Caller: c, addr: addr, ring: &p.sent, faults: p.tcfg.Faults})
	return p.ends[addr], nil
}

// ids returns the member id of each address in the book.
func (p *peers) ids() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make(map[string]int, len(p.book))
	for id, a := range p.book {
		ids[a] = id
	}
	return ids
}

// addrsOf returns the known addresses of ids (an unknown id has none yet).
func (p *peers) addrsOf(ids []int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, id := range ids {
		if a, ok := p.book[id]; ok {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// close closes every client: calls in flight fail at once, and later
// dials fail.
func (p *peers) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.clients {
		c.Close()
	}
}

// failing is the Caller of an end that can never reach its member.
type failing struct{ err error }

func (failing) Call(string, []byte) ([]byte, bool) { return nil, false }
