package runner

// The API: Config, Run and what Run's error means; Run itself, a sequence
// of the steps the other files implement.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Config is one batch: which tests, how many runs, and where the results
// go. Each field is one flag of the command (go run . -h); the errors Run
// returns name the flags, since that is where a user sets them.
type Config struct {
	Runs     int           // -n: runs per test, at least 1
	Parallel int           // -p: runs at once, at least 1
	Race     bool          // -race: build the test binaries with the race detector
	Timeout  time.Duration // -timeout: limit per run, positive
	LogDir   string        // -o: where kept logs go, not empty
	List     bool          // -list: print the selected tests, run nothing
	JSONPath string        // -json: the file for per-run records; "" for none
	FailFast bool          // -failfast: stop at the first failed run
	Verbose  bool          // -v: RAFTLAB_DEBUG=1 for the tests, every run's log kept
	Patterns []string      // packages, parts, test names or regexps
}

// UsageError is a Config or pattern that Run cannot honour (a bad value,
// a package or pattern that matches nothing, an unwritable -o or -json):
// the user's to fix, reported before any test runs.
type UsageError struct{ msg string }

func (e UsageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return UsageError{fmt.Sprintf(format, args...)}
}

// ErrFailed means Run did its job and some run failed or timed out, or ctx
// ended before every run finished; the details are already printed.
var ErrFailed = errors.New("some runs failed")

// Run selects, builds and runs the tests cfg names, printing progress and
// the closing table to stdout. Ending ctx (the command does on Ctrl-C)
// starts no new run and kills the running ones; the table then shows the
// runs that finished.
//
// Run returns nil when every run passed (or cfg.List printed the tests),
// ErrFailed, a UsageError, or another error that nothing printed yet (a
// failed build, go list failing, -json not written).
func Run(ctx context.Context, cfg Config, stdout io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	tmpDir, err := os.MkdirTemp("", "raftlab-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmpDir)

	pkgs, buildTime, err := selectAndBuild(ctx, cfg, tmpDir)
	if err != nil {
		return err
	}
	tests, err := selectTests(pkgs, cfg.Patterns)
	if err != nil {
		return err
	}
	if cfg.List {
		printList(stdout, tests)
		return nil
	}
	jsonFile, err := openOutputs(cfg)
	if err != nil {
		return err
	}
	if jsonFile != nil {
		defer jsonFile.Close()
	}
	printPlan(stdout, cfg, len(pkgs), len(tests), buildTime)
	res := schedule(ctx, cfg, tests, tmpDir, stdout)
	return report(stdout, cfg, res, jsonFile)
}

// check returns a UsageError naming the flag of the first field whose value
// Run cannot use.
func (cfg Config) check() error {
	switch {
	case cfg.Runs < 1:
		return usagef("-n must be at least 1, got %d", cfg.Runs)
	case cfg.Parallel < 1:
		return usagef("-p must be at least 1, got %d", cfg.Parallel)
	case cfg.Timeout <= 0:
		return usagef("-timeout must be positive, got %v", cfg.Timeout)
	case cfg.LogDir == "":
		return usagef("-o must name a directory")
	}
	return nil
}

// selectAndBuild returns the packages the patterns name, each with its test
// binary in tmpDir and its list of tests, and how long building took.
func selectAndBuild(ctx context.Context, cfg Config, tmpDir string) ([]*pkg, time.Duration, error) {
	pkgs, err := selectPackages(ctx, cfg.Patterns)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	if err := buildAll(ctx, pkgs, tmpDir, cfg.Race, cfg.Parallel); err != nil {
		if ctx.Err() != nil {
			return nil, 0, errors.New("interrupted while building")
		}
		return nil, 0, err
	}
	return pkgs, time.Since(start), nil
}

// openOutputs creates the -json file (nil without -json) and checks that
// logs can be kept in -o: both before any run, so that a bad path costs no
// test time.
func openOutputs(cfg Config) (*os.File, error) {
	var jsonFile *os.File
	if cfg.JSONPath != "" {
		f, err := os.Create(cfg.JSONPath)
		if err != nil {
			return nil, usagef("-json: %v", err)
		}
		jsonFile = f
	}
	if err := checkLogDir(cfg.LogDir); err != nil {
		if jsonFile != nil {
			jsonFile.Close()
		}
		return nil, usagef("-o %s: %v", cfg.LogDir, err)
	}
	return jsonFile, nil
}

// printPlan prints the line that opens a batch: what was built, and how
// many runs of how many tests are about to start.
func printPlan(w io.Writer, cfg Config, pkgs, tests int, buildTime time.Duration) {
	race := ""
	if cfg.Race {
		race = ", -race"
	}
	fmt.Fprintf(w, "built %d package(s) in %.1fs; running %d test(s) x %d = %d runs, %d at once%s, timeout %v\n",
		pkgs, buildTime.Seconds(), tests, cfg.Runs, tests*cfg.Runs, cfg.Parallel, race, cfg.Timeout)
}

// report prints what the batch came to (the single run's log when -v
// selected one run, the table, the kept logs), writes -json, and returns
// Run's result.
func report(stdout io.Writer, cfg Config, res *results, jsonFile *os.File) error {
	if cfg.Verbose && len(res.tests)*cfg.Runs == 1 {
		printSingleLog(stdout, res)
	}
	printTable(stdout, res)
	if jsonFile != nil {
		if err := writeJSON(jsonFile, cfg, res); err != nil {
			return fmt.Errorf("-json: %v", err)
		}
	}
	switch {
	case res.interrupted:
		fmt.Fprintln(stdout, "interrupted: the table shows only the runs that finished")
		return ErrFailed
	case res.fails() > 0:
		return ErrFailed
	}
	return nil
}
