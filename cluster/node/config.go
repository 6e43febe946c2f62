package node

import (
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults for the zero fields of a Config.
const (
	// DefaultMaxRaftState: kvraft snapshots once the persisted Raft state
	// reaches 1 MiB and as much log as the last snapshot was applied since
	// it, so a node's disk holds about that much log (at most about the
	// key/value data's size) plus the key/value data.
	DefaultMaxRaftState = 1 << 20
	// DefaultRequestTimeout bounds each HTTP key/value request, from its
	// arrival to its answer: long enough for an election (about a third of
	// a second) and a commit or two, short enough that a node cut off in a
	// minority answers 503 promptly.
	DefaultRequestTimeout = 3 * time.Second
)

// Bounds on what an HTTP client may send.
const (
	MaxMemberID = 1<<20 - 1 // member ids are 0 to this
	MaxKey      = 1 << 10   // bytes in a key, after URL decoding
	MaxValue    = 1 << 20   // bytes in a PUT or POST body
)

// Config describes one cluster member.
//
// A member of a new cluster has Peers, the cluster's first configuration:
// member i at Peers[i], ID an index into it. A member added later has Join
// instead: it starts with no configuration, asks the cluster at Join to add
// it as ID at Addr, and learns the configuration from the leader. Once the
// member's Dir holds a configuration, Raft uses that one and Peers only
// names the addresses of the first members.
type Config struct {
	ID    int      // this member's id: an index into Peers, or (with Join) a new id, 0 to MaxMemberID
	Peers []string // the first configuration's peer (net/rpc) addresses, by id; empty with Join
	Addr  string   // this member's peer address, listened on; Peers[ID] if empty
	Join  string   // an HTTP URL of a member (http://host:port): ask the cluster to add this node (POST /members)
	HTTP  string   // the HTTP API's listen address; port 0 picks a free one (see HTTPAddr)
	Dir   string   // this member's data directory (created if missing)

	// Secret is the shared cluster secret checked on every peer
	// connection (transport.Config.Secret); empty means none.
	Secret string

	// MaxRaftState is the persisted Raft state size, in bytes, from which
	// kvraft takes a snapshot once the log applied since the last one is
	// as large as it. 0 means DefaultMaxRaftState; -1 never snapshots (the
	// log then grows without bound).
	MaxRaftState int

	// RequestTimeout bounds each key/value request made through the HTTP
	// API. 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// Logf receives the node's log lines, one per notable event. Nil means
	// log.Printf.
	Logf func(format string, args ...any)

	// Faults, if not nil, turns on the fault control for raftlab torture:
	// the node starts with these faults in force, and GET and PUT /faults
	// read and replace them (see Faults). Nil, as in production: no
	// control, no /faults.
	Faults *Faults

	// OnFatal is called, after a log line saying why, when the node can no
	// longer run safely: its storage failed to save Raft's state. It must
	// not return (raft.NewPersister's contract: a peer that cannot persist
	// must not acknowledge anything more). Nil means os.Exit(1).
	OnFatal func(error)
}

// withDefaults checks c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	switch {
	case len(c.Peers) == 0 && c.Join == "":
		return c, errors.New("node: no peers and nothing to join: give Peers for a new cluster or Join for a new member")
	case len(c.Peers) > 0 && c.Join != "":
		return c, errors.New("node: Peers and Join together: Peers starts a new cluster, Join adds this node to one")
	case c.Join != "" && c.Addr == "":
		return c, errors.New("node: Join needs this node's peer address (Addr)")
	case c.Join != "" && (c.ID < 0 || c.ID > MaxMemberID):
		return c, fmt.Errorf("node: id %d out of range 0 to %d", c.ID, MaxMemberID)
	case c.Join == "" && (c.ID < 0 || c.ID >= len(c.Peers)):
		return c, fmt.Errorf("node: id %d is not an index into %d peers", c.ID, len(c.Peers))
	case c.Join == "" && c.Addr != "" && c.Addr != c.Peers[c.ID]:
		return c, fmt.Errorf("node: Addr %s is not Peers[%d], %s", c.Addr, c.ID, c.Peers[c.ID])
	}
	for i, p := range c.Peers {
		if p == "" {
			return c, fmt.Errorf("node: peer %d has an empty address", i)
		}
	}
	if c.Join != "" {
		u, err := url.Parse(c.Join)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("node: Join %q: want a member's HTTP URL, http://host:port", c.Join)
		}
		c.Join = strings.TrimRight(c.Join, "/")
	}
	if c.Addr == "" {
		c.Addr = c.Peers[c.ID]
	}
	if c.HTTP == "" {
		return c, errors.New("node: no HTTP address")
	}
	if c.Dir == "" {
		return c, errors.New("node: no data directory")
	}
	if c.MaxRaftState < -1 {
		return c, fmt.Errorf("node: MaxRaftState %d: want -1, 0 or a size", c.MaxRaftState)
	}
	if c.MaxRaftState == 0 {
		c.MaxRaftState = DefaultMaxRaftState
	}
	if c.RequestTimeout < 0 {
		return c, fmt.Errorf("node: negative request timeout %v", c.RequestTimeout)
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Faults != nil {
		if err := c.Faults.check(c.ID); err != nil {
			return c, fmt.Errorf("node: %w", err)
		}
	}
	if c.Logf == nil {
		c.Logf = log.Printf
	}
	if c.OnFatal == nil {
		c.OnFatal = func(error) { os.Exit(1) }
	}
	return c, nil
}
