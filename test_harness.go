// Command raftlab (the module root) is the test runner: it runs single tests
// of the module many times, in parallel, each in its own process, and says
// how often each one failed, how long it took and how much memory it used.
//
// This file is the command: its flags, Ctrl-C and exit status. The runner
// itself is the package raftlab/internal/runner (internal/runner/doc.go
// says how it works); the flags fill in its Config.
//
// Usage:
//
//	go run . [flags] [pattern ...]
//
// Flags come before patterns. `go run . -h` prints a short form of this
// manual, then the flags.
//
// Each needed package's test binary is compiled once (go test -c, with -race
// when asked) into a temporary directory that is removed at exit. Every run
// is one process: the binary started in its package directory with
// -test.run '^Name$' -test.count=1 -test.v, in a process group of its own.
//
// Patterns (they combine: packages restrict where, the others union over which
// tests; a pattern that matches nothing is a usage error naming it):
//
//	./raft, ./..., .       a package pattern (anything containing "/", or "." or "..")
//	3A, 4B                 a part: the trailing digit+capital of test names
//	TestBasic4B            a test, when it is exactly the name of one
//	Figure8|Snapshot       otherwise a regular expression on test names
//
// With no package pattern the packages are those of `go list ./...` (which
// skips testdata/) minus the runner's own: this command at the module root
// and ./internal/runner; name them ("." or ./internal/runner) to run their
// tests. The fixture package is run only when named: go run . ./testdata/fixture.
// Packages with no tests are skipped.
//
// Examples:
//
//	go run . -v TestInitialElection3A    one run with the debug log on; the log is printed
//	go run . -n 100 -p 4 -race 3C        every part-3C test 100 times, 4 at once
//	go run . -n 30 -race -json r.json ./raft
//	go run . -list                       the tests by package and part
//
// Flags:
//
//	-n N         runs per test (default 1)
//	-p P         runs at once (default: number of CPUs)
//	-race        build the test binaries with the race detector (each run
//	             then ends with the detector's default 1 s exit pause, kept
//	             so that races in goroutines outliving the test still count)
//	-timeout D   limit per run, a duration with a unit (30s, 10m, 1h30m;
//	             default 10m); a run over it gets SIGQUIT (goroutine dump
//	             into its log), then its process group SIGKILL, and counts as
//	             a failure marked timed out
//	-o DIR       where kept logs go (default test-logs); see Logs
//	-list        print the selected tests grouped by package and part, run nothing
//	-json FILE   write per-run records and per-test aggregates as one JSON document
//	-failfast    after the first failed run start no new run and stop the
//	             running ones (they are left out of the table, like Ctrl-C)
//	-v           debug logs: set RAFTLAB_DEBUG=1 for the tests and keep the
//	             log of every run, passing, failed or stopped, in -o DIR; when
//	             exactly one run is selected (one test, -n 1) its log is also
//	             printed, before the table
//
// A bad flag value is a usage error that says what was wanted (-timeout 5:
// "a duration needs a unit: 5s, 5m or 5h").
//
// Logs: the whole output of a failed run (with -v, of every run) is kept in
// -o DIR as <pkg>_<Test>_run<N>.log, for example raft_TestBasic3A_run17.log.
// DIR is created when the first log is kept, so a batch in which every run
// passes leaves none behind; before any run the runner checks that it could
// be created and written. A log starts with the command line, to be typed at
// the module root, that reruns the test with the same network seed:
//
//	# rerun: RAFTLAB_SEED=<seed> [RAFTLAB_DEBUG=1] go test [-race] [-timeout D] -count=1 -v -run '^<Test>$' <dir>
//	# seed: <seed>
//
// where RAFTLAB_DEBUG=1 is there with -v, -race with -race, -timeout D when
// D is not 10m, and <dir> is the package as go test names it (./raft). Then
// come the test, run number, binary and start time, the command that shows
// the log with a column per peer ("# read it: go run ./cmd/raftlab logs
// <path>", in a module that has the viewer: not a student copy written by
// raftlab handout), the test's output, and a last line "# result: PASS|FAIL...|STOPPED... (after N s)". After the table
// the kept logs are listed, a path per line: every failed run's, then with -v
// the passing and the stopped runs' (or, when there are more than 10, how
// many and in which directory).
//
// Progress: on a terminal a live line, redrawn every second, and above it a
// line per failure. The live line gives done/total, failures, elapsed and
// estimated time left, then how many runs are in progress and the one
// running longest with its time so far; it drops the package, then the
// elapsed time, to fit the terminal's width:
//
//	10/40 done, 1 failed, elapsed 3m2s, left ~9m6s; 2 running, longest ./raft TestFigure8Unreliable3C 41s
//
// Otherwise (a file, a pipe, CI) a line per finished run, with the seed and
// the log on failures (and the log on passing runs under -v):
//
//	[ 3/40] ok   ./raft TestBasic3A run 1/20 1.23s
//	[ 4/40] FAIL ./raft TestFigure83C run 1/20 30.01s seed -8712... log test-logs/raft_TestFigure83C_run1.log
//
// and every 30 s while runs are in progress a line naming them, longest first:
//
//	still running (2): ./raft TestFigure8Unreliable3C run 1/20 41s, ./raft TestBackup3B run 2/20 12s
//
// At the end a table (package, test, runs, fails, mean ± stddev seconds, max
// seconds, MAX RSS MiB), a TOTAL line, and the kept logs. MAX RSS is the
// largest peak resident set size of the test's runs, from the exited
// process's rusage (ru_maxrss), in MiB (2^20 bytes); with -race it includes
// the race detector's memory. It is "-" on a platform that does not report
// it. -json has the same figure in bytes (max_rss_bytes, per run and per
// test; left out where unknown), and every run's seed.
//
// Ctrl-C (SIGINT or SIGTERM) starts no new run, kills the process groups of
// the running ones, and prints the table of the runs that finished; a second
// Ctrl-C exits at once.
//
// Exit status: 0 when every run passed (and for -h); 1 when a run failed or
// timed out, a build failed, or the runner was interrupted; 2 for bad usage
// (bad flag value, unknown package, a pattern that matches no test), with a
// message. Through `go run .` the go command reports every non-zero status
// of the program as its own exit status 1 (printing "exit status 2"); the
// status itself is seen from a built runner:
//
//	go build -o raftlab-run . && ./raftlab-run -n 10 3A
//
// Environment passed to every run:
//
//	RAFTLAB_SEED=<int64>  a fresh random seed per run for labrpc's fault
//	                      schedule, recorded in the log header and -json
//	RAFTLAB_DEBUG=1       only with -v
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"raftlab/internal/runner"
)

