package main

// Scheduling: -n runs of every test fed to -p workers, results gathered in
// one place, progress shown as they come, stop on Ctrl-C or -failfast.

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// results is everything the table and -json report on.
type results struct {
	tests       []testCase
	runs        []runResult // finished runs, in the order they finished
	stopped     int         // runs killed by Ctrl-C or -failfast, not counted
	interrupted bool        // Ctrl-C: the table covers only finished runs
	failedFast  bool
	wall        time.Duration
}

func (r *results) fails() int {
	n := 0
	for _, rr := range r.runs {
		if !rr.passed {
			n++
		}
	}
	return n
}

type job struct {
	tc  testCase
	run int
}

// schedule runs every test cfg.runs times, cfg.parallel at once. Runs are
// handed out round by round (run 1 of every test, then run 2, ...) so that
// every test gets some runs early, which -failfast and Ctrl-C benefit from.
func schedule(ctx context.Context, cfg config, tests []testCase, tmpDir string, stdout io.Writer) *results {
	res := &results{tests: tests}
	start := time.Now()
	runCtx, stopRuns := context.WithCancel(ctx)
	defer stopRuns()

	jobs := make(chan job)
	go func() {
		defer close(jobs)
		for run := 1; run <= cfg.runs; run++ {
			for _, tc := range tests {
				select {
				case jobs <- job{tc, run}:
				case <-runCtx.Done():
					return
				}
			}
		}
	}()

	finished := make(chan runResult)
	var wg sync.WaitGroup
	for range cfg.parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if runCtx.Err() != nil {
					return
				}
				finished <- runOne(runCtx, cfg, j.tc, j.run, tmpDir)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(finished)
	}()

	prog := &progress{
		w:        stdout,
		terminal: stdout == io.Writer(os.Stdout) && isTerminal(os.Stdout),
		total:    len(tests) * cfg.runs,
		runs:     cfg.runs,
		start:    start,
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case rr, ok := <-finished:
			if !ok {
				prog.finish()
				res.wall = time.Since(start)
				res.interrupted = ctx.Err() != nil
				return res
			}
			if rr.stopped {
				res.stopped++
				continue
			}
			res.runs = append(res.runs, rr)
			prog.report(rr)
			if !rr.passed && cfg.failFast && !res.failedFast {
				res.failedFast = true
				stopRuns()
			}
		case <-tick.C:
			prog.redraw()
		}
	}
}

// isTerminal reports whether f is a character device, i.e. a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress shows finished runs: on a terminal a live line rewritten in place
// (with failures printed above it); otherwise one plain line per run.
type progress struct {
	w        io.Writer
	terminal bool
	total    int
	runs     int // per test, for "run 3/20"
	done     int
	failed   int
	start    time.Time
}

func (p *progress) report(rr runResult) {
	p.done++
	if !rr.passed {
		p.failed++
	}
	status := "ok  "
	switch {
	case rr.timedOut:
		status = "TIMEOUT"
	case !rr.passed:
		status = "FAIL"
	}
	line := fmt.Sprintf("%-4s %s %s run %d/%d %.2fs seed %d", status,
		rr.tc.pkg.rel, rr.tc.name, rr.run, p.runs, rr.seconds, rr.seed)
	if !rr.passed {
		line += " log " + rr.logPath
	}
	if !p.terminal {
		fmt.Fprintf(p.w, "[%*d/%d] %s\n", len(fmt.Sprint(p.total)), p.done, p.total, line)
		return
	}
	if !rr.passed {
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	}
	p.redraw()
}

func (p *progress) redraw() {
	if !p.terminal {
		return
	}
	elapsed := time.Since(p.start)
	left := "?"
	if p.done > 0 {
		est := elapsed * time.Duration(p.total-p.done) / time.Duration(p.done)
		left = est.Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r\033[K%d/%d done, %d failed, elapsed %v, left ~%s",
		p.done, p.total, p.failed, elapsed.Round(time.Second), left)
}

func (p *progress) finish() {
	if p.terminal {
		p.redraw()
		fmt.Fprintln(p.w)
	}
}
