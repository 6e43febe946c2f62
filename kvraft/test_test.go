package kvraft

// The 4A and 4B tests, after the course's test_test.go: the same tests
// under the same names, printing the same lines, with these differences:
//   - every GenericTest records its history and checks it for
//     linearizability; a verdict of Unknown (out of time) fails the test
//     instead of passing with a note, and Illegal or Unknown writes the
//     checker's HTML page to the OS temp dir and says where;
//   - client goroutines report failures with t.Errorf and stop, and the test
//     goroutine fails after collecting them (Fatal in another goroutine
//     does not stop the test);
//   - waits the lab does not time have deadlines, and randomness comes from
//     the network's seed.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"raftlab/linearizability"
)

// The tests are written against a Raft whose elections settle within a
// second.
const electionTimeout = 1 * time.Second

// linearizabilityCheckTimeout bounds the check of one history. The course
// allows 1 s and passes on a timeout; a history here takes milliseconds
// (appended values are unique, and reads pin the state down), so 5 s is
// far from anything a correct run needs, and a timeout fails. Where many
// clients append to one key (random keys), Gets are recorded whole: with
// digests, a burst of concurrent Appends before the next Get left the
// checker to try every order of them, and about one run in 20 of the
// random-key tests ran out of time (under -race, -p 4).
const linearizabilityCheckTimeout = 5 * time.Second

// maxVisualizedOps bounds the history the checker's page is drawn for on a
// failure. A correct server commits each operation through Raft, some
// thousands in a test; millions come from a Clerk that answers at once
// without a server (the student handout's skeleton), and drawing them
// takes minutes and gigabytes, past the grader's limit on a run.
const maxVisualizedOps = 200_000

// clientDeadline bounds how long the test waits for clients to finish the
// operation they had in flight when told to stop, after the network is
// healed and every server is up.
const clientDeadline = 30 * time.Second

// OpLog is the history of a test: every completed operation.
type OpLog struct {
	mu         sync.Mutex
	operations []linearizability.Operation
	// wholeValues records each Get's value whole, which lets the checker
	// (KvModel.Doomed) drop any order of Appends the value contradicts.
	// Otherwise a Get records a digest (length, hash, tail), for tests
	// whose values grow long: whole values would make the history
	// quadratic in the number of Appends.
	wholeValues bool
	full        bool // an operation came that the history had no room for
}

// maxHistoryOps bounds a test's history. A service that commits each
// operation through Raft completes some thousands in a test; a Clerk that
// answers without any server (the student handout's skeleton) completes
// millions, which took gigabytes to keep and check. Past it the test fails
// at once, so its clients stop.
const maxHistoryOps = 1_000_000

// Append records op in the history, unless it holds maxHistoryOps already.
// It returns true once, for the first operation it could not record.
func (log *OpLog) Append(op linearizability.Operation) (full bool) {
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.operations) >= maxHistoryOps {
		first := !log.full
		log.full = true
		return first
	}
	log.operations = append(log.operations, op)
	return false
}

// record appends op to log, if there is one, and fails the test when the
// history is full.
func record(cfg *config, log *OpLog, op linearizability.Operation) {
	if log != nil && log.Append(op) {
		cfg.errorf("clients completed more than %d operations: far more than a service that commits each through Raft completes in a test (some thousands); are operations answered without agreement?", maxHistoryOps)
	}
}

// getOutput is what the history records of a Get that returned v.
func (log *OpLog) getOutput(v string) any {
	if log.wholeValues {
		return linearizability.KvOutput{Value: v}
	}
	return linearizability.DigestKvOutput(v)
}

func (log *OpLog) Read() []linearizability.Operation {
	log.mu.Lock()
	defer log.mu.Unlock()
	return append([]linearizability.Operation(nil), log.operations...)
}

// t0 anchors the history's clock: times are Unix nanoseconds that advance
// by the monotonic clock, so a wall-clock step cannot reorder operations.
var t0 = time.Now()

func now() int64 { return t0.UnixNano() + int64(time.Since(t0)) }

// Get, Put and Append perform one operation with ck and, if log is not nil,
// record it in log as client cli's.
func Get(cfg *config, ck *Clerk, key string, log *OpLog, cli int) string {
	cfg.opStarted(ck, fmt.Sprintf("client %d Get(%q)", cli, key))
	start := now()
	v := ck.Get(key)
	end := now()
	cfg.opDone(ck)
	cfg.op()
	cfg.tl.Op(cli, "Get", key, time.Unix(0, start), time.Unix(0, end))
	if log != nil {
		record(cfg, log, linearizability.Operation{
			ClientId: cli,
			Input:    linearizability.KvInput{Op: linearizability.KvGet, Key: key},
			Call:     start,
			Output:   log.getOutput(v),
			Return:   end,
		})
	}
	return v
}