func main() {
	os.Exit(mainStatus(os.Args[1:], os.Stdout, os.Stderr))
}

// mainStatus runs the command and returns its exit status: parse the flags,
// install the Ctrl-C handling, run the batch, map the outcome to a status.
func mainStatus(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stdout)
	switch {
	case err == flag.ErrHelp:
		return 0
	case err != nil:
		return badUsage(stderr, err)
	}
	ctx, stop := interruptContext(stderr)
	defer stop()
	return exitStatus(stderr, runner.Run(ctx, cfg, stdout))
}

// exitStatus returns the exit status for Run's result, first saying why on
// stderr unless Run has said it already: 0 all passed, 1 a run failed (or
// the batch could not run), 2 bad usage.
func exitStatus(stderr io.Writer, err error) int {
	var ue runner.UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return badUsage(stderr, err)
	case errors.Is(err, runner.ErrFailed):
		return 1
	default:
		fmt.Fprintf(stderr, "raftlab: %v\n", err)
		return 1
	}
}

// badUsage says what was wrong on the command line and returns status 2.
func badUsage(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "raftlab: %v\nrun 'go run . -h' for usage\n", err)
	return 2
}

// interruptContext returns a context that the first SIGINT or SIGTERM
// cancels (Run then starts no new run, kills the running ones and prints
// the table); a second one exits at once, with status 1. stop undoes the
// handling.
func interruptContext(stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	stopped := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-stopped:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "raftlab: interrupted twice, exiting")
			os.Exit(1)
		case <-stopped:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(stopped)
		cancel()
	}
}

