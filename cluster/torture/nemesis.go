package torture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"raftlab/cluster/node"
)

// The nemesis's rhythm: a quiet spell, then a fault held for a while, then
// healed; one fault at a time.
const (
	quietMin, quietMax = 500 * time.Millisecond, 2500 * time.Millisecond
	holdMin, holdMax   = 1 * time.Second, 5 * time.Second
)

// fault is one fault the nemesis injected, for the summary and the report.
type fault struct {
	kind       string
	detail     string // what it did, in a few words
	nodes      []int  // the members it acted on
	start, end time.Duration
}

// nemesis injects faults on a schedule drawn from its seed: which kind,
// on which members, for how long. Targets given as "the leader" are
// resolved when the fault starts, so a replay of a seed is the same
// schedule against a cluster that may have moved on differently.
type nemesis struct {
	cfg   Config
	m     *members
	mon   *monitor
	clock *clock
	rng   *rand.Rand

	mu     sync.Mutex
	faults []fault
}

func newNemesis(cfg Config, m *members, mon *monitor, clk *clock) *nemesis {
	return &nemesis{cfg: cfg, m: m, mon: mon, clock: clk,
		rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0xda942042e4dd58b5))}
}

// between draws a duration in [lo, hi).
func (n *nemesis) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(n.rng.Int64N(int64(hi-lo)))
}

// run injects faults until ctx ends, then heals the one in force.
func (n *nemesis) run(ctx context.Context) {
	if len(n.cfg.Faults) == 0 {
		return
	}
	for {
		if !wait(ctx, n.between(quietMin, quietMax)) {
			return
		}
		kind := n.cfg.Faults[n.rng.IntN(len(n.cfg.Faults))]
		hold := n.between(holdMin, holdMax)
		switch kind {
		case Kill:
			n.kill(ctx, hold)
		case Partition:
			n.partition(ctx, hold)
		case Pause:
			n.pause(ctx, hold)
		case Slow:
			n.slow(ctx, hold)
		case Disk:
			n.disk(ctx, hold)
		}
	}
}

// record logs the start of a fault and returns a function that logs its
// end and keeps it.
func (n *nemesis) record(kind string, nodes []int, format string, args ...any) func() {
	f := fault{kind: kind, nodes: slices.Clone(nodes), detail: fmt.Sprintf(format, args...), start: n.clock.since()}
	n.cfg.Logf("torture: %s: %s", kind, f.detail)
	return func() {
		f.end = n.clock.since()
		n.cfg.Logf("torture: %s healed after %.1fs", kind, (f.end - f.start).Seconds())
		n.mu.Lock()
		n.faults = append(n.faults, f)
		n.mu.Unlock()
	}
}

// targets picks k distinct members, the leader among them half the time
// (when one is known).
func (n *nemesis) targets(k int) (ids []int, leader int) {
	perm := n.rng.Perm(n.cfg.Nodes)
	withLeader := n.rng.IntN(2) == 0
	leader = n.mon.leader()
	if withLeader && leader >= 0 {
		i := slices.Index(perm, leader)
		perm[0], perm[i] = perm[i], perm[0]
	}
	ids = perm[:k]
	if !slices.Contains(ids, leader) {
		leader = -1
	}
	slices.Sort(ids)
	return ids, leader
}

// leaderNote says which of the targets led, for a fault's detail.
func leaderNote(leader int) string {
	if leader < 0 {
		return ""
	}
	return fmt.Sprintf(" (node %d the leader)", leader)
}

// kill SIGKILLs 1 to MaxDown members at once and restarts them after hold.
func (n *nemesis) kill(ctx context.Context, hold time.Duration) {
	ids, leader := n.targets(1 + n.rng.IntN(n.cfg.MaxDown))
	done := n.record(Kill, ids, "SIGKILL nodes %v%s", ids, leaderNote(leader))
	for _, id := range ids {
		if err := n.m.kill(id); err != nil {
			n.cfg.Logf("torture: kill: %v", err)
		}
	}
	wait(ctx, hold)
	for _, id := range ids {
		if err := n.m.restart(id); err != nil {
			n.cfg.Logf("torture: restart: %v", err)
		}
	}
	done()
}

// pause SIGSTOPs 1 to MaxDown members and SIGCONTs them after hold.
func (n *nemesis) pause(ctx context.Context, hold time.Duration) {
	ids, leader := n.targets(1 + n.rng.IntN(n.cfg.MaxDown))
	done := n.record(Pause, ids, "SIGSTOP nodes %v%s", ids, leaderNote(leader))
	for _, id := range ids {
		if err := n.m.pause(id); err != nil {
			n.cfg.Logf("torture: pause: %v", err)
		}
	}
	wait(ctx, hold)
	for _, id := range ids {
		if err := n.m.resume(id); err != nil {
			n.cfg.Logf("torture: resume: %v", err)
		}
	}
	done()
}

