package raft

// The test harness: n Raft peers on a simulated labrpc network, with the
// course's config API (make_config, one, checkOneLeader, crash1, start1,
// connect, disconnect, ...), so the tests in test_test.go read like the
// course's, and a course harness dropped into the package replaces this file
// and test_test.go rather than colliding with them.
//
// Beyond the course, the harness checks all the time, not only when a test
// asks. The checks themselves are a monitor (monitor_test.go: one leader per
// term, no term going back, applied agreement, gapless apply, snapshot
// agreement), which this file feeds:
//
//   - A watcher goroutine (monitor.watch) polls GetState of every running
//     peer every 5 ms.
//   - Each peer incarnation's applier hands the monitor every message from
//     applyCh as it arrives. A snapshot is decoded here (the service's format:
//     the index, then the commands 1..index) and checked there; applierSnap
//     builds the service's snapshots from what the monitor saw applied.
//   - Restarts. A restarted peer is a new incarnation and gets a copy of its
//     persister, so the dead incarnation cannot write into the new one's
//     state. Its snapshot, if any, is checked like a delivered one and becomes
//     its applied prefix; what it applies after that is checked against what
//     it applied before it crashed.
//
// The monitor records violations; the test goroutine fails on them at its
// next check (one, wait, nCommitted, checkOneLeader, checkTerms,
// checkNoLeader), at end, or at cleanup. Every failure names the peers, terms
// and indexes involved, describes every peer, and gives the network seed and
// the command line that replays it.

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"raftlab/internal/probe"
	"raftlab/internal/timeline"
	"raftlab/labgob"
	"raftlab/labrpc"
)

// SnapShotInterval is how often (in applied commands) applierSnap asks its
// peer to snapshot, as in the course.
const SnapShotInterval = 10

// peerRun is one incarnation of a peer, from start1 to crash1.
type peerRun struct {
	inc     *incarnation // the monitor's view of it
	rf      *Raft
	applyCh chan ApplyMsg
	done    chan struct{} // closed when the incarnation is crashed: its applier stops
}

type config struct {
	t    *testing.T
	net  *labrpc.Network
	seed int64      // the network's seed; failures print it
	rand *rand.Rand // the test goroutine's randomness, drawn from seed
	n    int
	// members, if not 0, makes peers with MakeMember (membership_test.go):
	// n slots, the first members of them the initial configuration.
	members   int
	applierFn func(int, *peerRun) // the applier make_config chose
	start     time.Time
	finished  atomic.Bool // set by cleanup: helpers running in goroutines give up

	mon *monitor // the continuous checks, and what every peer applied

	// The failure timeline (timeline_harness_test.go): its recorder, the
	// sampler's stop and done channels, and the page's line once written.
	tl         *timeline.Recorder
	sampleStop chan struct{}
	sampleDone chan struct{}
	tlOnce     sync.Once
	tlLine     string
	tlNet      bool // set once make_config has connected the peers: connect and disconnect record the partition from then on

	mu        sync.Mutex
	rafts     []*Raft    // nil while crashed
	runs      []*peerRun // current incarnation of each peer, nil while crashed
	connected []bool
	saved     []*Persister
	endnames  [][]string // endnames[i][j]: i's end to j, fresh per incarnation of i

	appliers  sync.WaitGroup
	watchStop chan struct{}
	watchDone chan struct{}
	cleaned   sync.Once

	// Set by begin, for end's summary line.
	t0        time.Time
	rpcs0     int
	bytes0    int64
	maxIndex0 int
}

// make_config starts n connected peers. unreliable makes the network lose and
// delay messages; snapshot makes the service snapshot every SnapShotInterval
// commands.
func make_config(t *testing.T, n int, unreliable bool, snapshot bool) *config {
	return makeConfig(t, n, 0, unreliable, snapshot)
}