func Put(cfg *config, ck *Clerk, key string, value string, log *OpLog, cli int) {
	putAppend(cfg, ck, linearizability.KvPut, key, value, log, cli)
}

func Append(cfg *config, ck *Clerk, key string, value string, log *OpLog, cli int) {
	putAppend(cfg, ck, linearizability.KvAppend, key, value, log, cli)
}

// Delete is Put and Append's counterpart for Clerk.Delete, which is not in
// the course's API (the cluster's HTTP API has it).
func Delete(cfg *config, ck *Clerk, key string, log *OpLog, cli int) {
	putAppend(cfg, ck, linearizability.KvDelete, key, "", log, cli)
}

func putAppend(cfg *config, ck *Clerk, op uint8, key, value string, log *OpLog, cli int) {
	name := map[uint8]string{linearizability.KvPut: "Put", linearizability.KvAppend: "Append", linearizability.KvDelete: "Delete"}[op]
	cfg.opStarted(ck, fmt.Sprintf("client %d %s(%q, %q)", cli, name, key, value))
	start := now()
	switch op {
	case linearizability.KvPut:
		ck.Put(key, value)
	case linearizability.KvAppend:
		ck.Append(key, value)
	case linearizability.KvDelete:
		ck.Delete(key)
	}
	end := now()
	cfg.opDone(ck)
	cfg.op()
	cfg.tl.Op(cli, name, key, time.Unix(0, start), time.Unix(0, end))
	record(cfg, log, linearizability.Operation{
		ClientId: cli,
		Input:    linearizability.KvInput{Op: op, Key: key, Value: value},
		Call:     start,
		Output:   linearizability.KvOutput{},
		Return:   end,
	})
}

// check fails the test unless Get(key) returns value. Test goroutine only.
func check(cfg *config, t *testing.T, ck *Clerk, key string, value string) {
	t.Helper()
	if v := Get(cfg, ck, key, nil, -1); v != value {
		cfg.fatalf("Get(%q): expected %q, got %q", key, value, v)
	}
}

// run_client runs fn as client me with a Clerk of its own, connected to
// every server, and says on ca whether fn returned without failing.
func run_client(t *testing.T, cfg *config, me int, ca chan bool, fn func(me int, ck *Clerk, t *testing.T)) {
	ok := false
	defer func() { ca <- ok }()
	ck := cfg.makeClient(cfg.All())
	fn(me, ck, t)
	ok = !cfg.failed()
	cfg.deleteClient(ck)
}

// spawn_clients_and_wait runs ncli clients and waits for all of them. It
// reports whether all succeeded; a client that failed has said why.
func spawn_clients_and_wait(t *testing.T, cfg *config, ncli int, fn func(me int, ck *Clerk, t *testing.T)) bool {
	ca := make([]chan bool, ncli)
	for cli := range ncli {
		ca[cli] = make(chan bool, 1)
		go run_client(t, cfg, cli, ca[cli], fn)
	}
	allOk := true
	for cli := range ncli {
		allOk = <-ca[cli] && allOk
	}
	return allOk
}

// NextValue is the value of a key after appending val to prev.
func NextValue(prev string, val string) string {
	return prev + val
}

// checkClntAppends checks that v holds client clnt's appends 0..count-1,
// each once and in order. It returns a description of what is wrong, or "".
func checkClntAppends(t *testing.T, clnt int, v string, count int) string {
	t.Helper()
	lastoff := -1
	for j := range count {
		wanted := "x " + strconv.Itoa(clnt) + " " + strconv.Itoa(j) + " y"
		off := strings.Index(v, wanted)
		if off < 0 {
			return fmt.Sprintf("client %d: expected its append %q (of %d) in the value, missing; value: %s", clnt, wanted, count, abbrev(v))
		}
		if off1 := strings.LastIndex(v, wanted); off1 != off {
			return fmt.Sprintf("client %d: expected its append %q once, found it at offsets %d and %d; value: %s", clnt, wanted, off, off1, abbrev(v))
		}
		if off <= lastoff {
			return fmt.Sprintf("client %d: expected its append %q after its previous one (offset %d), found it at offset %d; value: %s",
				clnt, wanted, lastoff, off, abbrev(v))
		}
		lastoff = off
	}
	return ""
}

