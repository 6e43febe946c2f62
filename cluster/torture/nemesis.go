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
	failed     bool // a membership change that was not made
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
		case Membership:
			n.membership(ctx, hold)
		}
	}
}

// record logs the start of a fault and returns a function that logs its
// end and keeps it.
func (n *nemesis) record(kind string, nodes []int, format string, args ...any) func() {
	done, _ := n.recordChange(kind, nodes, format, args...)
	return done
}

// recordChange is record, with a flag to set before done if the change
// failed.
func (n *nemesis) recordChange(kind string, nodes []int, format string, args ...any) (func(), *bool) {
	f := fault{kind: kind, nodes: slices.Clone(nodes), detail: fmt.Sprintf(format, args...), start: n.clock.since()}
	n.cfg.Logf("torture: %s: %s", kind, f.detail)
	return func() {
		f.end = n.clock.since()
		if f.failed {
			f.detail += ": failed"
		}
		switch {
		case kind != Membership:
			n.cfg.Logf("torture: %s healed after %.1fs", kind, (f.end - f.start).Seconds())
		case f.failed:
			n.cfg.Logf("torture: %s: the change failed after %.1fs", kind, (f.end - f.start).Seconds())
		default:
			n.cfg.Logf("torture: %s: done after %.1fs", kind, (f.end - f.start).Seconds())
		}
		n.mu.Lock()
		n.faults = append(n.faults, f)
		n.mu.Unlock()
	}, &f.failed
}

// perm is the configuration's voters in a random order.
func (n *nemesis) perm() []int {
	cur := n.m.current()
	out := make([]int, len(cur))
	for i, j := range n.rng.Perm(len(cur)) {
		out[i] = cur[j]
	}
	return out
}

// maxDown is how many members a kill or pause may take down: MaxDown, but
// no more than a minority of the configuration now if MaxDown asked for a
// minority of the first one.
func (n *nemesis) maxDown() int {
	minority := (len(n.m.current()) - 1) / 2
	if n.cfg.MaxDown <= (n.cfg.Nodes-1)/2 {
		return max(1, min(n.cfg.MaxDown, minority))
	}
	return min(n.cfg.MaxDown, len(n.m.current()))
}