// makeConfig is make_config, or with members > 0 a harness of n slots whose
// first members peers, made by MakeMember, are the initial configuration;
// the others are started when a test adds them.
func makeConfig(t *testing.T, n, members int, unreliable bool, snapshot bool) *config {
	net := labrpc.MakeNetwork()
	cfg := &config{
		t:         t,
		net:       net,
		seed:      net.Seed(),
		rand:      rand.New(rand.NewPCG(uint64(net.Seed()), 1)),
		n:         n,
		members:   members,
		start:     time.Now(),
		mon:       newMonitor(n),
		rafts:     make([]*Raft, n),
		runs:      make([]*peerRun, n),
		connected: make([]bool, n),
		saved:     make([]*Persister, n),
		endnames:  make([][]string, n),
		watchStop: make(chan struct{}),
		watchDone: make(chan struct{}),
		// The harness's clock: debug lines count from when the network
		// was made.
		tl:         timeline.New(t.Name(), net.MakeEnd("timeline-clock").NetworkMade(), n),
		sampleStop: make(chan struct{}),
		sampleDone: make(chan struct{}),
	}
	seedLine := fmt.Sprintf("network seed %d (replay with %s=%d)", cfg.seed, labrpc.SeedEnv, cfg.seed)
	t.Logf("%s", seedLine)
	cfg.tl.Note(seedLine)
	t.Cleanup(cfg.cleanup) // in case a test forgets: nothing may outlive it
	cfg.setunreliable(unreliable)
	net.LongDelays(true)

	cfg.applierFn = cfg.applier
	if snapshot {
		cfg.applierFn = cfg.applierSnap
	}
	started := n
	if members > 0 {
		started = members
	}
	for i := range started {
		cfg.start1(i, cfg.applierFn)
	}
	for i := range started {
		cfg.connect(i)
	}
	cfg.mu.Lock()
	cfg.tlNet = true
	cfg.mu.Unlock()
	go func() {
		defer close(cfg.watchDone)
		cfg.mon.watch(cfg.watchStop)
	}()
	go func() {
		defer close(cfg.sampleDone)
		cfg.sampleTimeline(cfg.sampleStop)
	}()
	return cfg
}

// ---- Failures ----

// fatalf fails the test with the message, the state of every peer and the
// seed. Test goroutine only.
// The failure is marked on the timeline, whose page is written at once;
// its path follows the seed line.
func (cfg *config) fatalf(format string, args ...any) {
	cfg.t.Helper()
	msg := fmt.Sprintf(format, args...)
	peers := cfg.describe()
	cfg.tl.Fail(msg + "\npeers: " + peers)
	cfg.t.Fatalf("%s\n  peers: %s\n  network seed %d; replay: %s=%d go test -race -run '^%s$' ./raft\n  %s",
		msg, peers, cfg.seed, labrpc.SeedEnv, cfg.seed, cfg.t.Name(), cfg.writeTimeline())
}

// checkErrors fails the test if the monitor saw a violation.
func (cfg *config) checkErrors() {
	cfg.t.Helper()
	if errs := cfg.mon.violations(); len(errs) > 0 {
		cfg.fatalf("the harness saw %d violation(s):\n    %s", len(errs), strings.Join(errs, "\n    "))
	}
}

// describe says, for every peer, its term and role, whether it is connected
// and how far its current incarnation has applied.
func (cfg *config) describe() string {
	cfg.mu.Lock()
	rafts, connected := slices.Clone(cfg.rafts), slices.Clone(cfg.connected)
	runs := slices.Clone(cfg.runs)
	cfg.mu.Unlock()
	applied := make([]int, cfg.n)
	for i, run := range runs {
		if run != nil {
			applied[i] = cfg.mon.appliedThrough(run.inc)
		}
	}
	var parts []string
	for i, rf := range rafts {
		if rf == nil {
			parts = append(parts, fmt.Sprintf("S%d crashed", i))
			continue
		}
		conn := "connected"
		if !connected[i] {
			conn = "disconnected"
		}
		term, leader, ok := probe.State(rf, time.Second)
		switch {
		case !ok:
			parts = append(parts, fmt.Sprintf("S%d UNRESPONSIVE (GetState blocked 1s: deadlock?) %s applied %d", i, conn, applied[i]))
		case leader:
			parts = append(parts, fmt.Sprintf("S%d leader T%d %s applied %d", i, term, conn, applied[i]))
		default:
			parts = append(parts, fmt.Sprintf("S%d T%d %s applied %d", i, term, conn, applied[i]))
		}
	}
	return strings.Join(parts, "; ")
}

