package grade

// Scoring: the runner's -json document becomes a grade per test and part.

import (
	"fmt"
	"math"
	"time"
)

// runnerDoc is what the grader reads of the runner's -json document
// (internal/runner/json.go names the fields).
type runnerDoc struct {
	RunsPerTest int          `json:"runs_per_test"`
	Timeout     string       `json:"timeout"`
	Interrupted bool         `json:"interrupted"`
	Runs        []runnerRun  `json:"runs"`
	Tests       []runnerTest `json:"tests"`
}

type runnerRun struct {
	Dir      string  `json:"dir"` // ./raft
	Test     string  `json:"test"`
	Run      int     `json:"run"`
	Seed     int64   `json:"seed"`
	Passed   bool    `json:"passed"`
	TimedOut bool    `json:"timed_out"`
	Seconds  float64 `json:"seconds"`
	Log      string  `json:"log"` // a failed run's kept log, or why it was not kept
}

type runnerTest struct {
	Dir        string  `json:"dir"`
	Test       string  `json:"test"`
	Runs       int     `json:"runs"`
	Fails      int     `json:"fails"` // timeouts included
	Timeouts   int     `json:"timeouts"`
	MaxSeconds float64 `json:"max_seconds"`
}

// Grade is one copy's grade: what the report shows and grade.json holds.
// Points are rounded to hundredths: a part's from its tests' unrounded
// points, the grand total from the parts' as shown.
type Grade struct {
	Dir         string      `json:"dir"`  // the student's module root
	Date        time.Time   `json:"date"` // when grading started
	RunsPerTest int         `json:"runs_per_test"`
	Race        bool        `json:"race"`
	Timeout     string      `json:"timeout"` // the limit per run
	Parallel    int         `json:"parallel"`
	Weights     string      `json:"weights"` // "default" or the -weights file
	Parts       []PartGrade `json:"parts"`
	Points      float64     `json:"points"`
	Possible    float64     `json:"possible"`
	TestsPassed int         `json:"tests_passed"`
	Tests       int         `json:"tests"`
	Passed      bool        `json:"passed"` // every test of every part passed
}

// PartGrade is one part's grade.
type PartGrade struct {
	Part     string      `json:"part"`
	Package  string      `json:"package"` // ./raft
	Points   float64     `json:"points"`
	Possible float64     `json:"possible"`
	Passed   bool        `json:"passed"`
	Error    string      `json:"error,omitempty"` // why the part could not be graded (it scores 0)
	Tests    []TestGrade `json:"tests"`
}

// TestGrade is one test's grade: all of its points if every run passed
// within the limit, else none.
type TestGrade struct {
	Test           string   `json:"test"`
	Passed         bool     `json:"passed"`
	Runs           int      `json:"runs"`
	Fails          int      `json:"fails"` // timeouts included
	Timeouts       int      `json:"timeouts"`
	SlowestSeconds float64  `json:"slowest_seconds"`
	Points         float64  `json:"points"`
	Possible       float64  `json:"possible"`
	Reason         string   `json:"reason,omitempty"` // why it did not pass
	FirstFailure   *Failure `json:"first_failure,omitempty"`
}

// Failure is a test's first failing run (or, when every run passed but one
// was over the limit, its first slow run).
type Failure struct {
	Run     int     `json:"run"`
	Seed    int64   `json:"seed"`
	Outcome string  `json:"outcome"` // "failed", "timed out" or "over the limit" (it passed, too slowly)
	Seconds float64 `json:"seconds"`
	Replay  string  `json:"replay"`        // the command that reruns it with its seed
	Log     string  `json:"log,omitempty"` // its kept log, or why there is none

	excerpt *excerpt // the part of the log around the failure; report only
}

// scorePart grades the tests of part in pkg from the runner's document:
// a test passes when it ran cfg.Runs times, none failed or timed out, and
// the slowest took at most cfg.Timeout.
func scorePart(part, pkg string, tests []string, doc *runnerDoc, cfg Config) PartGrade {
	if len(tests) == 0 {
		return failedPart(part, pkg, fmt.Sprintf("no tests of part %s in %s", part, pkg), cfg.Weights)
	}
	pg := PartGrade{Part: part, Package: pkg, Tests: []TestGrade{}}
	points, missing := testPoints(part, tests, cfg.Weights)
	aggs := map[string]runnerTest{}
	for _, t := range doc.Tests {
		if t.Dir == pkg {
			aggs[t.Test] = t
		}
	}
	for _, name := range tests {
		tg := TestGrade{Test: name, Possible: points[name]}
		agg, ran := aggs[name]
		if ran {
			tg.Runs, tg.Fails, tg.Timeouts, tg.SlowestSeconds = agg.Runs, agg.Fails, agg.Timeouts, agg.MaxSeconds
		}
		tg.Reason = failReason(tg, ran, cfg)
		tg.Passed = tg.Reason == ""
		if tg.Passed {
			tg.Points = tg.Possible
		} else {
			tg.FirstFailure = firstFailure(doc, pkg, name, cfg)
		}
		pg.Tests = append(pg.Tests, tg)
	}
	for _, name := range missing {
		pg.Tests = append(pg.Tests, TestGrade{Test: name, Possible: points[name],
			Reason: "not in the copy (the weights give it points)"})
	}
	pg.total(cfg.Weights.Parts[part])
	return pg
}