// shortManual is what -h prints above the flags: the package doc in brief.
// The package doc above is the whole manual; keep the two in step.
const shortManual = `raftlab: run this module's tests many times, in parallel, each run in its
own process; say how often each test failed, how long it took, and its peak
memory (resident set size).

Usage:
  go run . [flags] [pattern ...]      flags first, then patterns

Patterns (packages restrict where; the others add up to which tests):
  ./raft, ./..., .      a package (anything with "/", or "." or "..")
  3A, 4B                a part: the trailing digit+capital of test names
  TestBasic4B           a test, when it is exactly the name of one
  Figure8|Snapshot      otherwise a regular expression on test names
With no package pattern: every package with tests except the runner's own.

Examples:
  go run . -v TestInitialElection3A    one run with debug logging (RAFTLAB_DEBUG=1);
                                       its log is printed and kept in test-logs/
  go run . -n 100 -p 4 -race 3C        every part-3C test 100 times, 4 at once
  go run . -n 30 -race -json r.json ./raft
  go run . -list                       the tests by package and part, run nothing

Logs: a failed run's log (with -v every run's) is kept in -o DIR as
<pkg>_<Test>_run<N>.log, headed by the command that reruns it with the same
seed, e.g.
  # rerun: RAFTLAB_SEED=<seed> go test -race -count=1 -v -run '^<Test>$' ./raft
and, where the module has the log viewer, the command that shows it with a
column per peer:
  # read it: go run ./cmd/raftlab logs <path>
The directory is created only when a log is kept.

Progress: on a terminal, one live line (done/total, failures, elapsed, time
left, runs in progress and the longest-running one); otherwise a line per
finished run and, every 30s while runs are in progress, a "still running (N): ..."
line. At the end a table per test: runs, fails, mean ± sd and max seconds, and
MAX RSS MiB, the largest peak resident memory of its runs.

Exit status: 0 every run passed; 1 a run failed or timed out, a build failed,
or Ctrl-C; 2 bad usage (with a message). Through "go run ." the go command
reports every non-zero status as its own exit status 1 (printing "exit
status 2"); a built runner exits with the status itself:
  go build -o raftlab-run . && ./raftlab-run -n 10 3A

Flags:
`

// parseFlags parses the command line into a runner.Config. -h prints the
// manual to stdout and returns flag.ErrHelp; any other error is bad usage.
// The values themselves are checked by runner.Run.
func parseFlags(args []string, stdout io.Writer) (runner.Config, error) {
	cfg := runner.Config{
		Runs:     1,
		Parallel: runtime.NumCPU(),
		Timeout:  10 * time.Minute,
		LogDir:   "test-logs",
	}
	fs := newFlagSet(&cfg)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, shortManual)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return cfg, err
		}
		return cfg, err
	}
	cfg.Patterns = fs.Args()
	for _, p := range cfg.Patterns {
		// Test names and package paths never start with "-": this is a
		// flag that the flag package left alone because a pattern came
		// before it.
		if strings.HasPrefix(p, "-") {
			return cfg, fmt.Errorf("%s after a pattern: flags go before patterns (go run . [flags] [pattern ...])", p)
		}
	}
	return cfg, nil
}

// newFlagSet returns the runner's flags, set to write into cfg, whose
// fields hold the defaults.
func newFlagSet(cfg *runner.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("raftlab", flag.ContinueOnError)
	// Errors are reported once, by mainStatus; the manual only on -h.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Var((*countValue)(&cfg.Runs), "n", "`N` runs per test")
	fs.Var((*countValue)(&cfg.Parallel), "p", "`P` runs at once, by default one per CPU")
	fs.Var((*boolValue)(&cfg.Race), "race", "build the test binaries with the race detector")
	fs.Var((*durationValue)(&cfg.Timeout), "timeout", "time limit per run, with a unit: `D` = 30s, 10m, 1h; then SIGQUIT (goroutine dump), SIGKILL, a failure")
	fs.StringVar(&cfg.LogDir, "o", cfg.LogDir, "`DIR` for kept logs (failed runs', with -v every run's); created when the first is kept")
	fs.Var((*boolValue)(&cfg.List), "list", "list the selected tests by package and part; run nothing")
	fs.StringVar(&cfg.JSONPath, "json", "", "write every run and per-test totals (with seeds and max RSS) to `FILE` as JSON")
	fs.Var((*boolValue)(&cfg.FailFast), "failfast", "after the first failed run, start no new run and stop the running ones")
	fs.Var((*boolValue)(&cfg.Verbose), "v", "debug logs: set RAFTLAB_DEBUG=1 for the tests and keep every run's log in -o DIR; with exactly one run selected, also print its log")
	return fs
}

// The flag values below differ from the flag package's own only in their
// errors, which say what is wanted instead of "parse error". The flag
// package prefixes them with `invalid value "x" for flag -name: `.

// countValue is -n or -p: a whole number.
type countValue int

func (c *countValue) String() string { return strconv.Itoa(int(*c)) }

func (c *countValue) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want a whole number, e.g. 4")
	}
	*c = countValue(v)
	return nil
}

// durationValue is -timeout: a time.Duration, which needs a unit.
type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
			return fmt.Errorf("a duration needs a unit: %ss, %sm or %sh (e.g. 30s, 10m, 1h30m)", s, s, s)
		}
		return errors.New("want a duration with a unit, e.g. 30s, 10m, 1h30m")
	}
	*d = durationValue(v)
	return nil
}

// boolValue is a switch: -race, or -race=true / -race=false.
type boolValue bool

func (b *boolValue) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolValue) IsBoolFlag() bool { return true }

func (b *boolValue) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("a switch: give the flag alone, or with =true or =false")
	}
	*b = boolValue(v)
	return nil
}
