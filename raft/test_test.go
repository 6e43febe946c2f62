package raft

// The Raft lab tests, part by part (3A election, 3B agreement, 3C
// persistence, 3D snapshots), following the course's well-known tests and
// their timings, written against the harness in config_test.go. The names
// the course declares (the tests, RaftElectionTimeout, MAXLOGSIZE,
// internalChurn, snapcommon) live in this file and config_test.go only, so a
// course harness dropped into the package replaces them.
//
// Randomness comes from cfg.rand (or, in client goroutines, a source drawn
// from the same seed), which is the network's seed: a failure prints it, and
// RAFTLAB_SEED replays both the faults and the test's choices, as closely as
// goroutine scheduling allows.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// RaftElectionTimeout is the course's bound on how long an election takes.
// The tests sleep it (or twice it) where the lab defines a check that way:
// "after an election timeout there is (or is no) leader".
const RaftElectionTimeout = 1000 * time.Millisecond

// MAXLOGSIZE bounds the persisted Raft state in the snapshot tests.
const MAXLOGSIZE = 2000

// ---- 3A: leader election ----

func TestInitialElection3A(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3A): initial election")

	leader1 := cfg.checkOneLeader()
	// Sleep a bit so that the followers have heard from the leader.
	time.Sleep(50 * time.Millisecond)
	term1 := cfg.checkTerms()
	if term1 < 1 {
		cfg.fatalf("after the first election the term is %d, expected at least 1", term1)
	}

	// With no failures, the leader and the term stay as they are.
	time.Sleep(2 * RaftElectionTimeout)
	term2 := cfg.checkTerms()
	if term2 != term1 {
		cfg.fatalf("the term changed from %d to %d with no failures", term1, term2)
	}
	if leader2 := cfg.checkOneLeader(); leader2 != leader1 {
		cfg.fatalf("the leader changed from S%d to S%d with no failures (term %d)", leader1, leader2, term2)
	}
	cfg.end()
}

func TestReElection3A(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3A): election after network failure")

	leader1 := cfg.checkOneLeader()
	// If the leader disconnects, a new one is elected.
	cfg.disconnect(leader1)
	cfg.checkOneLeader()

	// The old leader's rejoining does not disturb the new leader, and the
	// old leader becomes a follower.
	cfg.connect(leader1)
	leader2 := cfg.checkOneLeader()

	// Without a quorum, no new leader is elected.
	cfg.disconnect(leader2)
	cfg.disconnect((leader2 + 1) % servers)
	time.Sleep(2 * RaftElectionTimeout)
	cfg.checkNoLeader()

	// With a quorum again, a leader is elected.
	cfg.connect((leader2 + 1) % servers)
	cfg.checkOneLeader()

	// Rejoining the last peer does not prevent a leader.
	cfg.connect(leader2)
	cfg.checkOneLeader()
	cfg.end()
}

// TestNoLeaderWithoutMajority3A: peers cut off from a majority never become
// leaders, however long they wait, and with pre-vote (§9.6 of the
// dissertation) never raise their terms, though they keep asking; a leader
// appears as soon as a majority can talk again (§5.2).
func TestNoLeaderWithoutMajority3A(t *testing.T) {
	servers := 5
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3A): no leader without a majority")

	leader1 := cfg.checkOneLeader()
	term1 := cfg.checkTerms()
	// The leader and two followers are each cut off; two peers remain.
	for k := range 3 {
		cfg.disconnect((leader1 + k) % servers)
	}
	rest := []int{(leader1 + 3) % servers, (leader1 + 4) % servers}
	asked := cfg.rpcCount(rest[0]) + cfg.rpcCount(rest[1])
	time.Sleep(2 * RaftElectionTimeout)
	cfg.checkNoLeader()
	for i := range servers {
		term, leader := cfg.peer(i).GetState()
		if leader && (i != leader1 || term != term1) {
			cfg.fatalf("S%d claims to lead term %d, but no majority was connected since term %d ended (old leader S%d)",
				i, term, term1, leader1)
		}
		// Pre-vote: a peer that cannot win never raises its term.
		if slices.Contains(rest, i) && term != term1 {
			cfg.fatalf("S%d, in a minority, moved from term %d to %d: it cannot win, so it must not raise its term",
				i, term1, term)
		}
	}
	if cfg.rpcCount(rest[0])+cfg.rpcCount(rest[1]) == asked {
		cfg.fatalf("peers %v heard from no leader for %v but asked each other nothing: no election was attempted",
			rest, 2*RaftElectionTimeout)
	}

	// One more follower gives a majority of three.
	cfg.connect((leader1 + 1) % servers)
	leader2 := cfg.checkOneLeader()
	if term2, _ := cfg.peer(leader2).GetState(); term2 <= term1 {
		cfg.fatalf("new leader S%d is in term %d, expected a term after %d", leader2, term2, term1)
	}
	cfg.connect(leader1)
	cfg.connect((leader1 + 2) % servers)
	cfg.one(101, servers, true)
	cfg.end()
}