// checkConcurrentAppends checks that v holds, for every client i, its
// appends 0..counts[i]-1, each once and in order.
func checkConcurrentAppends(t *testing.T, v string, counts []int) string {
	t.Helper()
	for i, count := range counts {
		if msg := checkClntAppends(t, i, v, count); msg != "" {
			return msg
		}
	}
	return ""
}

// abbrev shortens a long value for a message.
func abbrev(v string) string {
	if len(v) <= 400 {
		return strconv.Quote(v)
	}
	return fmt.Sprintf("%q...%q (%d bytes)", v[:200], v[len(v)-200:], len(v))
}

// partitioner repartitions the servers at random about every second until
// done is set, then says so on ch.
func partitioner(t *testing.T, cfg *config, ch chan bool, done *atomic.Bool, r *rand.Rand) {
	defer func() { ch <- true }()
	for !done.Load() {
		var pa [2][]int
		for i := range cfg.n {
			side := r.IntN(2)
			pa[side] = append(pa[side], i)
		}
		cfg.partition(pa[0], pa[1])
		time.Sleep(electionTimeout + time.Duration(r.IntN(200))*time.Millisecond)
	}
}

// checkLinearizable runs the checker on the history. On Illegal or Unknown
// it writes the checker's page to the OS temp dir and fails.
func checkLinearizable(cfg *config, history []linearizability.Operation) {
	cfg.t.Helper()
	start := time.Now()
	res, info := linearizability.CheckOperationsTimeout(linearizability.KvModel, history, linearizabilityCheckTimeout)
	took := time.Since(start)
	cfg.t.Logf("linearizability: %d operations checked in %v: %v", len(history), took, res)
	if res == linearizability.Ok {
		return
	}
	page := "(no page: "
	if len(history) > maxVisualizedOps {
		page += fmt.Sprintf("%d operations, more than the %d a page is drawn for: a history this long comes from operations answered without agreement, e.g. by a skeleton's Clerk)", len(history), maxVisualizedOps)
	} else if f, err := os.CreateTemp("", "kvraft-linearizability-*.html"); err != nil {
		page += err.Error() + ")"
	} else {
		f.Close()
		if err := linearizability.VisualizePath(linearizability.KvModel, info, f.Name()); err != nil {
			page += err.Error() + ")"
		} else {
			page = f.Name()
			cfg.tl.Link("the linearizability checker's page of this run", page)
		}
	}
	var why []string
	if info.Err != nil {
		why = append(why, info.Err.Error())
	}
	for _, p := range info.Partitions {
		switch {
		case p.Result == linearizability.Illegal && p.Stuck >= 0 && p.Stuck < len(p.History):
			op := p.History[p.Stuck]
			why = append(why, fmt.Sprintf("%s: illegal after %d operations; client %d's %s cannot be placed",
				p.Label, len(p.Prefix), op.ClientId, linearizability.KvModel.DescribeOperation(op.Input, op.Output)))
		case p.Result == linearizability.Illegal:
			why = append(why, fmt.Sprintf("%s: illegal after %d operations", p.Label, len(p.Prefix)))
		case p.Result == linearizability.Unknown && res == linearizability.Unknown:
			why = append(why, fmt.Sprintf("%s (%d operations): %s", p.Label, len(p.History), p.Reason))
		}
	}
	if res == linearizability.Unknown {
		cfg.fatalf("linearizability check of %d operations gave no verdict within %v: expected Ok, got Unknown: %s; checker page: %s",
			len(history), linearizabilityCheckTimeout, strings.Join(why, "; "), page)
	}
	cfg.fatalf("history of %d operations is not linearizable: expected Ok, got Illegal: %s; checker page: %s",
		len(history), strings.Join(why, "; "), page)
}

// GenericTest runs nclients clients against nservers servers for three
// rounds of 5 s, each client appending to and reading its own key (or, with
// randomkeys, any client's key). Between rounds it can partition the
// network at random (partitions) and restart every server (crash). After
// each round it checks every client's appends and, with snapshots, the size
// of the Raft state; at the end, the whole history for linearizability.
func GenericTest(t *testing.T, part string, nclients int, nservers int, unreliable bool, crash bool, partitions bool, maxraftstate int, randomkeys bool) {
	g := &genericRun{t: t, nclients: nclients, nservers: nservers, unreliable: unreliable,
		crash: crash, partitions: partitions, maxraftstate: maxraftstate, randomkeys: randomkeys}
	title := g.title(part)
	g.cfg = make_config(t, nservers, unreliable, maxraftstate)
	defer g.cfg.cleanup()
	g.cfg.begin(title)
	// With random keys, 15 clients append to 15 keys: values stay short
	// (a few KiB), and bursts of concurrent Appends to one key are common.
	g.opLog = &OpLog{wholeValues: randomkeys}
	g.ck = g.cfg.makeClient(g.cfg.All())
	for round := range 3 {
		g.round(round)
	}
	checkLinearizable(g.cfg, g.opLog.Read())
	g.cfg.end()
}

