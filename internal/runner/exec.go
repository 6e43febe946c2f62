package runner

// Running one test once: its own process and process group, a fresh network
// seed, the output into a log headed by how to rerun it, a time limit.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// quitGrace is how long a timed-out run has, after SIGQUIT, to print its
// goroutine dump and exit before its process group is killed.
const quitGrace = 5 * time.Second

// runResult is what one run of one test came to.
type runResult struct {
	tc       testCase
	run      int // 1..cfg.Runs
	seed     int64
	passed   bool
	timedOut bool
	// stopped: killed by Ctrl-C or -failfast before it finished. Such a run
	// is neither a pass nor a failure and is left out of every count.
	stopped bool
	seconds float64
	// maxRSS is the process's peak resident set size in bytes, 0 where
	// the platform does not report it.
	maxRSS  int64
	logPath string // the kept log (failed runs, all runs with -v), or why it was lost
}

// rerunCommand is the shell command line, to be typed at the module root,
// that runs the same test with the same seed under go test.
func rerunCommand(cfg Config, tc testCase, seed int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "RAFTLAB_SEED=%d ", seed)
	if cfg.Verbose {
		b.WriteString("RAFTLAB_DEBUG=1 ")
	}
	b.WriteString("go test")
	if cfg.Race {
		b.WriteString(" -race")
	}
	if cfg.Timeout != 10*time.Minute { // go test's own default
		fmt.Fprintf(&b, " -timeout %v", cfg.Timeout)
	}
	fmt.Fprintf(&b, " -count=1 -v -run '^%s$' %s", tc.name, tc.pkg.rel)
	return b.String()
}

// logName is the file name of a run's log: raft_TestBasic3A_run17.log.
func logName(tc testCase, run int) string {
	return fmt.Sprintf("%s_%s_run%d.log", tc.pkg.key, tc.name, run)
}

// runOne runs test tc once as run number run. Its log is written into
// tmpDir and moved to cfg.LogDir if the run fails, or whatever its outcome
// with -v. When ctx ends first the process group is killed and the result
// is marked stopped.
func runOne(ctx context.Context, cfg Config, tc testCase, run int, tmpDir string) runResult {
	res := runResult{tc: tc, run: run, seed: rand.Int64()}
	tmpLog := filepath.Join(tmpDir, logName(tc, run))
	log, err := os.Create(tmpLog)
	if err != nil {
		res.logPath = fmt.Sprintf("(no log: %v)", err)
		return res
	}
	defer os.Remove(tmpLog) // a no-op once kept

	// Where the log will be kept if it is: the header names it.
	keepAs := freeLogPath(filepath.Join(cfg.LogDir, logName(tc, run)))
	writeLogHeader(log, cfg, tc, run, res.seed, keepAs)
	cmd := testCommand(cfg, tc, res.seed, log)
	start := time.Now()
	var footer string
	if err := cmd.Start(); err != nil {
		footer = fmt.Sprintf("FAIL: could not start: %v", err)
	} else {
		footer = wait(ctx, cmd, cfg.Timeout, &res)
		// Whatever the test left behind in its group goes too.
		killGroup(cmd)
		res.maxRSS = peakRSS(cmd.ProcessState)
	}
	res.seconds = time.Since(start).Seconds()
	fmt.Fprintf(log, "\n# result: %s (after %.2fs)\n", footer, res.seconds)
	log.Close()

	if (res.passed || res.stopped) && !cfg.Verbose {
		return res
	}
	res.logPath = keepLog(tmpLog, keepAs)
	return res
}

// writeLogHeader writes the lines that open a run's log: how to rerun it,
// its seed, which run it is, the binary and when it started, and how to
// read it, kept at keepAs, with a column per peer (where the module has
// the viewer).
func writeLogHeader(log io.Writer, cfg Config, tc testCase, run int, seed int64, keepAs string) {
	fmt.Fprintf(log, "# rerun: %s\n# seed: %d\n# test: %s %s, run %d of %d\n# binary: %s %s (in %s; removed when the runner exits)\n# started: %s\n",
		rerunCommand(cfg, tc, seed), seed, tc.pkg.rel, tc.name, run, cfg.Runs,
		tc.pkg.binary, fmt.Sprintf("-test.run '^%s$' -test.count=1 -test.v", tc.name), tc.pkg.dir, time.Now().Format(time.RFC3339))
	if tc.pkg.viewer {
		fmt.Fprintf(log, "# read it: %s\n", readCommand(keepAs))
	}
	fmt.Fprintln(log)
}