func TestManyElections3A(t *testing.T) {
	servers := 7
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3A): multiple elections")

	cfg.checkOneLeader()
	for range 9 {
		// Disconnect three peers (perhaps fewer, with repeats).
		i1, i2, i3 := cfg.rand.IntN(servers), cfg.rand.IntN(servers), cfg.rand.IntN(servers)
		cfg.disconnect(i1)
		cfg.disconnect(i2)
		cfg.disconnect(i3)
		// Either the current leader is still connected, or the remaining
		// four or more elect a new one.
		cfg.checkOneLeader()
		cfg.connect(i1)
		cfg.connect(i2)
		cfg.connect(i3)
	}
	cfg.checkOneLeader()
	cfg.end()
}

// ---- 3B: log replication ----

func TestBasicAgree3B(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): basic agreement")

	for index := 1; index <= 3; index++ {
		if nd, cmd := cfg.nCommitted(index); nd > 0 {
			cfg.fatalf("%d peers applied %v at index %d before any Start", nd, cmd, index)
		}
		if xindex := cfg.one(index*100, servers, false); xindex != index {
			cfg.fatalf("command %d got index %d, expected %d", index*100, xindex, index)
		}
	}
	cfg.end()
}

// TestRPCBytes3B checks that each command is sent about once to each
// follower.
func TestRPCBytes3B(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): RPC byte count")

	cfg.one(99, servers, false)
	bytes0 := cfg.bytesTotal()
	var sent int64
	for index := 2; index < 12; index++ {
		cmd := cfg.randomString(5000)
		if xindex := cfg.one(cmd, servers, false); xindex != index {
			cfg.fatalf("command got index %d, expected %d", xindex, index)
		}
		sent += int64(len(cmd))
	}
	got := cfg.bytesTotal() - bytes0
	expected := int64(servers) * sent
	if got > expected+50000 {
		cfg.fatalf("too many RPC bytes: %d for %d bytes of commands; expected at most %d (%d peers x commands + 50000)",
			got, sent, expected+50000, servers)
	}
	cfg.end()
}

// TestFollowerFailure3B: followers fail one by one.
func TestFollowerFailure3B(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): test progressive failure of followers")

	cfg.one(101, servers, false)

	// The leader and the remaining follower agree without the other.
	leader1 := cfg.checkOneLeader()
	cfg.disconnect((leader1 + 1) % servers)
	cfg.one(102, servers-1, false)
	time.Sleep(RaftElectionTimeout)
	cfg.one(103, servers-1, false)

	// Without the remaining follower, nothing commits.
	leader2 := cfg.checkOneLeader()
	cfg.disconnect((leader2 + 1) % servers)
	cfg.disconnect((leader2 + 2) % servers)
	index, term, ok := cfg.peer(leader2).Start(104)
	if !ok {
		cfg.fatalf("leader S%d rejected Start(104)", leader2)
	}
	if index != 4 {
		cfg.fatalf("leader S%d (term %d) put 104 at index %d, expected 4", leader2, term, index)
	}
	time.Sleep(2 * RaftElectionTimeout)
	if n, _ := cfg.nCommitted(index); n > 0 {
		cfg.fatalf("%d peers applied index %d, though leader S%d had no majority", n, index, leader2)
	}
	cfg.end()
}

// TestLeaderFailure3B: leaders fail one after the other.
func TestLeaderFailure3B(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): test failure of leaders")

	cfg.one(101, servers, false)
	leader1 := cfg.checkOneLeader()
	cfg.disconnect(leader1)
	// The remaining followers elect a leader and agree.
	cfg.one(102, servers-1, false)
	time.Sleep(RaftElectionTimeout)
	cfg.one(103, servers-1, false)

	leader2 := cfg.checkOneLeader()
	cfg.disconnect(leader2)
	// Every peer is asked; none has a majority to commit.
	for i := range servers {
		cfg.peer(i).Start(104)
	}
	time.Sleep(2 * RaftElectionTimeout)
	if n, _ := cfg.nCommitted(4); n > 0 {
		cfg.fatalf("%d peers applied index 4, though no majority was connected (leaders S%d and S%d cut off)",
			n, leader1, leader2)
	}
	cfg.end()
}

// TestFailAgree3B: a follower that was disconnected catches up when it
// returns.
func TestFailAgree3B(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): agreement after follower reconnects")

	cfg.one(101, servers, false)
	leader := cfg.checkOneLeader()
	cfg.disconnect((leader + 1) % servers)

	cfg.one(102, servers-1, false)
	cfg.one(103, servers-1, false)
	time.Sleep(RaftElectionTimeout)
	cfg.one(104, servers-1, false)
	cfg.one(105, servers-1, false)

	cfg.connect((leader + 1) % servers)
	// The full set agrees, the returned follower included.
	cfg.one(106, servers, true)
	time.Sleep(RaftElectionTimeout)
	cfg.one(107, servers, true)
	cfg.end()
}