// targets picks k distinct members of the configuration, the leader among
// them half the time (when one is known).
func (n *nemesis) targets(k int) (ids []int, leader int) {
	perm := n.perm()
	k = min(k, len(perm))
	withLeader := n.rng.IntN(2) == 0
	leader = n.mon.leader()
	if i := slices.Index(perm, leader); withLeader && leader >= 0 && i >= 0 {
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
	ids, leader := n.targets(1 + n.rng.IntN(n.maxDown()))
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
	ids, leader := n.targets(1 + n.rng.IntN(n.maxDown()))
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
	perm := n.perm()
	var groups [][]int // members in different groups cannot talk, except to the bridge
	bridge := -1
	var detail string
	leader := n.mon.leader() // read once: the monitor may change it meanwhile
	switch shape := n.rng.IntN(3); {
	case shape == 0 || shape == 1 && !slices.Contains(perm, leader):
		k := 1 + n.rng.IntN((len(perm)-1)/2)
		minority := sorted(perm[:k])
		groups = [][]int{minority, sorted(perm[k:])}
		detail = fmt.Sprintf("minority %v | %v", groups[0], groups[1])
	case shape == 1:
		rest := slices.DeleteFunc(slices.Clone(perm), func(id int) bool { return id == leader })
		groups = [][]int{{leader}, sorted(rest)}
		detail = fmt.Sprintf("leader %v | %v", groups[0], groups[1])
	default:
		mid := len(perm) / 2
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
	faults := map[int]node.Faults{}
	for _, a := range perm {
		for _, b := range perm {
			if a != b && a != bridge && b != bridge && group[a] != group[b] {
				f := faults[a]
				f.Drop = append(f.Drop, b)
				faults[a] = f
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
	faults := map[int]node.Faults{}
	var links []string
	cur := n.m.current()
	for _, a := range cur {
		for _, b := range cur {
			if a == b || n.rng.IntN(2) == 0 {
				continue
			}
			ms := 5 + n.rng.IntN(96)
			f := faults[a]
			if f.DelayMs == nil {
				f.DelayMs = map[int]int{}
			}
			f.DelayMs[b] = ms
			faults[a] = f
			links = append(links, fmt.Sprintf("%d->%d %dms", a, b, ms))
		}
	}
	done := n.record(Slow, cur, "latency on %s", strings.Join(links, ", "))
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
		ids, leader := n.targets(1 + n.rng.IntN(len(n.m.current())))
		ms := 5 + n.rng.IntN(46)
		done := n.record(Disk, ids, "fsync delay %dms on nodes %v%s", ms, ids, leaderNote(leader))
		faults := map[int]node.Faults{}
		for _, id := range ids {
			faults[id] = node.Faults{FsyncDelayMs: ms}
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

// setAll puts faults[i] on each live member i, and none on the others,
// all at once.
func (n *nemesis) setAll(ctx context.Context, faults map[int]node.Faults) {
	var wg sync.WaitGroup
	for _, id := range n.m.live() {
		f := faults[id]
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
	n.setAll(ctx, nil)
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

// The bounds of the membership fault: the configuration keeps at least
// minVoters, and grows to at most Nodes+2.
const minVoters = 3

// membership adds a fresh member (the next slot, started with -join) or
// removes one (the leader half the time), one change at a time: it adds
// at minVoters, removes at Nodes+2, and otherwise tosses a coin. A
// removed member's process runs on for hold (it must not disrupt the
// others: the monitor still watches it) and is then stopped. A member
// that could not join within the deadline is removed as a learner and
// stopped. The change is made to its end even if the run ends meanwhile,
// so that the final reads meet a settled configuration.
func (n *nemesis) membership(ctx context.Context, hold time.Duration) {
	cur := n.m.current()
	add := len(cur) <= minVoters || (len(cur) < n.cfg.Nodes+2 && n.rng.IntN(2) == 0)
	pickLeader := n.rng.IntN(2) == 0
	pick := cur[n.rng.IntN(len(cur))]
	settle := context.WithoutCancel(ctx)
	if add {
		id, err := n.m.newSlot()
		if err != nil {
			n.cfg.Logf("torture: membership: no add: %v", err)
			return
		}
		done, failed := n.recordChange(Membership, []int{id}, "add node %d (joining through node %d)", id, n.m.other(id))
		if err := n.m.start(id, n.m.dataDir(id)); err != nil {
			n.cfg.Logf("torture: membership: %v", err)
			*failed = true
			done()
			return
		}
		voters, err := n.m.awaitVoter(settle, id)
		if err != nil {
			n.cfg.Logf("torture: membership: %v; removing it", err)
			if _, err := n.m.removeMember(settle, id); err != nil {
				n.cfg.Logf("torture: membership: removing node %d that did not join: %v", id, err)
			}
			n.m.retire(id)
			*failed = true
			done()
			return
		}
		n.m.setVoters(voters)
		n.cfg.Logf("torture: membership: node %d is a voter: configuration %v", id, voters)
		done()
		return
	}
	id, leader := pick, -1
	if l := n.mon.leader(); pickLeader && slices.Contains(cur, l) {
		id, leader = l, l
	}
	done, failed := n.recordChange(Membership, []int{id}, "remove node %d%s", id, leaderNote(leader))
	voters, err := n.m.removeMember(settle, id)
	if err != nil {
		n.cfg.Logf("torture: membership: removing node %d: %v", id, err)
		*failed = true
		done()
		return
	}
	n.m.setVoters(voters)
	n.cfg.Logf("torture: membership: node %d removed: configuration %v; it runs on for %.1fs", id, voters, hold.Seconds())
	wait(ctx, hold)
	n.m.retire(id)
	done()
}