// ---- Appliers: the service side of each peer ----

// applier reads one incarnation's applyCh for a service that never
// snapshots.
func (cfg *config) applier(i int, run *peerRun) {
	cfg.applyLoop(i, run, false)
}

// applierSnap reads one incarnation's applyCh and asks the peer for a
// snapshot every SnapShotInterval commands, from this goroutine, as a real
// service would. The snapshot is the index and every command through it.
func (cfg *config) applierSnap(i int, run *peerRun) {
	cfg.applyLoop(i, run, true)
}

// applyLoop hands every message of run's applyCh to the monitor until run
// is crashed. After a violation it keeps reading, so the peer is never
// blocked on applyCh; anything that is neither a command nor a snapshot is
// ignored, as in the course.
func (cfg *config) applyLoop(i int, run *peerRun, snapshots bool) {
	defer cfg.appliers.Done()
	for {
		var m ApplyMsg
		select {
		case m = <-run.applyCh:
		case <-run.done:
			return
		}
		switch {
		case m.CommandValid:
			cmd := m.Command
			if c, ok := cmd.(Configuration); ok {
				cmd = configCommand(c) // comparable, for the monitor
			}
			err := cfg.mon.applied(run.inc, m.CommandIndex, cmd)
			if err == nil && snapshots && (m.CommandIndex+1)%SnapShotInterval == 0 {
				run.rf.Snapshot(m.CommandIndex, encodeSnapshot(cfg.mon.appliedPrefix(i, m.CommandIndex)))
			}
		case m.SnapshotValid && !snapshots:
			cfg.mon.report(fmt.Sprintf("S%d delivered a snapshot through %d, but its service never took one", i, m.SnapshotIndex))
		case m.SnapshotValid:
			cfg.takeSnapshot(i, run, m.Snapshot, m.SnapshotIndex)
		}
	}
}

// takeSnapshot decodes a snapshot of peer i, delivered on applyCh with
// index (or read from its persister at restart, index -1), and hands it to
// the monitor, which checks it and makes it the incarnation's applied
// prefix. It returns the violation, or nil; the monitor has recorded it.
func (cfg *config) takeSnapshot(i int, run *peerRun, snapshot []byte, index int) error {
	cmds, err := decodeSnapshot(snapshot)
	switch {
	case err != nil:
		err = fmt.Errorf("S%d: snapshot (index %d, %d bytes): %v", i, index, len(snapshot), err)
	case index != -1 && index != len(cmds):
		err = fmt.Errorf("S%d: snapshot delivered with index %d holds the service's state through %d", i, index, len(cmds))
	default:
		return cfg.mon.snapshot(run.inc, cmds)
	}
	cfg.mon.report(err.Error())
	return err
}

