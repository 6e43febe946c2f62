package kvraft

// Membership changes under a key/value workload: servers made with
// StartKVMember (makeConfig with members), the configuration grown and
// shrunk while clients read and write, every operation recorded and the
// whole history checked for linearizability.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"raftlab/labrpc"
	"raftlab/raft"
)

// memberAddr is slot i's address in a configuration.
func memberAddr(i int) string { return fmt.Sprintf("slot-%d", i) }

// memberOptions: the first cfg.members slots are the initial configuration
// of those slots; the other slots start with none, waiting to be added.
// Dial hands out the incarnation's end to the slot.
func (cfg *config) memberOptions(i int, ends []*labrpc.ClientEnd) raft.Options {
	var initial []raft.Server
	if i < cfg.members {
		for id := range cfg.members {
			initial = append(initial, raft.Server{ID: id, Addr: memberAddr(id)})
		}
	}
	return raft.Options{Servers: initial, Dial: func(s raft.Server) *labrpc.ClientEnd {
		if s.ID < 0 || s.ID >= len(ends) || s.Addr != memberAddr(s.ID) {
			cfg.errorf("server %d dialed %+v, which is no slot of the harness", i, s)
			return cfg.net.MakeEnd(fmt.Sprintf("nowhere-%d-%d-%d", i, s.ID, time.Now().UnixNano()))
		}
		return ends[s.ID]
	}}
}

// running returns the servers running now, by slot.
func (cfg *config) running() map[int]*KVServer {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	out := map[int]*KVServer{}
	for i, kv := range cfg.kvservers {
		if kv != nil {
			out[i] = kv
		}
	}
	return out
}

func hasServer(c raft.Configuration, id int) (raft.Server, bool) {
	for _, s := range c.Servers {
		if s.ID == id {
			return s, true
		}
	}
	return raft.Server{}, false
}