// failReason says why tg did not pass, or "" if it did.
func failReason(tg TestGrade, ran bool, cfg Config) string {
	limit := cfg.Timeout.Seconds()
	switch {
	case !ran || tg.Runs == 0:
		return "did not run"
	case tg.Fails > 0 && tg.Timeouts == tg.Fails:
		return fmt.Sprintf("timed out in %d of %d runs (limit %v)", tg.Timeouts, tg.Runs, cfg.Timeout)
	case tg.Fails > 0 && tg.Timeouts > 0:
		return fmt.Sprintf("%d of %d runs failed, %d of them timed out (limit %v)", tg.Fails, tg.Runs, tg.Timeouts, cfg.Timeout)
	case tg.Fails > 0:
		return fmt.Sprintf("%d of %d runs failed", tg.Fails, tg.Runs)
	case tg.Runs < cfg.Runs:
		return fmt.Sprintf("ran %d of %d runs", tg.Runs, cfg.Runs)
	case tg.SlowestSeconds > limit:
		return fmt.Sprintf("slowest run took %.2fs, over the %v limit", tg.SlowestSeconds, cfg.Timeout)
	}
	return ""
}

// firstFailure returns the test's failed run with the lowest number, else
// its first run over the limit; nil if there is neither.
func firstFailure(doc *runnerDoc, pkg, test string, cfg Config) *Failure {
	var first *runnerRun
	for i, r := range doc.Runs {
		bad := !r.Passed || r.Seconds > cfg.Timeout.Seconds()
		if r.Dir == pkg && r.Test == test && bad && (first == nil || r.Run < first.Run) {
			first = &doc.Runs[i]
		}
	}
	if first == nil {
		return nil
	}
	outcome := "failed"
	switch {
	case first.TimedOut:
		outcome = "timed out"
	case first.Passed:
		outcome = "over the limit"
	}
	return &Failure{Run: first.Run, Seed: first.Seed, Outcome: outcome, Seconds: first.Seconds,
		Replay: replayLine(first.Seed, cfg, test, pkg), Log: first.Log}
}

// replayLine is the command, typed at the module root, that reruns test
// with seed: the runner's "# rerun:" line, for when there is no kept log to
// read it from (internal/runner/exec.go writes it).
func replayLine(seed int64, cfg Config, test, pkg string) string {
	s := fmt.Sprintf("RAFTLAB_SEED=%d go test", seed)
	if cfg.Race {
		s += " -race"
	}
	if cfg.Timeout != 10*time.Minute { // go test's own default
		s += fmt.Sprintf(" -timeout %v", cfg.Timeout)
	}
	return s + fmt.Sprintf(" -count=1 -v -run '^%s$' %s", test, pkg)
}

// total sums the part's points; possible is its points from the weights
// when no test is left (the part could not run), else its tests' sum.
func (pg *PartGrade) total(possible float64) {
	pg.Passed = pg.Error == "" && len(pg.Tests) > 0
	var earned, sum float64
	for i := range pg.Tests {
		t := &pg.Tests[i]
		earned += t.Points
		sum += t.Possible
		pg.Passed = pg.Passed && t.Passed
		t.Points, t.Possible = round2(t.Points), round2(t.Possible)
	}
	if len(pg.Tests) > 0 {
		possible = sum
	}
	pg.Points, pg.Possible = round2(earned), round2(possible)
}

// failedPart returns the grade of a part that could not be graded at all:
// no points, why in Error.
func failedPart(part, pkg, why string, w Weights) PartGrade {
	pg := PartGrade{Part: part, Package: pkg, Error: why, Tests: []TestGrade{}}
	pg.total(w.Parts[part])
	return pg
}

// sum fills in g's totals from its parts.
func (g *Grade) sum() {
	g.Passed = len(g.Parts) > 0
	g.Points, g.Possible, g.Tests, g.TestsPassed = 0, 0, 0, 0
	for _, p := range g.Parts {
		g.Points += p.Points
		g.Possible += p.Possible
		g.Passed = g.Passed && p.Passed
		for _, t := range p.Tests {
			g.Tests++
			if t.Passed {
				g.TestsPassed++
			}
		}
	}
	g.Points, g.Possible = round2(g.Points), round2(g.Possible)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
