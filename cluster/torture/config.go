package torture

import (
	"fmt"
	"log"
	"slices"
	"strings"
	"time"
)

// The kinds of fault the nemesis injects, as Config.Faults and -faults
// name them.
const (
	Kill      = "kill"      // SIGKILL some members (at most MaxDown), then restart them
	Partition = "partition" // cut the peer links between groups: a minority, the leader alone, or a bridge
	Pause     = "pause"     // SIGSTOP some members (at most MaxDown), then SIGCONT
	Slow      = "slow"      // add latency to peer links
	Disk      = "disk"      // slow fsyncs on some members, or restart one on a copy of its data cut mid-record
	// Membership adds a fresh member or removes one (the leader half the
	// time), keeping 3 to Nodes+2 voters.
	Membership = "membership"
)

// Kinds lists every kind of fault, in the order summaries use.
var Kinds = []string{Kill, Partition, Pause, Slow, Disk, Membership}

// Config is one torture run.
type Config struct {
	Binary   string        // the raftlab executable whose "node" command runs each member
	Nodes    int           // members, 3 to 9
	Clients  int           // concurrent clients
	Keys     int           // keys the clients use
	Duration time.Duration // how long the clients run and the nemesis injects faults
	Seed     uint64        // seeds the fault schedule and the clients' choices
	Faults   []string      // kinds of fault to inject (Kinds); empty: none
	// MaxDown bounds how many members a kill or pause takes down at
	// once; 0 means a minority, (Nodes-1)/2. More than a minority leaves
	// the cluster unavailable while they are down (that is allowed: it
	// tests recovery from a whole-cluster crash).
	MaxDown int
	// Rate is the clients' target of operations per second, all
	// together; 0 means as fast as they can. A bounded rate keeps the
	// values (which appends grow) and the history small enough to check.
	Rate float64
	// Dir holds the members' data and logs; empty means a new temporary
	// directory, removed after a run that passes.
	Dir string
	// Out, if set, is the directory the HTML report is written to
	// (report.html).
	Out string
	// AllKeys draws every key's history in the report, not only those
	// that failed the check.
	AllKeys bool
	// MaxRaftState is each member's snapshot threshold (node
	// -max-raft-state); 0 means DefaultMaxRaftState, small so that
	// snapshots and their installation happen under the faults.
	MaxRaftState int
	// MaxValue, if set (MinMaxValue to MaxMaxValue), makes every put's
	// value a big one of 1 to MaxValue bytes, each size drawn by the
	// client's seeded generator: the put's token, its size, and filler
	// derived from the token (values.go), every read checked whole as it
	// arrives. Appends still write their token alone, so a key's value is
	// at most MaxValue bytes plus the tokens of the appends after its
	// last put. 0: every value is its token.
	MaxValue int
	// CheckTimeout bounds the linearizability check; 0 means
	// DefaultCheckTimeout. A check that runs out is no pass.
	CheckTimeout time.Duration
	// Env is added to each member's environment.
	Env []string
	// Logf receives one line per event of the run; nil means log.Printf.
	Logf func(format string, args ...any)
}

// Defaults.
const (
	DefaultMaxRaftState = 64 << 10
	DefaultCheckTimeout = 5 * time.Minute
	DefaultRate         = 200
)

// ParseFaults reads a comma-separated list of fault kinds; "all" is every
// kind and "none" or "" is none.
func ParseFaults(s string) ([]string, error) {
	switch s {
	case "", "none":
		return nil, nil
	case "all":
		return slices.Clone(Kinds), nil
	}
	var kinds []string
	for _, k := range strings.Split(s, ",") {
		if !slices.Contains(Kinds, k) {
			return nil, fmt.Errorf("unknown fault %q; the faults are %s (or all, none)", k, strings.Join(Kinds, ","))
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds, nil
}

// Check reports what is wrong with c, if anything: the errors Run would
// return before it starts.
func Check(c Config) error {
	_, err := c.withDefaults()
	return err
}

// withDefaults checks c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Binary == "":
		return c, fmt.Errorf("no raftlab binary")
	case c.Nodes < 3 || c.Nodes > 9:
		return c, fmt.Errorf("%d nodes: want 3 to 9", c.Nodes)
	case c.Clients < 1 || c.Clients > 1000:
		return c, fmt.Errorf("%d clients: want 1 to 1000", c.Clients)
	case c.Keys < 1 || c.Keys > 10000:
		return c, fmt.Errorf("%d keys: want 1 to 10000", c.Keys)
	case c.Duration <= 0:
		return c, fmt.Errorf("duration %v: want more than 0", c.Duration)
	case c.MaxDown < 0 || c.MaxDown > c.Nodes:
		return c, fmt.Errorf("max down %d: want 0 (a minority) to %d", c.MaxDown, c.Nodes)
	case c.Rate < 0:
		return c, fmt.Errorf("rate %v: want 0 (no limit) or more", c.Rate)
	case c.MaxRaftState < -1:
		return c, fmt.Errorf("max raft state %d: want -1, 0 or a size", c.MaxRaftState)
	case c.MaxValue != 0 && (c.MaxValue < MinMaxValue || c.MaxValue > MaxMaxValue):
		return c, fmt.Errorf("max value %d: want 0 (tokens only) or %d to %d bytes", c.MaxValue, MinMaxValue, MaxMaxValue)
	case c.CheckTimeout < 0:
		return c, fmt.Errorf("check timeout %v: want 0 (the default) or more", c.CheckTimeout)
	}
	for _, k := range c.Faults {
		if !slices.Contains(Kinds, k) {
			return c, fmt.Errorf("unknown fault %q", k)
		}
	}
	if c.MaxDown == 0 {
		c.MaxDown = (c.Nodes - 1) / 2
	}
	if c.MaxRaftState == 0 {
		c.MaxRaftState = DefaultMaxRaftState
	}
	if c.CheckTimeout == 0 {
		c.CheckTimeout = DefaultCheckTimeout
	}
	if c.Logf == nil {
		c.Logf = log.Printf
	}
	return c, nil
}
