package kvraft

// A stand-in for the 6.5840 (2024) course's kvraft/test_test.go, written for
// raftlab's test of scripts/use-course-harness; it is not the course's code.
// It declares the course's package-level names (electionTimeout,
// linearizabilityCheckTimeout, OpLog, t0, Get, Put, Append, check,
// run_client, spawn_clients_and_wait, NextValue, checkClntAppends,
// checkConcurrentAppends, partitioner, GenericTest, GenericTestSpeed) and a
// few of its test names, runs short versions of their checks, and imports
// 6.5840/models and 6.5840/porcupine as the course does.

import (
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"6.5840/models"
	"6.5840/porcupine"
)

const electionTimeout = 1 * time.Second

const linearizabilityCheckTimeout = 1 * time.Second

// clientRun is how long GenericTest's clients run: the course's run for
// three rounds of 5 s; these tests only show that the harness works.
const clientRun = 500 * time.Millisecond

type OpLog struct {
	operations []porcupine.Operation
	sync.Mutex
}

func (log *OpLog) Append(op porcupine.Operation) {
	log.Lock()
	defer log.Unlock()
	log.operations = append(log.operations, op)
}

func (log *OpLog) Read() []porcupine.Operation {
	log.Lock()
	defer log.Unlock()
	return append([]porcupine.Operation(nil), log.operations...)
}

var t0 = time.Now()

// record adds one operation to log, if there is one.
func record(log *OpLog, cli int, start int64, in models.KvInput, out models.KvOutput) {
	if log != nil {
		log.Append(porcupine.Operation{Input: in, Output: out, Call: start,
			Return: int64(time.Since(t0)), ClientId: cli})
	}
}

func Get(cfg *config, ck *Clerk, key string, log *OpLog, cli int) string {
	start := int64(time.Since(t0))
	v := ck.Get(key)
	cfg.op()
	record(log, cli, start, models.KvInput{Op: 0, Key: key}, models.KvOutput{Value: v})
	return v
}

func Put(cfg *config, ck *Clerk, key string, value string, log *OpLog, cli int) {
	start := int64(time.Since(t0))
	ck.Put(key, value)
	cfg.op()
	record(log, cli, start, models.KvInput{Op: 1, Key: key, Value: value}, models.KvOutput{})
}

func Append(cfg *config, ck *Clerk, key string, value string, log *OpLog, cli int) {
	start := int64(time.Since(t0))
	ck.Append(key, value)
	cfg.op()
	record(log, cli, start, models.KvInput{Op: 2, Key: key, Value: value}, models.KvOutput{})
}

func check(cfg *config, t *testing.T, ck *Clerk, key string, value string) {
	if v := Get(cfg, ck, key, nil, -1); v != value {
		t.Fatalf("Get(%v): expected:\n%v\nreceived:\n%v", key, value, v)
	}
}

func run_client(t *testing.T, cfg *config, me int, ca chan bool, fn func(me int, ck *Clerk, t *testing.T)) {
	ok := false
	defer func() { ca <- ok }()
	fn(me, cfg.makeClient(cfg.All()), t)
	ok = true
}

func spawn_clients_and_wait(t *testing.T, cfg *config, ncli int, fn func(me int, ck *Clerk, t *testing.T)) {
	ca := make([]chan bool, ncli)
	for cli := range ca {
		ca[cli] = make(chan bool)
		go run_client(t, cfg, cli, ca[cli], fn)
	}
	for cli := range ca {
		if !<-ca[cli] {
			t.Fatalf("client %d failed", cli)
		}
	}
}

func NextValue(prev string, val string) string { return prev + val }

// checkClntAppends checks that v holds client clnt's count appends once
// each and in order.
func checkClntAppends(t *testing.T, clnt int, v string, count int) {
	last := -1
	for j := 0; j < count; j++ {
		wanted := "x " + strconv.Itoa(clnt) + " " + strconv.Itoa(j) + " y"
		off := strings.Index(v, wanted)
		if off < 0 || off != strings.LastIndex(v, wanted) || off <= last {
			t.Fatalf("client %d: element %q missing, repeated or out of order in %q", clnt, wanted, v)
		}
		last = off
	}
}

func checkConcurrentAppends(t *testing.T, v string, counts []int) {
	for clnt, count := range counts {
		checkClntAppends(t, clnt, v, count)
	}
}