// encodeSnapshot is the service's snapshot of cmds, the commands at
// 1..len(cmds): the index, then the commands.
func encodeSnapshot(cmds []any) []byte {
	var buf bytes.Buffer
	e := labgob.NewEncoder(&buf)
	if err := e.Encode(len(cmds)); err != nil {
		panic(err)
	}
	if err := e.Encode(cmds); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// decodeSnapshot returns the commands a snapshot made by encodeSnapshot
// holds, or says why the bytes are not one.
func decodeSnapshot(snapshot []byte) ([]any, error) {
	if len(snapshot) == 0 {
		return nil, errors.New("empty")
	}
	d := labgob.NewDecoder(bytes.NewReader(snapshot))
	var last int
	var cmds []any
	if err := d.Decode(&last); err != nil {
		return nil, fmt.Errorf("cannot decode its index: %v", err)
	}
	if err := d.Decode(&cmds); err != nil {
		return nil, fmt.Errorf("cannot decode its commands through %d: %v", last, err)
	}
	if len(cmds) != last {
		return nil, fmt.Errorf("through %d, but holds %d commands", last, len(cmds))
	}
	return cmds, nil
}

// ---- Peers and the network ----

// crash1 crashes peer i: it is cut off, its server is removed from the
// network, and it is killed. Its persisted state is copied, so whatever the
// dead peer still writes does not reach the next incarnation.
func (cfg *config) crash1(i int) {
	cfg.disconnect(i)
	cfg.net.DeleteServer(i) // requests in flight to it fail
	cfg.mu.Lock()
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
	}
	run := cfg.runs[i]
	cfg.rafts[i], cfg.runs[i] = nil, nil
	cfg.mu.Unlock()
	if run != nil {
		cfg.mon.stopped(run.inc)
		cfg.timelineStopped(i, run.rf, true)
		run.rf.Kill()
		close(run.done)
	}
}

// start1 starts (or restarts) peer i from its persisted state, disconnected,
// with fresh ends so that nothing a dead incarnation sends arrives. applier
// is cfg.applier or cfg.applierSnap.
func (cfg *config) start1(i int, applier func(int, *peerRun)) {
	cfg.t.Helper()
	cfg.crash1(i)

	run := &peerRun{inc: cfg.mon.incarnate(i), applyCh: make(chan ApplyMsg), done: make(chan struct{})}
	names := make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := range cfg.n {
		names[j] = fmt.Sprintf("S%d->S%d#%d", i, j, run.inc.gen)
		ends[j] = cfg.net.MakeEnd(names[j])
		cfg.net.Connect(names[j], j)
	}

	cfg.mu.Lock()
	cfg.endnames[i] = names
	first := cfg.saved[i] == nil
	if cfg.saved[i] == nil {
		cfg.saved[i] = MakePersister()
	} else {
		cfg.saved[i] = cfg.saved[i].Copy()
	}
	persister := cfg.saved[i]
	cfg.mu.Unlock()
	if snap := persister.ReadSnapshot(); len(snap) > 0 {
		// The service restores itself from the snapshot, as a KV server would.
		if err := cfg.takeSnapshot(i, run, snap, -1); err != nil {
			cfg.fatalf("restarting S%d: %v", i, err)
		}
	}

	if cfg.members > 0 {
		run.rf = cfg.makeMember(i, ends, persister, run.applyCh)
	} else {
		run.rf = Make(ends, i, persister, run.applyCh)
	}
	cfg.mu.Lock()
	cfg.rafts[i], cfg.runs[i] = run.rf, run
	cfg.mu.Unlock()
	cfg.mon.running(run.inc, run.rf)
	cfg.timelineStarted(i, run.rf, first)
	cfg.appliers.Add(1)
	go applier(i, run)

	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(run.rf))
	cfg.net.AddServer(i, srv)
}

// connect attaches peer i to the network: its ends to connected peers and
// theirs to it.
func (cfg *config) connect(i int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.connected[i] = true
	cfg.timelineNetLocked(i)
	for j := range cfg.n {
		if cfg.connected[j] && cfg.endnames[j] != nil {
			cfg.net.Enable(cfg.endnames[i][j], true)
			cfg.net.Enable(cfg.endnames[j][i], true)
		}
	}
}

// disconnect cuts peer i off from every peer, both ways.
func (cfg *config) disconnect(i int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.connected[i] = false
	cfg.timelineNetLocked(i)
	for j := range cfg.n {
		if cfg.endnames[i] != nil {
			cfg.net.Enable(cfg.endnames[i][j], false)
		}
		if cfg.endnames[j] != nil {
			cfg.net.Enable(cfg.endnames[j][i], false)
		}
	}
}