// genericRun is one GenericTest: its parameters, and what its rounds share.
type genericRun struct {
	t                                         *testing.T
	nclients, nservers                        int
	unreliable, crash, partitions, randomkeys bool
	maxraftstate                              int
	cfg                                       *config
	opLog                                     *OpLog
	ck                                        *Clerk // reads every client's key after each round
}

// checker is ck's client id in the history.
func (g *genericRun) checker() int { return g.nclients }

// title is the line the test prints when it begins, as the course's does.
func (g *genericRun) title(part string) string {
	title := "Test: "
	if g.unreliable {
		title += "unreliable net, "
	}
	if g.crash {
		title += "restarts, "
	}
	if g.partitions {
		title += "partitions, "
	}
	if g.maxraftstate != -1 {
		title += "snapshots, "
	}
	if g.randomkeys {
		title += "random keys, "
	}
	if g.nclients > 1 {
		title += "many clients"
	} else {
		title += "one client"
	}
	return title + " (" + part + ")"
}

// round runs the clients for 5 s (with partitions, after 1 s undisturbed,
// while the network is repartitioned), heals the network, restarts the
// servers if the test crashes them, waits for the clients to stop, and
// checks what they left.
func (g *genericRun) round(round int) {
	var doneClients, donePartitioner atomic.Bool
	counts := make([]int, g.nclients) // appends and puts of each client
	clientsDone := g.startClients(round, &doneClients, counts)
	var partitionerDone chan bool
	if g.partitions {
		// Let the clients work undisturbed for a while.
		time.Sleep(1 * time.Second)
		partitionerDone = make(chan bool, 1)
		go partitioner(g.t, g.cfg, partitionerDone, &donePartitioner, g.cfg.rng())
	}
	time.Sleep(5 * time.Second)
	doneClients.Store(true)
	donePartitioner.Store(true)
	if g.partitions {
		g.stopPartitions(round, partitionerDone)
	}
	if g.crash {
		g.restartServers()
	}
	g.waitForClients(round, clientsDone)
	g.checkAppends(round, counts)
	g.checkRaftStateSize(round)
}

// startClients starts the round's clients, which work until done is set.
// The channel returned says, once all have stopped, whether every one
// succeeded; counts[cli] is then client cli's appends and puts.
func (g *genericRun) startClients(round int, done *atomic.Bool, counts []int) chan bool {
	rands := make([]*rand.Rand, g.nclients)
	for cli := range rands {
		rands[cli] = g.cfg.rng()
	}
	clientsDone := make(chan bool, 1)
	go func() {
		clientsDone <- spawn_clients_and_wait(g.t, g.cfg, g.nclients, func(cli int, myck *Clerk, t *testing.T) {
			counts[cli] = g.client(round, cli, myck, rands[cli], done)
		})
	}()
	return clientsDone
}

