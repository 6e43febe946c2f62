package grade

// The student's runner as a child process: `go run . ...` in their module
// root, in a process group of its own, stopped with it when ctx ends.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopDelay is how long a runner has, after the SIGINT that ends it, to
// stop its runs and exit before its process group is killed.
const stopDelay = 10 * time.Second

// checkLimit bounds `go run . -h`: building the runner, then its manual.
// A program that is not the runner might not exit.
const checkLimit = 5 * time.Minute

// goRun runs `go run . args...` in dir. Its process group is its own, so
// that a Ctrl-C at the terminal reaches the grader alone; when ctx ends the
// group gets SIGINT (the runner then kills its runs, prints its table and
// exits) and, stopDelay later, SIGKILL.
func goRun(ctx context.Context, dir string, stdout, stderr io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", "."}, args...)...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return signalGroup(cmd, syscall.SIGINT) }
	cmd.WaitDelay = stopDelay
	err := cmd.Run()
	if ctx.Err() != nil {
		// go run is gone; the runner under it may not be, if it did not
		// stop within stopDelay.
		signalGroup(cmd, syscall.SIGKILL)
	}
	return err
}

// signalGroup sends sig to the process group led by cmd's process. A group
// already gone is not an error.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.Process == nil {
		return nil
	}
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil && err != syscall.ESRCH {
		return err
	}
	return nil
}

// childEnv is the grader's environment without the runner's per-run
// variables: each run gets its own seed, and debug logging stays off (a
// graded run's log is its test output).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RAFTLAB_SEED=") || strings.HasPrefix(kv, "RAFTLAB_DEBUG=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// checkRunner checks that dir's `go run .` is raftlab's runner: it builds
// and its -h names the flags the grader passes.
func checkRunner(ctx context.Context, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, checkLimit)
	defer cancel()
	out := newTail(64 << 10)
	err := goRun(ctx, dir, out, out, "-h")
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s: `go run . -h` still running after %v: not raftlab's runner", dir, checkLimit)
		}
		return ctx.Err()
	}
	if err != nil {
		why := out.text(20)
		if !strings.Contains(why, "\n") { // one line: "no Go files in DIR"
			why = strings.TrimSpace(why)
		} else {
			why = err.Error() + "\n" + why
		}
		return fmt.Errorf("%s: no runner: `go run . -h` (the batch runner at the module root) failed: %s", dir, why)
	}
	manual := out.String()
	for _, flag := range []string{"-json", "-list", "-timeout"} {
		if !strings.Contains(manual, flag) {
			return fmt.Errorf("%s: `go run . -h` has no %s flag: the module root's program is not raftlab's runner", dir, flag)
		}
	}
	return nil
}

// listTests returns the tests of pkg in dir, by part, from the runner's
// -list; tests without a part are left out. Listing builds the package's
// test binary, with -race if race, so that a copy that does not compile
// fails here, and the run after it finds the build cached.
func listTests(ctx context.Context, dir, pkg string, race bool) (map[string][]string, error) {
	out := newTail(64 << 10)
	args := []string{"-list"}
	if race {
		args = append(args, "-race")
	}
	if err := goRun(ctx, dir, out, out, append(args, pkg)...); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("go run . %s: %v\n%s", strings.Join(append(args, pkg), " "), err, out.text(40))
	}
	// -list prints "./raft (raftlab/raft)", then per part "  3A" and a test
	// per line indented by four spaces.
	byPart := map[string][]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		name, ok := strings.CutPrefix(line, "    ")
		if part, isTest := partTest(name); ok && isTest {
			byPart[part] = append(byPart[part], name)
		}
	}
	return byPart, nil
}

// runTests runs the tests of parts in pkg, as cfg says, with the runner's
// output going to cfg.Progress, and returns its -json document. A runner
// that wrote no document (it could not build, or failed some other way)
// is an error that ends with the last lines it printed.
func runTests(ctx context.Context, cfg Config, pkg string, parts []string, jsonPath string) (*runnerDoc, error) {
	args := []string{
		"-n", fmt.Sprint(cfg.Runs),
		"-timeout", cfg.Timeout.String(),
		"-p", fmt.Sprint(cfg.Parallel),
		"-json", jsonPath,
		"-o", cfg.LogDir,
	}
	if cfg.Race {
		args = append(args, "-race")
	}
	args = append(append(args, pkg), parts...)
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	fmt.Fprintf(progress, "raftlab grade: go run . %s (in %s)\n", strings.Join(args, " "), cfg.Dir)
	stderr := newTail(64 << 10)
	runErr := goRun(ctx, cfg.Dir, progress, io.MultiWriter(progress, stderr), args...)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// The runner exits 1 when a run failed, and go run turns every failure
	// into 1 too: whether the batch ran is told by its document.
	doc, err := readRunnerDoc(jsonPath)
	if err != nil {
		if runErr == nil {
			runErr = err
		}
		return nil, fmt.Errorf("the runner wrote no results (%v):\n%s", runErr, stderr.text(40))
	}
	if doc.Interrupted {
		return nil, fmt.Errorf("the runner was interrupted before every run finished:\n%s", stderr.text(40))
	}
	return doc, nil
}

// readRunnerDoc reads the runner's -json document.
func readRunnerDoc(path string) (*runnerDoc, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s is empty", path)
	}
	var doc runnerDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &doc, nil
}

// tail is an io.Writer that keeps the last max bytes written to it: a
// child's output, bounded however much it prints.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// text returns the last n lines kept, indented, without go run's own
// closing "exit status N".
func (t *tail) text(n int) string {
	lines := strings.Split(strings.TrimRight(t.String(), "\n"), "\n")
	if k := len(lines); k > 0 && strings.HasPrefix(lines[k-1], "exit status ") {
		lines = lines[:k-1]
	}
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("(... %d lines above)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return "    " + strings.Join(lines, "\n    ")
}