func (cfg *config) setunreliable(unrel bool) {
	cfg.net.Reliable(!unrel)
	cfg.tl.Unreliable(unrel)
}

func (cfg *config) setlongreordering(lr bool) {
	cfg.net.LongReordering(lr)
	cfg.tl.LongReordering(lr)
}

func (cfg *config) rpcCount(server int) int { return cfg.net.GetCount(server) }
func (cfg *config) rpcTotal() int           { return cfg.net.GetTotalCount() }
func (cfg *config) bytesTotal() int64       { return cfg.net.GetTotalBytes() }

// peer returns peer i, or nil if it is crashed.
func (cfg *config) peer(i int) *Raft {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.rafts[i]
}

func (cfg *config) isConnected(i int) bool {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.connected[i]
}

// connectedPeers returns the live, connected peers by index.
func (cfg *config) connectedPeers() map[int]*Raft {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	out := map[int]*Raft{}
	for i, rf := range cfg.rafts {
		if rf != nil && cfg.connected[i] {
			out[i] = rf
		}
	}
	return out
}

// LogSize is the largest persisted Raft state of any peer, in bytes.
func (cfg *config) LogSize() int {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	size := 0
	for _, p := range cfg.saved {
		size = max(size, p.RaftStateSize())
	}
	return size
}

// ---- Checks ----

// checkOneLeader waits for a leader among the connected peers and returns
// it: the leader of the highest term, once every connected peer is in that
// term, or after half a second if some are not yet (as the course's
// version, which looks every half second). No leader within 5 s fails.
func (cfg *config) checkOneLeader() int {
	cfg.t.Helper()
	t0 := time.Now()
	var seen string
	for time.Since(t0) < 5*time.Second {
		time.Sleep(50 * time.Millisecond)
		cfg.checkErrors()
		leaders := map[int][]int{} // term -> peers claiming it
		terms := map[int]int{}
		top := -1
		for i, rf := range cfg.connectedPeers() {
			term, leader := rf.GetState()
			terms[i] = term
			if leader {
				leaders[term] = append(leaders[term], i)
				top = max(top, term)
			}
		}
		for term, ls := range leaders {
			if len(ls) > 1 {
				cfg.fatalf("term %d has %d leaders: %v", term, len(ls), ls)
			}
		}
		seen = fmt.Sprintf("terms of connected peers %v, leaders by term %v", terms, leaders)
		if top == -1 {
			continue
		}
		settled := true
		for _, term := range terms {
			settled = settled && term == top
		}
		if settled || time.Since(t0) >= 500*time.Millisecond {
			return leaders[top][0]
		}
	}
	cfg.fatalf("expected one leader among the connected peers within 5s, got none; last seen: %s", seen)
	return -1
}

// checkTerms checks that every connected peer is in the same term, and
// returns it.
func (cfg *config) checkTerms() int {
	cfg.t.Helper()
	cfg.checkErrors()
	term, terms := -1, map[int]int{}
	agree := true
	for i, rf := range cfg.connectedPeers() {
		t, _ := rf.GetState()
		terms[i] = t
		if term != -1 && t != term {
			agree = false
		}
		term = t
	}
	if !agree {
		cfg.fatalf("connected peers disagree on the term: %v", terms)
	}
	return term
}

// checkNoLeader checks that no connected peer thinks it is the leader.
func (cfg *config) checkNoLeader() {
	cfg.t.Helper()
	cfg.checkErrors()
	for i, rf := range cfg.connectedPeers() {
		if term, leader := rf.GetState(); leader {
			cfg.fatalf("expected no leader among the connected peers, but S%d claims to lead term %d", i, term)
		}
	}
}

// committed returns how many peers applied index, the command there, and
// which peers. The monitor has checked that they agree. Safe in any
// goroutine.
func (cfg *config) committed(index int) (int, any, []int) {
	return cfg.mon.committed(index)
}