// TestFailNoAgree3B: no agreement when too many followers are gone, and
// recovery after.
func TestFailNoAgree3B(t *testing.T) {
	servers := 5
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): no agreement if too many followers disconnect")

	cfg.one(10, servers, false)
	// Three of five followers disconnect.
	leader := cfg.checkOneLeader()
	for k := 1; k <= 3; k++ {
		cfg.disconnect((leader + k) % servers)
	}
	index, term, ok := cfg.peer(leader).Start(20)
	if !ok {
		cfg.fatalf("leader S%d rejected Start(20)", leader)
	}
	if index != 2 {
		cfg.fatalf("leader S%d (term %d) put 20 at index %d, expected 2", leader, term, index)
	}
	time.Sleep(2 * RaftElectionTimeout)
	if n, _ := cfg.nCommitted(index); n > 0 {
		cfg.fatalf("%d peers applied index %d, though leader S%d had no majority", n, index, leader)
	}

	// Repair.
	for k := 1; k <= 3; k++ {
		cfg.connect((leader + k) % servers)
	}
	// The peers that were away may elect one of their own, which forgets
	// index 2.
	leader2 := cfg.checkOneLeader()
	index2, term2, ok2 := cfg.peer(leader2).Start(30)
	if !ok2 {
		cfg.fatalf("new leader S%d rejected Start(30)", leader2)
	}
	if index2 < 2 || index2 > 3 {
		cfg.fatalf("leader S%d (term %d) put 30 at index %d, expected 2 or 3", leader2, term2, index2)
	}
	cfg.one(1000, servers, true)
	cfg.end()
}

func TestConcurrentStarts3B(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): concurrent Start()s")

	tryInOneTerm(cfg, func() bool { return concurrentStartsCommit(cfg) })
	cfg.end()
}

// tryInOneTerm runs attempt up to 5 times, 3 s apart, until it returns
// true. An attempt returns false when the term changed under it, so that
// what it measured does not count; five such fail the test, as in the
// course.
func tryInOneTerm(cfg *config, attempt func() bool) {
	cfg.t.Helper()
	for try := range 5 {
		if try > 0 {
			// Give the cluster time to settle after a term change.
			time.Sleep(3 * time.Second)
		}
		if attempt() {
			return
		}
	}
	cfg.fatalf("the term changed too often: 5 tries")
}

// concurrentStartsCommit is one try of TestConcurrentStarts3B: the leader
// is given five commands at once, from five goroutines, and every one it
// accepted in its term must commit. It returns false if the term changed.
func concurrentStartsCommit(cfg *config) bool {
	cfg.t.Helper()
	const iters = 5
	leader := cfg.checkOneLeader()
	rf := cfg.peer(leader)
	_, term, ok := rf.Start(1)
	if !ok {
		return false // leader moved on quickly
	}
	indexes := startConcurrently(rf, term, iters)
	for j := range cfg.n {
		if t, _ := cfg.peer(j).GetState(); t != term {
			return false // term changed: the Starts may not commit
		}
	}

	var cmds []int
	for _, index := range indexes {
		cmd := cfg.wait(index, cfg.n, term)
		ix, ok := cmd.(int)
		if !ok {
			cfg.fatalf("index %d holds %v (%T), expected an int command", index, cmd, cmd)
		}
		if ix == -1 {
			return false // peers moved to a later term
		}
		cmds = append(cmds, ix)
	}
	for ii := range iters {
		if x := 100 + ii; !slices.Contains(cmds, x) {
			cfg.fatalf("command %d, started in term %d by S%d, is missing from the committed %v", x, term, leader, cmds)
		}
	}
	return true
}

// startConcurrently calls rf.Start(100+i) for i in 0..n-1, each from its
// own goroutine, and returns the indexes of those rf accepted in term.
func startConcurrently(rf *Raft, term int, n int) []int {
	var wg sync.WaitGroup
	is := make(chan int, n)
	for ii := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			index, term1, ok := rf.Start(100 + i)
			if term1 != term || !ok {
				return
			}
			is <- index
		}(ii)
	}
	wg.Wait()
	close(is)
	var indexes []int
	for index := range is {
		indexes = append(indexes, index)
	}
	return indexes
}

