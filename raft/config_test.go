package raft

// The test harness: n Raft peers on a simulated labrpc network, with the
// course's config API (make_config, one, checkOneLeader, crash1, start1,
// connect, disconnect, ...), so the tests in test_test.go read like the
// course's, and a course harness dropped into the package replaces this file
// and test_test.go rather than colliding with them.
//
// Beyond the course, the harness checks all the time, not only when a test
// asks:
//
//   - At most one leader per term. A watcher goroutine polls GetState of every
//     live peer every few milliseconds and remembers which peer claimed each
//     term; a second claimant of the same term is a violation whenever it is
//     seen. It also checks that a peer's term never goes back within one
//     incarnation.
//   - applyCh. Each message is checked as it arrives: a command must have the
//     next index of this incarnation (gapless, in order, nothing twice) and be
//     the same as what every peer, this one's earlier incarnations included,
//     applied at that index; a snapshot must move the service forward and agree
//     with everything applied so far at every index it covers.
//   - Restarts. A restarted peer gets a copy of its persister, so the dead
//     incarnation cannot write into the new one's state. Its snapshot, if any,
//     is checked as above and becomes its applied prefix; what it applies after
//     that is checked against what it applied before it crashed, since logs[i]
//     survives crashes.
//
// The watcher and the appliers record violations; the test goroutine fails on
// them at its next check (one, wait, nCommitted, checkOneLeader, checkTerms,
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
	"raftlab/labgob"
	"raftlab/labrpc"
)

// SnapShotInterval is how often (in applied commands) applierSnap asks its
// peer to snapshot, as in the course.
const SnapShotInterval = 10

// peerRun is one incarnation of a peer, from start1 to crash1.
type peerRun struct {
	gen         int // incarnation number, unique in the cluster
	rf          *Raft
	applyCh     chan ApplyMsg
	done        chan struct{} // closed when the incarnation is crashed: its applier stops
	lastApplied int           // guarded by cfg.mu: last index this incarnation applied
}

type config struct {
	t        *testing.T
	net      *labrpc.Network
	seed     int64      // the network's seed; failures print it
	rand     *rand.Rand // the test goroutine's randomness, drawn from seed
	n        int
	start    time.Time
	finished atomic.Bool // set by cleanup: helpers running in goroutines give up

	mu        sync.Mutex
	rafts     []*Raft    // nil while crashed
	runs      []*peerRun // current incarnation of each peer, nil while crashed
	connected []bool
	saved     []*Persister
	endnames  [][]string    // endnames[i][j]: i's end to j, fresh per incarnation of i
	gens      int           // incarnations started
	logs      []map[int]any // logs[i][index]: what peer i applied there, in any incarnation
	maxIndex  int           // highest index applied by anyone
	errs      []string      // violations recorded by the watcher and the appliers
	errSeen   map[string]bool

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
	net := labrpc.MakeNetwork()
	cfg := &config{
		t:         t,
		net:       net,
		seed:      net.Seed(),
		rand:      rand.New(rand.NewPCG(uint64(net.Seed()), 1)),
		n:         n,
		start:     time.Now(),
		rafts:     make([]*Raft, n),
		runs:      make([]*peerRun, n),
		connected: make([]bool, n),
		saved:     make([]*Persister, n),
		endnames:  make([][]string, n),
		logs:      make([]map[int]any, n),
		errSeen:   map[string]bool{},
		watchStop: make(chan struct{}),
		watchDone: make(chan struct{}),
	}
	t.Logf("network seed %d (replay with %s=%d)", cfg.seed, labrpc.SeedEnv, cfg.seed)
	t.Cleanup(cfg.cleanup) // in case a test forgets: nothing may outlive it
	cfg.setunreliable(unreliable)
	net.LongDelays(true)

	applier := cfg.applier
	if snapshot {
		applier = cfg.applierSnap
	}
	for i := range n {
		cfg.logs[i] = map[int]any{}
		cfg.start1(i, applier)
	}
	for i := range n {
		cfg.connect(i)
	}
	go cfg.watchLeaders()
	return cfg
}

// ---- Failures ----

