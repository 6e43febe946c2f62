package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"raftlab/internal/grade"
	"raftlab/internal/handout"
)

// gradeUsage is the grade command's usage line.
const gradeUsage = "usage: raftlab grade [-n 10] [-race] [-parts 3A,3B,3C,3D,4A,4B] [-timeout 120s] [-p P] [-weights FILE] [-o DIR] [-fresh] [DIR]"

// runGrade grades a student's copy of the module (internal/grade): the
// report goes to stdout, the runner's progress to stderr.
func runGrade(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	runs := fs.Int("n", 10, "runs per test; a test passes only if all `N` pass")
	race := fs.Bool("race", false, "build the tests with the race detector")
	partsFlag := fs.String("parts", grade.DefaultParts, "the `parts` to grade, comma-separated")
	timeout := fs.Duration("timeout", 120*time.Second, "the limit per run, with a unit (`D`): a run over it fails")
	parallel := fs.Int("p", runtime.NumCPU(), "`P` runs at once")
	weightsFile := fs.String("weights", "", "points per part and test from `FILE` (lines \"3A 20\", \"TestBackup3B 4\"; # comments) over the defaults")
	out := fs.String("o", "", "write report.txt, grade.json and the failed runs' logs (logs/) into `DIR`, new or empty")
	fresh := fs.Bool("fresh", false, "grade only the student's code: their raft and kvraft files that are not tests, in a fresh handout of this raftlab (run inside raftlab's checkout), so their copy of the tests, harnesses, labrpc, checker and runner plays no part")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), gradeUsage)
		fmt.Fprintln(fs.Output(), "Grades the copy of this module at DIR (default: the module of the current directory): runs its batch runner (go run . there) on the tests of each part N times, and scores a test's points only if every run passed within the limit. Default points: 3A 15, 3B 25, 3C 20, 3D 15, 4A 15, 4B 10, shared equally by a part's tests. Prints a table per part, the total, and each failed test's first failing run (seed, replay line, the log around the failure); the runner's progress goes to stderr. Exit status 0: every test of the parts passed; 1: something failed or could not run; 2: bad usage.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageErr(stderr, "grade", "one DIR at a time: unexpected argument %q", fs.Arg(1))
	}
	if *runs < 1 {
		return usageErr(stderr, "grade", "-n %d: want 1 or more", *runs)
	}
	if *parallel < 1 {
		return usageErr(stderr, "grade", "-p %d: want 1 or more", *parallel)
	}
	if *timeout <= 0 {
		return usageErr(stderr, "grade", "-timeout %v: want a positive duration, e.g. 120s", *timeout)
	}
	weights := grade.DefaultWeights()
	if *weightsFile != "" {
		var err error
		if weights, err = grade.ReadWeights(*weightsFile); err != nil {
			return usageErr(stderr, "grade", "-weights: %v", err)
		}
	}
	parts, err := grade.ParseParts(*partsFlag, weights)
	if err != nil {
		return usageErr(stderr, "grade", "-parts: %v", err)
	}
	dir, err := studentDir(fs.Arg(0))
	if err != nil {
		return usageErr(stderr, "grade", "%v", err)
	}
	logDir, cleanup, err := outputDir(*out)
	if err != nil {
		return usageErr(stderr, "grade", "%v", err)
	}
	defer cleanup()
	// With -fresh, the copy graded is a fresh handout with the student's
	// code in it. It is removed afterwards, unless a failed grade's replay
	// lines need it.
	var freshDir string
	keepFresh := false
	if *fresh {
		root, err := handout.FindModule(".")
		if err != nil {
			return usageErr(stderr, "grade", "-fresh: %v", err)
		}
		tmp, err := os.MkdirTemp("", "raftlab-grade-fresh-")
		if err != nil {
			return fmt.Errorf("grade: %w", err)
		}
		defer func() {
			if !keepFresh {
				os.RemoveAll(tmp)
			}
		}()
		freshDir = filepath.Join(tmp, "lab")
		taken, err := handout.Submission(root, dir, freshDir)
		if err != nil {
			return fmt.Errorf("grade -fresh: %w", err)
		}
		fmt.Fprintf(stderr, "raftlab grade: -fresh: %s's %s in a fresh handout at %s\n", dir, strings.Join(taken, ", "), freshDir)
		dir = freshDir
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g, err := grade.Run(ctx, grade.Config{
		Dir: dir, Parts: parts, Runs: *runs, Parallel: *parallel, Race: *race,
		Timeout: *timeout, Weights: weights, LogDir: logDir, Progress: stderr,
	})
	switch {
	case err != nil && ctx.Err() != nil:
		return errors.New("grade: interrupted; no grade")
	case err != nil:
		return fmt.Errorf("grade: %w", err)
	}

	var report bytes.Buffer
	grade.WriteText(&report, g)
	if _, err := stdout.Write(report.Bytes()); err != nil {
		return fmt.Errorf("grade: %w", err)
	}
	if *out != "" {
		if err := writeGradeFiles(*out, g, report.Bytes()); err != nil {
			return fmt.Errorf("grade: %w", err)
		}
		fmt.Fprintf(stdout, "\nwrote %s, %s\n", filepath.Join(*out, "report.txt"), filepath.Join(*out, "grade.json"))
	}
	if !g.Passed {
		if freshDir != "" {
			keepFresh = true
			fmt.Fprintf(stdout, "\nthe fresh handout graded stays at %s, for the replay lines; remove it when done\n", freshDir)
		}
		return fmt.Errorf("grade: FAIL: %d of %d tests passed, %.2f of %.2f points", g.TestsPassed, g.Tests, g.Points, g.Possible)
	}
	return nil
}

// studentDir returns the copy to grade: arg, a directory, or with no arg
// the raftlab module the current directory is in (a student's copy
// declares module raftlab too).
func studentDir(arg string) (string, error) {
	if arg == "" {
		return handout.FindModule(".")
	}
	fi, err := os.Stat(arg)
	switch {
	case err != nil:
		return "", fmt.Errorf("DIR: %v", err)
	case !fi.IsDir():
		return "", fmt.Errorf("DIR %s is not a directory", arg)
	}
	return arg, nil
}

// outputDir returns where the runner keeps failed runs' logs: DIR/logs for
// -o DIR (DIR made, and refused if it holds anything, so that no older
// grade's logs mix in), else a temporary directory. cleanup removes the
// directory if nothing was kept in it (the grade could not run, or no run
// failed); the report names the logs that were kept.
func outputDir(out string) (logDir string, cleanup func(), err error) {
	if out == "" {
		tmp, err := os.MkdirTemp("", "raftlab-grade-logs-")
		if err != nil {
			return "", nil, err
		}
		logDir = filepath.Join(tmp, "logs")
		return logDir, func() {
			if entries, err := os.ReadDir(logDir); err != nil || len(entries) == 0 {
				os.RemoveAll(tmp)
			}
		}, nil
	}
	entries, err := os.ReadDir(out)
	if len(entries) > 0 {
		return "", nil, fmt.Errorf("-o %s: not empty; give a new or empty directory", out)
	}
	existed := err == nil
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", nil, fmt.Errorf("-o: %v", err)
	}
	return filepath.Join(out, "logs"), func() {
		if !existed {
			os.Remove(out) // only if empty: the grade did not get as far as its report
		}
	}, nil
}

// writeGradeFiles writes the report and the grade book's JSON into dir.
func writeGradeFiles(dir string, g *grade.Grade, report []byte) error {
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), report, 0o644); err != nil {
		return err
	}
	var js bytes.Buffer
	if err := grade.WriteJSON(&js, g); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "grade.json"), js.Bytes(), 0o644)
}