// partition cuts the peer links between groups of members, two-sided,
// and heals them after hold. Three shapes: a random minority cut off
// from the rest; the leader alone; and a bridge, two sides that cannot
// reach each other but both reach one member in the middle.
func (n *nemesis) partition(ctx context.Context, hold time.Duration) {
	perm := n.rng.Perm(n.cfg.Nodes)
	var groups [][]int // members in different groups cannot talk, except to the bridge
	bridge := -1
	var detail string
	leader := n.mon.leader() // read once: the monitor may change it meanwhile
	switch shape := n.rng.IntN(3); {
	case shape == 0 || shape == 1 && leader < 0:
		k := 1 + n.rng.IntN((n.cfg.Nodes-1)/2)
		minority := sorted(perm[:k])
		groups = [][]int{minority, sorted(perm[k:])}
		detail = fmt.Sprintf("minority %v | %v", groups[0], groups[1])
	case shape == 1:
		rest := slices.DeleteFunc(slices.Clone(perm), func(id int) bool { return id == leader })
		groups = [][]int{{leader}, sorted(rest)}
		detail = fmt.Sprintf("leader %v | %v", groups[0], groups[1])
	default:
		mid := n.cfg.Nodes / 2
		bridge = perm[mid]
		groups = [][]int{sorted(perm[:mid]), sorted(perm[mid+1:])}
		detail = fmt.Sprintf("bridge %v | %d | %v", groups[0], bridge, groups[1])
	}
	group := map[int]int{}
	for g, ids := range groups {
		for _, id := range ids {
			group[id] = g
		}
	}
	faults := make([]node.Faults, n.cfg.Nodes)
	for a := range n.cfg.Nodes {
		for b := range n.cfg.Nodes {
			if a != b && a != bridge && b != bridge && group[a] != group[b] {
				faults[a].Drop = append(faults[a].Drop, b)
			}
		}
	}
	done := n.record(Partition, perm, "%s", detail)
	n.setAll(ctx, faults)
	wait(ctx, hold)
	n.healLinks(ctx)
	done()
}

// slow adds 5 to 100 ms to every call on a random half of the links, in
// each direction on its own, and takes it away after hold.
func (n *nemesis) slow(ctx context.Context, hold time.Duration) {
	faults := make([]node.Faults, n.cfg.Nodes)
	var links []string
	for a := range n.cfg.Nodes {
		for b := range n.cfg.Nodes {
			if a == b || n.rng.IntN(2) == 0 {
				continue
			}
			ms := 5 + n.rng.IntN(96)
			if faults[a].DelayMs == nil {
				faults[a].DelayMs = map[int]int{}
			}
			faults[a].DelayMs[b] = ms
			links = append(links, fmt.Sprintf("%d->%d %dms", a, b, ms))
		}
	}
	done := n.record(Slow, allIDs(n.cfg.Nodes), "latency on %s", strings.Join(links, ", "))
	n.setAll(ctx, faults)
	wait(ctx, hold)
	n.healLinks(ctx)
	done()
}

// disk either slows every save of 1 to n members by 5 to 50 ms for hold,
// or kills one member (the leader half the time) and restarts it, after
// a shorter hold, on a copy of its directory whose wal ends in a torn
// record, as a crash in the middle of a write leaves it.
func (n *nemesis) disk(ctx context.Context, hold time.Duration) {
	if n.rng.IntN(2) == 0 {
		ids, leader := n.targets(1 + n.rng.IntN(n.cfg.Nodes))
		ms := 5 + n.rng.IntN(46)
		done := n.record(Disk, ids, "fsync delay %dms on nodes %v%s", ms, ids, leaderNote(leader))
		faults := make([]node.Faults, n.cfg.Nodes)
		for _, id := range ids {
			faults[id].FsyncDelayMs = ms
		}
		n.setAll(ctx, faults)
		wait(ctx, hold)
		n.healLinks(ctx)
		done()
		return
	}
	ids, leader := n.targets(1)
	id, cut := ids[0], 1+n.rng.IntN(4096)
	if err := n.m.kill(id); err != nil {
		n.cfg.Logf("torture: disk: %v", err)
	}
	dir, torn, err := n.m.tornCopy(id, cut)
	if err != nil {
		n.cfg.Logf("torture: disk: torn copy of node %d: %v", id, err)
	}
	done := n.record(Disk, ids, "SIGKILL node %d%s, restart on %s with a record torn after %d bytes", id, leaderNote(leader), dir, torn)
	wait(ctx, hold/2)
	if err := n.m.restart(id); err != nil {
		n.cfg.Logf("torture: restart: %v", err)
	}
	done()
}

// setAll puts faults[i] on each member i, all at once.
func (n *nemesis) setAll(ctx context.Context, faults []node.Faults) {
	var wg sync.WaitGroup
	for id, f := range faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), controlTimeout)
			defer cancel()
			if err := n.m.setFaults(ctx, id, f); err != nil {
				n.cfg.Logf("torture: %v", err)
			}
		}()
	}
	wg.Wait()
}

// healLinks takes every link and disk fault away.
func (n *nemesis) healLinks(ctx context.Context) {
	n.setAll(ctx, make([]node.Faults, n.cfg.Nodes))
}

// injected returns the faults injected so far, in the order they ended.
func (n *nemesis) injected() []fault {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.faults)
}

func sorted(ids []int) []int {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

func allIDs(n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i
	}
	return ids
}
