package kvraft

// The test harness: n KVServers on a simulated labrpc network, with the
// course's config API (make_config, makeClient, deleteClient, partition,
// ConnectAll, ShutdownServer, StartServer, LogSize, SnapshotSize, begin,
// op, end), so test_test.go reads like the course's and a course harness
// dropped into the package replaces this file and test_test.go instead of
// colliding with them.
//
// Wiring, as in the course: server i has a fresh end to every server's Raft
// peer per incarnation; its labrpc server hosts both the KVServer and its
// Raft peer (kv.rf). A Clerk has an end to every server, shuffled. A
// shut-down server is deleted from the network, killed, and its persister
// copied, so the dead incarnation cannot write into the next one's state.
//
// Beyond the course:
//   - All randomness of a test comes from the network's seed (RAFTLAB_SEED
//     replays it), and every failure prints "seed N (rerun with
//     RAFTLAB_SEED=N)" with the state of every server.
//   - The Get/Put/Append helpers note the operation each Clerk has in flight.
//     A watchdog fires 30 s after the course's 120 s limit and panics with
//     those operations, the servers' state and the seed, so a hung service
//     is a diagnosis rather than a silent go test timeout.
//   - Client goroutines report failures with cfg.errorf (t.Errorf) and stop;
//     only the test goroutine calls Fatal.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"raftlab/internal/probe"
	"raftlab/internal/timeline"
	"raftlab/labrpc"
	"raftlab/raft"
)

// testLimit is the course's limit on one test.
const testLimit = 120 * time.Second

type config struct {
	t            *testing.T
	net          *labrpc.Network
	seed         int64
	n            int
	maxraftstate int
	start        time.Time // when make_config was called
	// members: 0 for course-made servers (StartKVServer, the fixed
	// configuration of all n); otherwise servers are made with
	// StartKVMember, the first members of them starting as the
	// configuration and the rest empty, waiting to be added.
	members int

	mu        sync.Mutex
	rand      *rand.Rand          // the harness's randomness, from seed
	streams   uint64              // rand streams handed out by rng
	kvservers []*KVServer         // nil while shut down
	saved     []*raft.Persister   // the persister of each server's latest incarnation
	endnames  [][]string          // endnames[i][j]: server i's end to server j, fresh per incarnation
	clerks    map[*Clerk][]string // a Clerk's end to each server, by server
	nends     int                 // ends made, so every end name is unique
	inflight  map[*Clerk]inflightOp
	finished  bool // set by cleanup: client goroutines report nothing after it

	watchdog *time.Timer
	cleaned  sync.Once

	// The failure timeline (timeline_harness_test.go): its recorder, the
	// sampler's stop and done channels, and the page's line once written.
	tl         *timeline.Recorder
	sampleStop chan struct{}
	sampleDone chan struct{}
	tlOnce     sync.Once
	tlLine     string

	// begin/end statistics.
	t0    time.Time
	rpcs0 int
	ops   atomic.Int32 // Clerk calls made through the helpers
}

// inflightOp is an operation a Clerk is performing, for the watchdog.
type inflightOp struct {
	what  string
	since time.Time
}

// make_config starts n connected servers. unreliable makes the network
// lose and delay messages; maxraftstate is passed to every server (-1: no
// snapshots).
func make_config(t *testing.T, n int, unreliable bool, maxraftstate int) *config {
	return makeConfig(t, n, 0, unreliable, maxraftstate)
}

// makeConfig is make_config with members (see config.members).
func makeConfig(t *testing.T, n, members int, unreliable bool, maxraftstate int) *config {
	net := labrpc.MakeNetwork()
	cfg := &config{
		t:            t,
		net:          net,
		seed:         net.Seed(),
		n:            n,
		members:      members,
		maxraftstate: maxraftstate,
		start:        time.Now(),
		rand:         rand.New(rand.NewPCG(uint64(net.Seed()), 0)),
		kvservers:    make([]*KVServer, n),
		saved:        make([]*raft.Persister, n),
		endnames:     make([][]string, n),
		clerks:       map[*Clerk][]string{},
		inflight:     map[*Clerk]inflightOp{},
		// The harness's clock: debug lines count from when the network
		// was made.
		tl:         timeline.New(t.Name(), net.MakeEnd("timeline-clock").NetworkMade(), n),
		sampleStop: make(chan struct{}),
		sampleDone: make(chan struct{}),
	}
	t.Logf("%s", cfg.seedLine())
	cfg.tl.Note(cfg.seedLine())
	t.Cleanup(cfg.cleanup) // in case a test forgets: no server may outlive it
	cfg.watchdog = time.AfterFunc(testLimit+30*time.Second, cfg.hung)
	for i := range n {
		cfg.StartServer(i)
	}
	cfg.ConnectAll()
	net.Reliable(!unreliable)
	cfg.tl.Unreliable(unreliable)
	go func() {
		defer close(cfg.sampleDone)
		cfg.sampleTimeline(cfg.sampleStop)
	}()
	return cfg
}