// nCommitted returns how many peers applied index, and the command there.
func (cfg *config) nCommitted(index int) (int, any) {
	cfg.t.Helper()
	cfg.checkErrors()
	n, cmd, _ := cfg.committed(index)
	return n, cmd
}

// wait waits for at least n peers to apply index, and returns the command.
// It returns -1 if a peer moves past startTerm (unless startTerm is -1),
// since then the command may never commit.
func (cfg *config) wait(index int, n int, startTerm int) any {
	cfg.t.Helper()
	to := 10 * time.Millisecond
	for range 30 {
		if nd, _ := cfg.nCommitted(index); nd >= n {
			break
		}
		time.Sleep(to)
		if to < time.Second {
			to *= 2
		}
		if startTerm > -1 {
			for _, rf := range cfg.connectedPeers() {
				if t, _ := rf.GetState(); t > startTerm {
					return -1
				}
			}
		}
	}
	nd, cmd, who := cfg.committed(index)
	if nd < n {
		cfg.fatalf("wait: index %d was applied by %d peers %v, wanted %d", index, nd, who, n)
	}
	return cmd
}

var errFinished = errors.New("the test is over")

// one submits cmd to a leader and waits until expectedServers peers have
// applied it at the index the leader gave, returning that index. With retry
// it tries again (for up to 10 s) if a leader fails before agreement;
// otherwise the first failed attempt fails the test. Test goroutine only:
// other goroutines use tryOne.
func (cfg *config) one(cmd any, expectedServers int, retry bool) int {
	cfg.t.Helper()
	index, err := cfg.tryOne(cmd, expectedServers, retry)
	cfg.checkErrors()
	if err != nil && err != errFinished {
		cfg.fatalf("%v", err)
	}
	return index
}

// tryOne is one without failing the test: it returns what went wrong.
func (cfg *config) tryOne(cmd any, expectedServers int, retry bool) (int, error) {
	t0 := time.Now()
	next := 0
	var attempts []string
	for time.Since(t0) < 10*time.Second && !cfg.finished.Load() {
		if len(cfg.mon.violations()) > 0 {
			return -1, errors.New("stopped: the harness saw a violation")
		}
		index, leader, term := -1, -1, -1
		for range cfg.n {
			next = (next + 1) % cfg.n
			var rf *Raft
			cfg.mu.Lock()
			if cfg.connected[next] {
				rf = cfg.rafts[next]
			}
			cfg.mu.Unlock()
			if rf != nil {
				if i, t, ok := rf.Start(cmd); ok {
					index, leader, term = i, next, t
					break
				}
			}
		}
		if index == -1 {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		t1 := time.Now()
		for time.Since(t1) < 2*time.Second {
			if nd, cmd1, _ := cfg.committed(index); nd > 0 && nd >= expectedServers && cmd1 == cmd {
				return index, nil
			}
			time.Sleep(20 * time.Millisecond)
		}
		nd, cmd1, who := cfg.committed(index)
		attempt := fmt.Sprintf("S%d, leader of term %d, put it at index %d; 2s later %d peers %v had applied index %d (command %s)",
			leader, term, index, nd, who, index, cmdString(cmd1))
		if !retry {
			return -1, fmt.Errorf("one(%s): no agreement of %d peers: %s", cmdString(cmd), expectedServers, attempt)
		}
		attempts = append(attempts, attempt)
	}
	if cfg.finished.Load() {
		return -1, errFinished
	}
	if len(attempts) > 3 {
		attempts = attempts[len(attempts)-3:]
	}
	if len(attempts) == 0 {
		return -1, fmt.Errorf("one(%s): no connected peer accepted Start for 10s", cmdString(cmd))
	}
	return -1, fmt.Errorf("one(%s): no agreement of %d peers within 10s; last attempts:\n    %s",
		cmdString(cmd), expectedServers, strings.Join(attempts, "\n    "))
}

// ---- Test life cycle ----

// begin prints the test's description and starts its counters.
func (cfg *config) begin(description string) {
	fmt.Printf("%s ...\n", description)
	cfg.t0 = time.Now()
	cfg.rpcs0 = cfg.rpcTotal()
	cfg.bytes0 = cfg.bytesTotal()
	cfg.maxIndex0 = cfg.mon.highest()
}

// end checks for violations and prints the course's summary line: seconds,
// peers, RPCs, bytes, commands agreed.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.checkTimeout()
	cfg.checkErrors()
	if cfg.t.Failed() {
		return
	}
	ncmds := cfg.mon.highest() - cfg.maxIndex0
	secs := time.Since(cfg.t0).Seconds()
	nrpc := cfg.rpcTotal() - cfg.rpcs0
	nbytes := cfg.bytesTotal() - cfg.bytes0
	fmt.Printf("  ... Passed --  %4.1f  %d %4d %7d %4d\n", secs, cfg.n, nrpc, nbytes, ncmds)
}