// TestRejoin3B: a partitioned leader with uncommitted entries rejoins and
// must give them up.
func TestRejoin3B(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): rejoin of partitioned leader")

	cfg.one(101, servers, true)

	// The leader is cut off, and appends entries that will not commit.
	leader1 := cfg.checkOneLeader()
	cfg.disconnect(leader1)
	cfg.peer(leader1).Start(102)
	cfg.peer(leader1).Start(103)
	cfg.peer(leader1).Start(104)

	// The new leader commits, at index 2 too.
	cfg.one(103, 2, true)

	// The new leader is cut off; the old one returns.
	leader2 := cfg.checkOneLeader()
	cfg.disconnect(leader2)
	cfg.connect(leader1)
	cfg.one(104, 2, true)

	// All together now.
	cfg.connect(leader2)
	cfg.one(105, servers, true)
	cfg.end()
}

// TestBackup3B: the leader backs up quickly over a follower's long run of
// wrong entries (fast backup, §5.3), or one() times out.
func TestBackup3B(t *testing.T) {
	servers := 5
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): leader backs up quickly over incorrect follower logs")

	cfg.one(cfg.rand.Int(), servers, true)

	// The leader and one follower in a partition.
	leader1 := cfg.checkOneLeader()
	for k := 2; k <= 4; k++ {
		cfg.disconnect((leader1 + k) % servers)
	}
	// Lots of commands that will not commit.
	for range 50 {
		cfg.peer(leader1).Start(cfg.rand.Int())
	}
	time.Sleep(RaftElectionTimeout / 2)
	cfg.disconnect((leader1 + 0) % servers)
	cfg.disconnect((leader1 + 1) % servers)

	// The other partition recovers and commits lots.
	for k := 2; k <= 4; k++ {
		cfg.connect((leader1 + k) % servers)
	}
	for range 50 {
		cfg.one(cfg.rand.Int(), 3, true)
	}

	// Again a partitioned leader and one follower, appending lots.
	leader2 := cfg.checkOneLeader()
	other := (leader1 + 2) % servers
	if leader2 == other {
		other = (leader2 + 1) % servers
	}
	cfg.disconnect(other)
	for range 50 {
		cfg.peer(leader2).Start(cfg.rand.Int())
	}
	time.Sleep(RaftElectionTimeout / 2)

	// The original leader and its follower come back, with other, whose
	// log is long but wrong.
	for i := range servers {
		cfg.disconnect(i)
	}
	cfg.connect((leader1 + 0) % servers)
	cfg.connect((leader1 + 1) % servers)
	cfg.connect(other)
	for range 50 {
		cfg.one(cfg.rand.Int(), 3, true)
	}

	// Everyone.
	for i := range servers {
		cfg.connect(i)
	}
	cfg.one(cfg.rand.Int(), servers, true)
	cfg.end()
}

// TestCount3B: an election takes few RPCs, agreement on N commands about N
// per follower plus a few, and an idle second no more than heartbeats.
func TestCount3B(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): RPC counts aren't too high")

	leader := cfg.checkOneLeader()
	if total1 := rpcsSoFar(cfg); total1 > 30 || total1 < 1 {
		cfg.fatalf("%d RPCs to elect the first leader S%d, expected 1..30; by method %v",
			total1, leader, cfg.net.MethodStats())
	}

	var total2 int
	tryInOneTerm(cfg, func() (ok bool) {
		total2, ok = countAgreementRPCs(cfg)
		return ok
	})

	stats2 := cfg.net.MethodStats()
	time.Sleep(RaftElectionTimeout)
	if total3 := rpcsSoFar(cfg); total3-total2 > 3*20 {
		cfg.fatalf("%d RPCs in one idle second, expected at most %d; by method %s",
			total3-total2, 3*20, statsDiff(stats2, cfg.net.MethodStats()))
	}
	cfg.end()
}

// rpcsSoFar returns how many RPCs every peer has received.
func rpcsSoFar(cfg *config) (n int) {
	for j := range cfg.n {
		n += cfg.rpcCount(j)
	}
	return n
}

// countAgreementRPCs is one try of TestCount3B's agreement part: the leader
// is given 11 commands, the first 10 must commit, and that must take at
// most (10+1+3) RPCs per peer. It returns the RPC count at its end, or
// false if the term changed (the count is then not comparable).
func countAgreementRPCs(cfg *config) (int, bool) {
	cfg.t.Helper()
	const iters = 10
	leader := cfg.checkOneLeader()
	total1 := rpcsSoFar(cfg)
	stats1 := cfg.net.MethodStats()

	starti, term, ok := cfg.peer(leader).Start(1)
	if !ok {
		return 0, false // leader moved on quickly
	}
	var cmds []int
	for i := 1; i < iters+2; i++ {
		x := int(cfg.rand.Int32())
		cmds = append(cmds, x)
		index1, term1, ok := cfg.peer(leader).Start(x)
		if term1 != term || !ok {
			return 0, false // term changed while starting
		}
		if starti+i != index1 {
			cfg.fatalf("leader S%d (term %d): Start #%d got index %d, expected %d", leader, term, i, index1, starti+i)
		}
	}
	for i := 1; i < iters+1; i++ {
		cmd := cfg.wait(starti+i, cfg.n, term)
		if ix, ok := cmd.(int); !ok || ix != cmds[i-1] {
			if ix == -1 {
				return 0, false // term changed
			}
			cfg.fatalf("index %d holds %v, expected %d (commands started %v)", starti+i, cmd, cmds[i-1], cmds)
		}
	}

	for j := range cfg.n {
		if t, _ := cfg.peer(j).GetState(); t != term {
			return 0, false // term changed: the count is not comparable
		}
	}
	total2 := rpcsSoFar(cfg)
	if total2-total1 > (iters+1+3)*3 {
		cfg.fatalf("%d RPCs for %d commands, expected at most %d; by method %s",
			total2-total1, iters, (iters+1+3)*3, statsDiff(stats1, cfg.net.MethodStats()))
	}
	return total2, true
}