// ---- Failures ----

// seedLine says how to replay the test's network.
func (cfg *config) seedLine() string {
	return fmt.Sprintf("seed %d (rerun with %s=%d)", cfg.seed, labrpc.SeedEnv, cfg.seed)
}

// fatalf fails the test with the message, the state of every server and
// the seed. Test goroutine only. The failure is marked on the timeline,
// whose page is written at once; its path follows the seed line.
func (cfg *config) fatalf(format string, args ...any) {
	cfg.t.Helper()
	msg := fmt.Sprintf(format, args...)
	servers := cfg.describe()
	cfg.tl.Fail(msg + "\nservers: " + servers)
	cfg.t.Fatalf("%s\n  servers: %s\n  %s\n  %s", msg, servers, cfg.seedLine(), cfg.writeTimeline())
}

// errorf is fatalf for client goroutines: it marks the test failed and
// returns; the goroutine should stop. Nothing is reported once cleanup
// has begun, since the test may have ended.
func (cfg *config) errorf(format string, args ...any) {
	cfg.t.Helper()
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	if !cfg.finished {
		msg := fmt.Sprintf(format, args...)
		cfg.tl.Fail(msg)
		cfg.t.Errorf("%s\n  %s", msg, cfg.seedLine())
	}
}

// failed reports whether the test has failed, for client loops to stop.
func (cfg *config) failed() bool {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.finished || cfg.t.Failed()
}

// describe gives, for every server, its Raft term and role and the sizes
// of its persisted state.
func (cfg *config) describe() string {
	cfg.mu.Lock()
	kvs, saved := slices.Clone(cfg.kvservers), slices.Clone(cfg.saved)
	cfg.mu.Unlock()
	var parts []string
	for i, kv := range kvs {
		sizes := fmt.Sprintf("raft state %dB snapshot %dB", saved[i].RaftStateSize(), saved[i].SnapshotSize())
		if kv == nil {
			parts = append(parts, fmt.Sprintf("S%d down (%s)", i, sizes))
			continue
		}
		switch term, leader, ok := probe.State(kv.rf, time.Second); {
		case !ok:
			parts = append(parts, fmt.Sprintf("S%d UNRESPONSIVE (GetState blocked 1s) (%s)", i, sizes))
		case leader:
			parts = append(parts, fmt.Sprintf("S%d leader T%d (%s)", i, term, sizes))
		default:
			parts = append(parts, fmt.Sprintf("S%d T%d (%s)", i, term, sizes))
		}
	}
	return strings.Join(parts, "; ")
}

// hung runs when a test has outlived its limit by 30 s: it says which
// operations are stuck and where, then panics, which ends the test binary
// as go test's own timeout would, but with the seed.
func (cfg *config) hung() {
	cfg.mu.Lock()
	var ops []string
	for _, op := range cfg.inflight {
		ops = append(ops, fmt.Sprintf("%s (for %.1fs)", op.what, time.Since(op.since).Seconds()))
	}
	cfg.mu.Unlock()
	slices.Sort(ops)
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	fmt.Fprintf(os.Stderr, "%s still running after %v; goroutines:\n%s\n", cfg.t.Name(), time.Since(cfg.start), buf)
	panic(fmt.Sprintf("%s: still running after %.0fs (limit %v)\n  operations in flight: %s\n  servers: %s\n  %s",
		cfg.t.Name(), time.Since(cfg.start).Seconds(), testLimit, strings.Join(ops, "; "), cfg.describe(), cfg.seedLine()))
}

// opStarted and opDone bracket a Clerk call, for the watchdog.
func (cfg *config) opStarted(ck *Clerk, what string) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.inflight[ck] = inflightOp{what, time.Now()}
}

func (cfg *config) opDone(ck *Clerk) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	delete(cfg.inflight, ck)
}

// ---- Randomness ----

// rng returns a new source of randomness drawn from the seed, for one
// goroutine. Streams are numbered in the order of the calls, so a test
// that calls rng from its own goroutine gets the same streams every run.
func (cfg *config) rng() *rand.Rand {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.streams++
	return rand.New(rand.NewPCG(uint64(cfg.seed), cfg.streams))
}

// random_handles returns the ends in a random order, so Clerks do not all
// try server 0 first.
func random_handles(kvh []*labrpc.ClientEnd, r *rand.Rand) []*labrpc.ClientEnd {
	sa := slices.Clone(kvh)
	r.Shuffle(len(sa), func(i, j int) { sa[i], sa[j] = sa[j], sa[i] })
	return sa
}