// readCommand is the shell command line, to be typed at the module root,
// that shows the log kept at path with a column per peer.
func readCommand(path string) string {
	return "go run ./cmd/raftlab logs " + shellQuote(path)
}

// shellQuote returns s as one shell word: as it is if it has only
// characters the shell leaves alone, else in single quotes.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+,:=@%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// testCommand returns the process of one run of tc with the given seed: its
// package's test binary, started in the package's directory in a process
// group of its own, its output into log.
func testCommand(cfg Config, tc testCase, seed int64, log *os.File) *exec.Cmd {
	// writeLogHeader shows these arguments in shell form: keep the two in step.
	cmd := exec.Command(tc.pkg.binary, "-test.run", "^"+tc.name+"$", "-test.count=1", "-test.v")
	cmd.Dir = tc.pkg.dir
	cmd.Env = append(os.Environ(), "RAFTLAB_SEED="+strconv.FormatInt(seed, 10))
	if cfg.Verbose {
		cmd.Env = append(cmd.Env, "RAFTLAB_DEBUG=1")
	}
	// A file, not a pipe: Wait then does not wait for grandchildren that
	// inherited it, and nothing is buffered in the runner.
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// wait waits for the started cmd to exit, the timeout, or ctx to end, and
// fills in res.passed, res.timedOut or res.stopped. It returns the log's
// closing line.
func wait(ctx context.Context, cmd *exec.Cmd, timeout time.Duration, res *runResult) string {
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	select {
	case err := <-exited:
		if err != nil {
			return fmt.Sprintf("FAIL: %v", err)
		}
		res.passed = true
		return "PASS"
	case <-ctx.Done():
		killGroup(cmd)
		<-exited
		res.stopped = true
		return "STOPPED: the runner was interrupted; process group killed"
	case <-timer.C:
	}

	// Timed out: ask the Go runtime for a goroutine dump (SIGQUIT makes
	// it print every stack and exit), then kill the whole group.
	res.timedOut = true
	cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-exited:
	case <-time.After(quitGrace):
		killGroup(cmd)
		<-exited
	case <-ctx.Done():
		killGroup(cmd)
		<-exited
	}
	return fmt.Sprintf("FAIL: TIMED OUT: still running after -timeout %v; sent SIGQUIT (goroutine dump above), then killed its process group", timeout)
}

// freeLogPath returns dst if no file is there, else the first free one of
// name.2.log, name.3.log, ..., so that a log an earlier batch kept under
// the same name is not overwritten.
func freeLogPath(dst string) string {
	base := strings.TrimSuffix(dst, ".log")
	for i := 2; ; i++ {
		if _, err := os.Lstat(dst); err != nil {
			return dst // free (or unreadable: then the move says why)
		}
		dst = fmt.Sprintf("%s.%d.log", base, i)
	}
}

// keepLog moves a run's log from tmp to dst, creating dst's directory if
// need be, and returns where it went, or explains in its place why it
// could not. dst comes from freeLogPath before the run; if a file has
// appeared there since, the log goes to the next free name after it.
func keepLog(tmp, dst string) string {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Sprintf("(log lost: %v)", err)
	}
	dst = freeLogPath(dst)
	if err := os.Rename(tmp, dst); err == nil {
		return dst
	}
	// Another file system: copy.
	src, err := os.Open(tmp)
	if err != nil {
		return fmt.Sprintf("(log lost: %v)", err)
	}
	defer src.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Sprintf("(log lost: %v)", err)
	}
	_, err = io.Copy(out, src)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Sprintf("(log lost: %v)", err)
	}
	return dst
}

// checkLogDir returns an error, before any run, if logs could not be kept in
// dir: it, or the nearest ancestor that exists, is not a directory or cannot
// be written to. dir itself is created only when the first log is kept, so a
// batch in which every run passes leaves nothing behind.
func checkLogDir(dir string) error {
	d := filepath.Clean(dir)
	for {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", d)
			}
			break
		}
		if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return err
		}
		d = parent
	}
	// A file created and removed: what keeping a log will need, and
	// nothing left behind.
	probe, err := os.CreateTemp(d, ".raftlab-probe-")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", d, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// peakRSS returns the peak resident set size, in bytes, of the exited
// process ps describes, from its rusage; 0 if ps is nil or the platform
// gives no *syscall.Rusage.
func peakRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) // bytes there
	}
	return int64(ru.Maxrss) * 1024 // KiB on Linux and the BSDs
}
