package node

import (
	"bytes"
	"encoding/gob"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"raftlab/cluster/transport"
	"raftlab/labrpc"
)

// MessageRing is how many of its last peer RPCs a node keeps for
// GET /messages.
const MessageRing = 1024

// MessageWatch is how long after a GET /messages the node goes on noting
// the RPCs it sends. Unwatched, it notes nothing: sending costs one atomic
// load more than without the ring.
const MessageWatch = 10 * time.Second

// Message is one Raft RPC this node sent to a member, as GET /messages
// shows it. Kind is RequestVote, PreVote, AppendEntries (with Entries > 0),
// Heartbeat (an AppendEntries without entries) or InstallSnapshot; Term is
// the term the request carries (a PreVote's is the term the candidate
// would take); TimeMs is when it was sent, in Unix milliseconds; Dropped
// says the node's fault control (PUT /faults) dropped it.
type Message struct {
	TimeMs  int64  `json:"time_ms"`
	From    int    `json:"from"`
	To      int    `json:"to"` // -1 if the address is no longer in the node's book
	Kind    string `json:"kind"`
	Term    int    `json:"term"`
	Entries int    `json:"entries,omitempty"`
	Dropped bool   `json:"dropped,omitempty"`
}

// sent is a Message as the ring holds it: the destination is an address,
// turned into a member id only when someone asks.
type sent struct {
	time    time.Time
	to      string
	kind    string
	term    int
	entries int
	dropped bool
}

// messageRing keeps the last MessageRing RPCs the node sent while someone
// watches (a GET /messages in the last MessageWatch). Recording is a
// decode of the args' first fields, a lock and a copy of a few words; it
// is read only by GET /messages.
type messageRing struct {
	watchedUntil atomic.Int64 // Unix ns; 0: never watched

	mu   sync.Mutex
	buf  [MessageRing]sent
	next int  // where the next one goes
	full bool // buf has wrapped at least once
}

// watch keeps the ring recording until MessageWatch from now.
func (r *messageRing) watch() {
	r.watchedUntil.Store(time.Now().Add(MessageWatch).UnixNano())
}

// watched says whether the ring records now.
func (r *messageRing) watched() bool {
	until := r.watchedUntil.Load()
	return until != 0 && time.Now().UnixNano() < until
}

func (r *messageRing) add(m sent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf[r.next] = m
	r.next = (r.next + 1) % MessageRing
	if r.next == 0 {
		r.full = true
	}
}

// since returns the RPCs sent at or after t, oldest first.
func (r *messageRing) since(t time.Time) []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []sent
	start, n := 0, r.next
	if r.full {
		start, n = r.next, MessageRing
	}
	for k := range n {
		if m := r.buf[(start+k)%MessageRing]; !m.time.Before(t) {
			out = append(out, m)
		}
	}
	return out
}

// recorder is the Caller of a peer address's end: while the ring is
// watched, it notes each Raft RPC there (dropped if the fault control
// loses calls to addr), then hands it to the transport.
type recorder struct {
	labrpc.Caller
	addr   string
	ring   *messageRing
	faults *transport.Faults // nil without the fault control
}

func (c recorder) Call(svcMeth string, args []byte) ([]byte, bool) {
	if c.ring.watched() {
		if method, ok := strings.CutPrefix(svcMeth, "Raft."); ok {
			if m, ok := describe(method, args); ok {
				m.time, m.to, m.dropped = time.Now(), c.addr, c.faults.Drops(c.addr)
				c.ring.add(m)
			}
		}
	}
	return c.Caller.Call(svcMeth, args)
}

// The fields of Raft's RPC arguments a Message shows. gob matches fields
// by name and skips the others (a Command or a snapshot's Data is skipped
// without being decoded into anything).
type (
	voteHead struct {
		Term    int
		PreVote bool
	}
	appendHead struct {
		Term    int
		Entries []struct{ Term int }
	}
	snapshotHead struct{ Term int }
)

// describe decodes what a Message shows of an RPC's labgob-encoded args.
func describe(method string, args []byte) (m sent, ok bool) {
	defer func() {
		if recover() != nil { // gob reports malformed input as an error; be sure
			ok = false
		}
	}()
	dec := gob.NewDecoder(bytes.NewReader(args))
	switch method {
	case "RequestVote":
		var h voteHead
		if dec.Decode(&h) != nil {
			return m, false
		}
		m.kind, m.term = "RequestVote", h.Term
		if h.PreVote {
			m.kind = "PreVote"
		}
	case "AppendEntries":
		var h appendHead
		if dec.Decode(&h) != nil {
			return m, false
		}
		m.kind, m.term, m.entries = "Heartbeat", h.Term, len(h.Entries)
		if m.entries > 0 {
			m.kind = "AppendEntries"
		}
	case "InstallSnapshot":
		var h snapshotHead
		if dec.Decode(&h) != nil {
			return m, false
		}
		m.kind, m.term = "InstallSnapshot", h.Term
	default:
		return m, false
	}
	return m, true
}