// endName returns a name no end of this network has had. Caller holds cfg.mu.
func (cfg *config) endName(format string, args ...any) string {
	cfg.nends++
	return fmt.Sprintf(format, args...) + fmt.Sprintf("#%d", cfg.nends)
}

// ---- Connectivity ----

// All returns every server's index.
func (cfg *config) All() []int {
	all := make([]int, cfg.n)
	for i := range all {
		all[i] = i
	}
	return all
}

// connectUnlocked enables the ends between server i and the servers in to,
// both ways. Caller holds cfg.mu.
func (cfg *config) connectUnlocked(i int, to []int) {
	for _, j := range to {
		cfg.net.Enable(cfg.endnames[i][j], true)
		cfg.net.Enable(cfg.endnames[j][i], true)
	}
}

// disconnectUnlocked disables the ends between server i and the servers in
// from, both ways. Caller holds cfg.mu.
func (cfg *config) disconnectUnlocked(i int, from []int) {
	for _, j := range from {
		if cfg.endnames[i] != nil {
			cfg.net.Enable(cfg.endnames[i][j], false)
		}
		if cfg.endnames[j] != nil {
			cfg.net.Enable(cfg.endnames[j][i], false)
		}
	}
}

func (cfg *config) connect(i int, to []int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.connectUnlocked(i, to)
	if len(to) >= cfg.n-1 {
		cfg.tl.Disconnected(i, false)
	}
}

func (cfg *config) disconnect(i int, from []int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.disconnectUnlocked(i, from)
	if len(from) >= cfg.n-1 {
		cfg.tl.Disconnected(i, true)
	}
}

// ConnectAll connects every server to every other. Clerks are not touched.
func (cfg *config) ConnectAll() {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i := range cfg.n {
		cfg.connectUnlocked(i, cfg.All())
		cfg.tl.Disconnected(i, false)
	}
	cfg.tl.Partition()
}

// partition splits the servers into p1 and p2, connected within each group
// and cut off between them. Clerks are not touched.
func (cfg *config) partition(p1 []int, p2 []int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.tl.Partition(p1, p2)
	for _, i := range slices.Concat(p1, p2) {
		cfg.tl.Disconnected(i, false) // connected within its side
	}
	for _, i := range p1 {
		cfg.disconnectUnlocked(i, p2)
		cfg.connectUnlocked(i, p1)
	}
	for _, i := range p2 {
		cfg.disconnectUnlocked(i, p1)
		cfg.connectUnlocked(i, p2)
	}
}

// make_partition splits the servers into a majority and a minority, with
// the current leader (server 0 if none is seen) in the minority.
func (cfg *config) make_partition() ([]int, []int) {
	_, l := cfg.Leader()
	p1 := make([]int, 0, cfg.n/2+1)
	p2 := make([]int, 0, cfg.n/2)
	for i := range cfg.n {
		if i == l {
			continue
		}
		if len(p1) < cfg.n/2+1 {
			p1 = append(p1, i)
		} else {
			p2 = append(p2, i)
		}
	}
	return p1, append(p2, l)
}

// Leader returns a server whose Raft peer believes it leads, if any.
func (cfg *config) Leader() (bool, int) {
	cfg.mu.Lock()
	kvs := slices.Clone(cfg.kvservers)
	cfg.mu.Unlock()
	for i, kv := range kvs {
		if kv == nil {
			continue
		}
		if _, isLeader := kv.rf.GetState(); isLeader {
			return true, i
		}
	}
	return false, 0
}

// ---- Clerks ----

// makeClient returns a Clerk with an end to every server, connected to the
// servers in to only.
func (cfg *config) makeClient(to []int) *Clerk {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	ends := make([]*labrpc.ClientEnd, cfg.n)
	endnames := make([]string, cfg.n)
	for j := range cfg.n {
		endnames[j] = cfg.endName("clerk-kv%d", j)
		ends[j] = cfg.net.MakeEnd(endnames[j])
		cfg.net.Connect(endnames[j], j)
	}
	ck := MakeClerk(random_handles(ends, cfg.rand))
	cfg.clerks[ck] = endnames
	cfg.connectClientUnlocked(ck, to)
	return ck
}

// deleteClient forgets a Clerk; its ends are left disabled.
func (cfg *config) deleteClient(ck *Clerk) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for _, name := range cfg.clerks[ck] {
		cfg.net.Enable(name, false)
	}
	delete(cfg.clerks, ck)
}

// connectClientUnlocked enables ck's ends to the servers in to. Caller
// holds cfg.mu.
func (cfg *config) connectClientUnlocked(ck *Clerk, to []int) {
	for _, j := range to {
		cfg.net.Enable(cfg.clerks[ck][j], true)
	}
}

func (cfg *config) ConnectClient(ck *Clerk, to []int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.connectClientUnlocked(ck, to)
}