// checkTimeout enforces the course's limit of 120 s per test.
func (cfg *config) checkTimeout() {
	cfg.t.Helper()
	if d := time.Since(cfg.start); !cfg.t.Failed() && d > 120*time.Second {
		cfg.t.Errorf("test took %.1fs, more than 120s (network seed %d)", d.Seconds(), cfg.seed)
	}
}

// cleanup kills every peer, shuts the network down and stops the harness's
// goroutines. It may be called more than once.
func (cfg *config) cleanup() {
	cfg.cleaned.Do(func() {
		cfg.finished.Store(true)
		cfg.mu.Lock()
		runs := slices.Clone(cfg.runs)
		clear(cfg.rafts)
		clear(cfg.runs)
		cfg.mu.Unlock()
		for i, run := range runs {
			if run != nil {
				cfg.mon.stopped(run.inc)
				cfg.timelineStopped(i, run.rf, false)
				run.rf.Kill()
				close(run.done)
			}
		}
		cfg.net.Cleanup()
		close(cfg.watchStop)
		if !waitFor(cfg.watchDone, 5*time.Second) {
			cfg.t.Errorf("the leader watcher did not stop within 5s: a peer's GetState is blocked (network seed %d)", cfg.seed)
		}
		close(cfg.sampleStop)
		if !waitFor(cfg.sampleDone, 5*time.Second) { // it never waits on a peer (TryLock)
			cfg.t.Errorf("the timeline sampler did not stop within 5s (network seed %d)", cfg.seed)
		}
		appliers := make(chan struct{})
		go func() { cfg.appliers.Wait(); close(appliers) }()
		if !waitFor(appliers, 5*time.Second) {
			cfg.t.Errorf("the appliers did not stop within 5s: a peer's Snapshot is blocked (network seed %d)", cfg.seed)
		}
		if errs := cfg.mon.violations(); len(errs) > 0 && !cfg.t.Failed() {
			msg := fmt.Sprintf("the harness saw %d violation(s):\n    %s", len(errs), strings.Join(errs, "\n    "))
			cfg.tl.Fail(msg)
			cfg.t.Errorf("%s\n  network seed %d", msg, cfg.seed)
		}
		cfg.checkTimeout()
		cfg.timelineCleanup()
	})
}

func waitFor(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// statsDiff formats the traffic per method between two MethodStats.
func statsDiff(before, after map[string]labrpc.MethodStat) string {
	var parts []string
	for _, m := range slices.Sorted(maps.Keys(after)) {
		b, a := before[m], after[m]
		parts = append(parts, fmt.Sprintf("%s: %d calls, %d bytes", m,
			a.Calls-b.Calls, a.ArgBytes-b.ArgBytes+a.ReplyBytes-b.ReplyBytes))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// randomString returns n random letters from the test's randomness.
func (cfg *config) randomString(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[cfg.rand.IntN(len(letters))]
	}
	return string(b)
}
