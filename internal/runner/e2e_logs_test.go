package runner

// End to end: which logs a batch keeps, and what is in them.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFailingRunKeepsLogWithRerunAndSeed(t *testing.T) {
	logs := t.TempDir()
	jsonPath := filepath.Join(t.TempDir(), "results.json")
	r := runEntry(t, 2*time.Minute, nil,
		"-n", "2", "-o", logs, "-json", jsonPath, fixture, "TestPass1A", "TestFail1A")
	wantStatus(t, r, 1)
	wantRow(t, r.stdout, "TestFail1A", 2, 2)
	wantRow(t, r.stdout, "TestPass1A", 2, 0)
	if !regexp.MustCompile(`(?m)^TOTAL +2 tests +4 +2 +wall`).MatchString(r.stdout) {
		t.Errorf("no TOTAL line with 4 runs and 2 fails in:\n%s", r.stdout)
	}

	kept := keptLogs(t, logs)
	want := "testdata_fixture_TestFail1A_run1.log testdata_fixture_TestFail1A_run2.log"
	if strings.Join(kept, " ") != want {
		t.Fatalf("kept logs %q, want only the failed runs' %q", kept, want)
	}
	seeds := map[string]int64{}
	for _, name := range kept {
		path := filepath.Join(logs, name)
		if seed, ok := checkFailedRunLog(t, r, path); ok {
			seeds[path] = seed
		}
	}
	// A passing run's line has no seed (it is in -json).
	if passLines := regexp.MustCompile(`(?m)^\[\d/4\] ok +\./testdata/fixture TestPass1A run \d/2 [0-9.]+s$`).FindAllString(r.stdout, -1); len(passLines) != 2 {
		t.Errorf("want 2 lines \"ok ... TestPass1A run i/2 N.NNs\", without seed or log, in:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "passing runs") {
		t.Errorf("passing runs' logs listed without -v:\n%s", r.stdout)
	}
	checkFailingJSON(t, jsonPath, seeds)
}

// checkFailedRunLog checks the kept log at path of a failed TestFail1A run
// (no -v), and that r's output names it with its seed, and returns the seed.
func checkFailedRunLog(t *testing.T, r invocation, path string) (seed int64, ok bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	m := regexp.MustCompile(`^# rerun: RAFTLAB_SEED=(-?\d+) go test -count=1 -v -run '\^TestFail1A\$' \./testdata/fixture\n# seed: (-?\d+)\n`).FindStringSubmatch(log)
	if m == nil || m[1] != m[2] {
		t.Errorf("%s does not start with a rerun command and the same seed:\n%s", path, log)
		return 0, false
	}
	if !strings.Contains(log, "fixture: RAFTLAB_SEED="+m[1]+" RAFTLAB_DEBUG=\n") {
		t.Errorf("%s: the test did not see seed %s and no RAFTLAB_DEBUG (no -v):\n%s", path, m[1], log)
	}
	checkReadLine(t, path, log)
	if !strings.Contains(log, "failing on purpose") || !strings.Contains(log, "# result: FAIL") {
		t.Errorf("%s is not the whole log of the failure:\n%s", path, log)
	}
	seed, _ = strconv.ParseInt(m[1], 10, 64)
	if !strings.Contains(r.stdout, path) {
		t.Errorf("%s not listed after the table:\n%s", path, r.stdout)
	}
	// A failure's line names its seed and log.
	line := fmt.Sprintf("seed %d log %s", seed, path)
	if !regexp.MustCompile(`(?m)^\[\d/4\] FAIL +\./testdata/fixture TestFail1A run \d/2 [0-9.]+s ` + regexp.QuoteMeta(line) + `$`).MatchString(r.stdout) {
		t.Errorf("no FAIL line ending %q in:\n%s", line, r.stdout)
	}
	return seed, true
}

// checkFailingJSON checks the -json document of 2 runs each of TestPass1A
// and TestFail1A: totals, and each failed run's seed and log as in seeds
// (by log path).
func checkFailingJSON(t *testing.T, jsonPath string, seeds map[string]int64) {
	t.Helper()
	doc, data := readJSON(t, jsonPath)
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

func TestVerboseKeepsEveryRunsLog(t *testing.T) {
	logs := filepath.Join(t.TempDir(), "test-logs")
	r := runEntry(t, 2*time.Minute, nil, "-n", "2", "-v", "-o", logs, fixture, "TestPass1A", "TestFail1A")
	wantStatus(t, r, 1)
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
		wantStatus(t, runEntry(t, 2*time.Minute, nil, "-o", logs, fixture, "TestFail1A"), 1)
	}
	want := "testdata_fixture_TestFail1A_run1.2.log testdata_fixture_TestFail1A_run1.log"
	if got := strings.Join(keptLogs(t, logs), " "); got != want {
		t.Fatalf("after two batches the logs are %q, want %q", got, want)
	}
	// Each names itself in its header.
	for _, name := range keptLogs(t, logs) {
		path := filepath.Join(logs, name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checkReadLine(t, path, string(data))
	}
}

func TestVerboseSingleRunPrintsItsLog(t *testing.T) {
	logs := filepath.Join(t.TempDir(), "test-logs")
	r := runEntry(t, 2*time.Minute, nil, "-v", "-o", logs, fixture, "TestPass1A")
	wantStatus(t, r, 0)
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
	r := runEntry(t, 2*time.Minute, nil, "-n", "3", "-p", "3", "-o", logs, fixture, "TestPass1A")
	wantStatus(t, r, 0)
	wantRow(t, r.stdout, "TestPass1A", 3, 0)
	if _, err := os.Stat(logs); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("-o %s exists (Stat: %v) although every run passed and no log was kept", logs, err)
	}
}

// checkReadLine checks that the log kept at path says how to read it with
// the log viewer, naming itself, if the module has the viewer (raftlab
// does; the student copy `raftlab handout` writes does not, and there the
// header must not name a command that is missing).
func checkReadLine(t *testing.T, path, log string) {
	t.Helper()
	read := "\n# read it: go run ./cmd/raftlab logs " + path + "\n"
	if _, err := os.Stat(filepath.Join(moduleRoot(t), filepath.FromSlash(viewerSource))); err != nil {
		if strings.Contains(log, "# read it:") {
			t.Errorf("%s: the header names a viewer this module does not have (%s):\n%s", path, viewerSource, log)
		}
		return
	}
	if !strings.Contains(log, read) {
		t.Errorf("%s: the header does not say how to read it (%q):\n%s", path, read, log)
	}
}