func (cfg *config) DisconnectClient(ck *Clerk, from []int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for _, j := range from {
		cfg.net.Enable(cfg.clerks[ck][j], false)
	}
}

// ---- Servers ----

// ShutdownServer crashes server i: it is cut off, deleted from the network
// (so no reply of it reaches a Clerk any more), its persister is replaced
// by a copy (so the dead incarnation cannot write into the next one's
// state), and it is killed.
func (cfg *config) ShutdownServer(i int) {
	cfg.mu.Lock()
	cfg.disconnectUnlocked(i, cfg.All())
	// Delete before copying the persister: otherwise the server could
	// answer an Append it persisted only into the superseded persister.
	cfg.net.DeleteServer(i)
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
	}
	kv := cfg.kvservers[i]
	cfg.kvservers[i] = nil
	cfg.mu.Unlock()
	if kv != nil {
		cfg.tl.Crash(i)
		cfg.tl.Disconnected(i, true)
		kv.Kill()
	}
}

// StartServer starts a new incarnation of server i from a copy of what the
// last one persisted, with fresh ends that are not connected to anything
// until connect or ConnectAll. A running incarnation is shut down first.
func (cfg *config) StartServer(i int) {
	cfg.mu.Lock()
	running := cfg.kvservers[i] != nil
	cfg.mu.Unlock()
	if running {
		cfg.ShutdownServer(i)
	}

	cfg.mu.Lock()
	restart := cfg.saved[i] != nil
	cfg.endnames[i] = make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := range cfg.n {
		cfg.endnames[i][j] = cfg.endName("kv%d-raft%d", i, j)
		ends[j] = cfg.net.MakeEnd(cfg.endnames[i][j])
		cfg.net.Connect(cfg.endnames[i][j], j)
	}
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
	} else {
		cfg.saved[i] = raft.MakePersister()
	}
	persister := cfg.saved[i]
	cfg.mu.Unlock()

	var kv *KVServer
	if cfg.members == 0 {
		kv = StartKVServer(ends, i, persister, cfg.maxraftstate)
	} else {
		kv = StartKVMember(i, persister, cfg.maxraftstate, cfg.memberOptions(i, ends))
	}
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(kv))
	srv.AddService(labrpc.MakeService(kv.rf))
	cfg.mu.Lock()
	cfg.kvservers[i] = kv
	cfg.mu.Unlock()
	if restart {
		cfg.tl.Restart(i)
	}
	cfg.sampleServer(i, kv) // the role it starts in, at once
	cfg.net.AddServer(i, srv)
}

// LogSize returns the largest persisted Raft state of any server.
func (cfg *config) LogSize() int {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	logsize := 0
	for _, p := range cfg.saved {
		logsize = max(logsize, p.RaftStateSize())
	}
	return logsize
}

// SnapshotSize returns the largest snapshot of any server.
func (cfg *config) SnapshotSize() int {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	snapshotsize := 0
	for _, p := range cfg.saved {
		snapshotsize = max(snapshotsize, p.SnapshotSize())
	}
	return snapshotsize
}

// ---- Test life cycle ----

func (cfg *config) rpcTotal() int { return cfg.net.GetTotalCount() }

// begin prints the test's description and starts its counters.
func (cfg *config) begin(description string) {
	fmt.Printf("%s ...\n", description)
	cfg.t0 = time.Now()
	cfg.rpcs0 = cfg.rpcTotal()
	cfg.ops.Store(0)
}

// op counts one Clerk call.
func (cfg *config) op() {
	cfg.ops.Add(1)
}

// end prints the course's summary line: seconds, peers, RPCs, operations.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.checkTimeout()
	if cfg.t.Failed() {
		return
	}
	secs := time.Since(cfg.t0).Seconds()
	nrpc := cfg.rpcTotal() - cfg.rpcs0
	fmt.Printf("  ... Passed --  %4.1f  %d %5d %4d\n", secs, cfg.n, nrpc, cfg.ops.Load())
}

// checkTimeout enforces the course's limit on one test.
func (cfg *config) checkTimeout() {
	cfg.t.Helper()
	if d := time.Since(cfg.start); !cfg.t.Failed() && d > testLimit {
		cfg.t.Errorf("test took %.1fs, more than %v; %s", d.Seconds(), testLimit, cfg.seedLine())
	}
}

// cleanup kills every server and shuts the network down. It may be called
// more than once.
func (cfg *config) cleanup() {
	cfg.cleaned.Do(func() {
		cfg.watchdog.Stop()
		cfg.mu.Lock()
		cfg.finished = true
		kvs := slices.Clone(cfg.kvservers)
		clear(cfg.kvservers)
		cfg.mu.Unlock()
		for _, kv := range kvs {
			if kv != nil {
				kv.Kill()
			}
		}
		cfg.net.Cleanup()
		cfg.checkTimeout()
		cfg.timelineCleanup()
	})
}
