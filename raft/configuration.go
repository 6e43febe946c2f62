package raft

// Server and Configuration: the members of a cluster, as values. A
// configuration changes by making a new one (membership.go says when and
// how); nothing here changes a Raft peer.

import (
	"fmt"
	"slices"
	"strings"

	"raftlab/labgob"
)

// Server is one member of a configuration.
type Server struct {
	ID   int    // the member's id: votedFor, CandidateId and LeaderId speak in these
	Addr string // how to reach it: handed to Options.Dial
	// Learner: the member receives the log but does not vote, campaign or
	// count toward a majority. A server being added is a learner until it
	// has caught up with the leader; the leader then makes it a voter.
	Learner bool
}

// Configuration is the set of members, sorted by ID. At a configuration
// entry's index, a peer made by MakeMember delivers a Configuration on
// applyCh as the command (CommandValid, Command.(raft.Configuration)): the
// service skips it.
type Configuration struct {
	Servers []Server
}

func init() {
	labgob.Register(Configuration{})
}

// maxServerID bounds the ids a configuration may hold: far beyond any real
// cluster, so that arithmetic on them cannot overflow.
const maxServerID = 1 << 40

// Configuration helpers. A Configuration is treated as a value: every
// change makes a new Servers slice.

func (c Configuration) server(id int) (Server, bool) {
	for _, s := range c.Servers {
		if s.ID == id {
			return s, true
		}
	}
	return Server{}, false
}

func (c Configuration) isVoter(id int) bool {
	s, ok := c.server(id)
	return ok && !s.Learner
}

// voters returns the voters' ids.
func (c Configuration) voters() []int {
	var ids []int
	for _, s := range c.Servers {
		if !s.Learner {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// learner returns a learner's id, or -1 if there is none.
func (c Configuration) learner() int {
	for _, s := range c.Servers {
		if s.Learner {
			return s.ID
		}
	}
	return -1
}

func (c Configuration) clone() Configuration {
	return Configuration{Servers: slices.Clone(c.Servers)}
}

func (c Configuration) with(s Server) Configuration {
	out := c.without(s.ID)
	out.Servers = append(out.Servers, s)
	slices.SortFunc(out.Servers, func(a, b Server) int { return a.ID - b.ID })
	return out
}

func (c Configuration) without(id int) Configuration {
	var out Configuration
	for _, s := range c.Servers {
		if s.ID != id {
			out.Servers = append(out.Servers, s)
		}
	}
	return out
}

func (c Configuration) promoted(id int) Configuration {
	out := c.clone()
	for k := range out.Servers {
		if out.Servers[k].ID == id {
			out.Servers[k].Learner = false
		}
	}
	return out
}

// validate checks a configuration from the network or the disk: ids in
// range, sorted, each once.
func (c Configuration) validate() error {
	for k, s := range c.Servers {
		if s.ID < 0 || s.ID > maxServerID || (k > 0 && c.Servers[k-1].ID >= s.ID) {
			return fmt.Errorf("configuration %v: ids must be in [0, %d], sorted, each once", c, maxServerID)
		}
	}
	return nil
}

// String is "{0 1 2 3L}": the ids, learners marked L.
func (c Configuration) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for k, s := range c.Servers {
		if k > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d", s.ID)
		if s.Learner {
			b.WriteByte('L')
		}
	}
	b.WriteByte('}')
	return b.String()
}
