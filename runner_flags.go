package main

// The command line: flags whose bad values are explained, and the -h manual.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// shortManual is what -h prints above the flags: the package doc in brief.
// The package doc in test_harness.go is the whole manual; keep the two in step.
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

// parseFlags parses the command line into a config. -h prints the manual to
// stdout and returns flag.ErrHelp; any other error is a usageError.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	cfg := config{
		runs:     1,
		parallel: runtime.NumCPU(),
		timeout:  10 * time.Minute,
		logDir:   "test-logs",
	}
	fs := newFlagSet(&cfg)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, shortManual)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return cfg, err
		}
		return cfg, usageError{err.Error()}
	}
	cfg.patterns = fs.Args()
	for _, p := range cfg.patterns {
		// Test names and package paths never start with "-": this is a
		// flag that the flag package left alone because a pattern came
		// before it.
		if strings.HasPrefix(p, "-") {
			return cfg, usagef("%s after a pattern: flags go before patterns (go run . [flags] [pattern ...])", p)
		}
	}
	switch {
	case cfg.runs < 1:
		return cfg, usagef("-n must be at least 1, got %d", cfg.runs)
	case cfg.parallel < 1:
		return cfg, usagef("-p must be at least 1, got %d", cfg.parallel)
	case cfg.timeout <= 0:
		return cfg, usagef("-timeout must be positive, got %v", cfg.timeout)
	case cfg.logDir == "":
		return cfg, usagef("-o must name a directory")
	}
	return cfg, nil
}

// newFlagSet returns the runner's flags, set to write into cfg, whose
// fields hold the defaults.
func newFlagSet(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("raftlab", flag.ContinueOnError)
	// Errors are reported once, by mainStatus; the manual only on -h.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Var((*countValue)(&cfg.runs), "n", "`N` runs per test")
	fs.Var((*countValue)(&cfg.parallel), "p", "`P` runs at once, by default one per CPU")
	fs.Var((*boolValue)(&cfg.race), "race", "build the test binaries with the race detector")
	fs.Var((*durationValue)(&cfg.timeout), "timeout", "time limit per run, with a unit: `D` = 30s, 10m, 1h; then SIGQUIT (goroutine dump), SIGKILL, a failure")
	fs.StringVar(&cfg.logDir, "o", cfg.logDir, "`DIR` for kept logs (failed runs', with -v every run's); created when the first is kept")
	fs.Var((*boolValue)(&cfg.list), "list", "list the selected tests by package and part; run nothing")
	fs.StringVar(&cfg.jsonPath, "json", "", "write every run and per-test totals (with seeds and max RSS) to `FILE` as JSON")
	fs.Var((*boolValue)(&cfg.failFast), "failfast", "after the first failed run, start no new run and stop the running ones")
	fs.Var((*boolValue)(&cfg.verbose), "v", "debug logs: set RAFTLAB_DEBUG=1 for the tests and keep every run's log in -o DIR; with exactly one run selected, also print its log")
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