// fatalf fails the test with the message, the state of every peer and the
// seed. Test goroutine only.
func (cfg *config) fatalf(format string, args ...any) {
	cfg.t.Helper()
	cfg.t.Fatalf("%s\n  peers: %s\n  network seed %d; replay: %s=%d go test -race -run '^%s$' ./raft",
		fmt.Sprintf(format, args...), cfg.describe(), cfg.seed, labrpc.SeedEnv, cfg.seed, cfg.t.Name())
}

// record notes a violation seen by a harness goroutine, once per message.
// Caller holds cfg.mu.
func (cfg *config) recordLocked(msg string) {
	if cfg.errSeen[msg] || len(cfg.errs) >= 20 {
		return
	}
	cfg.errSeen[msg] = true
	cfg.errs = append(cfg.errs, fmt.Sprintf("%.3fs: %s", time.Since(cfg.start).Seconds(), msg))
}

func (cfg *config) record(msg string) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.recordLocked(msg)
}

func (cfg *config) violations() []string {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return slices.Clone(cfg.errs)
}

// checkErrors fails the test if the watcher or an applier saw a violation.
func (cfg *config) checkErrors() {
	cfg.t.Helper()
	if errs := cfg.violations(); len(errs) > 0 {
		cfg.fatalf("the harness saw %d violation(s):\n    %s", len(errs), strings.Join(errs, "\n    "))
	}
}

// describe says, for every peer, its term and role, whether it is connected
// and how far its current incarnation has applied.
func (cfg *config) describe() string {
	cfg.mu.Lock()
	rafts, connected := slices.Clone(cfg.rafts), slices.Clone(cfg.connected)
	applied := make([]int, cfg.n)
	for i, run := range cfg.runs {
		if run != nil {
			applied[i] = run.lastApplied
		}
	}
	cfg.mu.Unlock()
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

// short formats a command for a message: RPCBytes commands are 5000 bytes.
func short(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) > 24 {
		return s[:20] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// ---- The continuous checks ----

// watchLeaders polls every live peer until cleanup, checking that no two
// peers claim to lead the same term and that no peer's term goes back. Two
// GetState calls are not one atomic view, but two peers claiming the same
// term is a violation at whatever times they claim it.
func (cfg *config) watchLeaders() {
	defer close(cfg.watchDone)
	leaderOf := map[int]int{} // term -> the peer seen leading it
	type seen struct {
		rf   *Raft
		term int
	}
	last := make([]seen, cfg.n)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-cfg.watchStop:
			return
		case <-tick.C:
		}
		cfg.mu.Lock()
		rafts := slices.Clone(cfg.rafts)
		cfg.mu.Unlock()
		for i, rf := range rafts {
			if rf == nil {
				continue
			}
			term, isLeader := rf.GetState()
			if last[i].rf == rf && term < last[i].term {
				cfg.record(fmt.Sprintf("S%d's term went back from %d to %d without a restart", i, last[i].term, term))
			}
			last[i] = seen{rf, term}
			if !isLeader {
				continue
			}
			if other, ok := leaderOf[term]; !ok {
				leaderOf[term] = i
			} else if other != i {
				cfg.record(fmt.Sprintf("two leaders in term %d: S%d and S%d", term, other, i))
			}
		}
	}
}

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
			cfg.mu.Lock()
			err := cfg.checkApply(i, run, m)
			var snap []byte
			if err == "" && snapshots && (m.CommandIndex+1)%SnapShotInterval == 0 {
				snap = cfg.encodeSnapshot(i, m.CommandIndex)
			}
			if err != "" {
				cfg.recordLocked(err)
			}
			cfg.mu.Unlock()
			if snap != nil {
				run.rf.Snapshot(m.CommandIndex, snap)
			}
		case m.SnapshotValid:
			cfg.mu.Lock()
			if !snapshots {
				cfg.recordLocked(fmt.Sprintf("S%d delivered a snapshot through %d, but its service never took one", i, m.SnapshotIndex))
			} else if err := cfg.ingestSnap(i, run, m.Snapshot, m.SnapshotIndex); err != "" {
				cfg.recordLocked(err)
			}
			cfg.mu.Unlock()
		}
		// Anything else is ignored, as in the course. After an error the
		// loop keeps reading, so the peer is never blocked on applyCh.
	}
}

