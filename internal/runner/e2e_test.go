package main

// End-to-end tests: the compiled runner against testdata/fixture.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const fixture = "./testdata/fixture"

var (
	runnerOnce sync.Once
	runnerPath string
	runnerErr  error
	runnerDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if runnerDir != "" {
		os.RemoveAll(runnerDir)
	}
	os.Exit(code)
}

// runnerBinary builds the runner once for all end-to-end tests.
func runnerBinary(t *testing.T) string {
	t.Helper()
	runnerOnce.Do(func() {
		if runnerDir, runnerErr = os.MkdirTemp("", "raftlab-runner-test-"); runnerErr != nil {
			return
		}
		runnerPath = filepath.Join(runnerDir, "raftlab")
		out, err := exec.Command("go", "build", "-o", runnerPath, ".").CombinedOutput()
		if err != nil {
			runnerErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if runnerErr != nil {
		t.Fatal(runnerErr)
	}
	return runnerPath
}

// runner is one finished invocation of the compiled runner.
type runner struct {
	status         int
	stdout, stderr string
}

// runRunner runs the runner with args and extra environment, giving up
// after limit.
func runRunner(t *testing.T, limit time.Duration, env []string, args ...string) runner {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, runnerBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("runner %q still running after %v\nstdout:\n%s\nstderr:\n%s", args, limit, &stdout, &stderr)
	}
	r := runner{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.status = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("runner %q: %v", args, err)
	}
	return r
}

// tableRow matches the closing-table row of a test and captures runs and
// fails.
func tableRow(test string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\./testdata/fixture +` + test + ` +(\d+) +(\d+)`)
}

func wantRow(t *testing.T, out, test string, runs, fails int) {
	t.Helper()
	m := tableRow(test).FindStringSubmatch(out)
	if m == nil {
		t.Errorf("no table row for %s in:\n%s", test, out)
		return
	}
	if m[1] != strconv.Itoa(runs) || m[2] != strconv.Itoa(fails) {
		t.Errorf("%s: runs %s fails %s, want %d and %d; output:\n%s", test, m[1], m[2], runs, fails, out)
	}
}

func TestFailingRunKeepsLogWithRerunAndSeed(t *testing.T) {
	logs := t.TempDir()
	jsonPath := filepath.Join(t.TempDir(), "results.json")
	r := runRunner(t, 2*time.Minute, nil,
		"-n", "2", "-o", logs, "-json", jsonPath, fixture, "TestPass1A", "TestFail1A")
	if r.status != 1 {
		t.Fatalf("exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	wantRow(t, r.stdout, "TestFail1A", 2, 2)
	wantRow(t, r.stdout, "TestPass1A", 2, 0)
	if !regexp.MustCompile(`(?m)^TOTAL +2 tests +4 +2 +wall`).MatchString(r.stdout) {
		t.Errorf("no TOTAL line with 4 runs and 2 fails in:\n%s", r.stdout)
	}

	entries, err := os.ReadDir(logs)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, e := range entries {
		kept = append(kept, e.Name())
	}
	want := "testdata_fixture_TestFail1A_run1.log testdata_fixture_TestFail1A_run2.log"
	if strings.Join(kept, " ") != want {
		t.Fatalf("kept logs %q, want only the failed runs' %q", kept, want)
	}

	seeds := map[string]int64{}
	for _, name := range kept {
		path := filepath.Join(logs, name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		log := string(data)
		m := regexp.MustCompile(`^# rerun: RAFTLAB_SEED=(-?\d+) go test -count=1 -v -run '\^TestFail1A\$' \./testdata/fixture\n# seed: (-?\d+)\n`).FindStringSubmatch(log)
		if m == nil || m[1] != m[2] {
			t.Errorf("%s does not start with a rerun command and the same seed:\n%s", name, log)
			continue
		}
		if !strings.Contains(log, "fixture: RAFTLAB_SEED="+m[1]+" RAFTLAB_DEBUG=\n") {
			t.Errorf("%s: the test did not see seed %s and no RAFTLAB_DEBUG (no -v):\n%s", name, m[1], log)
		}
		if !strings.Contains(log, "failing on purpose") || !strings.Contains(log, "# result: FAIL") {
			t.Errorf("%s is not the whole log of the failure:\n%s", name, log)
		}
		seeds[path], _ = strconv.ParseInt(m[1], 10, 64)
		if !strings.Contains(r.stdout, path) {
			t.Errorf("%s not listed after the table:\n%s", path, r.stdout)
		}
		// A failure's line names its seed and log.
		line := fmt.Sprintf("seed %d log %s", seeds[path], path)
		if !regexp.MustCompile(`(?m)^\[\d/4\] FAIL +\./testdata/fixture TestFail1A run \d/2 [0-9.]+s ` + regexp.QuoteMeta(line) + `$`).MatchString(r.stdout) {
			t.Errorf("no FAIL line ending %q in:\n%s", line, r.stdout)
		}
	}
	// A passing run's line has no seed (it is in -json).
	if passLines := regexp.MustCompile(`(?m)^\[\d/4\] ok +\./testdata/fixture TestPass1A run \d/2 [0-9.]+s$`).FindAllString(r.stdout, -1); len(passLines) != 2 {
		t.Errorf("want 2 lines \"ok ... TestPass1A run i/2 N.NNs\", without seed or log, in:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "passing runs") {
		t.Errorf("passing runs' logs listed without -v:\n%s", r.stdout)
	}

	var doc jsonDoc
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("-json output: %v\n%s", err, data)
	}
	if doc.TotalRuns != 4 || doc.TotalFails != 2 || len(doc.Runs) != 4 || len(doc.Tests) != 2 {
		t.Fatalf("-json totals: %d runs, %d fails, %d run records, %d tests; want 4, 2, 4, 2\n%s",
			doc.TotalRuns, doc.TotalFails, len(doc.Runs), len(doc.Tests), data)
	}
	for _, run := range doc.Runs {
		failing := run.Test == "TestFail1A"
		if run.Passed == failing || run.Package != "raftlab/testdata/fixture" || run.TimedOut {
			t.Errorf("-json run record %+v", run)
		}
		if failing && seeds[run.Log] != run.Seed {
			t.Errorf("-json run %d of %s: seed %d and log %q; the logs have %v", run.Run, run.Test, run.Seed, run.Log, seeds)
		}
		if !failing && run.Log != "" {
			t.Errorf("-json run %d of %s names a log %q, but without -v a passing run's log is not kept", run.Run, run.Test, run.Log)
		}
	}
}

// keptLogs returns the names of the files in dir, or nil if there is no
// dir.
func keptLogs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestVerboseKeepsEveryRunsLog(t *testing.T) {
	logs := filepath.Join(t.TempDir(), "test-logs")
	r := runRunner(t, 2*time.Minute, nil, "-n", "2", "-v", "-o", logs, fixture, "TestPass1A", "TestFail1A")
	if r.status != 1 {
		t.Fatalf("exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	want := "testdata_fixture_TestFail1A_run1.log testdata_fixture_TestFail1A_run2.log " +
		"testdata_fixture_TestPass1A_run1.log testdata_fixture_TestPass1A_run2.log"
	if got := strings.Join(keptLogs(t, logs), " "); got != want {
		t.Fatalf("-v kept logs %q, want every run's: %q", got, want)
	}
	for _, name := range keptLogs(t, logs) {
		data, err := os.ReadFile(filepath.Join(logs, name))
		if err != nil {
			t.Fatal(err)
		}
		log := string(data)
		test := strings.Split(name, "_")[2]
		rerun := regexp.MustCompile(`^# rerun: RAFTLAB_SEED=-?\d+ RAFTLAB_DEBUG=1 go test -count=1 -v -run '\^` + test + `\$' \./testdata/fixture\n`)
		if !rerun.MatchString(log) {
			t.Errorf("%s does not start with a rerun command with RAFTLAB_DEBUG=1:\n%s", name, log)
		}
		// The debug output, which is what -v is for, is in the log.
		debug := "fixture: RAFTLAB_SEED"
		if test == "TestPass1A" {
			debug = "000001 TEST S0 T0 fixture: debug line"
		}
		if !strings.Contains(log, debug) || !strings.Contains(log, "RAFTLAB_DEBUG=1") {
			t.Errorf("%s lacks the test's debug output %q:\n%s", name, debug, log)
		}
	}
	passing := regexp.MustCompile(`(?m)^logs of passing runs \(-v\):\n  (.*)\n  (.*)\n`).FindStringSubmatch(r.stdout)
	if passing == nil || passing[1] != filepath.Join(logs, "testdata_fixture_TestPass1A_run1.log") ||
		passing[2] != filepath.Join(logs, "testdata_fixture_TestPass1A_run2.log") {
		t.Errorf("the passing runs' logs are not listed after the table:\n%s", r.stdout)
	}
	// Two runs were selected: their logs are listed, not printed.
	if strings.Contains(r.stdout, "=== log of the run") || strings.Contains(r.stdout, "debug line") {
		t.Errorf("a log was printed although 4 runs were selected:\n%s", r.stdout)
	}
}

// A second batch into the same -o directory keeps the first batch's logs:
// its own take the next free name.
func TestLaterBatchDoesNotOverwriteLogs(t *testing.T) {
	logs := filepath.Join(t.TempDir(), "test-logs")
	for range 2 {
		if r := runRunner(t, 2*time.Minute, nil, "-o", logs, fixture, "TestFail1A"); r.status != 1 {
			t.Fatalf("exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
		}
	}
	want := "testdata_fixture_TestFail1A_run1.2.log testdata_fixture_TestFail1A_run1.log"
	if got := strings.Join(keptLogs(t, logs), " "); got != want {
		t.Fatalf("after two batches the logs are %q, want %q", got, want)
	}
}

func TestVerboseSingleRunPrintsItsLog(t *testing.T) {
	logs := filepath.Join(t.TempDir(), "test-logs")
	r := runRunner(t, 2*time.Minute, nil, "-v", "-o", logs, fixture, "TestPass1A")
	if r.status != 0 {
		t.Fatalf("exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	path := filepath.Join(logs, "testdata_fixture_TestPass1A_run1.log")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the passing run's log was not kept with -v: %v\nstdout:\n%s", err, r.stdout)
	}
	// The whole log, then the table, then where the log is.
	printed := "=== log of the run, kept in " + path + ":\n" + string(data) + "=== end of " + path + "\n"
	i := strings.Index(r.stdout, printed)
	table := strings.Index(r.stdout, "PACKAGE ")
	listed := strings.Index(r.stdout, "logs of passing runs (-v):\n  "+path+"\n")
	if i < 0 || table < i || listed < table {
		t.Errorf("stdout is not the log, then the table, then the log's path; want the log\n%s\nin:\n%s", printed, r.stdout)
	}
	if !strings.Contains(string(data), "000001 TEST S0 T0 fixture: debug line") {
		t.Errorf("the log lacks the test's debug output:\n%s", data)
	}
}

func TestAllPassingExitsZeroAndMakesNoLogDir(t *testing.T) {
	logs := filepath.Join(t.TempDir(), "test-logs")
	r := runRunner(t, 2*time.Minute, nil, "-n", "3", "-p", "3", "-o", logs, fixture, "TestPass1A")
	if r.status != 0 {
		t.Fatalf("exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	wantRow(t, r.stdout, "TestPass1A", 3, 0)
	if _, err := os.Stat(logs); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("-o %s exists (Stat: %v) although every run passed and no log was kept", logs, err)
	}
}

// TestPeakRSSOfARun checks the MAX RSS column and max_rss_bytes against
// TestMemory1C, which touches 64 MiB: at least that, and not so much more
// that a wrong unit could hide.
func TestPeakRSSOfARun(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "results.json")
	r := runRunner(t, 2*time.Minute, nil, "-n", "2", "-json", jsonPath, "-o", t.TempDir(), fixture, "TestMemory1C", "TestPass1A")
	if r.status != 0 {
		t.Fatalf("exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^PACKAGE +TEST +RUNS +FAILS +MEAN±SD S +MAX S +MAX RSS MiB$`).MatchString(r.stdout) {
		t.Errorf("no MAX RSS MiB column in the table:\n%s", r.stdout)
	}
	rss := func(test string) float64 {
		m := regexp.MustCompile(`(?m)^\./testdata/fixture +` + test + ` +2 +0 +[0-9.]+ ± [0-9.]+ +[0-9.]+ +([0-9.]+)$`).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no table row for %s with a MAX RSS figure in:\n%s", test, r.stdout)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	const touched = 64 // MiB, memoryMiB in the fixture
	if mem, pass := rss("TestMemory1C"), rss("TestPass1A"); mem < touched || mem > touched+256 || pass <= 0 || pass >= mem {
		t.Errorf("MAX RSS MiB: TestMemory1C %.1f (touches %d MiB), TestPass1A %.1f; want %d <= the first <= %d and 0 < the second < the first",
			mem, touched, pass, touched, touched+256)
	}

	var doc jsonDoc
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("-json output: %v\n%s", err, data)
	}
	for _, test := range doc.Tests {
		var most int64
		for _, run := range doc.Runs {
			if run.Test == test.Test {
				if run.MaxRSSBytes <= 0 {
					t.Errorf("-json run %d of %s: max_rss_bytes %d, want > 0", run.Run, run.Test, run.MaxRSSBytes)
				}
				most = max(most, run.MaxRSSBytes)
			}
		}
		if test.MaxRSSBytes != most {
			t.Errorf("-json test %s: max_rss_bytes %d, want the largest of its runs', %d", test.Test, test.MaxRSSBytes, most)
		}
		if test.Test == "TestMemory1C" && test.MaxRSSBytes < touched<<20 {
			t.Errorf("-json: TestMemory1C max_rss_bytes %d, less than the %d MiB it touched", test.MaxRSSBytes, touched)
		}
	}
	if !strings.Contains(string(data), `"max_rss_bytes":`) {
		t.Errorf("-json has no max_rss_bytes:\n%s", data)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cases := []struct {
		args    []string
		mention string
	}{
		{[]string{"-n", "0", fixture}, "-n must be at least 1"},
		{[]string{fixture, "9Z"}, `"9Z"`},
		{[]string{fixture, "TestPass1A", "NoSuchTest"}, `"NoSuchTest"`},
		{[]string{fixture, "Test(Pass"}, `"Test(Pass"`},
		{[]string{"./no/such/dir"}, "./no/such/dir"},
		{[]string{"-timeout", "5", fixture}, "a duration needs a unit"},
		{[]string{fixture, "TestPass1A", "-n", "2"}, "flags go before patterns"},
		{[]string{"-o", "go.mod", fixture}, "go.mod is not a directory"},
	}
	for _, c := range cases {
		r := runRunner(t, time.Minute, nil, append([]string{"-o", t.TempDir()}, c.args...)...)
		if r.status != 2 || !strings.Contains(r.stderr, c.mention) {
			t.Errorf("runner %q: exit status %d, stderr %q; want 2 and a message naming %s",
				c.args, r.status, r.stderr, c.mention)
		}
	}
}

func TestListGroupsFixture(t *testing.T) {
	r := runRunner(t, time.Minute, nil, "-list", fixture)
	want := "./testdata/fixture (raftlab/testdata/fixture)\n  1A\n    TestFail1A\n    TestPass1A\n  1B\n    TestHang1B\n  1C\n    TestMemory1C\n"
	if r.status != 0 || r.stdout != want {
		t.Errorf("-list: exit status %d, output:\n%s\nwant 0 and:\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}

// hangEnv makes TestHang1B hang and report its pid and its child's in dir.
// Whatever a failed test leaves running is killed at cleanup.
func hangEnv(t *testing.T, dir string) []string {
	t.Cleanup(func() {
		for _, pid := range hangPids(t, dir) {
			if alive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return []string{"RAFTLAB_FIXTURE_HANG=1", "RAFTLAB_FIXTURE_PIDDIR=" + dir}
}

// hangPids returns the pids (test process, its child) recorded by every
// TestHang1B process in dir.
func hangPids(t *testing.T, dir string) []int {
	t.Helper()
	tests, _ := filepath.Glob(filepath.Join(dir, "test.*"))
	var pids []int
	for _, f := range tests {
		if strings.HasSuffix(f, ".tmp") {
			continue
		}
		for _, name := range []string{f, filepath.Join(dir, "child."+strings.TrimPrefix(filepath.Base(f), "test."))} {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			pid, err := strconv.Atoi(string(data))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the command name in parentheses.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

// wantAllDead fails unless every pid is gone within the deadline. The
// test's child is reparented when the test dies and may take a moment to be
// reaped.
func wantAllDead(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Errorf("process %d (a test process or its child) is still running", pid)
				syscall.Kill(pid, syscall.SIGKILL)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestHangingRunIsKilledByTimeout(t *testing.T) {
	logs, pidDir := t.TempDir(), t.TempDir()
	start := time.Now()
	r := runRunner(t, 2*time.Minute, hangEnv(t, pidDir), "-timeout", "1s", "-o", logs, fixture, "TestHang1B")
	if r.status != 1 {
		t.Fatalf("exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	t.Logf("runner took %v", time.Since(start))
	wantRow(t, r.stdout, "TestHang1B", 1, 1)
	pids := hangPids(t, pidDir)
	if len(pids) != 2 {
		t.Fatalf("pids recorded by the hanging test: %v, want the test's and its child's", pids)
	}
	wantAllDead(t, pids)
	data, err := os.ReadFile(filepath.Join(logs, "testdata_fixture_TestHang1B_run1.log"))
	if err != nil {
		t.Fatalf("log of the timed-out run: %v\nstdout:\n%s", err, r.stdout)
	}
	if log := string(data); !strings.Contains(log, "TIMED OUT") || !strings.Contains(log, "goroutine ") {
		t.Errorf("the timed-out run's log does not say so or lacks the goroutine dump:\n%s", log)
	}
}

func TestInterruptKillsRunsAndPrintsTable(t *testing.T) {
	logs, pidDir := t.TempDir(), t.TempDir()
	cmd := exec.Command(runnerBinary(t), "-p", "2", "-o", logs, fixture, "TestPass1A", "TestHang1B")
	cmd.Env = append(os.Environ(), hangEnv(t, pidDir)...)
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	// Collect the runner's output; note when TestPass1A has finished.
	var mu sync.Mutex
	var stdout strings.Builder
	passed := make(chan struct{})
	eof := make(chan struct{})
	go func() {
		defer close(eof)
		sc := bufio.NewScanner(stdoutPipe)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			stdout.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "ok   ./testdata/fixture TestPass1A") {
				once.Do(func() { close(passed) })
			}
		}
	}()
	output := func() string { mu.Lock(); defer mu.Unlock(); return stdout.String() }

	// Interrupt once TestPass1A has finished and TestHang1B is hanging.
	deadline := time.After(time.Minute)
	for hanging := false; !hanging; {
		select {
		case <-passed:
			passed = nil
		case <-deadline:
			t.Fatalf("TestPass1A did not finish or TestHang1B did not start within a minute\nstdout:\n%s\nstderr:\n%s", output(), &stderr)
		case <-time.After(20 * time.Millisecond):
		}
		hanging = passed == nil && len(hangPids(t, pidDir)) == 2
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}

	exited := make(chan error, 1)
	go func() { <-eof; exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("runner still running 30s after SIGINT\nstdout:\n%s", output())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Errorf("runner exited with %v after SIGINT, want a non-zero status", err)
	}
	out := output()
	wantRow(t, out, "TestPass1A", 1, 0)
	if tableRow("TestHang1B").MatchString(out) {
		t.Errorf("the killed TestHang1B run is in the table; only finished runs belong there:\n%s", out)
	}
	if !strings.Contains(out, "interrupted") {
		t.Errorf("the output does not say it was interrupted:\n%s", out)
	}
	wantAllDead(t, hangPids(t, pidDir))
}

// TestStillRunningLines runs the runner in this process, its output a
// buffer (not a terminal) and stillRunningEvery shortened, on a run that
// hangs until -timeout: it must be named, with its time so far, while it
// runs.
func TestStillRunningLines(t *testing.T) {
	defer func(d time.Duration) { stillRunningEvery = d }(stillRunningEvery)
	stillRunningEvery = 100 * time.Millisecond
	pidDir := t.TempDir()
	for _, kv := range hangEnv(t, pidDir) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	status := mainStatus([]string{"-timeout", "2s", "-o", t.TempDir(), fixture, "TestHang1B"}, &stdout, &stderr)
	out := stdout.String()
	if status != 1 {
		t.Fatalf("exit status %d, want 1 (a timeout)\nstdout:\n%s\nstderr:\n%s", status, out, stderr.String())
	}
	wantAllDead(t, hangPids(t, pidDir))
	lines := regexp.MustCompile(`(?m)^still running \(1\): \./testdata/fixture TestHang1B run 1/1 (\d+)s$`).FindAllStringSubmatch(out, -1)
	// The run lasts 2s and more; at 100ms intervals that is many lines,
	// of which the last says at least 1s.
	if len(lines) < 2 || lines[len(lines)-1][1] == "0" {
		t.Errorf("want \"still running (1): ./testdata/fixture TestHang1B run 1/1 Ns\" lines, the last with N >= 1, in:\n%s", out)
	}
	// They stop once nothing runs: none after the run's line.
	if i, j := strings.LastIndex(out, "still running"), strings.Index(out, "TIMEOUT ./testdata/fixture TestHang1B"); j < 0 || i > j {
		t.Errorf("a still-running line after the run finished, or no TIMEOUT line:\n%s", out)
	}
}
