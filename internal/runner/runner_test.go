package main

// Unit tests of the runner's pure parts: patterns, flags, the manual,
// progress lines, the table.

import (
	"bytes"
	"errors"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPartOf(t *testing.T) {
	for name, want := range map[string]string{
		"TestInitialElection3A":   "3A",
		"TestBasic4B":             "4B",
		"TestFigure8Unreliable3C": "3C",
		"TestHelper":              "-",
		"TestLower3a":             "-",
		"Test3":                   "-",
		"X":                       "-",
	} {
		if got := partOf(name); got != want {
			t.Errorf("partOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestIsPackagePattern(t *testing.T) {
	for pat, want := range map[string]bool{
		"./raft": true, "./...": true, ".": true, "..": true, "raftlab/raft": true,
		"./testdata/fixture": true, "3A": false, "TestBasic4B": false, "Figure8|Snap": false,
	} {
		if got := isPackagePattern(pat); got != want {
			t.Errorf("isPackagePattern(%q) = %v, want %v", pat, got, want)
		}
	}
}

// fakePkgs is two packages whose tests are listed out of order.
func fakePkgs() []*pkg {
	return []*pkg{
		{rel: "./raft", key: "raft", tests: []string{
			"TestFigure83C", "TestBasicAgree3B", "TestReElection3A",
			"TestInitialElection3A", "TestHelper", "TestBasicAgree3BX"}},
		{rel: "./kvraft", key: "kvraft", tests: []string{"TestSnapshot4B", "TestBasic4A"}},
	}
}

func names(tests []testCase) string {
	var s []string
	for _, tc := range tests {
		s = append(s, tc.pkg.key+"."+tc.name)
	}
	return strings.Join(s, " ")
}

func TestSelectTests(t *testing.T) {
	cases := []struct {
		patterns []string
		want     string
	}{
		{nil, "kvraft.TestBasic4A kvraft.TestSnapshot4B raft.TestBasicAgree3BX raft.TestHelper " +
			"raft.TestInitialElection3A raft.TestReElection3A raft.TestBasicAgree3B raft.TestFigure83C"},
		{[]string{"./raft", "./kvraft"}, "kvraft.TestBasic4A kvraft.TestSnapshot4B raft.TestBasicAgree3BX raft.TestHelper " +
			"raft.TestInitialElection3A raft.TestReElection3A raft.TestBasicAgree3B raft.TestFigure83C"},
		{[]string{"3A"}, "raft.TestInitialElection3A raft.TestReElection3A"},
		{[]string{"3A", "4B"}, "kvraft.TestSnapshot4B raft.TestInitialElection3A raft.TestReElection3A"},
		// An exact name is that test only, not a regexp that also
		// matches TestBasicAgree3BX.
		{[]string{"TestBasicAgree3B"}, "raft.TestBasicAgree3B"},
		// TestBasicAgree3BX has no part ("BX" is not one): it sorts first.
		{[]string{"Basic"}, "kvraft.TestBasic4A raft.TestBasicAgree3BX raft.TestBasicAgree3B"},
		{[]string{"Figure|Snapshot"}, "kvraft.TestSnapshot4B raft.TestFigure83C"},
		// A test matched twice is selected once.
		{[]string{"3A", "Election"}, "raft.TestInitialElection3A raft.TestReElection3A"},
	}
	for _, c := range cases {
		got, err := selectTests(fakePkgs(), c.patterns)
		if err != nil {
			t.Errorf("selectTests(%q): %v", c.patterns, err)
			continue
		}
		if names(got) != c.want {
			t.Errorf("selectTests(%q)\n got  %s\n want %s", c.patterns, names(got), c.want)
		}
	}
}

func TestSelectTestsErrors(t *testing.T) {
	cases := []struct {
		patterns []string
		mention  string // the error must name the pattern at fault
	}{
		{[]string{"3A", "5A"}, `"5A"`},
		{[]string{"NoSuchTest"}, `"NoSuchTest"`},
		{[]string{"Test(Basic"}, `"Test(Basic"`},
	}
	for _, c := range cases {
		_, err := selectTests(fakePkgs(), c.patterns)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("selectTests(%q) = %v, want a usage error", c.patterns, err)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("selectTests(%q) error %q does not name %s", c.patterns, err, c.mention)
		}
	}
	if _, err := selectTests([]*pkg{{rel: "./x"}}, nil); err == nil {
		t.Errorf("selectTests of a package without tests succeeded, want a usage error")
	}
}

func TestParseFlagsRejectsBadValues(t *testing.T) {
	cases := []struct {
		args    []string
		mention string
	}{
		{[]string{"-n", "0"}, "-n must be at least 1"},
		{[]string{"-p", "-1"}, "-p must be at least 1"},
		{[]string{"-timeout", "0s"}, "-timeout must be positive"},
		{[]string{"-timeout", "soon"}, "want a duration with a unit, e.g. 30s, 10m"},
		// A number without a unit is the likely slip: say so.
		{[]string{"-timeout", "5"}, "a duration needs a unit: 5s, 5m or 5h"},
		{[]string{"-n", "x"}, `invalid value "x" for flag -n: want a whole number`},
		{[]string{"-p", "1.5"}, `invalid value "1.5" for flag -p: want a whole number`},
		{[]string{"-race=maybe"}, "give the flag alone, or with =true or =false"},
		{[]string{"-o", ""}, "-o must name a directory"},
		{[]string{"-bogus"}, "bogus"},
		{[]string{"-n"}, "flag needs an argument: -n"},
		// Patterns end the flags; a flag after one is a slip, not a
		// test name (names never start with "-").
		{[]string{"3A", "-n", "5"}, "-n after a pattern: flags go before patterns"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		if got := mainStatus(c.args, &stdout, &stderr); got != 2 {
			t.Errorf("mainStatus(%q) = %d, want 2; stderr:\n%s", c.args, got, stderr.String())
		}
		if !strings.Contains(stderr.String(), c.mention) {
			t.Errorf("mainStatus(%q) stderr does not say %q:\n%s", c.args, c.mention, stderr.String())
		}
		if strings.Contains(stderr.String(), "parse error") {
			t.Errorf("mainStatus(%q) says only \"parse error\":\n%s", c.args, stderr.String())
		}
	}
}

func TestHelpPrintsManualThenFlags(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var stdout, stderr bytes.Buffer
		if got := mainStatus([]string{arg}, &stdout, &stderr); got != 0 {
			t.Errorf("mainStatus(%s) = %d, want 0; stderr:\n%s", arg, got, stderr.String())
		}
		out := stdout.String()
		rest := out
		// In this order: what it does, patterns, examples, exit status
		// (with the go run caveat), then every flag.
		for _, want := range []string{"raftlab: run this module's tests", "Usage:", "Patterns",
			"Examples:", "go run . -v TestInitialElection3A", "Exit status:",
			`its own exit status 1 (printing "exit`, "go build -o raftlab-run .",
			"Flags:", "-failfast", "-json FILE", "-n N", "-o DIR", "-timeout D", "-v\t"} {
			i := strings.Index(rest, want)
			if i < 0 {
				t.Errorf("%s: %q missing or out of order in:\n%s", arg, want, out)
				break
			}
			rest = rest[i+len(want):]
		}
		if stderr.Len() != 0 {
			t.Errorf("%s wrote to stderr:\n%s", arg, stderr.String())
		}
	}
}

// TestManualNamesEveryFlag checks that the package doc, the full manual,
// describes every flag the runner defines.
func TestManualNamesEveryFlag(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "test_harness.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	newFlagSet(&config{}).VisitAll(func(fl *flag.Flag) {
		name, _ := flag.UnquoteUsage(fl)
		entry := "\t-" + fl.Name
		if name != "" {
			entry += " " + name
		}
		if !strings.Contains(doc, entry) {
			t.Errorf("the package doc in test_harness.go has no entry %q for flag -%s", entry, fl.Name)
		}
	})
}

func TestCheckLogDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "a", "b")
	if err := checkLogDir(missing); err != nil {
		t.Errorf("checkLogDir(%s) (missing, under a directory): %v", missing, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Errorf("checkLogDir created %s (Stat: %v); the log directory is made only when a log is kept", filepath.Join(dir, "a"), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("checkLogDir left files behind in %s: %v", dir, entries)
	}
	for _, bad := range []string{file, filepath.Join(file, "logs")} {
		if err := checkLogDir(bad); err == nil || !strings.Contains(err.Error(), "not a directory") {
			t.Errorf("checkLogDir(%s) = %v, want an error saying %s is not a directory", bad, err, file)
		}
	}
}

func TestPeakRSSWithoutProcess(t *testing.T) {
	if got := peakRSS(nil); got != 0 {
		t.Errorf("peakRSS(nil) = %d, want 0 (unknown)", got)
	}
}

func TestProgressLines(t *testing.T) {
	raft := &pkg{rel: "./raft"}
	slow := testCase{pkg: raft, name: "TestFigure8Unreliable3C", part: "3C"}
	fast := testCase{pkg: raft, name: "TestBackup3B", part: "3B"}
	start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	now := start.Add(3*time.Minute + 2*time.Second)
	p := &progress{total: 40, runs: 20, done: 10, failed: 1, start: start,
		running: map[job]time.Time{
			{fast, 2}: now.Add(-12 * time.Second),
			{slow, 1}: now.Add(-41 * time.Second),
		}}

	// The widest form that fits the terminal, less its last column.
	for _, c := range []struct {
		width int
		want  string
	}{
		{200, "10/40 done, 1 failed, elapsed 3m2s, left ~9m6s; 2 running, longest ./raft TestFigure8Unreliable3C 41s"},
		{102, "10/40 done, 1 failed, elapsed 3m2s, left ~9m6s; 2 running, longest ./raft TestFigure8Unreliable3C 41s"},
		{101, "10/40 done, 1 failed, elapsed 3m2s, left ~9m6s; 2 running, longest TestFigure8Unreliable3C 41s"},
		{90, "10/40 done, 1 failed, left ~9m6s; 2 running, longest TestFigure8Unreliable3C 41s"},
		{80, "10/40 done, 1 failed; 2 running, longest TestFigure8Unreliable3C 41s"},
		{30, "10/40 done, 1 failed; 2 runni"},
	} {
		if got := p.statusLine(now, c.width); got != c.want {
			t.Errorf("statusLine at %d columns:\n got  %q\n want %q", c.width, got, c.want)
		}
	}
	want := "still running (2): ./raft TestFigure8Unreliable3C run 1/20 41s, ./raft TestBackup3B run 2/20 12s"
	if got := p.stillRunningLine(now); got != want {
		t.Errorf("stillRunningLine:\n got  %q\n want %q", got, want)
	}

	p.running = map[job]time.Time{}
	want = "10/40 done, 1 failed, elapsed 3m2s, left ~9m6s"
	if got := p.statusLine(now, 200); got != want {
		t.Errorf("statusLine with nothing running:\n got  %q\n want %q", got, want)
	}
	want = "10/40 done, 1 failed, left ~9m6s"
	if got := p.statusLine(now, 40); got != want {
		t.Errorf("statusLine with nothing running at 40 columns:\n got  %q\n want %q", got, want)
	}
}

func TestPlainRunLines(t *testing.T) {
	tc := testCase{pkg: &pkg{rel: "./raft"}, name: "TestX3A", part: "3A"}
	var out bytes.Buffer
	p := &progress{w: &out, total: 12, runs: 4}
	p.report(runResult{tc: tc, run: 1, seed: 1234567890123456789, passed: true, seconds: 1.234})
	p.report(runResult{tc: tc, run: 2, seed: -42, seconds: 2, logPath: "logs/raft_TestX3A_run2.log"})
	p.report(runResult{tc: tc, run: 3, seed: 7, passed: true, seconds: 1, logPath: "logs/raft_TestX3A_run3.log"})
	// The seed only on a failure; a kept log on any run (-v keeps them all).
	want := `[ 1/12] ok   ./raft TestX3A run 1/4 1.23s
[ 2/12] FAIL ./raft TestX3A run 2/4 2.00s seed -42 log logs/raft_TestX3A_run2.log
[ 3/12] ok   ./raft TestX3A run 3/4 1.00s log logs/raft_TestX3A_run3.log
`
	if out.String() != want {
		t.Errorf("plain lines:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestParseFlagsDefaults(t *testing.T) {
	cfg, err := parseFlags([]string{"-race", "3A", "./raft"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.runs != 1 || cfg.parallel < 1 || !cfg.race || cfg.timeout != 10*time.Minute ||
		cfg.logDir != "test-logs" || len(cfg.patterns) != 2 {
		t.Errorf("parseFlags defaults: %+v", cfg)
	}
}

func TestRerunCommand(t *testing.T) {
	tc := testCase{pkg: &pkg{rel: "./raft"}, name: "TestX3A", part: "3A"}
	cfg := config{race: true, timeout: 10 * time.Minute}
	want := "RAFTLAB_SEED=123 go test -race -count=1 -v -run '^TestX3A$' ./raft"
	if got := rerunCommand(cfg, tc, 123); got != want {
		t.Errorf("rerunCommand = %q, want %q", got, want)
	}
	cfg = config{verbose: true, timeout: 30 * time.Second}
	want = "RAFTLAB_SEED=-5 RAFTLAB_DEBUG=1 go test -timeout 30s -count=1 -v -run '^TestX3A$' ./raft"
	if got := rerunCommand(cfg, tc, -5); got != want {
		t.Errorf("rerunCommand = %q, want %q", got, want)
	}
}

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
