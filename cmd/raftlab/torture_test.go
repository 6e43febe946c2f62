package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"raftlab/internal/bugs"
)

// tortureRun is one raftlab torture process run to its end.
type tortureRun struct {
	stdout, stderr string
	code           int
	report         string // report.html's contents
	dir            string // the nodes' data and logs
}

// tortureProc runs binary's torture command with args (and -o set), with env
// added, and waits for it, limit at most; on timeout it kills the whole
// process group, nodes included.
func tortureProc(t *testing.T, binary string, env []string, limit time.Duration, args ...string) tortureRun {
	t.Helper()
	out, dir := t.TempDir(), filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(binary, append([]string{"torture", "-o", out, "-dir", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(childEnv(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(limit):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("raftlab torture %q still running after %v; stderr:\n%s", args, limit, stderr.String())
	}
	r := tortureRun{stdout: stdout.String(), stderr: stderr.String(), dir: dir}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if strings.Contains(r.stderr, "DATA RACE") {
		t.Errorf("raftlab torture %q: a data race:\n%s", args, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(out, "report.html")); err == nil {
		r.report = string(b)
	}
	return r
}

// A short torture of a correct build, every fault on, passes: exit 0, a
// summary that says so, and a report with its sections.
func TestTorturePasses(t *testing.T) {
	r := tortureProc(t, bin, nil, 3*time.Minute, "-duration", "15s", "-seed", "11", "-clients", "6")
	t.Logf("summary:\n%s", r.stdout)
	if r.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"verdict      PASS: linearizable, no acknowledged write lost", "faults       ", "0 lost, 0 applied twice", "-seed 11"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	for _, want := range []string{"raftlab torture: <span class=\"pass\">PASS", "What the cluster went through", "<svg", "Every key's history is linearizable"} {
		if !strings.Contains(r.report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, want := range []string{"torture: running the clients and the nemesis for 15s", "torture: stopping the clients and the nemesis: the 15s passed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// Membership changes among the faults: members are added (fresh ids,
// joining with -join) and removed (the leader among them), the removed
// ones kept running a while and then stopped as expected, and the run
// still passes; the summary counts the changes and the report labels the
// members added and removed.
func TestTortureMembership(t *testing.T) {
	r := tortureProc(t, bin, nil, 3*time.Minute, "-duration", "25s", "-seed", "1", "-clients", "6", "-faults", "membership,kill,partition")
	t.Logf("summary:\n%s", r.stdout)
	if r.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	m := regexp.MustCompile(`membership   (\d+) members? added, (\d+) removed, 0 changes failed; configuration at the end \[[\d ]+\]`).FindStringSubmatch(r.stdout)
	if m == nil || m[1] == "0" || m[2] == "0" {
		t.Fatalf("summary lacks a membership line with members added and removed and no change failed:\n%s", r.stdout)
	}
	for _, want := range []string{"verdict      PASS", "membership "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	for _, want := range []string{"(added)", "(removed)", ">membership<"} {
		if !strings.Contains(r.report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, want := range []string{"torture: membership: add node 3 (joining through node", "is a voter: configuration", "removed: configuration", "it runs on for"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(r.stderr, "exited by itself") {
		t.Errorf("a member exited by itself:\n%s", r.stderr)
	}
}

// Big values (-max-value): puts of up to 1 MB over the small default
// -max-raft-state (64 KiB), so snapshots (several chunks each) are taken and
// installed under the faults; the run passes, the summary says what the
// values and the snapshots did, and the replay line keeps the flag. A
// -max-value out of bounds is bad usage.
func TestTortureBigValues(t *testing.T) {
	r := tortureProc(t, bin, nil, 3*time.Minute, "-duration", "20s", "-seed", "3", "-clients", "6", "-rate", "30",
		"-max-value", "1000000", "-faults", "kill,partition,membership")
	t.Logf("summary:\n%s", r.stdout)
	if r.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)values       puts of 1 to 1000000 bytes: [1-9]\d* acknowledged, [\d.]+ MB \([\d.]+ MB/s\); gets read [\d.]+ MB \([\d.]+ MB/s\), every byte checked`),
		regexp.MustCompile(`snapshots    snapshot index seen moving up [1-9]\d* times`),
		regexp.MustCompile(`verdict      PASS: linearizable, no acknowledged write lost`),
		regexp.MustCompile(`0 lost, 0 applied twice, 0 values never written`),
		regexp.MustCompile(`(?m)replay       raftlab torture .* -rate 30 -max-value 1000000$`),
	} {
		if !want.MatchString(r.stdout) {
			t.Errorf("summary lacks %s", want)
		}
	}
	if !strings.Contains(r.stderr, "puts of up to 1000000 bytes") {
		t.Errorf("log lacks the value size")
	}

	cmd := exec.Command(bin, "torture", "-max-value", "10")
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "max value 10: want 0 (tokens only) or 64 to 1048576 bytes") {
		t.Fatalf("-max-value 10: exit %v, output %q; want 2 and the bounds", err, out)
	}
}

// bugBin is raftlab built with the deliberate bugs (internal/bugs), once.
var bugBin = sync.OnceValues(func() (string, error) {
	path := filepath.Join(filepath.Dir(bin), "raftlab-bugs")
	args := []string{"build", "-tags", bugs.Tag, "-o", path}
	if buildRace {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("building raftlab with -tags %s: %v\n%s", bugs.Tag, err, out)
	}
	return path, nil
})

// Each deliberate bug, switched on in a test build, makes a short
// torture fail (exit 1) with the finding it must produce, in the summary
// and in the report. If the tool ever stops catching one of them, this
// fails.
func TestTortureCatchesBugs(t *testing.T) {
	binary, err := bugBin()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bug  string
		args []string
		// One of anyOf must be in the summary, and one of report in the
		// report (a lost write often also leaves a read that cannot be
		// linearized, and either shows the bug).
		anyOf, report []string
	}{
		// Acknowledged before it is on disk: killing every member at once
		// loses the last writes they acknowledged.
		{bugs.AckBeforeFsync, []string{"-faults", "kill", "-max-down", "3", "-seed", "5"},
			[]string{"acknowledged writes lost, first:", "the history is not linearizable: key"}, []string{"Acknowledged writes lost", "could not be linearized"}},
		// A read answered by whichever member gets it: a member cut off
		// in a minority returns what the majority has overwritten.
		{bugs.StaleRead, []string{"-faults", "partition", "-seed", "2"},
			[]string{"the history is not linearizable: key"}, []string{"could not be linearized"}},
		// Snapshots without the duplicate table: after every member
		// restarts from one, a client's retry of an acknowledged write is
		// applied again (a token read twice, or a put applied again over
		// later appends).
		{bugs.SnapshotWithoutDuplicates, []string{"-faults", "kill", "-max-down", "3", "-max-raft-state", "1024", "-seed", "5"},
			[]string{"writes applied twice, first:", "the history is not linearizable: key"}, []string{"Writes applied twice", "could not be linearized"}},
		// A snapshot installed from its first chunk: a restarted member
		// behind the leader's snapshot is handed one cut short, and its
		// service cannot restore it (or, if it could, would hold a state
		// that misses writes).
		{bugs.SnapshotBeforeLastChunk, []string{"-faults", "kill", "-max-raft-state", "1024", "-seed", "5"},
			[]string{"exited by itself", "the history is not linearizable: key", "acknowledged writes lost, first:"},
			[]string{"exited by itself", "could not be linearized", "Acknowledged writes lost"}},
	} {
		t.Run(tc.bug+"/"+strings.Join(tc.args, " "), func(t *testing.T) {
			r := tortureProc(t, binary, []string{"RAFTLAB_BUGS=" + tc.bug}, 3*time.Minute, append([]string{"-duration", "20s"}, tc.args...)...)
			t.Logf("summary:\n%s", r.stdout)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "verdict      FAIL") {
				t.Errorf("summary lacks the FAIL verdict")
			}
			found := false
			for _, want := range tc.anyOf {
				found = found || strings.Contains(r.stdout, want)
			}
			if !found {
				t.Errorf("summary has none of %q", tc.anyOf)
			}
			if !strings.Contains(r.report, "raftlab torture: <span class=\"fail\">FAIL") {
				t.Errorf("report lacks the FAIL heading")
			}
			found = false
			for _, want := range tc.report {
				found = found || strings.Contains(r.report, want)
			}
			if !found {
				t.Errorf("report has none of %q", tc.report)
			}
			log, _ := os.ReadFile(filepath.Join(r.dir, "node-0.log"))
			if !strings.Contains(string(log), "deliberate bugs on (a test build, raftlab_bugs): ["+tc.bug+"]") {
				t.Errorf("node 0's log does not say the bug is on")
			}
		})
	}
}

// A production build has no bugs to switch on: $RAFTLAB_BUGS does nothing.
func TestProductionBuildHasNoBugs(t *testing.T) {
	if bugs.Built {
		t.Fatal("this test binary was built with the raftlab_bugs tag")
	}
	for _, name := range bugs.Names {
		if bugs.On(name) {
			t.Fatalf("bug %s is on in a production build", name)
		}
	}
}

// A test build refuses a name in $RAFTLAB_BUGS that is not a bug.
func TestUnknownBugRefused(t *testing.T) {
	binary, err := bugBin()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "status")
	cmd.Env = append(childEnv(), "RAFTLAB_BUGS=stale-read,nope")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), `names "nope", not a bug`) {
		t.Fatalf("exit %v, output %q; want 2 and a message naming nope", err, out)
	}
}