// ---- 3C: persistence ----

func TestPersist13C(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3C): basic persistence")

	cfg.one(11, servers, true)

	// Crash and restart all.
	for i := range servers {
		cfg.start1(i, cfg.applier)
	}
	for i := range servers {
		cfg.disconnect(i)
		cfg.connect(i)
	}
	cfg.one(12, servers, true)

	leader1 := cfg.checkOneLeader()
	cfg.disconnect(leader1)
	cfg.start1(leader1, cfg.applier)
	cfg.connect(leader1)
	cfg.one(13, servers, true)

	leader2 := cfg.checkOneLeader()
	cfg.disconnect(leader2)
	cfg.one(14, servers-1, true)
	cfg.start1(leader2, cfg.applier)
	cfg.connect(leader2)
	cfg.wait(4, servers, -1) // leader2 catches up before i3 goes

	i3 := (cfg.checkOneLeader() + 1) % servers
	cfg.disconnect(i3)
	cfg.one(15, servers-1, true)
	cfg.start1(i3, cfg.applier)
	cfg.connect(i3)
	cfg.one(16, servers, true)
	cfg.end()
}

func TestPersist23C(t *testing.T) {
	servers := 5
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3C): more persistence")

	index := 1
	for range 5 {
		cfg.one(10+index, servers, true)
		index++

		leader1 := cfg.checkOneLeader()
		cfg.disconnect((leader1 + 1) % servers)
		cfg.disconnect((leader1 + 2) % servers)
		cfg.one(10+index, servers-2, true)
		index++

		cfg.disconnect((leader1 + 0) % servers)
		cfg.disconnect((leader1 + 3) % servers)
		cfg.disconnect((leader1 + 4) % servers)

		cfg.start1((leader1+1)%servers, cfg.applier)
		cfg.start1((leader1+2)%servers, cfg.applier)
		cfg.connect((leader1 + 1) % servers)
		cfg.connect((leader1 + 2) % servers)
		time.Sleep(RaftElectionTimeout)

		cfg.start1((leader1+3)%servers, cfg.applier)
		cfg.connect((leader1 + 3) % servers)
		cfg.one(10+index, servers-2, true)
		index++

		cfg.connect((leader1 + 4) % servers)
		cfg.connect((leader1 + 0) % servers)
	}
	cfg.one(1000, servers, true)
	cfg.end()
}

func TestPersist33C(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3C): partitioned leader and one follower crash, leader restarts")

	cfg.one(101, 3, true)
	leader := cfg.checkOneLeader()
	cfg.disconnect((leader + 2) % servers)
	cfg.one(102, 2, true)

	cfg.crash1((leader + 0) % servers)
	cfg.crash1((leader + 1) % servers)
	cfg.connect((leader + 2) % servers)
	cfg.start1((leader+0)%servers, cfg.applier)
	cfg.connect((leader + 0) % servers)
	cfg.one(103, 2, true)

	cfg.start1((leader+1)%servers, cfg.applier)
	cfg.connect((leader + 1) % servers)
	cfg.one(104, servers, true)
	cfg.end()
}

// TestFigure83C: leaders come and go with uncommitted entries in their logs,
// as in the paper's Figure 8; only entries of a leader's own term may be
// committed by counting replicas.
func TestFigure83C(t *testing.T) {
	servers := 5
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3C): Figure 8")

	cfg.one(cfg.rand.Int(), 1, true)

	nup := servers
	for range 1000 {
		leader := -1
		for i := range servers {
			if rf := cfg.peer(i); rf != nil {
				if _, _, ok := rf.Start(cfg.rand.Int()); ok {
					leader = i
				}
			}
		}
		if cfg.rand.IntN(1000) < 100 {
			time.Sleep(time.Duration(cfg.rand.Int64N(int64(RaftElectionTimeout / 2))))
		} else {
			time.Sleep(time.Duration(cfg.rand.Int64N(13)) * time.Millisecond)
		}
		if leader != -1 {
			cfg.crash1(leader)
			nup--
		}
		if nup < 3 {
			if s := cfg.rand.IntN(servers); cfg.peer(s) == nil {
				cfg.start1(s, cfg.applier)
				cfg.connect(s)
				nup++
			}
		}
	}
	for i := range servers {
		if cfg.peer(i) == nil {
			cfg.start1(i, cfg.applier)
			cfg.connect(i)
		}
	}
	cfg.one(cfg.rand.Int(), servers, true)
	cfg.end()
}