// checkApply checks and records a command delivered by incarnation run of
// peer i. It returns a description of the violation, or "". Caller holds
// cfg.mu.
func (cfg *config) checkApply(i int, run *peerRun, m ApplyMsg) string {
	idx := m.CommandIndex
	switch {
	case idx <= run.lastApplied:
		return fmt.Sprintf("S%d (incarnation %d) applied index %d again or out of order: it had applied through %d",
			i, run.gen, idx, run.lastApplied)
	case idx > run.lastApplied+1:
		return fmt.Sprintf("S%d (incarnation %d) applied index %d after %d: indexes %d..%d were skipped",
			i, run.gen, idx, run.lastApplied, run.lastApplied+1, idx-1)
	}
	for j, lg := range cfg.logs {
		if old, ok := lg[idx]; ok && old != m.Command {
			if j == i {
				return fmt.Sprintf("S%d (incarnation %d) applied %s at index %d, but applied %s there before it crashed",
					i, run.gen, short(m.Command), idx, short(old))
			}
			return fmt.Sprintf("index %d: S%d applied %s but S%d applied %s", idx, i, short(m.Command), j, short(old))
		}
	}
	cfg.logs[i][idx] = m.Command
	run.lastApplied = idx
	cfg.maxIndex = max(cfg.maxIndex, idx)
	return ""
}

