package raft

// Membership changes in the course-shaped harness (config_test.go with
// members > 0): peers made by MakeMember in n slots of the network, the
// first few the initial configuration, the others started when a test adds
// them. The monitor's continuous checks (one leader per term, applied
// agreement, gapless apply, snapshot agreement) run throughout, over every
// peer that ever ran; "committed by k peers" counts the peers of the
// configuration a test expects.

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"raftlab/labrpc"
)

// configCommand is how the harness records a configuration entry applied
// at an index: a comparable value, the same on every peer.
func configCommand(c Configuration) string { return "configuration " + c.String() }

// memberAddr is slot i's address in a configuration.
func memberAddr(i int) string { return fmt.Sprintf("slot-%d", i) }

// makeMember makes peer i with MakeMember: the initial configuration is the
// first cfg.members slots for those slots, and empty for the others (they
// wait to be added). Dial hands out the incarnation's end to the slot.
func (cfg *config) makeMember(i int, ends []*labrpc.ClientEnd, persister *Persister, applyCh chan ApplyMsg) *Raft {
	var initial []Server
	if i < cfg.members {
		for id := range cfg.members {
			initial = append(initial, Server{ID: id, Addr: memberAddr(id)})
		}
	}
	dial := func(s Server) *labrpc.ClientEnd {
		if s.ID < 0 || s.ID >= len(ends) || s.Addr != memberAddr(s.ID) {
			cfg.mon.report(fmt.Sprintf("S%d dialed %+v, which is no slot of the harness", i, s))
			return cfg.net.MakeEnd(fmt.Sprintf("nowhere-%d-%d", i, s.ID))
		}
		return ends[s.ID]
	}
	return MakeMember(i, persister, applyCh, Options{Servers: initial, Dial: dial})
}