func TestUnreliableAgree3C(t *testing.T) {
	servers := 5
	cfg := make_config(t, servers, true, false)
	defer cfg.cleanup()
	cfg.begin("Test (3C): unreliable agreement")

	var wg sync.WaitGroup
	errs := make(chan error, 4*50)
	for iters := 1; iters < 50; iters++ {
		for j := range 4 {
			wg.Add(1)
			go func(iters, j int) {
				defer wg.Done()
				if _, err := cfg.tryOne(100*iters+j, 1, true); err != nil && err != errFinished {
					errs <- err
				}
			}(iters, j)
		}
		cfg.one(iters, 1, true)
	}
	cfg.setunreliable(false)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		cfg.fatalf("a concurrent client: %v", err)
	}
	cfg.one(100, servers, true)
	cfg.end()
}

func TestFigure8Unreliable3C(t *testing.T) {
	servers := 5
	cfg := make_config(t, servers, true, false)
	defer cfg.cleanup()
	cfg.begin("Test (3C): Figure 8 (unreliable)")

	cfg.one(cfg.rand.IntN(10000), 1, true)

	nup := servers
	for iters := range 1000 {
		if iters == 200 {
			cfg.setlongreordering(true)
		}
		leader := -1
		for i := range servers {
			_, _, ok := cfg.peer(i).Start(cfg.rand.IntN(10000))
			if ok && cfg.isConnected(i) {
				leader = i
			}
		}
		if cfg.rand.IntN(1000) < 100 {
			time.Sleep(time.Duration(cfg.rand.Int64N(int64(RaftElectionTimeout / 2))))
		} else {
			time.Sleep(time.Duration(cfg.rand.Int64N(13)) * time.Millisecond)
		}
		if leader != -1 && cfg.rand.IntN(1000) < int(RaftElectionTimeout/time.Millisecond)/2 {
			cfg.disconnect(leader)
			nup--
		}
		if nup < 3 {
			if s := cfg.rand.IntN(servers); !cfg.isConnected(s) {
				cfg.connect(s)
				nup++
			}
		}
	}
	for i := range servers {
		if !cfg.isConnected(i) {
			cfg.connect(i)
		}
	}
	cfg.one(cfg.rand.IntN(10000), servers, true)
	cfg.end()
}

// internalChurn: peers crash, restart, disconnect and reconnect at random
// while clients in several goroutines Start commands at whoever leads. Every
// command a client saw committed must end up applied by every peer.
func internalChurn(t *testing.T, unreliable bool) {
	servers := 5
	cfg := make_config(t, servers, unreliable, false)
	defer cfg.cleanup()
	if unreliable {
		cfg.begin("Test (3C): unreliable churn")
	} else {
		cfg.begin("Test (3C): churn")
	}

	clients := startChurnClients(cfg, 3)
	for range 20 {
		churnOnce(cfg)
	}
	time.Sleep(RaftElectionTimeout)
	cfg.setunreliable(false)
	restartAndConnectAll(cfg)
	seen := clients.stop()
	time.Sleep(RaftElectionTimeout)
	checkAppliedByAll(cfg, seen)
	cfg.end()
}

// churnClients are internalChurn's clients, each in its own goroutine.
type churnClients struct {
	cfg     *config
	halt    atomic.Bool
	results []chan churnResult
}

// churnResult is what one client saw.
type churnResult struct {
	values []int // commands the client saw committed
	err    error
}

// startChurnClients starts n clients, each with its own randomness drawn
// from the test's seed.
func startChurnClients(cfg *config, n int) *churnClients {
	cc := &churnClients{cfg: cfg, results: make([]chan churnResult, n)}
	for i := range n {
		cc.results[i] = make(chan churnResult, 1)
		go func() { cc.results[i] <- cc.run(i) }()
	}
	return cc
}