// encodeSnapshot makes peer i's service snapshot through index: the index,
// then the commands at 1..index. Caller holds cfg.mu.
func (cfg *config) encodeSnapshot(i, index int) []byte {
	xlog := make([]any, index)
	for j := 1; j <= index; j++ {
		xlog[j-1] = cfg.logs[i][j]
	}
	var buf bytes.Buffer
	e := labgob.NewEncoder(&buf)
	if err := e.Encode(index); err != nil {
		panic(err)
	}
	if err := e.Encode(xlog); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// ingestSnap checks a snapshot of peer i, delivered on applyCh with index
// (or read from its persister at restart, index -1), against what every peer
// has applied, and makes it the incarnation's applied prefix. It returns a
// description of the violation, or "". Caller holds cfg.mu.
func (cfg *config) ingestSnap(i int, run *peerRun, snapshot []byte, index int) string {
	if len(snapshot) == 0 {
		return fmt.Sprintf("S%d: empty snapshot (index %d)", i, index)
	}
	d := labgob.NewDecoder(bytes.NewReader(snapshot))
	var last int
	var xlog []any
	if err := d.Decode(&last); err != nil {
		return fmt.Sprintf("S%d: cannot decode the index of its snapshot (%d bytes): %v", i, len(snapshot), err)
	}
	if err := d.Decode(&xlog); err != nil {
		return fmt.Sprintf("S%d: cannot decode the commands of its snapshot through %d: %v", i, last, err)
	}
	if len(xlog) != last {
		return fmt.Sprintf("S%d: snapshot through %d holds %d commands", i, last, len(xlog))
	}
	if index != -1 {
		if index != last {
			return fmt.Sprintf("S%d: snapshot delivered with index %d holds the service's state through %d", i, index, last)
		}
		if last <= run.lastApplied {
			return fmt.Sprintf("S%d (incarnation %d) delivered a snapshot through %d after applying through %d: the service would go back",
				i, run.gen, last, run.lastApplied)
		}
	}
	for k, v := range xlog {
		for j, lg := range cfg.logs {
			if old, ok := lg[k+1]; ok && old != v {
				return fmt.Sprintf("S%d's snapshot through %d holds %s at index %d, but S%d applied %s there",
					i, last, short(v), k+1, j, short(old))
			}
		}
	}
	for k, v := range xlog {
		cfg.logs[i][k+1] = v
	}
	run.lastApplied = last
	cfg.maxIndex = max(cfg.maxIndex, last)
	return ""
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

	cfg.mu.Lock()
	cfg.gens++
	gen := cfg.gens
	cfg.mu.Unlock()
	names := make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := range cfg.n {
		names[j] = fmt.Sprintf("S%d->S%d#%d", i, j, gen)
		ends[j] = cfg.net.MakeEnd(names[j])
		cfg.net.Connect(names[j], j)
	}

	run := &peerRun{gen: gen, applyCh: make(chan ApplyMsg), done: make(chan struct{})}
	cfg.mu.Lock()
	cfg.endnames[i] = names
	if cfg.saved[i] == nil {
		cfg.saved[i] = MakePersister()
	} else {
		cfg.saved[i] = cfg.saved[i].Copy()
	}
	persister := cfg.saved[i]
	var err string
	if snap := persister.ReadSnapshot(); len(snap) > 0 {
		// The service restores itself from the snapshot, as a KV server would.
		err = cfg.ingestSnap(i, run, snap, -1)
	}
	cfg.mu.Unlock()
	if err != "" {
		cfg.fatalf("restarting S%d: %s", i, err)
	}

	run.rf = Make(ends, i, persister, run.applyCh)
	cfg.mu.Lock()
	cfg.rafts[i], cfg.runs[i] = run.rf, run
	cfg.mu.Unlock()
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
	for j := range cfg.n {
		if cfg.endnames[i] != nil {
			cfg.net.Enable(cfg.endnames[i][j], false)
		}
		if cfg.endnames[j] != nil {
			cfg.net.Enable(cfg.endnames[j][i], false)
		}
	}
}

func (cfg *config) setunreliable(unrel bool)  { cfg.net.Reliable(!unrel) }
func (cfg *config) setlongreordering(lr bool) { cfg.net.LongReordering(lr) }

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
// which peers. The appliers have checked that they agree. Safe in any
// goroutine.
func (cfg *config) committed(index int) (int, any, []int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	var cmd any
	var who []int
	for i, lg := range cfg.logs {
		if c, ok := lg[index]; ok {
			cmd = c
			who = append(who, i)
		}
	}
	return len(who), cmd, who
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
		if len(cfg.violations()) > 0 {
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
			leader, term, index, nd, who, index, short(cmd1))
		if !retry {
			return -1, fmt.Errorf("one(%s): no agreement of %d peers: %s", short(cmd), expectedServers, attempt)
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
		return -1, fmt.Errorf("one(%s): no connected peer accepted Start for 10s", short(cmd))
	}
	return -1, fmt.Errorf("one(%s): no agreement of %d peers within 10s; last attempts:\n    %s",
		short(cmd), expectedServers, strings.Join(attempts, "\n    "))
}

// ---- Test life cycle ----

// begin prints the test's description and starts its counters.
func (cfg *config) begin(description string) {
	fmt.Printf("%s ...\n", description)
	cfg.t0 = time.Now()
	cfg.rpcs0 = cfg.rpcTotal()
	cfg.bytes0 = cfg.bytesTotal()
	cfg.mu.Lock()
	cfg.maxIndex0 = cfg.maxIndex
	cfg.mu.Unlock()
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
	cfg.mu.Lock()
	ncmds := cfg.maxIndex - cfg.maxIndex0
	cfg.mu.Unlock()
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
		for _, run := range runs {
			if run != nil {
				run.rf.Kill()
				close(run.done)
			}
		}
		cfg.net.Cleanup()
		close(cfg.watchStop)
		if !waitFor(cfg.watchDone, 5*time.Second) {
			cfg.t.Errorf("the leader watcher did not stop within 5s: a peer's GetState is blocked (network seed %d)", cfg.seed)
		}
		appliers := make(chan struct{})
		go func() { cfg.appliers.Wait(); close(appliers) }()
		if !waitFor(appliers, 5*time.Second) {
			cfg.t.Errorf("the appliers did not stop within 5s: a peer's Snapshot is blocked (network seed %d)", cfg.seed)
		}
		if errs := cfg.violations(); len(errs) > 0 && !cfg.t.Failed() {
			cfg.t.Errorf("the harness saw %d violation(s):\n    %s\n  network seed %d",
				len(errs), strings.Join(errs, "\n    "), cfg.seed)
		}
		cfg.checkTimeout()
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
