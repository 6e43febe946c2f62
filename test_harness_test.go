package main

// Tests of the command: its flags, -h, its manual and its exit status. The
// runner's own tests, end to end through this command too, are in
// internal/runner.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"strings"
	"testing"
	"time"

	"raftlab/internal/runner"
)

func TestBadFlagValuesExitTwo(t *testing.T) {
	cases := []struct {
		args    []string
		mention string
	}{
		{[]string{"-n", "0"}, "-n must be at least 1"},
		{[]string{"-p", "-1"}, "-p must be at least 1"},
		{[]string{"-timeout", "0s"}, "-timeout must be positive"},
		{[]string{"-timeout", "soon"}, "want a duration with a unit, e.g. 30s, 10m"},
		// A number without a unit is the likely slip: say so.
		{[]string{"-timeout", "5"}, "a duration needs a unit: 5s, 5m or 5h"},
		{[]string{"-n", "x"}, `invalid value "x" for flag -n: want a whole number`},
		{[]string{"-p", "1.5"}, `invalid value "1.5" for flag -p: want a whole number`},
		{[]string{"-race=maybe"}, "give the flag alone, or with =true or =false"},
		{[]string{"-o", ""}, "-o must name a directory"},
		{[]string{"-bogus"}, "bogus"},
		{[]string{"-n"}, "flag needs an argument: -n"},
		// Patterns end the flags; a flag after one is a slip, not a
		// test name (names never start with "-").
		{[]string{"3A", "-n", "5"}, "-n after a pattern: flags go before patterns"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		if got := mainStatus(c.args, &stdout, &stderr); got != 2 {
			t.Errorf("mainStatus(%q) = %d, want 2; stderr:\n%s", c.args, got, stderr.String())
		}
		if !strings.Contains(stderr.String(), c.mention) {
			t.Errorf("mainStatus(%q) stderr does not say %q:\n%s", c.args, c.mention, stderr.String())
		}
		if strings.Contains(stderr.String(), "parse error") {
			t.Errorf("mainStatus(%q) says only \"parse error\":\n%s", c.args, stderr.String())
		}
	}
}

func TestHelpPrintsManualThenFlags(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var stdout, stderr bytes.Buffer
		if got := mainStatus([]string{arg}, &stdout, &stderr); got != 0 {
			t.Errorf("mainStatus(%s) = %d, want 0; stderr:\n%s", arg, got, stderr.String())
		}
		out := stdout.String()
		rest := out
		// In this order: what it does, patterns, examples, exit status
		// (with the go run caveat), then every flag.
		for _, want := range []string{"raftlab: run this module's tests", "Usage:", "Patterns",
			"Examples:", "go run . -v TestInitialElection3A", "Exit status:",
			`its own exit status 1 (printing "exit`, "go build -o raftlab-run .",
			"Flags:", "-failfast", "-json FILE", "-n N", "-o DIR", "-timeout D", "-v\t"} {
			i := strings.Index(rest, want)
			if i < 0 {
				t.Errorf("%s: %q missing or out of order in:\n%s", arg, want, out)
				break
			}
			rest = rest[i+len(want):]
		}
		if stderr.Len() != 0 {
			t.Errorf("%s wrote to stderr:\n%s", arg, stderr.String())
		}
	}
}

// TestManualNamesEveryFlag checks that the package doc, the full manual,
// describes every flag the runner defines.
func TestManualNamesEveryFlag(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "test_harness.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	newFlagSet(&runner.Config{}).VisitAll(func(fl *flag.Flag) {
		name, _ := flag.UnquoteUsage(fl)
		entry := "\t-" + fl.Name
		if name != "" {
			entry += " " + name
		}
		if !strings.Contains(doc, entry) {
			t.Errorf("the package doc in test_harness.go has no entry %q for flag -%s", entry, fl.Name)
		}
	})
}

func TestParseFlagsDefaults(t *testing.T) {
	cfg, err := parseFlags([]string{"-race", "3A", "./raft"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Runs != 1 || cfg.Parallel < 1 || !cfg.Race || cfg.Timeout != 10*time.Minute ||
		cfg.LogDir != "test-logs" || len(cfg.Patterns) != 2 {
		t.Errorf("parseFlags defaults: %+v", cfg)
	}
}

func TestExitStatusOfRunResults(t *testing.T) {
	var ue runner.UsageError
	if err := runner.Run(t.Context(), runner.Config{}, &bytes.Buffer{}); !errors.As(err, &ue) {
		t.Fatalf("Run of a zero Config = %v, want a UsageError", err)
	}
	cases := []struct {
		err    error
		status int
		stderr string
	}{
		{nil, 0, ""},
		{runner.ErrFailed, 1, ""}, // the runs' failures are already printed
		{fmt.Errorf("wrapped: %w", runner.ErrFailed), 1, ""},
		{errors.New("build failed:\nboom"), 1, "raftlab: build failed:\nboom\n"},
		{ue, 2, "raftlab: " + ue.Error() + "\nrun 'go run . -h' for usage\n"},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		if got := exitStatus(&stderr, c.err); got != c.status || stderr.String() != c.stderr {
			t.Errorf("exitStatus(%v) = %d, stderr %q; want %d and %q", c.err, got, stderr.String(), c.status, c.stderr)
		}
	}
}