// client is client cli's work in a round, until done is set: half of its
// operations are Appends, and of the rest, with random keys, one in ten is
// a Put; the others are Gets, which without random keys must return the
// client's own appends so far. It returns how many Appends and Puts it
// made; it stops early, having said why, on a wrong Get.
func (g *genericRun) client(round, cli int, ck *Clerk, r *rand.Rand, done *atomic.Bool) int {
	cfg := g.cfg
	// The value of the client's key, without randomkeys: grown in place, so
	// an Append costs the test what it adds.
	var last []byte
	if !g.randomkeys {
		Put(cfg, ck, strconv.Itoa(cli), "", g.opLog, cli)
	}
	j := 0
	for !done.Load() && !cfg.failed() {
		key := strconv.Itoa(cli)
		if g.randomkeys {
			key = strconv.Itoa(r.IntN(g.nclients))
		}
		nv := "x " + strconv.Itoa(cli) + " " + strconv.Itoa(j) + " y"
		if g.randomkeys {
			// Any client may write any key, round after round: the round
			// keeps each value unique, so the checker is never left to
			// tell two equal writes apart (which can take it exponential
			// time). Without randomkeys, values are checked per round.
			nv = "x " + strconv.Itoa(cli) + " " + strconv.Itoa(round) + "." + strconv.Itoa(j) + " y"
		}
		switch {
		case r.IntN(1000) < 500:
			Append(cfg, ck, key, nv, g.opLog, cli)
			if !g.randomkeys {
				last = append(last, nv...)
			}
			j++
		case g.randomkeys && r.IntN(1000) < 100:
			// Only with random keys: a Put would break the expected value
			// of the Gets below.
			Put(cfg, ck, key, nv, g.opLog, cli)
			j++
		default:
			v := Get(cfg, ck, key, g.opLog, cli)
			if !g.randomkeys && v != string(last) {
				cfg.errorf("round %d: client %d Get(%q): expected %s, got %s", round, cli, key, abbrev(string(last)), abbrev(v))
				return j
			}
		}
	}
	return j
}

// stopPartitions waits for the partitioner to stop, then heals the network
// and gives the cluster an election's time before anything else happens: a
// client may be waiting on a minority leader, which answers only once it
// learns of the new term.
func (g *genericRun) stopPartitions(round int, partitionerDone chan bool) {
	select {
	case <-partitionerDone:
	case <-time.After(5 * time.Second):
		g.cfg.fatalf("round %d: the partitioner did not stop within 5s of being told to", round)
	}
	g.cfg.ConnectAll()
	time.Sleep(electionTimeout)
}

// restartServers shuts every server down, leaves the clients without
// servers for an election timeout, and starts them all again.
func (g *genericRun) restartServers() {
	for i := range g.nservers {
		g.cfg.ShutdownServer(i)
	}
	time.Sleep(electionTimeout)
	for i := range g.nservers {
		g.cfg.StartServer(i)
	}
	g.cfg.ConnectAll()
}

// waitForClients fails the test unless every client of the round finishes
// the operation it had in flight within clientDeadline, without failing.
func (g *genericRun) waitForClients(round int, clientsDone chan bool) {
	select {
	case ok := <-clientsDone:
		if !ok || g.t.Failed() {
			g.cfg.fatalf("round %d: a client failed (see above)", round)
		}
	case <-time.After(clientDeadline):
		g.cfg.fatalf("round %d: expected every client to finish its last operation within %v of being told to stop (network healed, servers up); still in flight: %s",
			round, clientDeadline, strings.Join(g.inflight(), "; "))
	}
}

// inflight lists the operations the Clerks have in flight, and for how
// long.
func (g *genericRun) inflight() []string {
	cfg := g.cfg
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	var ops []string
	for _, op := range cfg.inflight {
		ops = append(ops, fmt.Sprintf("%s (for %.1fs)", op.what, time.Since(op.since).Seconds()))
	}
	return ops
}

// checkAppends reads every client's key, into the history, and without
// random keys checks that it holds exactly that client's appends of the
// round, each once and in order.
func (g *genericRun) checkAppends(round int, counts []int) {
	for i := range g.nclients {
		v := Get(g.cfg, g.ck, strconv.Itoa(i), g.opLog, g.checker())
		if g.randomkeys {
			continue
		}
		if msg := checkClntAppends(g.t, i, v, counts[i]); msg != "" {
			g.cfg.fatalf("round %d: %s", round, msg)
		}
	}
}

// checkRaftStateSize checks, once the servers have applied every request
// and had their chance to snapshot, that snapshots keep the Raft state
// within 8*maxraftstate, and that without snapshots none was taken.
func (g *genericRun) checkRaftStateSize(round int) {
	if g.maxraftstate > 0 {
		if sz := g.cfg.LogSize(); sz > 8*g.maxraftstate {
			g.cfg.fatalf("round %d: expected the Raft state trimmed to at most 8*maxraftstate = %d bytes, got %d bytes", round, 8*g.maxraftstate, sz)
		}
	}
	if g.maxraftstate < 0 {
		if ssz := g.cfg.SnapshotSize(); ssz > 0 {
			g.cfg.fatalf("round %d: expected no snapshot with maxraftstate %d, got one of %d bytes", round, g.maxraftstate, ssz)
		}
	}
}

