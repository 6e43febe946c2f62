// Command raftlab (the module root) is the test runner: it runs single tests
// of the module many times, in parallel, each in its own process, and says
// how often each one failed, how long it took and how much memory it used.
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
// skips testdata/) minus the runner's own package at the module root; name it
// as "." to run the runner's tests. The fixture package is run only when
// named: go run . ./testdata/fixture. Packages with no tests are skipped.
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
// come the test, run number, binary and start time, the test's output, and a
// last line "# result: PASS|FAIL...|STOPPED... (after N s)". After the table
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
	"syscall"
	"time"
)

// config is the parsed command line.
type config struct {
	runs     int
	parallel int
	race     bool
	timeout  time.Duration
	logDir   string
	list     bool
	jsonPath string
	failFast bool
	verbose  bool
	patterns []string
}

// usageError is bad input on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// errFailed means the runner did its job and some run failed (or the runner
// was interrupted); the details are already printed. Exit status 1.
var errFailed = errors.New("some runs failed")

func main() {
	os.Exit(mainStatus(os.Args[1:], os.Stdout, os.Stderr))
}

// mainStatus runs the runner and returns its exit status.
func mainStatus(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stdout)
	if err == flag.ErrHelp {
		return 0
	}
	if err == nil {
		err = run(cfg, stdout, stderr)
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "raftlab: %v\nrun 'go run . -h' for usage\n", err)
		return 2
	case err == errFailed:
		return 1
	default:
		fmt.Fprintf(stderr, "raftlab: %v\n", err)
		return 1
	}
}

// run is the whole runner after flag parsing: select, build, list or run,
// report. It returns nil, errFailed, a usageError, or another error.
func run(cfg config, stdout, stderr io.Writer) error {
	// The first signal cancels ctx (no new runs, running ones killed);
	// a second one exits at once.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	returned := make(chan struct{})
	defer close(returned)
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-returned:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "raftlab: interrupted twice, exiting")
			os.Exit(1)
		case <-returned:
		}
	}()

	pkgs, err := selectPackages(ctx, cfg.patterns)
	if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "raftlab-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	buildStart := time.Now()
	if err := buildAll(ctx, pkgs, tmp, cfg.race, cfg.parallel); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "raftlab: interrupted while building")
			return errFailed
		}
		return err
	}
	tests, err := selectTests(pkgs, cfg.patterns)
	if err != nil {
		return err
	}
	if cfg.list {
		printList(stdout, tests)
		return nil
	}
	// Both before any run, so a bad path costs no test time.
	var jsonFile *os.File
	if cfg.jsonPath != "" {
		if jsonFile, err = os.Create(cfg.jsonPath); err != nil {
			return usagef("-json: %v", err)
		}
		defer jsonFile.Close()
	}
	if err := checkLogDir(cfg.logDir); err != nil {
		return usagef("-o %s: %v", cfg.logDir, err)
	}
	race := ""
	if cfg.race {
		race = ", -race"
	}
	fmt.Fprintf(stdout, "built %d package(s) in %.1fs; running %d test(s) x %d = %d runs, %d at once%s, timeout %v\n",
		len(pkgs), time.Since(buildStart).Seconds(), len(tests), cfg.runs,
		len(tests)*cfg.runs, cfg.parallel, race, cfg.timeout)

	res := schedule(ctx, cfg, tests, tmp, stdout)

	if cfg.verbose && len(tests)*cfg.runs == 1 {
		printSingleLog(stdout, res)
	}
	printTable(stdout, res)
	if jsonFile != nil {
		if err := writeJSON(jsonFile, cfg, res); err != nil {
			fmt.Fprintf(stderr, "raftlab: -json: %v\n", err)
			return errFailed
		}
	}
	switch {
	case res.interrupted:
		fmt.Fprintln(stdout, "interrupted: the table shows only the runs that finished")
		return errFailed
	case res.fails() > 0:
		return errFailed
	}
	return nil
}