// run is client me: until stopped, it Starts a random command at every
// live peer (maybe one leads) and, if one accepted it, waits a little for
// its index to be applied, noting the command if it is the one applied.
func (cc *churnClients) run(me int) churnResult {
	cfg := cc.cfg
	r := rand.New(rand.NewPCG(uint64(cfg.seed), uint64(100+me)))
	var res churnResult
	for !cc.halt.Load() && !cfg.finished.Load() {
		x := r.Int()
		index := startAtEveryPeer(cfg, x)
		if index == -1 {
			time.Sleep(time.Duration(79+me*17) * time.Millisecond)
			continue
		}
		// Maybe the leader commits it, maybe not; don't wait forever.
		cmd, applied := appliedSoon(cfg, index)
		if !applied {
			continue
		}
		xx, ok := cmd.(int)
		if !ok {
			res.err = fmt.Errorf("client %d: index %d holds %v (%T), expected an int", me, index, cmd, cmd)
			return res
		}
		if xx == x {
			res.values = append(res.values, x)
		}
	}
	return res
}

// startAtEveryPeer offers cmd to every live peer and returns the index the
// last one to accept it gave, or -1 if none did.
func startAtEveryPeer(cfg *config, cmd any) int {
	index := -1
	for i := range cfg.n {
		if rf := cfg.peer(i); rf != nil {
			if index1, _, ok := rf.Start(cmd); ok {
				index = index1
			}
		}
	}
	return index
}

// appliedSoon waits up to 380 ms for some peer to apply index, and returns
// the command there.
func appliedSoon(cfg *config, index int) (any, bool) {
	for _, to := range []int{10, 20, 50, 100, 200} {
		if nd, cmd, _ := cfg.committed(index); nd > 0 {
			return cmd, true
		}
		time.Sleep(time.Duration(to) * time.Millisecond)
	}
	return nil, false
}

// stop stops the clients and returns every command they saw committed; a
// client's error fails the test.
func (cc *churnClients) stop() []int {
	cc.cfg.t.Helper()
	cc.halt.Store(true)
	var values []int
	for _, ch := range cc.results {
		res := <-ch
		if res.err != nil {
			cc.cfg.fatalf("%v", res.err)
		}
		values = append(values, res.values...)
	}
	return values
}

// churnOnce maybe disconnects a peer, maybe restarts and connects one,
// maybe crashes one, then lets a bit under an election timeout pass: often
// enough that things have not settled between changes, rarely enough that
// the peers can often keep up.
func churnOnce(cfg *config) {
	if cfg.rand.IntN(1000) < 200 {
		cfg.disconnect(cfg.rand.IntN(cfg.n))
	}
	if cfg.rand.IntN(1000) < 500 {
		i := cfg.rand.IntN(cfg.n)
		if cfg.peer(i) == nil {
			cfg.start1(i, cfg.applier)
		}
		cfg.connect(i)
	}
	if cfg.rand.IntN(1000) < 200 {
		if i := cfg.rand.IntN(cfg.n); cfg.peer(i) != nil {
			cfg.crash1(i)
		}
	}
	time.Sleep(RaftElectionTimeout * 7 / 10)
}

// restartAndConnectAll restarts every crashed peer and connects every peer.
func restartAndConnectAll(cfg *config) {
	for i := range cfg.n {
		if cfg.peer(i) == nil {
			cfg.start1(i, cfg.applier)
		}
		cfg.connect(i)
	}
}

// checkAppliedByAll commits one more command, waits for every peer to apply
// every index up to it, and checks that each command in seen is among them.
func checkAppliedByAll(cfg *config, seen []int) {
	cfg.t.Helper()
	lastIndex := cfg.one(cfg.rand.Int(), cfg.n, true)
	really := map[int]bool{}
	for index := 1; index <= lastIndex; index++ {
		v := cfg.wait(index, cfg.n, -1)
		vi, ok := v.(int)
		if !ok {
			cfg.fatalf("index %d holds %v (%T), expected an int", index, v, v)
		}
		really[vi] = true
	}
	for _, v := range seen {
		if !really[v] {
			cfg.fatalf("a client saw %d committed, but it is not among the %d commands every peer applied", v, lastIndex)
		}
	}
}

func TestReliableChurn3C(t *testing.T) {
	internalChurn(t, false)
}

func TestUnreliableChurn3C(t *testing.T) {
	internalChurn(t, true)
}

// ---- 3D: snapshots ----

// snapcommon runs 30 rounds in which a victim peer is disconnected or
// crashed while the others commit enough for a snapshot, then returns and
// must catch up, by InstallSnapshot if its log is behind the leader's
// snapshot.
func snapcommon(t *testing.T, name string, disconnect bool, reliable bool, crash bool) {
	const iters = 30
	servers := 3
	cfg := make_config(t, servers, !reliable, true)
	defer cfg.cleanup()
	cfg.begin(name)

	cfg.one(cfg.rand.Int(), servers, true)
	leader1 := cfg.checkOneLeader()
	for i := range iters {
		leader1 = snapRound(cfg, i, leader1, disconnect, crash)
	}
	cfg.end()
}