// change runs a membership change at the leader until done holds for a
// committed configuration there, retrying at the next leader or after a
// moment on the temporary errors, for up to 20 s. It returns the
// configuration. Test goroutine only.
func (cfg *config) change(what string, call func(rf *Raft) (int, int, error), done func(Configuration) bool) Configuration {
	cfg.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		cfg.checkErrors()
		for i, rf := range cfg.connectedPeers() {
			_, _, err := call(rf)
			switch {
			case errors.Is(err, ErrNotLeader):
				continue
			case errors.Is(err, ErrChangeInProgress):
				last = fmt.Sprintf("S%d: %v", i, err)
			case err != nil:
				cfg.fatalf("%s at S%d: %v", what, i, err)
			default:
				// The leader took it (or it was done already): wait for
				// the change to complete there, as long as it leads.
				for time.Now().Before(deadline) {
					c, index, committed := rf.Configuration()
					if committed && done(c) {
						return c
					}
					last = fmt.Sprintf("S%d has %v at %d, committed %v", i, c, index, committed)
					if _, leader := rf.GetState(); !leader && !committed {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cfg.fatalf("%s did not complete within 20s; last: %s", what, last)
	return Configuration{}
}

// addServer starts slot id, connects it, and adds it: it returns once id is
// a voter in a committed configuration.
func (cfg *config) addServer(id int) Configuration {
	cfg.t.Helper()
	if cfg.peer(id) == nil {
		cfg.start1(id, cfg.applierFn)
		cfg.connect(id)
	}
	return cfg.change(fmt.Sprintf("add S%d", id),
		func(rf *Raft) (int, int, error) { return rf.AddServer(id, memberAddr(id)) },
		func(c Configuration) bool { return c.isVoter(id) })
}

// removeServer removes id; it returns once a committed configuration lacks
// it. The removed peer keeps running.
func (cfg *config) removeServer(id int) Configuration {
	cfg.t.Helper()
	return cfg.change(fmt.Sprintf("remove S%d", id),
		func(rf *Raft) (int, int, error) { return rf.RemoveServer(id) },
		func(c Configuration) bool { _, ok := c.server(id); return !ok })
}

// writer submits commands in a goroutine until stop, each waited for on
// want() peers, and counts those that committed.
type writer struct {
	stop, done chan struct{}
	ok         atomic.Int64
	errs       []error
}

func (cfg *config) startWriter(want func() int) *writer {
	w := &writer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for k := 0; ; k++ {
			select {
			case <-w.stop:
				return
			default:
			}
			if _, err := cfg.tryOne(100000+k, want(), true); err != nil {
				if err != errFinished {
					w.errs = append(w.errs, err)
				}
				return
			}
			w.ok.Add(1)
		}
	}()
	return w
}

// halt stops the writer and fails the test if a command did not commit.
func (w *writer) halt(cfg *config) int64 {
	cfg.t.Helper()
	close(w.stop)
	<-w.done
	if len(w.errs) > 0 {
		cfg.fatalf("writer: %v", w.errs[0])
	}
	return w.ok.Load()
}

func TestMembershipGrowAndShrink(t *testing.T) {
	cfg := makeConfig(t, 5, 3, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (membership): grow 3 -> 5 and shrink 5 -> 3 while clients write")

	cfg.one(101, 3, true)
	w := cfg.startWriter(func() int { return 2 })
	cfg.addServer(3)
	cfg.addServer(4)
	cfg.one(102, 5, true) // every member applies it
	before := w.ok.Load()
	leader := cfg.checkOneLeader()
	cfg.removeServer(leader) // the leader first, then a follower
	victim := slices.IndexFunc([]int{0, 1, 2, 3, 4}, func(i int) bool { return i != leader })
	c := cfg.removeServer(victim)
	if got := c.voters(); len(got) != 3 || slices.Contains(got, leader) || slices.Contains(got, victim) {
		cfg.fatalf("after removing S%d and S%d the voters are %v", leader, victim, got)
	}
	cfg.one(103, 3, true)
	n := w.halt(cfg)
	if n == 0 || n == before {
		cfg.fatalf("the writer committed %d commands, %d before the removals: writes stopped during the changes", n, before)
	}
	cfg.end()
}

// A server added after the others compacted their logs gets the leader's
// snapshot, and with it the configuration the snapshot covers.
func TestMembershipAddFarBehind(t *testing.T) {
	cfg := makeConfig(t, 4, 3, false, true)
	defer cfg.cleanup()
	cfg.begin("Test (membership): add a server far behind (snapshot install)")

	for k := range 60 {
		cfg.one(200+k, 3, true)
	}
	cfg.addServer(3)
	cfg.one(300, 4, true)
	st := cfg.peer(3).Status()
	if st.SnapshotIndex == 0 {
		cfg.fatalf("S3 caught up without a snapshot: %+v", st)
	}
	c, _, _ := cfg.peer(3).Configuration()
	if len(c.voters()) != 4 {
		cfg.fatalf("S3's configuration is %v, want 4 voters", c)
	}
	cfg.end()
}

// A leader that removes itself steps down once the change commits; the
// rest elect a leader among themselves, and the old one, still running and
// connected, never disturbs them.
func TestMembershipRemoveLeader(t *testing.T) {
	cfg := makeConfig(t, 5, 5, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (membership): remove the leader")

	cfg.one(401, 5, true)
	old := cfg.checkOneLeader()
	cfg.removeServer(old)
	cfg.awaitNotLeader(old, 5*time.Second, "the configuration without it committed")
	// It told the others of the commit before it stepped down: they know
	// the change committed now, not once a new leader tells them.
	removal := cfg.peer(old).Status().ConfigIndex
	for i := range 5 {
		if st := cfg.peer(i).Status(); i != old && (st.ConfigIndex != removal || !st.ConfigCommitted) {
			cfg.fatalf("S%d right after S%d stepped down: configuration at %d, committed %v; want %d, committed",
				i, old, st.ConfigIndex, st.ConfigCommitted, removal)
		}
	}
	cfg.one(402, 4, true)
	cfg.checkStable(old, 2*time.Second)
	cfg.one(403, 4, true)
	cfg.end()
}

// awaitNotLeader waits up to d for peer i to stop leading, and fails the
// test if it does not; why names what should have made it step down.
func (cfg *config) awaitNotLeader(i int, d time.Duration, why string) {
	cfg.t.Helper()
	rf := cfg.peer(i)
	deadline := time.Now().Add(d)
	for _, leads := rf.GetState(); leads; _, leads = rf.GetState() {
		if time.Now().After(deadline) {
			cfg.fatalf("S%d still leads %v after %s", i, d, why)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A leader that removes itself and loses leadership before the change
// commits must still campaign (§4.2.2). Four voters, one of them down: the
// leader, cut off, removes itself, so only it holds the new configuration
// and the longest log, and steps down (CheckQuorum). The two others, on the
// old configuration, need three votes, and it refuses theirs (its log is
// longer): healed, it is the only server that can win, in the new
// configuration with the votes of the two. It commits the change and steps
// down, and the two elect a leader of the new configuration.
func TestMembershipRemoveLeaderBeforeCommit(t *testing.T) {
	cfg := makeConfig(t, 4, 4, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (membership): a leader removes itself and loses leadership before the change commits")

	cfg.one(501, 4, true)
	old := cfg.checkOneLeader()
	down := (old + 1) % 4
	cfg.crash1(down)
	cfg.disconnect(old)
	oldRf := cfg.peer(old)
	if _, _, err := oldRf.RemoveServer(old); err != nil {
		cfg.fatalf("RemoveServer(%d) at the leader S%d: %v", old, old, err)
	}
	cfg.awaitNotLeader(old, 5*time.Second, "it was cut off")
	if c, _, committed := oldRf.Configuration(); c.isVoter(old) || committed {
		cfg.fatalf("S%d holds %v (committed %v), want the configuration without it, not committed", old, c, committed)
	}
	cfg.connect(old)
	// Two servers of the new configuration apply the next command: the
	// removed leader's change committed and a leader among them took over.
	cfg.one(502, 2, true)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, _, committed := oldRf.Configuration()
		_, leads := oldRf.GetState()
		if committed && !c.isVoter(old) && !leads {
			break
		}
		if time.Now().After(deadline) {
			cfg.fatalf("S%d: configuration %v, committed %v, leading %v 5s after the others went on", old, c, committed, leads)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cfg.start1(down, cfg.applierFn)
	cfg.connect(down)
	cfg.one(503, 3, true)
	cfg.end()
}

// checkStable watches the peers other than removed for d: the leader and
// every term must stay as they are, and removed must never lead.
func (cfg *config) checkStable(removed int, d time.Duration) {
	cfg.t.Helper()
	leader := cfg.checkOneLeader()
	term, _ := cfg.peer(leader).GetState()
	for t0 := time.Now(); time.Since(t0) < d; time.Sleep(20 * time.Millisecond) {
		cfg.checkErrors()
		for i, rf := range cfg.connectedPeers() {
			t, leads := rf.GetState()
			switch {
			case i == removed && leads:
				cfg.fatalf("removed S%d leads term %d", i, t)
			case i != removed && t != term:
				cfg.fatalf("S%d moved to term %d from %d while removed S%d ran: it disrupted the cluster", i, t, term, removed)
			case i != removed && leads != (i == leader):
				cfg.fatalf("leadership moved from S%d to S%d while removed S%d ran", leader, i, removed)
			}
		}
	}
}

// A server removed while cut off never learns it was removed: it times out
// and asks for pre-votes again and again. Reconnected, it must not depose
// the leader or raise anyone's term.
func TestMembershipRemovedServerDoesNotDisrupt(t *testing.T) {
	cfg := makeConfig(t, 4, 4, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (membership): a removed server that keeps running never disrupts the rest")

	cfg.one(501, 4, true)
	leader := cfg.checkOneLeader()
	victim := (leader + 1) % 4
	cfg.disconnect(victim)
	cfg.removeServer(victim)
	cfg.one(502, 3, true)
	vt, _ := cfg.peer(victim).GetState()
	time.Sleep(time.Second) // let it time out a few times, alone
	if t2, _ := cfg.peer(victim).GetState(); t2 != vt {
		cfg.fatalf("cut-off S%d raised its term from %d to %d: pre-vote should keep it", victim, vt, t2)
	}
	cfg.connect(victim)
	cfg.checkStable(victim, 3*time.Second)
	cfg.one(503, 3, true)
	if c, _, _ := cfg.peer(victim).Configuration(); !c.isVoter(victim) {
		t.Logf("S%d learned of its removal: %v", victim, c)
	}
	cfg.end()
}

// randomChange makes one membership change chosen by the test's
// randomness, keeping between 3 and 5 voters among the slots: add a slot
// that is not a member, or remove a member (the leader a third of the
// time). Removed peers are crashed, so that slots are reused fresh. It
// returns the members after the change.
func (cfg *config) randomChange(members []int) []int {
	cfg.t.Helper()
	add := len(members) <= 3 || (len(members) < 5 && cfg.rand.IntN(2) == 0)
	if add {
		var free []int
		for i := range cfg.n {
			if !slices.Contains(members, i) {
				free = append(free, i)
			}
		}
		id := free[cfg.rand.IntN(len(free))]
		if cfg.peer(id) != nil {
			cfg.crash1(id)
		}
		cfg.saved[id] = nil // a fresh server: slots are reused only with new disks
		c := cfg.addServer(id)
		return c.voters()
	}
	id := members[cfg.rand.IntN(len(members))]
	if cfg.rand.IntN(3) == 0 {
		id = cfg.checkOneLeader()
	}
	c := cfg.removeServer(id)
	cfg.crash1(id)
	return c.voters()
}

// Changes one after another on a network that drops, delays and reorders,
// with writes in between.
func TestMembershipUnreliable(t *testing.T) {
	cfg := makeConfig(t, 7, 3, true, false)
	defer cfg.cleanup()
	cfg.begin("Test (membership): changes on an unreliable network")

	members := []int{0, 1, 2}
	w := cfg.startWriter(func() int { return 2 })
	for range 8 {
		members = cfg.randomChange(members)
	}
	w.halt(cfg)
	cfg.one(601, len(members), true)
	cfg.end()
}

// Random members crash and restart between changes, with snapshots: a
// restarted member resumes the configuration it persisted.
func TestMembershipCrashes(t *testing.T) {
	cfg := makeConfig(t, 7, 3, false, true)
	defer cfg.cleanup()
	cfg.begin("Test (membership): changes with crashes and restarts of members")

	members := []int{0, 1, 2}
	for k := range 8 {
		members = cfg.randomChange(members)
		victim := members[cfg.rand.IntN(len(members))]
		cfg.crash1(victim)
		for j := range 15 {
			cfg.one(700+100*k+j, len(members)/2+1, true)
		}
		cfg.start1(victim, cfg.applierFn)
		cfg.connect(victim)
		cfg.one(790+100*k, len(members), true)
	}
	cfg.end()
}

// The configuration outlives a restart of every member, from the log and
// from the snapshot alike.
func TestMembershipPersists(t *testing.T) {
	for _, snapshot := range []bool{false, true} {
		t.Run(fmt.Sprintf("snapshot=%v", snapshot), func(t *testing.T) {
			cfg := makeConfig(t, 5, 3, false, snapshot)
			defer cfg.cleanup()
			cfg.begin(fmt.Sprintf("Test (membership): the configuration survives restarts (snapshots %v)", snapshot))
			cfg.addServer(3)
			cfg.addServer(4)
			for k := range 25 { // with snapshots, the configuration entries are compacted away
				cfg.one(800+k, 5, true)
			}
			for i := range 5 {
				cfg.crash1(i)
			}
			for i := range 5 {
				cfg.start1(i, cfg.applierFn)
				c, index, _ := cfg.peer(i).Configuration()
				if len(c.voters()) != 5 {
					cfg.fatalf("S%d restarted with configuration %v at %d, want 5 voters", i, c, index)
				}
				if snapshot && index > cfg.peer(i).Status().SnapshotIndex {
					cfg.fatalf("S%d's configuration at %d is not from its snapshot through %d", i, index, cfg.peer(i).Status().SnapshotIndex)
				}
			}
			for i := range 5 {
				cfg.connect(i)
			}
			cfg.one(900, 5, true)
			cfg.end()
		})
	}
}

// The rules of AddServer and RemoveServer, as errors.
func TestMembershipErrors(t *testing.T) {
	fixed := newMiniCluster(t, 3)
	if _, _, err := fixed.rafts[fixed.leader(t)].AddServer(3, "x"); !errors.Is(err, ErrFixedConfiguration) {
		t.Fatalf("AddServer on a peer made by Make: %v, want ErrFixedConfiguration", err)
	}

	cfg := makeConfig(t, 5, 3, false, false)
	defer cfg.cleanup()
	cfg.one(1, 3, true)
	leader := cfg.checkOneLeader()
	lrf := cfg.peer(leader)
	follower := cfg.peer((leader + 1) % 3)
	if _, _, err := follower.AddServer(3, memberAddr(3)); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("AddServer at a follower: %v, want ErrNotLeader", err)
	}
	if _, _, err := lrf.AddServer(-1, "x"); !errors.Is(err, ErrBadServer) {
		t.Fatalf("AddServer(-1): %v, want ErrBadServer", err)
	}
	if _, _, err := lrf.AddServer(0, "elsewhere"); !errors.Is(err, ErrIDInUse) {
		t.Fatalf("AddServer of member 0 with another address: %v, want ErrIDInUse", err)
	}
	cur, curIndex, _ := lrf.Configuration()
	if index, _, err := lrf.AddServer(0, memberAddr(0)); err != nil || index != curIndex {
		t.Fatalf("AddServer of member 0 as it is: index %d, %v; want %d (the current configuration's), nil", index, err, curIndex)
	}
	if index, _, err := lrf.RemoveServer(4); err != nil || index != curIndex {
		t.Fatalf("RemoveServer of a non-member: index %d, %v; want %d, nil", index, err, curIndex)
	}
	// Slot 3 is not running: it stays a learner, and blocks another add
	// until it is removed.
	if _, _, err := lrf.AddServer(3, memberAddr(3)); err != nil {
		t.Fatalf("AddServer(3): %v", err)
	}
	if _, _, err := lrf.AddServer(4, memberAddr(4)); !errors.Is(err, ErrChangeInProgress) {
		t.Fatalf("a second AddServer while the first is not committed: %v, want ErrChangeInProgress", err)
	}
	c := cfg.change("wait for the learner entry", func(rf *Raft) (int, int, error) { return 0, 0, nil },
		func(c Configuration) bool { return c.learner() == 3 })
	if _, _, err := lrf.AddServer(4, memberAddr(4)); !errors.Is(err, ErrChangeInProgress) {
		t.Fatalf("AddServer while learner S3 catches up (%v): %v, want ErrChangeInProgress", c, err)
	}
	cfg.removeServer(3) // the way to give up on a learner
	for _, id := range cur.voters() {
		if id != leader {
			cfg.removeServer(id)
		}
	}
	lrf = cfg.peer(leader)
	if _, _, err := lrf.RemoveServer(leader); !errors.Is(err, ErrLastVoter) {
		t.Fatalf("removing the last voter: %v, want ErrLastVoter", err)
	}
	cfg.one(2, 1, true) // a group of one commits alone
}