// GenericTestSpeed checks that 1000 sequential Appends take less than a
// third of a heartbeat interval each: the leader must not wait for a
// heartbeat to replicate or commit.
func GenericTestSpeed(t *testing.T, part string, maxraftstate int) {
	const nservers = 3
	const numOps = 1000
	cfg := make_config(t, nservers, false, maxraftstate)
	defer cfg.cleanup()
	ck := cfg.makeClient(cfg.All())
	cfg.begin(fmt.Sprintf("Test: ops complete fast enough (%s)", part))

	// The first operation waits for a leader.
	Get(cfg, ck, "x", nil, -1)

	start := time.Now()
	for i := range numOps {
		Append(cfg, ck, "x", "x 0 "+strconv.Itoa(i)+" y", nil, -1)
	}
	dur := time.Since(start)

	v := Get(cfg, ck, "x", nil, -1)
	if msg := checkClntAppends(t, 0, v, numOps); msg != "" {
		cfg.fatalf("%s", msg)
	}

	const heartbeatInterval = 100 * time.Millisecond
	const opsPerInterval = 3
	const timePerOp = heartbeatInterval / opsPerInterval
	if dur > numOps*timePerOp {
		cfg.fatalf("expected at most %v per operation, got %v (%d Appends in %v)", timePerOp, dur/numOps, numOps, dur)
	}
	t.Logf("%d sequential Appends in %v: %v per operation", numOps, dur, dur/numOps)
	cfg.end()
}

func TestBasic4A(t *testing.T) {
	GenericTest(t, "4A", 1, 5, false, false, false, -1, false)
}

func TestSpeed4A(t *testing.T) {
	GenericTestSpeed(t, "4A", -1)
}

func TestConcurrent4A(t *testing.T) {
	GenericTest(t, "4A", 5, 5, false, false, false, -1, false)
}

func TestUnreliable4A(t *testing.T) {
	GenericTest(t, "4A", 5, 5, true, false, false, -1, false)
}

func TestUnreliableOneKey4A(t *testing.T) {
	const nservers = 3
	cfg := make_config(t, nservers, true, -1)
	defer cfg.cleanup()
	ck := cfg.makeClient(cfg.All())
	cfg.begin("Test: concurrent append to same key, unreliable (4A)")

	Put(cfg, ck, "k", "", nil, -1)

	const nclient = 5
	const upto = 10
	if !spawn_clients_and_wait(t, cfg, nclient, func(me int, myck *Clerk, t *testing.T) {
		for n := range upto {
			Append(cfg, myck, "k", "x "+strconv.Itoa(me)+" "+strconv.Itoa(n)+" y", nil, -1)
		}
	}) {
		cfg.fatalf("a client failed (see above)")
	}

	counts := make([]int, nclient)
	for i := range counts {
		counts[i] = upto
	}
	vx := Get(cfg, ck, "k", nil, -1)
	if msg := checkConcurrentAppends(t, vx, counts); msg != "" {
		cfg.fatalf("%s", msg)
	}
	cfg.end()
}

// TestOnePartition4A: a request in the minority does not complete until the
// partition heals; the majority makes progress meanwhile. The leader is
// put in the minority.
func TestOnePartition4A(t *testing.T) {
	const nservers = 5
	cfg := make_config(t, nservers, false, -1)
	defer cfg.cleanup()
	ck := cfg.makeClient(cfg.All())

	Put(cfg, ck, "1", "13", nil, -1)

	cfg.begin("Test: progress in majority (4A)")
	p1, p2 := cfg.make_partition()
	cfg.partition(p1, p2)
	ckp1 := cfg.makeClient(p1)  // in the majority
	ckp2a := cfg.makeClient(p2) // in the minority
	ckp2b := cfg.makeClient(p2) // in the minority too
	Put(cfg, ckp1, "1", "14", nil, -1)
	check(cfg, t, ckp1, "1", "14")
	cfg.end()

	done0 := make(chan bool, 1)
	done1 := make(chan bool, 1)
	cfg.begin("Test: no progress in minority (4A)")
	go func() {
		Put(cfg, ckp2a, "1", "15", nil, -1)
		done0 <- true
	}()
	go func() {
		Get(cfg, ckp2b, "1", nil, -1)
		done1 <- true
	}()
	select {
	case <-done0:
		cfg.fatalf("Put in the minority %v: expected it blocked until the partition heals, but it completed", p2)
	case <-done1:
		cfg.fatalf("Get in the minority %v: expected it blocked until the partition heals, but it completed", p2)
	case <-time.After(time.Second): // the lab's time to wait for a wrong answer
	}
	check(cfg, t, ckp1, "1", "14")
	Put(cfg, ckp1, "1", "16", nil, -1)
	check(cfg, t, ckp1, "1", "16")
	cfg.end()

	cfg.begin("Test: completion after heal (4A)")
	cfg.ConnectAll()
	cfg.ConnectClient(ckp2a, cfg.All())
	cfg.ConnectClient(ckp2b, cfg.All())
	// An election, then 3 s, as the course allows.
	deadline := time.After(electionTimeout + 3*time.Second)
	for _, w := range []struct {
		done chan bool
		what string
	}{{done0, "Put(\"1\", \"15\")"}, {done1, "Get(\"1\")"}} {
		select {
		case <-w.done:
		case <-deadline:
			cfg.fatalf("%s from the minority: expected it to complete within %v of healing, still blocked", w.what, electionTimeout+3*time.Second)
		}
	}
	check(cfg, t, ck, "1", "15")
	cfg.end()
}

