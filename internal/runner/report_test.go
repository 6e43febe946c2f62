package runner

// The closing table, the kept logs after it, and -list.

import (
	"bytes"
	"testing"
	"time"
)

func TestTable(t *testing.T) {
	raft := &pkg{rel: "./raft", key: "raft"}
	a := testCase{pkg: raft, name: "TestA3A", part: "3A"}
	b := testCase{pkg: raft, name: "TestB3B", part: "3B"}
	never := testCase{pkg: raft, name: "TestNeverRan3C", part: "3C"}
	res := &results{
		tests: []testCase{a, b, never},
		runs: []runResult{
			{tc: b, run: 2, passed: true, seconds: 0.5},
			{tc: a, run: 1, passed: true, seconds: 1, maxRSS: 40 << 20},
			{tc: a, run: 3, seconds: 3, maxRSS: 123456789, logPath: "logs/raft_TestA3A_run3.log"},
			{tc: a, run: 2, passed: true, seconds: 2, maxRSS: 50 << 20},
			{tc: b, run: 1, timedOut: true, seconds: 9, logPath: "logs/raft_TestB3B_run1.log"},
		},
		stopped: []runResult{{tc: never, run: 1, stopped: true}},
		wall:    12500 * time.Millisecond,
	}
	var out bytes.Buffer
	printTable(&out, res)
	// TestB3B's runs report no RSS: "-".
	want := `PACKAGE  TEST     RUNS  FAILS          MEAN±SD S    MAX S  MAX RSS MiB
./raft   TestA3A  3     1              2.00 ± 1.00  3.00   117.7
./raft   TestB3B  2     1 (1 timeout)  4.75 ± 6.01  9.00   -
TOTAL    2 tests  5     2              wall 12.5s
1 run(s) stopped before finishing, not counted
logs of failed runs:
  logs/raft_TestA3A_run3.log
  logs/raft_TestB3B_run1.log (timed out)
`
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestListGroupsByPackageAndPart(t *testing.T) {
	pkgs := fakePkgs()
	pkgs[0].importPath, pkgs[1].importPath = "raftlab/raft", "raftlab/kvraft"
	tests, err := selectTests(pkgs, []string{"3A", "4A", "Helper"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	printList(&out, tests)
	want := `./kvraft (raftlab/kvraft)
  4A
    TestBasic4A
./raft (raftlab/raft)
  -
    TestHelper
  3A
    TestInitialElection3A
    TestReElection3A
`
	if out.String() != want {
		t.Errorf("list:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestTableListsVerboseLogs(t *testing.T) {
	raft := &pkg{rel: "./raft", key: "raft"}
	a := testCase{pkg: raft, name: "TestA3A", part: "3A"}
	b := testCase{pkg: raft, name: "TestB3B", part: "3B"}
	res := &results{tests: []testCase{a, b}, wall: time.Second}
	for run := 1; run <= 2; run++ {
		res.runs = append(res.runs, runResult{tc: a, run: run, passed: true, seconds: 1,
			logPath: logName(a, run)})
	}
	for run := 1; run <= maxListedLogs+1; run++ {
		res.runs = append(res.runs, runResult{tc: b, run: run, passed: true, seconds: 1,
			logPath: "logs/" + logName(b, run)})
	}
	res.stopped = []runResult{{tc: a, run: 3, stopped: true, logPath: "raft_TestA3A_run3.log"}}
	var out bytes.Buffer
	printKeptLogs(&out, res)
	want := `logs of passing runs (-v):
  13 logs in . (<pkg>_<Test>_run<N>.log)
logs of stopped runs (-v):
  raft_TestA3A_run3.log
`
	if out.String() != want {
		t.Errorf("kept logs:\n%s\nwant:\n%s", out.String(), want)
	}

	res.runs = res.runs[:2]
	out.Reset()
	printKeptLogs(&out, res)
	want = `logs of passing runs (-v):
  raft_TestA3A_run1.log
  raft_TestA3A_run2.log
logs of stopped runs (-v):
  raft_TestA3A_run3.log
`
	if out.String() != want {
		t.Errorf("kept logs:\n%s\nwant:\n%s", out.String(), want)
	}
}