func partitioner(t *testing.T, cfg *config, ch chan bool, done *int32) {
	defer func() { ch <- true }()
	for atomic.LoadInt32(done) == 0 {
		var pa [2][]int
		for i := 0; i < cfg.n; i++ {
			side := rand.Intn(2)
			pa[side] = append(pa[side], i)
		}
		cfg.partition(pa[0], pa[1])
		time.Sleep(electionTimeout + time.Duration(rand.Int63()%200)*time.Millisecond)
	}
}

// GenericTest: clients append to their own key and check it with Get for
// clientRun, optionally with crashes; then every key is checked and the
// history must be linearizable.
func GenericTest(t *testing.T, part string, nclients int, nservers int, unreliable bool, crash bool, partitions bool, maxraftstate int, randomkeys bool) {
	cfg := make_config(t, nservers, unreliable, maxraftstate)
	defer cfg.cleanup()
	cfg.begin("Test: " + part)
	opLog := &OpLog{}
	ck := cfg.makeClient(cfg.All())

	var stop, stopPartitioner int32
	counts := make([]int, nclients)
	partitionerDone := make(chan bool)
	if partitions {
		go partitioner(t, cfg, partitionerDone, &stopPartitioner)
	}
	time.AfterFunc(clientRun, func() { atomic.StoreInt32(&stop, 1) })
	spawn_clients_and_wait(t, cfg, nclients, func(cli int, myck *Clerk, t *testing.T) {
		key, last := strconv.Itoa(cli), ""
		Put(cfg, myck, key, last, opLog, cli)
		for j := 0; atomic.LoadInt32(&stop) == 0; j++ {
			nv := "x " + strconv.Itoa(cli) + " " + strconv.Itoa(j) + " y"
			Append(cfg, myck, key, nv, opLog, cli)
			last = NextValue(last, nv)
			counts[cli] = j + 1
			if v := Get(cfg, myck, key, opLog, cli); v != last {
				t.Fatalf("get wrong value, key %v, wanted:\n%v\n, got\n%v", key, last, v)
			}
		}
	})
	if partitions {
		atomic.StoreInt32(&stopPartitioner, 1)
		<-partitionerDone
		cfg.ConnectAll()
	}
	if crash {
		for i := 0; i < nservers; i++ {
			cfg.ShutdownServer(i)
		}
		for i := 0; i < nservers; i++ {
			cfg.StartServer(i)
		}
		cfg.ConnectAll()
	}
	for cli := 0; cli < nclients; cli++ {
		checkClntAppends(t, cli, Get(cfg, ck, strconv.Itoa(cli), opLog, 0), counts[cli])
	}
	if maxraftstate > 0 && cfg.LogSize() > 8*maxraftstate {
		t.Fatalf("logs were not trimmed (%v > 8*%v)", cfg.LogSize(), maxraftstate)
	}

	res, info := porcupine.CheckOperationsVerbose(models.KvModel, opLog.Read(), linearizabilityCheckTimeout)
	switch res {
	case porcupine.Ok:
	case porcupine.Illegal:
		if f, err := os.CreateTemp("", "*.html"); err == nil {
			if porcupine.Visualize(models.KvModel, info, f) == nil {
				t.Logf("history visualization in %s", f.Name())
			}
			f.Close()
		}
		t.Fatal("history is not linearizable")
	case porcupine.Unknown:
		t.Log("linearizability check timed out, assuming history is ok")
	}
	cfg.end()
}

// GenericTestSpeed: sequential Appends must take less than a heartbeat
// interval (100 ms) each.
func GenericTestSpeed(t *testing.T, part string, maxraftstate int) {
	const numOps = 50
	cfg := make_config(t, 3, false, maxraftstate)
	defer cfg.cleanup()
	ck := cfg.makeClient(cfg.All())
	cfg.begin("Test: ops complete fast enough (" + part + ")")
	ck.Get("x") // a leader exists
	start := time.Now()
	for i := 0; i < numOps; i++ {
		ck.Append("x", "x 0 "+strconv.Itoa(i)+" y")
	}
	if per := time.Since(start) / numOps; per > 100*time.Millisecond {
		t.Fatalf("operations completed too slowly: %v/op > 100ms/op", per)
	}
	checkClntAppends(t, 0, ck.Get("x"), numOps)
	cfg.end()
}

func TestBasic4A(t *testing.T) {
	GenericTest(t, "4A", 1, 3, false, false, false, -1, false)
}

func TestSpeed4A(t *testing.T) {
	GenericTestSpeed(t, "4A", -1)
}

func TestConcurrent4A(t *testing.T) {
	GenericTest(t, "4A", 3, 3, false, false, false, -1, false)
}

func TestSnapshotRecover4B(t *testing.T) {
	GenericTest(t, "4B", 1, 3, false, true, false, 1000, false)
}