func TestManyPartitionsOneClient4A(t *testing.T) {
	GenericTest(t, "4A", 1, 5, false, false, true, -1, false)
}

func TestManyPartitionsManyClients4A(t *testing.T) {
	GenericTest(t, "4A", 5, 5, false, false, true, -1, false)
}

func TestPersistOneClient4A(t *testing.T) {
	GenericTest(t, "4A", 1, 5, false, true, false, -1, false)
}

func TestPersistConcurrent4A(t *testing.T) {
	GenericTest(t, "4A", 5, 5, false, true, false, -1, false)
}

func TestPersistConcurrentUnreliable4A(t *testing.T) {
	GenericTest(t, "4A", 5, 5, true, true, false, -1, false)
}

func TestPersistPartition4A(t *testing.T) {
	GenericTest(t, "4A", 5, 5, false, true, true, -1, false)
}

func TestPersistPartitionUnreliable4A(t *testing.T) {
	GenericTest(t, "4A", 5, 5, true, true, true, -1, false)
}

func TestPersistPartitionUnreliableLinearizable4A(t *testing.T) {
	GenericTest(t, "4A", 15, 7, true, true, true, -1, true)
}

// TestSnapshotRPC4B: a server that falls behind catches up through
// InstallSnapshot, and the majority discards its log even while the
// minority does not answer.
func TestSnapshotRPC4B(t *testing.T) {
	const nservers = 3
	maxraftstate := 1000
	cfg := make_config(t, nservers, false, maxraftstate)
	defer cfg.cleanup()
	ck := cfg.makeClient(cfg.All())
	cfg.begin("Test: InstallSnapshot RPC (4B)")

	Put(cfg, ck, "a", "A", nil, -1)
	check(cfg, t, ck, "a", "A")

	// Many Puts in the majority.
	cfg.partition([]int{0, 1}, []int{2})
	{
		ck1 := cfg.makeClient([]int{0, 1})
		for i := range 50 {
			Put(cfg, ck1, strconv.Itoa(i), strconv.Itoa(i), nil, -1)
		}
		time.Sleep(electionTimeout) // the lab's pause: heartbeats carry on
		Put(cfg, ck1, "b", "B", nil, -1)
	}

	// The majority has discarded most of its log.
	if sz := cfg.LogSize(); sz > 8*maxraftstate {
		cfg.fatalf("expected the Raft state trimmed to at most 8*maxraftstate = %d bytes, got %d bytes", 8*maxraftstate, sz)
	}

	// A majority that needs the lagging server, which must catch up.
	cfg.partition([]int{0, 2}, []int{1})
	{
		ck1 := cfg.makeClient([]int{0, 2})
		Put(cfg, ck1, "c", "C", nil, -1)
		Put(cfg, ck1, "d", "D", nil, -1)
		check(cfg, t, ck1, "a", "A")
		check(cfg, t, ck1, "b", "B")
		check(cfg, t, ck1, "1", "1")
		check(cfg, t, ck1, "49", "49")
	}

	// Everybody.
	cfg.partition([]int{0, 1, 2}, []int{})
	Put(cfg, ck, "e", "E", nil, -1)
	check(cfg, t, ck, "c", "C")
	check(cfg, t, ck, "e", "E")
	check(cfg, t, ck, "1", "1")
	cfg.end()
}