// snapRound is round i of snapcommon, with leader1 the leader last seen:
// the victim (usually a follower, every third round the leader) is
// disconnected or crashed, if either is asked for; the sender (the other of
// the two) is given enough commands for a snapshot, perhaps; the persisted
// state must stay small; then the victim returns and catches up. It returns
// the leader after the round.
func snapRound(cfg *config, i, leader1 int, disconnect, crash bool) int {
	cfg.t.Helper()
	servers := cfg.n
	victim := (leader1 + 1) % servers
	sender := leader1
	if i%3 == 1 {
		sender = (leader1 + 1) % servers
		victim = leader1
	}

	if disconnect {
		cfg.disconnect(victim)
		cfg.one(cfg.rand.Int(), servers-1, true)
	}
	if crash {
		cfg.crash1(victim)
		cfg.one(cfg.rand.Int(), servers-1, true)
	}

	// Perhaps enough for a snapshot.
	nn := SnapShotInterval/2 + cfg.rand.IntN(SnapShotInterval)
	for range nn {
		cfg.peer(sender).Start(cfg.rand.Int())
	}

	// Let the appliers catch up with the Starts.
	if !disconnect && !crash {
		// Every follower catches up, so that TestSnapshotBasic3D
		// needs no InstallSnapshot.
		cfg.one(cfg.rand.Int(), servers, true)
	} else {
		cfg.one(cfg.rand.Int(), servers-1, true)
	}

	if size := cfg.LogSize(); size >= MAXLOGSIZE {
		cfg.fatalf("round %d: persisted Raft state is %d bytes, expected under %d: the log is not being trimmed",
			i, size, MAXLOGSIZE)
	}
	if disconnect {
		// The victim may be behind and need a snapshot.
		cfg.connect(victim)
		cfg.one(cfg.rand.Int(), servers, true)
		leader1 = cfg.checkOneLeader()
	}
	if crash {
		cfg.start1(victim, cfg.applierSnap)
		cfg.connect(victim)
		cfg.one(cfg.rand.Int(), servers, true)
		leader1 = cfg.checkOneLeader()
	}
	return leader1
}

func TestSnapshotBasic3D(t *testing.T) {
	snapcommon(t, "Test (3D): snapshots basic", false, true, false)
}

func TestSnapshotInstall3D(t *testing.T) {
	snapcommon(t, "Test (3D): install snapshots (disconnect)", true, true, false)
}

func TestSnapshotInstallUnreliable3D(t *testing.T) {
	snapcommon(t, "Test (3D): install snapshots (disconnect+unreliable)", true, false, false)
}

func TestSnapshotInstallCrash3D(t *testing.T) {
	snapcommon(t, "Test (3D): install snapshots (crash)", false, true, true)
}

func TestSnapshotInstallUnCrash3D(t *testing.T) {
	snapcommon(t, "Test (3D): install snapshots (unreliable+crash)", false, false, true)
}

// TestSnapshotAllCrash3D: every peer crashes and restarts from its snapshot
// and log; the index keeps growing.
func TestSnapshotAllCrash3D(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, true)
	defer cfg.cleanup()
	cfg.begin("Test (3D): crash and restart all servers")

	cfg.one(cfg.rand.Int(), servers, true)
	for range 5 {
		// Perhaps enough for a snapshot.
		nn := SnapShotInterval/2 + cfg.rand.IntN(SnapShotInterval)
		for range nn {
			cfg.one(cfg.rand.Int(), servers, true)
		}
		index1 := cfg.one(cfg.rand.Int(), servers, true)

		for i := range servers {
			cfg.crash1(i)
		}
		for i := range servers {
			cfg.start1(i, cfg.applierSnap)
			cfg.connect(i)
		}

		if index2 := cfg.one(cfg.rand.Int(), servers, true); index2 < index1+1 {
			cfg.fatalf("after a restart of all peers a command got index %d, expected more than %d", index2, index1)
		}
	}
	cfg.end()
}

// TestSnapshotInit3D: a snapshot survives crashes right after it is taken,
// and a restarted peer initializes from it.
func TestSnapshotInit3D(t *testing.T) {
	servers := 3
	cfg := make_config(t, servers, false, true)
	defer cfg.cleanup()
	cfg.begin("Test (3D): snapshot initialization after crash")

	cfg.one(cfg.rand.Int(), servers, true)
	// Enough for a snapshot.
	for range SnapShotInterval + 1 {
		cfg.one(cfg.rand.Int(), servers, true)
	}

	restartAll := func() {
		for i := range servers {
			cfg.crash1(i)
		}
		for i := range servers {
			cfg.start1(i, cfg.applierSnap)
			cfg.connect(i)
		}
	}
	restartAll()
	// One command, so that something is written back to the persister.
	cfg.one(cfg.rand.Int(), servers, true)
	restartAll()
	// Another, to trigger a bug in initialization from the snapshot.
	cfg.one(cfg.rand.Int(), servers, true)
	cfg.end()
}
