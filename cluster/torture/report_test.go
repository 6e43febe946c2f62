package torture

import (
	"os"
	"strings"
	"testing"
	"time"

	"raftlab/linearizability"
)

// The report of a failed run has every section a reader needs: the
// summary, the band of faults and roles with the broken stretch marked,
// what broke, the writes lost, the faults, the logs, and the checker's
// view of the failing key only.
func TestReportOfAFailedRun(t *testing.T) {
	cfg, err := Config{Binary: "raftlab", Nodes: 3, Clients: 2, Keys: 2, Duration: 10 * time.Second,
		Faults: []string{Kill, Partition}, Dir: t.TempDir(), Out: t.TempDir(), Logf: t.Logf}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	m := &members{cfg: cfg, used: 3, voters: []int{0, 1, 2}, procs: make([]*proc, 3), retired: make([]bool, 3), lingering: make([]bool, 3)}
	mon := newMonitor(m, newClock())
	mon.spans[0] = []span{{0, 4 * time.Second, "leader", 3}, {4 * time.Second, 6 * time.Second, roleDown, -1}, {6 * time.Second, 10 * time.Second, "follower", 4}}
	mon.spans[1] = []span{{0, 5 * time.Second, "follower", 3}, {5 * time.Second, 10 * time.Second, "leader", 4}}
	mon.spans[2] = []span{{0, 10 * time.Second, "follower", 3}}
	mon.leaders = map[int]map[int]bool{3: {0: true}, 4: {1: true}}
	A, G := linearizability.KvAppend, linearizability.KvGet
	ops := []op{
		write(A, "k0", "a1", 1*time.Second, 1*time.Second+ms),
		{kind: G, key: "k0", call: 7 * time.Second, ret: 7*time.Second + ms, out: linearizability.DigestKvOutput("")},
		write(A, "k1", "b1", 2*time.Second, 2*time.Second+ms),
		finalRead("k0", "", 11*time.Second),
		finalRead("k1", "b1;", 11*time.Second),
	}
	loss := checkWrites(ops, 2)
	verdict, info, took := checkHistory(ops, time.Second)
	res := &Result{Verdict: verdict, Reasons: []string{"the history is " + verdict + brokenAt(info)}}
	r := &report{cfg: cfg, res: res, ops: ops, workEnd: 10 * time.Second, mon: mon, m: m, loss: loss, info: info, checkTook: took,
		faults: []fault{{kind: Kill, detail: "SIGKILL nodes [0] (node 0 the leader)", nodes: []int{0}, start: 4 * time.Second, end: 6 * time.Second}}}
	res.Summary = r.summary()
	for _, want := range []string{"FAIL", "not linearizable: 2 keys", "key 'k0'", "1 lost", "kill 1 (1 nodes)", "-seed 0 -faults kill,partition"} {
		if !strings.Contains(res.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.Summary)
		}
	}
	path, err := r.write(r.reportPath())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		"<title>raftlab torture: FAIL</title>", "What the cluster went through", "<svg", ">T3<", "node 0 4.000s-6.100s: down",
		"could not be linearized (called 7.000s", "Where the history broke", "Acknowledged writes lost", "append a1 to k0",
		"SIGKILL nodes [0] (node 0 the leader)", "node-0.log", "each key that failed it", "Linearizability check",
		"key &#39;k0&#39;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(page, "key &#39;k1&#39; —") {
		t.Error("the report draws key k1, which passed, without AllKeys")
	}
}