// TestSnapshotSize4B: the log is trimmed, and the snapshot of a store of
// one small key is small: 500 bytes is generous.
func TestSnapshotSize4B(t *testing.T) {
	const nservers = 3
	maxraftstate := 1000
	maxsnapshotstate := 500
	cfg := make_config(t, nservers, false, maxraftstate)
	defer cfg.cleanup()
	ck := cfg.makeClient(cfg.All())
	cfg.begin("Test: snapshot size is reasonable (4B)")

	for range 200 {
		Put(cfg, ck, "x", "0", nil, -1)
		check(cfg, t, ck, "x", "0")
		Put(cfg, ck, "x", "1", nil, -1)
		check(cfg, t, ck, "x", "1")
	}

	if sz := cfg.LogSize(); sz > 8*maxraftstate {
		cfg.fatalf("expected the Raft state trimmed to at most 8*maxraftstate = %d bytes, got %d bytes", 8*maxraftstate, sz)
	}
	if ssz := cfg.SnapshotSize(); ssz > maxsnapshotstate {
		cfg.fatalf("expected a snapshot of at most %d bytes, got %d bytes", maxsnapshotstate, ssz)
	}
	cfg.end()
}

func TestSpeed4B(t *testing.T) {
	GenericTestSpeed(t, "4B", 1000)
}

func TestSnapshotRecover4B(t *testing.T) {
	GenericTest(t, "4B", 1, 5, false, true, false, 1000, false)
}

func TestSnapshotRecoverManyClients4B(t *testing.T) {
	GenericTest(t, "4B", 20, 5, false, true, false, 1000, false)
}

func TestSnapshotUnreliable4B(t *testing.T) {
	GenericTest(t, "4B", 5, 5, true, false, false, 1000, false)
}

func TestSnapshotUnreliableRecover4B(t *testing.T) {
	GenericTest(t, "4B", 5, 5, true, true, false, 1000, false)
}

func TestSnapshotUnreliableRecoverConcurrentPartition4B(t *testing.T) {
	GenericTest(t, "4B", 5, 5, true, true, true, 1000, false)
}

func TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable4B(t *testing.T) {
	GenericTest(t, "4B", 15, 7, true, true, true, 1000, true)
}

// TestDeleteLinearizable: Delete, not in the course's API, among Puts,
// Appends and Gets of five clients on three keys, on an unreliable network
// with the leader's server crashed and restarted midway. The history,
// Deletes included, must be linearizable, and a Get after a Delete by the
// same client must return "".
func TestDeleteLinearizable(t *testing.T) {
	const nservers, nclients = 3, 5
	cfg := make_config(t, nservers, true, -1)
	defer cfg.cleanup()
	cfg.begin("Test: deletes among puts, appends and gets, unreliable, a restart (cluster API)")
	log := &OpLog{wholeValues: true}
	var done atomic.Bool
	rands := make([]*rand.Rand, nclients)
	for i := range rands {
		rands[i] = cfg.rng()
	}
	clientsDone := make(chan bool, 1)
	go func() {
		clientsDone <- spawn_clients_and_wait(t, cfg, nclients, func(me int, ck *Clerk, t *testing.T) {
			r := rands[me]
			for j := 0; !done.Load() && !cfg.failed(); j++ {
				key := strconv.Itoa(r.IntN(3))
				switch n := r.IntN(10); {
				case n < 3:
					Append(cfg, ck, key, "x "+strconv.Itoa(me)+" "+strconv.Itoa(j)+" y", log, me)
				case n < 4:
					Put(cfg, ck, key, "p "+strconv.Itoa(me)+" "+strconv.Itoa(j)+" q", log, me)
				case n < 5:
					Delete(cfg, ck, key, log, me)
				default:
					Get(cfg, ck, key, log, me)
				}
			}
		})
	}()
	time.Sleep(1500 * time.Millisecond) // the clients work undisturbed
	cfg.ShutdownServer(0)
	time.Sleep(electionTimeout)
	cfg.StartServer(0)
	cfg.ConnectAll()
	time.Sleep(1500 * time.Millisecond)
	done.Store(true)
	select {
	case ok := <-clientsDone:
		if !ok {
			cfg.fatalf("a client failed (see above)")
		}
	case <-time.After(clientDeadline):
		cfg.fatalf("expected every client to finish its last operation within %v of being told to stop", clientDeadline)
	}
	ck := cfg.makeClient(cfg.All())
	Put(cfg, ck, "d", "v", log, nclients)
	Delete(cfg, ck, "d", log, nclients)
	if v := Get(cfg, ck, "d", log, nclients); v != "" {
		cfg.fatalf("Get after Delete: expected \"\", got %q", v)
	}
	checkLinearizable(cfg, log.Read())
	cfg.end()
}
