package grade

// Run: check the copy, then per package list its tests, run them, score
// them.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Config is one grading. The command's flags fill it in (doc.go).
type Config struct {
	Dir      string        // the student's module root
	Parts    []string      // the parts to grade, from ParseParts
	Runs     int           // -n: runs per test, at least 1
	Parallel int           // -p: runs at once, at least 1
	Race     bool          // -race
	Timeout  time.Duration // -timeout: the limit per run, positive
	Weights  Weights
	LogDir   string    // where the runner keeps failed runs' logs
	Progress io.Writer // the runner's output: its progress lines and table; nil for none
}

// ErrNotModule is Run's error for a Dir without a go.mod.
var ErrNotModule = errors.New("not a Go module root (no go.mod): give the root of the student's copy")

// Run grades the copy in cfg.Dir. What the copy does wrong (it does not
// build, a part has no tests, a test fails) is in the Grade, scored 0.
// The error is for what keeps grading from starting or finishing: Dir is
// not a module, its `go run .` is not the runner, ctx ended (the runner is
// stopped then), a temporary file could not be made.
func Run(ctx context.Context, cfg Config) (*Grade, error) {
	g := &Grade{
		Date: time.Now().UTC().Truncate(time.Second), RunsPerTest: cfg.Runs, Race: cfg.Race,
		Timeout: cfg.Timeout.String(), Parallel: cfg.Parallel, Weights: cfg.Weights.Source,
		Parts: []PartGrade{},
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	cfg.Dir, g.Dir = dir, dir
	if cfg.LogDir, err = filepath.Abs(cfg.LogDir); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil || fi.IsDir() {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotModule)
	}
	if err := checkRunner(ctx, dir); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "raftlab-grade-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	var pkgs []string // in the order of the parts
	partsOf := map[string][]string{}
	for _, part := range cfg.Parts {
		pkg := PackageOf(part)
		if partsOf[pkg] == nil {
			pkgs = append(pkgs, pkg)
		}
		partsOf[pkg] = append(partsOf[pkg], part)
	}
	for i, pkg := range pkgs {
		jsonPath := filepath.Join(tmp, fmt.Sprintf("runner%d.json", i))
		parts, err := gradePackage(ctx, cfg, pkg, partsOf[pkg], jsonPath)
		if err != nil {
			return nil, err
		}
		g.Parts = append(g.Parts, parts...)
	}
	g.sum()
	return g, nil
}

// gradePackage grades parts, whose tests are all in pkg: one runner batch
// for them all. It returns an error only when ctx ended.
func gradePackage(ctx context.Context, cfg Config, pkg string, parts []string, jsonPath string) ([]PartGrade, error) {
	allFailed := func(why string) []PartGrade {
		var pgs []PartGrade
		for _, part := range parts {
			pgs = append(pgs, failedPart(part, pkg, why, cfg.Weights))
		}
		return pgs
	}
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "raftlab grade: building and listing the tests of %s\n", pkg)
	}
	byPart, err := listTests(ctx, cfg.Dir, pkg, cfg.Race)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return allFailed(fmt.Sprintf("%s does not build, or its tests cannot be listed:\n%v", pkg, err)), nil
	}
	var present []string
	for _, part := range parts {
		if len(byPart[part]) > 0 {
			present = append(present, part)
		}
	}
	doc := &runnerDoc{}
	if len(present) > 0 {
		doc, err = runTests(ctx, cfg, pkg, present, jsonPath)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return allFailed(fmt.Sprintf("%s: %v", pkg, err)), nil
		}
	}
	var pgs []PartGrade
	for _, part := range parts {
		pg := scorePart(part, pkg, byPart[part], doc, cfg)
		readLogs(&pg)
		pgs = append(pgs, pg)
	}
	return pgs, nil
}

// readLogs takes each first failure's rerun line from its kept log (the
// runner's own line, which the grader's reconstruction only stands in
// for), and the part of the log the report shows.
func readLogs(pg *PartGrade) {
	for i := range pg.Tests {
		f := pg.Tests[i].FirstFailure
		if f == nil || f.Log == "" {
			continue
		}
		rerun, ex, err := readLog(f.Log)
		if err != nil {
			continue // the runner's Log says why it was not kept, or it is gone
		}
		if rerun != "" {
			f.Replay = rerun
		}
		f.excerpt = ex
	}
}
