package runner

// Scheduling: -n runs of every test fed to -p workers, results gathered in
// one place, progress (progress.go) shown as they come, stop on Ctrl-C or
// -failfast.

import (
	"context"
	"io"
	"sync"
	"time"
)

// results is everything the table and -json report on.
type results struct {
	tests       []testCase
	runs        []runResult // finished runs, in the order they finished
	stopped     []runResult // runs killed by Ctrl-C or -failfast, not counted
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

// startedJob is a worker's word that it has started a job.
type startedJob struct {
	job
	at time.Time
}

// schedule runs every test cfg.Runs times, cfg.Parallel at once, and
// returns what came of it. Runs are handed out round by round (run 1 of
// every test, then run 2, ...) so that every test gets some runs early,
// which -failfast and Ctrl-C benefit from. When ctx ends, or at the first
// failure with -failfast, no new run starts and the running ones are killed.
func schedule(ctx context.Context, cfg Config, tests []testCase, tmpDir string, stdout io.Writer) *results {
	start := time.Now()
	runCtx, stopRuns := context.WithCancel(ctx)
	defer stopRuns()
	jobs := handOutRounds(runCtx, tests, cfg.Runs)
	started, finished := startWorkers(runCtx, cfg, jobs, tmpDir)
	prog := newProgress(stdout, len(tests)*cfg.Runs, cfg.Runs, start)
	res := &results{tests: tests}
	collect(res, prog, started, finished, cfg.FailFast, stopRuns)
	res.wall = time.Since(start)
	res.interrupted = ctx.Err() != nil
	return res
}

// handOutRounds returns a channel that yields run 1 of every test, then run
// 2 of every test, ... up to run runs, and is closed after the last or
// when ctx ends.
func handOutRounds(ctx context.Context, tests []testCase, runs int) <-chan job {
	jobs := make(chan job)
	go func() {
		defer close(jobs)
		for run := 1; run <= runs; run++ {
			for _, tc := range tests {
				select {
				case jobs <- job{tc, run}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return jobs
}

// startWorkers starts cfg.Parallel workers that run the jobs until there are
// none or ctx ends. A worker says it started a job before it says the job
// finished, and collect receives both, so progress always knows what runs.
// finished is closed when every worker has stopped.
func startWorkers(ctx context.Context, cfg Config, jobs <-chan job, tmpDir string) (<-chan startedJob, <-chan runResult) {
	started := make(chan startedJob)
	finished := make(chan runResult)
	var wg sync.WaitGroup
	for range cfg.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					return
				}
				started <- startedJob{j, time.Now()}
				finished <- runOne(ctx, cfg, j.tc, j.run, tmpDir)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(finished)
	}()
	return started, finished
}

// collect gathers the workers' word into res and prog until finished is
// closed. With failFast it calls stopRuns at the first failed run.
func collect(res *results, prog *progress, started <-chan startedJob, finished <-chan runResult,
	failFast bool, stopRuns func()) {
	redraw, stillRunning, stopTicks := prog.tickers()
	defer stopTicks()
	for {
		select {
		case s := <-started:
			prog.running[s.job] = s.at
		case rr, ok := <-finished:
			if !ok {
				prog.finish()
				return
			}
			delete(prog.running, job{rr.tc, rr.run})
			if rr.stopped {
				res.stopped = append(res.stopped, rr)
				continue
			}
			res.runs = append(res.runs, rr)
			prog.report(rr)
			if !rr.passed && failFast && !res.failedFast {
				res.failedFast = true
				stopRuns()
			}
		case <-redraw:
			prog.redraw()
		case <-stillRunning:
			prog.printStillRunning()
		}
	}
}
