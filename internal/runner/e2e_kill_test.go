package runner

// End to end: runs that hang are killed, with everything they started, by
// -timeout and by Ctrl-C.

import (
	"bufio"
	"bytes"
	"context"
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
	r := runEntry(t, 2*time.Minute, hangEnv(t, pidDir), "-timeout", "1s", "-o", logs, fixture, "TestHang1B")
	wantStatus(t, r, 1)
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
	cmd := entryCommand(t, context.Background(), hangEnv(t, pidDir),
		"-p", "2", "-o", logs, fixture, "TestPass1A", "TestHang1B")
	w := startWatched(t, cmd)

	// Interrupt once TestPass1A has finished and TestHang1B is hanging.
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(w.output(), "ok   ./testdata/fixture TestPass1A") || len(hangPids(t, pidDir)) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("TestPass1A did not finish or TestHang1B did not start within a minute\nstdout:\n%s\nstderr:\n%s", w.output(), &w.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}

	err := w.wait(t, 30*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Errorf("runner exited with %v after SIGINT, want a non-zero status", err)
	}
	out := w.output()
	wantRow(t, out, "TestPass1A", 1, 0)
	if tableRow("TestHang1B").MatchString(out) {
		t.Errorf("the killed TestHang1B run is in the table; only finished runs belong there:\n%s", out)
	}
	if !strings.Contains(out, "interrupted") {
		t.Errorf("the output does not say it was interrupted:\n%s", out)
	}
	wantAllDead(t, hangPids(t, pidDir))
}

// watched is a started command whose output is collected as it comes, so
// that a test can act on what it has printed so far.
type watched struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	eof    chan struct{} // closed when stdout has been read to its end
	mu     sync.Mutex
	stdout strings.Builder // guarded by mu
}

// startWatched starts cmd, collecting its output; the process is killed
// at the end of the test if it is still running.
func startWatched(t *testing.T, cmd *exec.Cmd) *watched {
	t.Helper()
	w := &watched{cmd: cmd, eof: make(chan struct{})}
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	go func() {
		defer close(w.eof)
		sc := bufio.NewScanner(stdoutPipe)
		for sc.Scan() {
			w.mu.Lock()
			w.stdout.WriteString(sc.Text() + "\n")
			w.mu.Unlock()
		}
	}()
	return w
}

// output returns what the command has printed on stdout so far.
func (w *watched) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stdout.String()
}

// wait waits, at most limit, for the command to exit, and returns Wait's
// error.
func (w *watched) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	exited := make(chan error, 1)
	go func() { <-w.eof; exited <- w.cmd.Wait() }()
	select {
	case err := <-exited:
		return err
	case <-time.After(limit):
		t.Fatalf("runner still running %v after SIGINT\nstdout:\n%s", limit, w.output())
		return nil
	}
}

// TestStillRunningLines runs the runner in this process, at the module
// root, its output a buffer (not a terminal) and stillRunningEvery
// shortened, on a run that hangs until -timeout: it must be named, with its
// time so far, while it runs.
func TestStillRunningLines(t *testing.T) {
	defer func(d time.Duration) { stillRunningEvery = d }(stillRunningEvery)
	stillRunningEvery = 100 * time.Millisecond
	pidDir := t.TempDir()
	for _, kv := range hangEnv(t, pidDir) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Chdir(moduleRoot(t))
	var stdout bytes.Buffer
	cfg := Config{Runs: 1, Parallel: 1, Timeout: 2 * time.Second, LogDir: t.TempDir(),
		Patterns: []string{fixture, "TestHang1B"}}
	err := Run(t.Context(), cfg, &stdout)
	out := stdout.String()
	if err != ErrFailed {
		t.Fatalf("Run = %v, want ErrFailed (a timeout)\nstdout:\n%s", err, out)
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
