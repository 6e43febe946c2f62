package torture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"syscall"
	"time"
)

// sampleEvery is how often the monitor asks each member for its /status.
const sampleEvery = 100 * time.Millisecond

// Roles in a member's timeline besides Raft's own ("leader", "follower",
// "candidate", "pre-candidate"): down (its port refuses connections: the
// process is dead) and silent (no answer in time: paused, or too busy).
const (
	roleDown   = "down"
	roleSilent = "silent"
)

// span is a stretch of time in which a member showed one role and term.
type span struct {
	from, to time.Duration
	role     string
	term     int
}

// monitor samples every member's /status while the run lasts: each one's
// role and term over time (for the report), the leaders seen in each term
// (two in one term breaks Raft's Election Safety), and the leader now (for
// the nemesis to aim at).
type monitor struct {
	m     *members
	clock *clock

	mu      sync.Mutex
	spans   [][]span             // by member, in time order
	leaders map[int]map[int]bool // term -> members seen leading it
	current int                  // the leader in the highest term seen leading, or -1
	curTerm int
	maxTerm int

	snaps *snapWatch // set before run in a run with big values; sees every /status
}

func newMonitor(m *members, clk *clock) *monitor {
	return &monitor{m: m, clock: clk, spans: make([][]span, len(m.procs)), leaders: map[int]map[int]bool{}, current: -1}
}

// run samples until ctx ends.
func (mo *monitor) run(ctx context.Context) {
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	var wg sync.WaitGroup
	for {
		// Every member handed out and not retired: one being added, or
		// removed and still running, is watched like the rest.
		for _, id := range mo.m.live() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mo.sample(ctx, id)
			}()
		}
		wg.Wait()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// sample asks member id once and records what it says.
func (mo *monitor) sample(ctx context.Context, id int) {
	ctx, cancel := context.WithTimeout(ctx, 2*sampleEvery)
	defer cancel()
	at := mo.clock.since()
	st, err := mo.m.status(ctx, id)
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled) {
		return // the run is ending
	}
	role, term := st.Role, st.Term
	if err != nil {
		role, term = roleSilent, -1
		var op *net.OpError
		if errors.As(err, &op) && errors.Is(err, syscall.ECONNREFUSED) {
			role = roleDown
		}
	} else if mo.snaps != nil {
		mo.snaps.status(id, st)
	}
	mo.mu.Lock()
	defer mo.mu.Unlock()
	s := mo.spans[id]
	if n := len(s); n > 0 && s[n-1].role == role && (s[n-1].term == term || term < 0) {
		s[n-1].to = at
	} else {
		if n > 0 {
			s[n-1].to = at
		}
		s = append(s, span{from: at, to: at, role: role, term: term})
	}
	mo.spans[id] = s
	if term > mo.maxTerm {
		mo.maxTerm = term
	}
	if role == "leader" {
		if mo.leaders[term] == nil {
			mo.leaders[term] = map[int]bool{}
		}
		mo.leaders[term][id] = true
		if term >= mo.curTerm {
			mo.current, mo.curTerm = id, term
		}
	} else if id == mo.current && role != "leader" {
		mo.current = -1
	}
}

// leader is the member that last said it leads, in the highest term seen
// led, or -1 if it has said otherwise since.
func (mo *monitor) leader() int {
	mo.mu.Lock()
	defer mo.mu.Unlock()
	return mo.current
}

// elections is how many terms were seen with a leader.
func (mo *monitor) elections() int {
	mo.mu.Lock()
	defer mo.mu.Unlock()
	return len(mo.leaders)
}

// doubleLeaders describes each term seen with two or more leaders.
func (mo *monitor) doubleLeaders() []string {
	mo.mu.Lock()
	defer mo.mu.Unlock()
	var out []string
	var terms []int
	for t, ids := range mo.leaders {
		if len(ids) > 1 {
			terms = append(terms, t)
		}
	}
	sort.Ints(terms)
	for _, t := range terms {
		var ids []int
		for id := range mo.leaders[t] {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		out = append(out, fmt.Sprintf("term %d had leaders %v", t, ids))
	}
	return out
}

// timelines returns a copy of the spans of every member handed out.
func (mo *monitor) timelines() ([][]span, int) {
	used := mo.m.slotsUsed()
	mo.mu.Lock()
	defer mo.mu.Unlock()
	out := make([][]span, used)
	for i, s := range mo.spans[:used] {
		out[i] = append([]span(nil), s...)
	}
	return out, mo.maxTerm
}
