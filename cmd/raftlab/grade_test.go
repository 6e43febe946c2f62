package main

// raftlab grade, end to end: a tiny student module in a temporary
// directory, carrying the real runner (the module root's test_harness.go
// and internal/runner) and a fake raft package whose tests pass, fail or
// hang as the test says; the binary grades it as an instructor would.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gradeLimit bounds one grade of the fake module: building the runner and
// the tests, and a few runs of 3 s at most.
const gradeLimit = 90 * time.Second

// fakeTests are the fake raft package's tests in a student copy that
// fails: TestFail3A fails, TestSlow3B runs past any -timeout the tests
// give, TestUnit has no part and is not graded.
const fakeTests = `package raft

import (
	"testing"
	"time"
)

func TestPass3A(t *testing.T) { t.Log("fake: passing") }

func TestFail3A(t *testing.T) {
	t.Log("fake: about to fail")
	t.Fatal("fake: failing on purpose")
}

func TestSlow3B(t *testing.T) { time.Sleep(30 * time.Second) }

func TestUnit(t *testing.T) {}
`

// fixedTests are the same tests once the student has fixed them.
const fixedTests = `package raft

import "testing"

func TestPass3A(t *testing.T) { t.Log("fake: passing") }

func TestFail3A(t *testing.T) { t.Log("fake: fixed") }

func TestSlow3B(t *testing.T) {}
`

// fakeModule makes a student copy in a temporary directory: the runner
// copied from this module's root, and a raft package with tests.
func fakeModule(t *testing.T, tests string) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyFile := func(rel string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatalf("copying the runner into the fake module: %v", err)
		}
		writeFile(t, filepath.Join(dir, rel), data)
	}
	copyFile("go.mod")
	copyFile("test_harness.go")
	srcs, err := filepath.Glob(filepath.Join(root, "internal", "runner", "*.go"))
	if err != nil || len(srcs) == 0 {
		t.Fatalf("the runner's sources in %s: %v (%d files)", root, err, len(srcs))
	}
	for _, src := range srcs {
		if !strings.HasSuffix(src, "_test.go") {
			copyFile(filepath.Join("internal", "runner", filepath.Base(src)))
		}
	}
	writeFile(t, filepath.Join(dir, "raft", "raft.go"), []byte("// Package raft is a student's, faked.\npackage raft\n"))
	writeFile(t, filepath.Join(dir, "raft", "raft_test.go"), []byte(tests))
	return dir
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runGradeCmd runs `raftlab grade args...` to completion, at most limit (then
// SIGTERM, which the grader passes on to the runner, and SIGKILL 15 s
// later), and returns its stdout, stderr and exit status.
func runGradeCmd(t *testing.T, limit time.Duration, args ...string) (string, string, int) {
	t.Helper()
	return raftlabWithin(t, limit, append([]string{"grade"}, args...)...)
}

// wantLines fails the test for each pattern (a regexp, in multi-line mode)
// that out does not match.
func wantLines(t *testing.T, what, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile("(?m)" + p).MatchString(out) {
			t.Errorf("%s has no line matching %s\n%s", what, p, out)
		}
	}
}