func voters(c raft.Configuration) []int {
	var ids []int
	for _, s := range c.Servers {
		if !s.Learner {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// changeMembers makes a change at the leader until done holds for a
// committed configuration there, moving to the next leader on
// ErrNotLeader and retrying on ErrChangeInProgress, for up to 30 s. It
// returns the configuration. Test goroutine only.
func (cfg *config) changeMembers(what string, call func(rf *raft.Raft) (int, int, error), done func(raft.Configuration) bool) raft.Configuration {
	cfg.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	last := "no leader took it"
	for time.Now().Before(deadline) && !cfg.failed() {
		for i, kv := range cfg.running() {
			rf := kv.Raft()
			_, _, err := call(rf)
			switch {
			case errors.Is(err, raft.ErrNotLeader):
				continue
			case errors.Is(err, raft.ErrChangeInProgress):
				last = fmt.Sprintf("server %d: %v", i, err)
				continue
			case err != nil:
				cfg.fatalf("%s at server %d: %v", what, i, err)
			}
			for time.Now().Before(deadline) {
				c, index, committed := rf.Configuration()
				if committed && done(c) {
					cfg.t.Logf("%s: configuration %v at index %d", what, c, index)
					return c
				}
				last = fmt.Sprintf("server %d has %v at %d, committed %v", i, c, index, committed)
				if _, leader := rf.GetState(); !leader {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cfg.fatalf("%s did not complete within 30 s; last: %s", what, last)
	return raft.Configuration{}
}

func (cfg *config) addMember(id int) raft.Configuration {
	cfg.t.Helper()
	return cfg.changeMembers(fmt.Sprintf("add server %d", id),
		func(rf *raft.Raft) (int, int, error) { return rf.AddServer(id, memberAddr(id)) },
		func(c raft.Configuration) bool { s, ok := hasServer(c, id); return ok && !s.Learner })
}

func (cfg *config) removeMember(id int) raft.Configuration {
	cfg.t.Helper()
	return cfg.changeMembers(fmt.Sprintf("remove server %d", id),
		func(rf *raft.Raft) (int, int, error) { return rf.RemoveServer(id) },
		func(c raft.Configuration) bool { _, ok := hasServer(c, id); return !ok })
}

// memberLeader waits up to 10 s for a running server that leads and is a
// voter of its own configuration.
func (cfg *config) memberLeader() int {
	cfg.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, kv := range cfg.running() {
			c, _, _ := kv.Raft().Configuration()
			if _, isLeader := kv.Raft().GetState(); isLeader && slices.Contains(voters(c), i) {
				return i
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	cfg.fatalf("no leader within 10 s")
	return -1
}

// waitOps waits up to 20 s until the clients have completed k more
// operations: the workload runs across each step of a test.
func (cfg *config) waitOps(k int32) {
	cfg.t.Helper()
	target := cfg.ops.Load() + k
	deadline := time.Now().Add(20 * time.Second)
	for cfg.ops.Load() < target {
		if time.Now().After(deadline) {
			cfg.fatalf("the clients completed %d of %d operations in 20 s", k-(target-cfg.ops.Load()), k)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// membershipWorkload runs nclients clients doing Get, Put and Append on a
// few keys until stop, recording every operation in log.
func membershipWorkload(cfg *config, nclients int, log *OpLog, stop *atomic.Bool) *sync.WaitGroup {
	var wg sync.WaitGroup
	for cli := range nclients {
		r := cfg.rng()
		wg.Go(func() {
			ck := cfg.makeClient(cfg.All())
			defer cfg.deleteClient(ck)
			for j := 0; !stop.Load() && !cfg.failed(); j++ {
				key := fmt.Sprintf("k%d", r.IntN(3))
				switch p := r.IntN(10); {
				case p < 4:
					Get(cfg, ck, key, log, cli)
				case p < 8:
					Append(cfg, ck, key, fmt.Sprintf("x %d %d y", cli, j), log, cli)
				default:
					Put(cfg, ck, key, fmt.Sprintf("p %d %d", cli, j), log, cli)
				}
			}
		})
	}
	return &wg
}

// membershipTest runs clients while the configuration goes 3 -> 5 -> 3 ->
// 4 -> 3 (adding fresh servers, removing the leader and others; removed
// servers keep running, reachable by the clients), optionally crashing and
// restarting a random member between changes, and checks the history.
func membershipTest(t *testing.T, what string, unreliable, crash bool, maxraftstate int) {
	cfg := makeConfig(t, 7, 3, unreliable, maxraftstate)
	defer cfg.cleanup()
	cfg.begin("Test: membership changes, " + what)

	log := &OpLog{}
	var stop atomic.Bool
	clients := membershipWorkload(cfg, 5, log, &stop)
	r := rand.New(rand.NewPCG(uint64(cfg.seed), 17))
	members := []int{0, 1, 2}
	step := func(c raft.Configuration) {
		members = voters(c)
		cfg.waitOps(50)
		if !crash {
			return
		}
		victim := members[r.IntN(len(members))]
		cfg.ShutdownServer(victim)
		cfg.waitOps(20)
		cfg.StartServer(victim)
		cfg.connect(victim, cfg.All())
		cfg.waitOps(10)
	}
	step(cfg.addMember(3))
	step(cfg.addMember(4))
	step(cfg.removeMember(cfg.memberLeader())) // the leader
	removed := members[r.IntN(len(members))]
	step(cfg.removeMember(removed))
	step(cfg.addMember(5))
	step(cfg.removeMember(cfg.memberLeader()))
	if len(members) != 3 {
		cfg.fatalf("members %v at the end, want 3", members)
	}

	stop.Store(true)
	waitDone(cfg, clients)
	// Every member ends with the same state: read each key through the
	// log, then compare the members' applied state machines.
	ck := cfg.makeClient(cfg.All())
	for k := range 3 {
		Get(cfg, ck, fmt.Sprintf("k%d", k), log, 99)
	}
	cfg.deleteClient(ck)
	checkLinearizable(cfg, log.Read())
	cfg.end()
}

// waitDone waits up to clientDeadline for the clients to end.
func waitDone(cfg *config, wg *sync.WaitGroup) {
	cfg.t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(clientDeadline):
		cfg.fatalf("clients did not finish within %v after they were told to stop", clientDeadline)
	}
}

func TestMembershipLinearizable(t *testing.T) {
	membershipTest(t, "linearizable", false, false, -1)
}

func TestMembershipUnreliableLinearizable(t *testing.T) {
	membershipTest(t, "unreliable network, linearizable", true, false, -1)
}

func TestMembershipCrashesSnapshotsLinearizable(t *testing.T) {
	membershipTest(t, "crashes and restarts, snapshots, linearizable", false, true, 1000)
}
