package grade

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runnerJSON is a runner -json document as internal/runner writes it (3
// runs per test, timeout 2m0s), hand-written so that each test has a known
// grade: TestOK3A passes; TestFlaky3A fails run 3 of 3 (and run 2, listed
// after it); TestSlow3B passes every run but one takes 130 s, over the
// 120 s limit; TestHang3B times out once; TestShort3B ran 2 of 3 runs;
// TestA3C and TestB3C pass. Fields the grader does not read are there too.
const runnerJSON = `{
  "race": false, "runs_per_test": 3, "parallel": 2, "timeout": "2m0s",
  "wall_seconds": 300, "total_runs": 20, "total_fails": 3, "stopped_runs": 0,
  "interrupted": false, "failed_fast": false,
  "runs": [
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestOK3A", "part": "3A", "run": 1, "seed": 11, "passed": true, "timed_out": false, "seconds": 2.5},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestOK3A", "part": "3A", "run": 2, "seed": 12, "passed": true, "timed_out": false, "seconds": 2.1},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestOK3A", "part": "3A", "run": 3, "seed": 13, "passed": true, "timed_out": false, "seconds": 2.2},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestFlaky3A", "part": "3A", "run": 1, "seed": 21, "passed": true, "timed_out": false, "seconds": 3},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestFlaky3A", "part": "3A", "run": 3, "seed": 23, "passed": false, "timed_out": false, "seconds": 4, "log": "LOGDIR/raft_TestFlaky3A_run3.log"},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestFlaky3A", "part": "3A", "run": 2, "seed": 22, "passed": false, "timed_out": false, "seconds": 3.5, "log": "LOGDIR/raft_TestFlaky3A_run2.log"},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestSlow3B", "part": "3B", "run": 1, "seed": 31, "passed": true, "timed_out": false, "seconds": 100},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestSlow3B", "part": "3B", "run": 2, "seed": 32, "passed": true, "timed_out": false, "seconds": 130},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestSlow3B", "part": "3B", "run": 3, "seed": 33, "passed": true, "timed_out": false, "seconds": 110},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestHang3B", "part": "3B", "run": 1, "seed": 41, "passed": false, "timed_out": true, "seconds": 120.02, "log": "LOGDIR/raft_TestHang3B_run1.log"},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestHang3B", "part": "3B", "run": 2, "seed": 42, "passed": true, "timed_out": false, "seconds": 10},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestHang3B", "part": "3B", "run": 3, "seed": 43, "passed": true, "timed_out": false, "seconds": 10},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestShort3B", "part": "3B", "run": 1, "seed": 51, "passed": true, "timed_out": false, "seconds": 1},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestShort3B", "part": "3B", "run": 2, "seed": 52, "passed": true, "timed_out": false, "seconds": 1},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestA3C", "part": "3C", "run": 1, "seed": 61, "passed": true, "timed_out": false, "seconds": 5},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestA3C", "part": "3C", "run": 2, "seed": 62, "passed": true, "timed_out": false, "seconds": 5},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestA3C", "part": "3C", "run": 3, "seed": 63, "passed": true, "timed_out": false, "seconds": 5},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestB3C", "part": "3C", "run": 1, "seed": 71, "passed": true, "timed_out": false, "seconds": 6},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestB3C", "part": "3C", "run": 2, "seed": 72, "passed": true, "timed_out": false, "seconds": 6},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestB3C", "part": "3C", "run": 3, "seed": 73, "passed": true, "timed_out": false, "seconds": 6}
  ],
  "tests": [
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestFlaky3A", "part": "3A", "runs": 3, "fails": 2, "timeouts": 0, "mean_seconds": 3.5, "stddev_seconds": 0.5, "max_seconds": 4},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestOK3A", "part": "3A", "runs": 3, "fails": 0, "timeouts": 0, "mean_seconds": 2.27, "stddev_seconds": 0.2, "max_seconds": 2.5},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestHang3B", "part": "3B", "runs": 3, "fails": 1, "timeouts": 1, "mean_seconds": 46.7, "stddev_seconds": 63, "max_seconds": 120.02},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestShort3B", "part": "3B", "runs": 2, "fails": 0, "timeouts": 0, "mean_seconds": 1, "stddev_seconds": 0, "max_seconds": 1},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestSlow3B", "part": "3B", "runs": 3, "fails": 0, "timeouts": 0, "mean_seconds": 113.3, "stddev_seconds": 15, "max_seconds": 130},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestA3C", "part": "3C", "runs": 3, "fails": 0, "timeouts": 0, "mean_seconds": 5, "stddev_seconds": 0, "max_seconds": 5},
    {"package": "raftlab/raft", "dir": "./raft", "test": "TestB3C", "part": "3C", "runs": 3, "fails": 0, "timeouts": 0, "mean_seconds": 6, "stddev_seconds": 0, "max_seconds": 6}
  ]
}`

// listed is the tests of the document by part, as the runner's -list
// gives them.
var listed = map[string][]string{
	"3A": {"TestFlaky3A", "TestOK3A"},
	"3B": {"TestHang3B", "TestShort3B", "TestSlow3B"},
	"3C": {"TestA3C", "TestB3C"},
}

// testDoc returns runnerJSON with its logs in logDir.
func testDoc(t *testing.T, logDir string) *runnerDoc {
	t.Helper()
	var doc runnerDoc
	if err := json.Unmarshal([]byte(strings.ReplaceAll(runnerJSON, "LOGDIR", logDir)), &doc); err != nil {
		t.Fatalf("the test's runner document: %v", err)
	}
	return &doc
}

func testConfig() Config {
	return Config{Runs: 3, Parallel: 2, Timeout: 120 * time.Second, Weights: DefaultWeights(),
		Parts: []string{"3A", "3B", "3C", "3D"}}
}

// testGrade grades the document's parts and 3D, which has no tests.
func testGrade(t *testing.T, cfg Config, doc *runnerDoc) *Grade {
	t.Helper()
	g := &Grade{Dir: "/students/alice", RunsPerTest: cfg.Runs, Timeout: cfg.Timeout.String(),
		Parallel: cfg.Parallel, Weights: cfg.Weights.Source, Date: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	for _, part := range cfg.Parts {
		pg := scorePart(part, "./raft", listed[part], doc, cfg)
		readLogs(&pg)
		g.Parts = append(g.Parts, pg)
	}
	g.sum()
	return g
}

// testByName returns the grade of test in g.
func testByName(t *testing.T, g *Grade, test string) TestGrade {
	t.Helper()
	for _, p := range g.Parts {
		for _, tg := range p.Tests {
			if tg.Test == test {
				return tg
			}
		}
	}
	t.Fatalf("no grade for %s", test)
	return TestGrade{}
}

func TestScoreAllOrNothingPerTest(t *testing.T) {
	g := testGrade(t, testConfig(), testDoc(t, t.TempDir()))
	for _, tc := range []struct {
		test   string
		passed bool
		points float64
		reason string
	}{
		{"TestOK3A", true, 7.5, ""},
		{"TestFlaky3A", false, 0, "2 of 3 runs failed"},
		{"TestSlow3B", false, 0, "slowest run took 130.00s, over the 2m0s limit"},
		{"TestHang3B", false, 0, "timed out in 1 of 3 runs (limit 2m0s)"},
		{"TestShort3B", false, 0, "ran 2 of 3 runs"},
		{"TestA3C", true, 10, ""},
		{"TestB3C", true, 10, ""},
	} {
		tg := testByName(t, g, tc.test)
		if tg.Passed != tc.passed || tg.Points != tc.points || tg.Reason != tc.reason {
			t.Errorf("%s: passed %v, %g points, reason %q; want %v, %g, %q",
				tc.test, tg.Passed, tg.Points, tg.Reason, tc.passed, tc.points, tc.reason)
		}
		// A test short of runs may have no failed run to show.
		if hasFailure := tg.FirstFailure != nil; hasFailure != (!tc.passed && tc.test != "TestShort3B") {
			t.Errorf("%s: passed %v, first failure %+v", tc.test, tg.Passed, tg.FirstFailure)
		}
	}
	// 3B's 25 points are shared by its 3 tests: 8.33 each.
	if tg := testByName(t, g, "TestSlow3B"); tg.Possible != 8.33 {
		t.Errorf("TestSlow3B is worth %g, want 8.33 (25 / 3)", tg.Possible)
	}
}

func TestScoreParts(t *testing.T) {
	g := testGrade(t, testConfig(), testDoc(t, t.TempDir()))
	want := []struct {
		part             string
		points, possible float64
		passed           bool
		err              string
	}{
		{"3A", 7.5, 15, false, ""},
		{"3B", 0, 25, false, ""},
		{"3C", 20, 20, true, ""},
		{"3D", 0, 15, false, "no tests of part 3D in ./raft"},
	}
	if len(g.Parts) != len(want) {
		t.Fatalf("%d parts, want %d", len(g.Parts), len(want))
	}
	for i, w := range want {
		p := g.Parts[i]
		if p.Part != w.part || p.Points != w.points || p.Possible != w.possible || p.Passed != w.passed || p.Error != w.err {
			t.Errorf("part %s: %g of %g, passed %v, error %q; want %s: %g of %g, %v, %q",
				p.Part, p.Points, p.Possible, p.Passed, p.Error, w.part, w.points, w.possible, w.passed, w.err)
		}
	}
	if g.Points != 27.5 || g.Possible != 75 || g.TestsPassed != 3 || g.Tests != 7 || g.Passed {
		t.Errorf("total %g of %g, %d of %d tests passed, passed %v; want 27.5 of 75, 3 of 7, false",
			g.Points, g.Possible, g.TestsPassed, g.Tests, g.Passed)
	}

	cfg := testConfig()
	cfg.Parts = []string{"3C"}
	if g := testGrade(t, cfg, testDoc(t, t.TempDir())); !g.Passed || g.Points != 20 || g.Possible != 20 {
		t.Errorf("3C alone: passed %v, %g of %g; want true, 20 of 20", g.Passed, g.Points, g.Possible)
	}
}

func TestScoreLimitIsTheFlag(t *testing.T) {
	cfg := testConfig()
	cfg.Timeout = 3 * time.Second // every 3C run takes 5 or 6 s
	cfg.Parts = []string{"3C"}
	g := testGrade(t, cfg, testDoc(t, t.TempDir()))
	if g.Points != 0 || g.Passed {
		t.Fatalf("3C with a 3s limit: %g points, passed %v; want 0, false", g.Points, g.Passed)
	}
	f := testByName(t, g, "TestA3C").FirstFailure
	if f == nil || f.Run != 1 || f.Outcome != "over the limit" || f.Log != "" {
		t.Errorf("TestA3C's first failure %+v, want run 1 over the limit, no log", f)
	}
}

func TestScoreWeightsOverride(t *testing.T) {
	cfg := testConfig()
	w, err := ParseWeights(strings.NewReader("3A 10\nTestOK3A 8\n3C 30\nTestA3C 30\nTestB3C 0\nTestGone3C 0\n"), "w")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Weights = w
	cfg.Parts = []string{"3A", "3C"}
	g := testGrade(t, cfg, testDoc(t, t.TempDir()))
	if tg := testByName(t, g, "TestOK3A"); tg.Points != 8 {
		t.Errorf("TestOK3A: %g points, want its own 8", tg.Points)
	}
	if tg := testByName(t, g, "TestFlaky3A"); tg.Possible != 2 {
		t.Errorf("TestFlaky3A is worth %g, want the 2 left of 3A's 10", tg.Possible)
	}
	if tg := testByName(t, g, "TestGone3C"); tg.Passed || tg.Reason != "not in the copy (the weights give it points)" {
		t.Errorf("TestGone3C, named by the weights, not in the copy: %+v", tg)
	}
	if g.Points != 38 || g.Possible != 40 {
		t.Errorf("total %g of %g, want 38 of 40", g.Points, g.Possible)
	}
}

func TestFirstFailureAndItsLog(t *testing.T) {
	logDir := t.TempDir()
	rerun := "RAFTLAB_SEED=22 go test -timeout 2m0s -count=1 -v -run '^TestFlaky3A$' ./raft"
	log := "# rerun: " + rerun + "\n# seed: 22\n\n=== RUN   TestFlaky3A\n    config_test.go:300: one(101) failed to reach agreement\n--- FAIL: TestFlaky3A (3.50s)\nFAIL\n\n# result: FAIL: exit status 1 (after 3.50s)\n"
	if err := os.WriteFile(filepath.Join(logDir, "raft_TestFlaky3A_run2.log"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	g := testGrade(t, testConfig(), testDoc(t, logDir))

	f := testByName(t, g, "TestFlaky3A").FirstFailure
	if f == nil || f.Run != 2 || f.Seed != 22 || f.Outcome != "failed" || f.Replay != rerun {
		t.Fatalf("TestFlaky3A's first failure %+v, want run 2 (the lowest failed), seed 22, replay %q", f, rerun)
	}
	if f.excerpt == nil || f.excerpt.from != 4 || len(f.excerpt.lines) != 6 || !strings.Contains(f.excerpt.lines[1], "failed to reach agreement") {
		t.Errorf("excerpt %+v, want lines 4-9: from === RUN down", f.excerpt)
	}

	// No log to read: the replay line is made the runner's way.
	h := testByName(t, g, "TestHang3B").FirstFailure
	want := "RAFTLAB_SEED=41 go test -timeout 2m0s -count=1 -v -run '^TestHang3B$' ./raft"
	if h == nil || h.Replay != want || h.Outcome != "timed out" || h.excerpt != nil {
		t.Errorf("TestHang3B's first failure %+v, want replay %q, timed out, no excerpt", h, want)
	}
}

func TestRound2(t *testing.T) {
	if got := round2(25.0 / 3); math.Abs(got-8.33) > 1e-12 {
		t.Errorf("round2(25/3) = %v", got)
	}
}
