package runner

// Reporting: the closing table, the kept logs and the -list output (the
// -json document is in json.go).

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
)

// testStats aggregates the finished runs of one test.
type testStats struct {
	tc                   testCase
	runs, fails, timeout int
	mean, stddev, max    float64 // seconds; stddev is the sample one (n-1)
	maxRSS               int64   // bytes, the largest of the runs'; 0 if unknown
}

// aggregate returns the stats of every test with a finished run, in the
// order of res.tests (package, part, name).
func aggregate(res *results) []testStats {
	byTest := map[testCase][]runResult{}
	for _, rr := range res.runs {
		byTest[rr.tc] = append(byTest[rr.tc], rr)
	}
	var out []testStats
	for _, tc := range res.tests {
		runs := byTest[tc]
		if len(runs) == 0 {
			continue
		}
		s := testStats{tc: tc, runs: len(runs)}
		var sum float64
		for _, rr := range runs {
			if !rr.passed {
				s.fails++
			}
			if rr.timedOut {
				s.timeout++
			}
			sum += rr.seconds
			s.max = math.Max(s.max, rr.seconds)
			s.maxRSS = max(s.maxRSS, rr.maxRSS)
		}
		s.mean = sum / float64(len(runs))
		if len(runs) > 1 {
			var sq float64
			for _, rr := range runs {
				sq += (rr.seconds - s.mean) * (rr.seconds - s.mean)
			}
			s.stddev = math.Sqrt(sq / float64(len(runs)-1))
		}
		out = append(out, s)
	}
	return out
}

// sortedRuns returns the finished runs ordered by test (as in res.tests),
// then run number.
func sortedRuns(res *results) []runResult {
	rank := map[testCase]int{}
	for i, tc := range res.tests {
		rank[tc] = i
	}
	runs := append([]runResult(nil), res.runs...)
	sort.Slice(runs, func(i, j int) bool {
		a, b := runs[i], runs[j]
		if rank[a.tc] != rank[b.tc] {
			return rank[a.tc] < rank[b.tc]
		}
		return a.run < b.run
	})
	return runs
}

// mib formats a byte count in MiB for the table, "-" when unknown (0).
func mib(bytes int64) string {
	if bytes <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(bytes)/(1<<20))
}

// printTable prints the closing table, its TOTAL line, and the kept logs.
func printTable(w io.Writer, res *results) {
	stats := aggregate(res)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tTEST\tRUNS\tFAILS\tMEAN±SD S\tMAX S\tMAX RSS MiB")
	for _, s := range stats {
		fails := fmt.Sprint(s.fails)
		if s.timeout > 0 {
			fails += fmt.Sprintf(" (%d timeout)", s.timeout)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%.2f ± %.2f\t%.2f\t%s\n",
			s.tc.pkg.rel, s.tc.name, s.runs, fails, s.mean, s.stddev, s.max, mib(s.maxRSS))
	}
	fmt.Fprintf(tw, "TOTAL\t%d tests\t%d\t%d\twall %.1fs\n",
		len(stats), len(res.runs), res.fails(), res.wall.Seconds())
	tw.Flush()

	if len(res.stopped) > 0 {
		fmt.Fprintf(w, "%d run(s) stopped before finishing, not counted\n", len(res.stopped))
	}
	if res.failedFast {
		fmt.Fprintln(w, "-failfast: stopped after the first failure")
	}
	printKeptLogs(w, res)
}

// maxListedLogs is how many passing or stopped runs' logs (kept with -v) are
// listed one by one; beyond it they are counted. Failed runs' logs are
// always listed.
const maxListedLogs = 10

// printKeptLogs lists where the kept logs are: every failed run's, then
// with -v the passing and the stopped runs'.
func printKeptLogs(w io.Writer, res *results) {
	var failed, passed []runResult
	for _, rr := range sortedRuns(res) {
		if rr.passed {
			passed = append(passed, rr)
		} else {
			failed = append(failed, rr)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintln(w, "logs of failed runs:")
		for _, rr := range failed {
			note := ""
			if rr.timedOut {
				note = " (timed out)"
			}
			fmt.Fprintf(w, "  %s%s\n", rr.logPath, note)
		}
	}
	listLogs(w, "logs of passing runs (-v):", passed)
	listLogs(w, "logs of stopped runs (-v):", res.stopped)
}

// listLogs lists the kept logs of runs under heading, one a line, or as a
// count and their directory when there are more than maxListedLogs.
func listLogs(w io.Writer, heading string, runs []runResult) {
	var kept []string
	for _, rr := range runs {
		if rr.logPath != "" {
			kept = append(kept, rr.logPath)
		}
	}
	if len(kept) == 0 {
		return
	}
	fmt.Fprintln(w, heading)
	if len(kept) > maxListedLogs {
		fmt.Fprintf(w, "  %d logs in %s (<pkg>_<Test>_run<N>.log)\n", len(kept), filepath.Dir(kept[0]))
		return
	}
	for _, path := range kept {
		fmt.Fprintf(w, "  %s\n", path)
	}
}

// printSingleLog prints the kept log of the one run there was (-v with a
// single run selected), so that the debug log is seen without looking for
// it. Nothing if the run did not finish and keep a log.
func printSingleLog(w io.Writer, res *results) {
	runs := append(append([]runResult(nil), res.runs...), res.stopped...)
	if len(runs) != 1 || runs[0].logPath == "" {
		return
	}
	path := runs[0].logPath
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(w, "(cannot print the log %s: %v)\n", path, err)
		return
	}
	defer f.Close()
	fmt.Fprintf(w, "=== log of the run, kept in %s:\n", path)
	if _, err := io.Copy(w, f); err != nil {
		fmt.Fprintf(w, "\n(printing the log %s: %v)\n", path, err)
	}
	fmt.Fprintf(w, "=== end of %s\n", path)
}

// printList prints tests grouped by package and part.
func printList(w io.Writer, tests []testCase) {
	var lastPkg *pkg
	lastPart := ""
	for _, tc := range tests {
		if tc.pkg != lastPkg {
			fmt.Fprintf(w, "%s (%s)\n", tc.pkg.rel, tc.pkg.importPath)
			lastPkg, lastPart = tc.pkg, ""
		}
		if tc.part != lastPart {
			fmt.Fprintf(w, "  %s\n", tc.part)
			lastPart = tc.part
		}
		fmt.Fprintf(w, "    %s\n", tc.name)
	}
}
