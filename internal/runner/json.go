package runner

// The -json document: every run's record and every test's totals.

import (
	"encoding/json"
	"io"
)

// The -json document. Field names are part of the runner's interface.
type jsonDoc struct {
	Race        bool       `json:"race"`
	RunsPerTest int        `json:"runs_per_test"`
	Parallel    int        `json:"parallel"`
	Timeout     string     `json:"timeout"`
	WallSeconds float64    `json:"wall_seconds"`
	TotalRuns   int        `json:"total_runs"`
	TotalFails  int        `json:"total_fails"`
	StoppedRuns int        `json:"stopped_runs"`
	Interrupted bool       `json:"interrupted"`
	FailedFast  bool       `json:"failed_fast"`
	Runs        []jsonRun  `json:"runs"`
	Tests       []jsonTest `json:"tests"`
}

type jsonRun struct {
	Package  string  `json:"package"` // import path
	Dir      string  `json:"dir"`     // ./raft
	Test     string  `json:"test"`
	Part     string  `json:"part"`
	Run      int     `json:"run"`
	Seed     int64   `json:"seed"`
	Passed   bool    `json:"passed"`
	TimedOut bool    `json:"timed_out"`
	Seconds  float64 `json:"seconds"`
	// MaxRSSBytes is the peak resident set size; absent where unknown.
	MaxRSSBytes int64  `json:"max_rss_bytes,omitempty"`
	Log         string `json:"log,omitempty"` // failed runs, every run with -v
}

type jsonTest struct {
	Package       string  `json:"package"`
	Dir           string  `json:"dir"`
	Test          string  `json:"test"`
	Part          string  `json:"part"`
	Runs          int     `json:"runs"`
	Fails         int     `json:"fails"`
	Timeouts      int     `json:"timeouts"`
	MeanSeconds   float64 `json:"mean_seconds"`
	StddevSeconds float64 `json:"stddev_seconds"`
	MaxSeconds    float64 `json:"max_seconds"`
	MaxRSSBytes   int64   `json:"max_rss_bytes,omitempty"` // the largest of the runs'
}

func writeJSON(w io.Writer, cfg Config, res *results) error {
	doc := jsonDoc{
		Race: cfg.Race, RunsPerTest: cfg.Runs, Parallel: cfg.Parallel,
		Timeout: cfg.Timeout.String(), WallSeconds: res.wall.Seconds(),
		TotalRuns: len(res.runs), TotalFails: res.fails(), StoppedRuns: len(res.stopped),
		Interrupted: res.interrupted, FailedFast: res.failedFast,
		Runs: []jsonRun{}, Tests: []jsonTest{},
	}
	for _, rr := range sortedRuns(res) {
		doc.Runs = append(doc.Runs, jsonRun{
			Package: rr.tc.pkg.importPath, Dir: rr.tc.pkg.rel, Test: rr.tc.name,
			Part: rr.tc.part, Run: rr.run, Seed: rr.seed, Passed: rr.passed,
			TimedOut: rr.timedOut, Seconds: rr.seconds, MaxRSSBytes: rr.maxRSS, Log: rr.logPath,
		})
	}
	for _, s := range aggregate(res) {
		doc.Tests = append(doc.Tests, jsonTest{
			Package: s.tc.pkg.importPath, Dir: s.tc.pkg.rel, Test: s.tc.name,
			Part: s.tc.part, Runs: s.runs, Fails: s.fails, Timeouts: s.timeout,
			MeanSeconds: s.mean, StddevSeconds: s.stddev, MaxSeconds: s.max, MaxRSSBytes: s.maxRSS,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