func TestGradeFakeStudent(t *testing.T) {
	dir := fakeModule(t, fakeTests)
	out := filepath.Join(t.TempDir(), "grade-out")
	stdout, stderr, status := runGradeCmd(t, gradeLimit, "-n", "2", "-p", "2", "-parts", "3A,3B", "-timeout", "3s", "-o", out, dir)
	if status != 1 {
		t.Fatalf("status %d, want 1 (tests failed)\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
	t.Logf("the report:\n%s", stdout)
	wantLines(t, "the report", stdout,
		`^raftlab grade `+regexp.QuoteMeta(dir)+`$`,
		`: 2 runs per test, limit 3s per run, 2 at once, weights default$`,
		`^Part 3A \(\./raft\): 7\.50 of 15\.00 points$`,
		`^  TestPass3A +2 +0 +0 +\d+\.\d\d +7\.50 / 7\.50 +ok$`,
		`^  TestFail3A +2 +2 +0 +\d+\.\d\d +0\.00 / 7\.50 +FAIL: 2 of 2 runs failed$`,
		`^Part 3B \(\./raft\): 0\.00 of 25\.00 points$`,
		`^  TestSlow3B +2 +2 +2 +\d+\.\d\d +0\.00 / 25\.00 +FAIL: timed out in 2 of 2 runs \(limit 3s\)$`,
		`^TOTAL 7\.50 of 40\.00 points; 1 of 3 tests passed; FAIL$`,
		`^--- TestFail3A \(\./raft, part 3A\): 2 of 2 runs failed$`,
		`^  run 1 failed after \d+\.\d\ds, seed -?\d+$`,
		`^    \|     raft_test\.go:\d+: fake: failing on purpose$`,
		`^    \| --- FAIL: TestFail3A`,
		`^--- TestSlow3B \(\./raft, part 3B\): timed out in 2 of 2 runs \(limit 3s\)$`,
		`^  run 1 timed out after \d+\.\d\ds, seed -?\d+$`,
		`^    \| # result: FAIL: TIMED OUT`,
	)
	if strings.Contains(stdout, "TestUnit") {
		t.Error("the report grades TestUnit, which belongs to no part")
	}
	// The runner's progress goes to stderr, and the verdict's last line.
	wantLines(t, "stderr", stderr, `FAIL \./raft TestFail3A run \d/2`, `^raftlab: grade: FAIL: 1 of 3 tests passed, 7\.50 of 40\.00 points$`)

	// The replay line, typed at the copy's root, reruns the failure.
	m := regexp.MustCompile(`(?m)^  replay: RAFTLAB_SEED=(-?\d+) go test -timeout 3s -count=1 -v -run '\^TestFail3A\$' \./raft$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no replay line for TestFail3A in the report")
	}
	replay := exec.Command("go", "test", "-timeout", "3s", "-count=1", "-v", "-run", "^TestFail3A$", "./raft")
	replay.Dir = dir
	replay.Env = append(childEnv(), "RAFTLAB_SEED="+m[1])
	if rout, err := replay.CombinedOutput(); err == nil || !strings.Contains(string(rout), "fake: failing on purpose") {
		t.Errorf("the replay line: %v, want the failure again\n%s", err, rout)
	}

	// -o: the report, the grade book and the logs.
	report, err := os.ReadFile(filepath.Join(out, "report.txt"))
	if err != nil || !strings.HasPrefix(stdout, string(report)) || len(report) == 0 {
		t.Errorf("report.txt (%v) is not the report printed:\n%s", err, report)
	}
	logMatch := regexp.MustCompile(`(?m)^  log: (\S+raft_TestFail3A_run1\.log) \(lines \d+-\d+ of \d+\)$`).FindStringSubmatch(stdout)
	if logMatch == nil || filepath.Dir(logMatch[1]) != filepath.Join(out, "logs") {
		t.Errorf("TestFail3A's log line %q, want a log in %s", logMatch, filepath.Join(out, "logs"))
	}
	var book struct {
		Points, Possible float64
		TestsPassed      int `json:"tests_passed"`
		Passed           bool
		Parts            []struct {
			Part   string
			Points float64
			Tests  []struct {
				Test         string
				Passed       bool
				Points       float64
				FirstFailure *struct {
					Seed    int64
					Outcome string
					Replay  string
					Log     string
				} `json:"first_failure"`
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "grade.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &book); err != nil {
		t.Fatalf("grade.json: %v\n%s", err, data)
	}
	if book.Points != 7.5 || book.Possible != 40 || book.TestsPassed != 1 || book.Passed || len(book.Parts) != 2 {
		t.Fatalf("grade.json: %g of %g, %d passed, passed %v, %d parts; want 7.5 of 40, 1, false, 2\n%s",
			book.Points, book.Possible, book.TestsPassed, book.Passed, len(book.Parts), data)
	}
	for _, p := range book.Parts {
		for _, tg := range p.Tests {
			f := tg.FirstFailure
			switch tg.Test {
			case "TestPass3A":
				if !tg.Passed || tg.Points != 7.5 || f != nil {
					t.Errorf("grade.json: TestPass3A %+v, want passed, 7.5 points", tg)
				}
			case "TestFail3A":
				if tg.Passed || f == nil || f.Outcome != "failed" || !strings.Contains(f.Replay, "RAFTLAB_SEED="+strconv.FormatInt(f.Seed, 10)+" ") || f.Log == "" {
					t.Errorf("grade.json: TestFail3A %+v, first failure %+v", tg, f)
				} else if _, err := os.Stat(f.Log); err != nil {
					t.Errorf("grade.json: TestFail3A's log: %v", err)
				}
			case "TestSlow3B":
				if tg.Passed || f == nil || f.Outcome != "timed out" {
					t.Errorf("grade.json: TestSlow3B %+v, first failure %+v", tg, f)
				}
			default:
				t.Errorf("grade.json grades %s", tg.Test)
			}
		}
	}

	// -o again: not over an older grade.
	if _, stderr, status := runGradeCmd(t, gradeLimit, "-parts", "3A", "-o", out, dir); status != 2 || !strings.Contains(stderr, "not empty") {
		t.Errorf("-o over a grade: status %d, stderr %q; want 2, not empty", status, stderr)
	}

	// The student fixes everything: all of it passes.
	writeFile(t, filepath.Join(dir, "raft", "raft_test.go"), []byte(fixedTests))
	stdout, stderr, status = runGradeCmd(t, gradeLimit, "-n", "2", "-p", "2", "-parts", "3A,3B", "-timeout", "3s", dir)
	if status != 0 {
		t.Fatalf("all passing: status %d, want 0\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
	wantLines(t, "the report", stdout, `^TOTAL 40\.00 of 40\.00 points; 3 of 3 tests passed; PASS$`)
	if strings.Contains(stdout, "First failing run") {
		t.Errorf("all passing, yet the report shows failures:\n%s", stdout)
	}

	// A weighting of its own, and a part with no tests in the copy.
	weights := filepath.Join(t.TempDir(), "weights.txt")
	writeFile(t, weights, []byte("# course weights\n3A 10\nTestPass3A 4\n"))
	stdout, stderr, status = runGradeCmd(t, gradeLimit, "-n", "1", "-parts", "3A,3C", "-weights", weights, dir)
	if status != 1 {
		t.Fatalf("a part with no tests: status %d, want 1\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
	wantLines(t, "the report", stdout,
		`^  TestPass3A +1 +0 +0 +\d+\.\d\d +4\.00 / 4\.00 +ok$`,
		`^  TestFail3A +1 +0 +0 +\d+\.\d\d +6\.00 / 6\.00 +ok$`,
		`^Part 3C \(\./raft\): 0\.00 of 20\.00 points$`,
		`^  not graded: no tests of part 3C in \./raft$`,
		`^TOTAL 10\.00 of 30\.00 points; 2 of 2 tests passed; FAIL$`,
		`, weights `+regexp.QuoteMeta(weights)+`$`,
	)

	// The copy does not compile: its parts score 0, the error shown.
	writeFile(t, filepath.Join(dir, "raft", "raft.go"), []byte("package raft\n\nfunc Make() int { return undefinedThing }\n"))
	stdout, stderr, status = runGradeCmd(t, gradeLimit, "-n", "1", "-parts", "3A,3B", dir)
	if status != 1 {
		t.Fatalf("a copy that does not build: status %d, want 1\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
	wantLines(t, "the report", stdout,
		`^Part 3A \(\./raft\): 0\.00 of 15\.00 points$`,
		`^  not graded: \./raft does not build, or its tests cannot be listed:$`,
		`raft\.go:3:\d+: undefined: undefinedThing$`,
		`^TOTAL 0\.00 of 40\.00 points; 0 of 0 tests passed; FAIL$`,
	)
}

// TestGradeInterrupted stops a grade in the middle of a run: it exits 1
// without a grade, and the test process the runner started is gone.
func TestGradeInterrupted(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	dir := fakeModule(t, `package raft

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func TestLong3A(t *testing.T) {
	os.WriteFile(`+strconv.Quote(pidFile)+`, []byte(strconv.Itoa(os.Getpid())), 0o644)
	time.Sleep(60 * time.Second)
}
`)
	p := start(t, "grade", "grade", "-n", "1", "-parts", "3A", dir)
	deadline := time.Now().Add(gradeLimit)
	var pid int
	for pid == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("TestLong3A did not start within %v\nstderr:\n%s", gradeLimit, p.stderr)
		}
		time.Sleep(100 * time.Millisecond)
		data, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(string(data))
	}
	p.cmd.Process.Signal(os.Interrupt)
	if status := p.wait(t, 30*time.Second); status != 1 {
		t.Errorf("interrupted: status %d, want 1", status)
	}
	if !strings.Contains(p.stderr.String(), "raftlab: grade: interrupted; no grade") {
		t.Errorf("stderr does not say it was interrupted:\n%s", p.stderr)
	}
	if p.stdout.String() != "" {
		t.Errorf("an interrupted grade printed a report:\n%s", p.stdout)
	}
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("TestLong3A's process %d outlived the grade (kill 0: %v)", pid, err)
	}
}

func TestGradeBadInput(t *testing.T) {
	t.Parallel()
	notModule := t.TempDir()
	noRunner := t.TempDir()
	writeFile(t, filepath.Join(noRunner, "go.mod"), []byte("module student\n\ngo 1.26\n"))
	notRunner := t.TempDir()
	writeFile(t, filepath.Join(notRunner, "go.mod"), []byte("module student\n\ngo 1.26\n"))
	writeFile(t, filepath.Join(notRunner, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n"))
	aFile := filepath.Join(notModule, "file")
	writeFile(t, aFile, []byte("x"))
	badWeights := filepath.Join(t.TempDir(), "w.txt")
	writeFile(t, badWeights, []byte("3A 20\n3B lots\n"))
	full := t.TempDir()
	writeFile(t, filepath.Join(full, "old.txt"), []byte("x"))

	for _, tc := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"-parts", "3Z", notModule}, 2, "-parts: part 3Z has no points"},
		{[]string{"-parts", "raft", notModule}, 2, `-parts: "raft" is not a part`},
		{[]string{"-parts", "", notModule}, 2, "-parts: an empty part"},
		{[]string{"-parts", "5A", notModule}, 2, "no package holds lab 5's tests"},
		{[]string{"-n", "0", notModule}, 2, "-n 0: want 1 or more"},
		{[]string{"-timeout", "0s", notModule}, 2, "-timeout 0s: want a positive duration"},
		{[]string{"-timeout", "5", notModule}, 2, `invalid value "5" for flag -timeout`},
		{[]string{notModule, "extra"}, 2, `unexpected argument "extra"`},
		{[]string{filepath.Join(notModule, "nonexistent")}, 2, "DIR: stat "},
		{[]string{aFile}, 2, "is not a directory"},
		{[]string{"-weights", badWeights, notModule}, 2, "-weights: " + badWeights + `:2: 3B: points "lots": want a number`},
		{[]string{"-weights", filepath.Join(notModule, "none.txt"), notModule}, 2, "-weights: open "},
		{[]string{"-o", full, notModule}, 2, "not empty"},
		{[]string{notModule}, 1, "not a Go module root (no go.mod)"},
		{[]string{noRunner}, 1, "no runner: `go run . -h` (the batch runner at the module root) failed: no Go files in"},
		{[]string{notRunner}, 1, "`go run . -h` has no -json flag: the module root's program is not raftlab's runner"},
	} {
		stdout, stderr, status := runGradeCmd(t, gradeLimit, tc.args...)
		if status != tc.status || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "panic") {
			t.Errorf("raftlab grade %q: status %d, stderr %q; want %d and %q", tc.args, status, stderr, tc.status, tc.want)
		}
		if tc.status == 2 && strings.Count(stderr, "\n") != 1 {
			t.Errorf("raftlab grade %q: want a one-line error, got %q", tc.args, stderr)
		}
		if stdout != "" {
			t.Errorf("raftlab grade %q printed a report: %q", tc.args, stdout)
		}
	}
}
