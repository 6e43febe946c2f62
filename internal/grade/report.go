package grade

// The report: plain text for a person, JSON for a grade book.

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report: what was graded, a table per part, the
// total, then each failed test's first failing run with its replay line
// and the lines of its log around the failure.
func WriteText(w io.Writer, g *Grade) error {
	ew := &errWriter{w: w}
	race := ""
	if g.Race {
		race = ", -race"
	}
	fmt.Fprintf(ew, "raftlab grade %s\n", g.Dir)
	fmt.Fprintf(ew, "%s: %d runs per test%s, limit %s per run, %d at once, weights %s\n",
		g.Date.Format("2006-01-02 15:04:05 MST"), g.RunsPerTest, race, g.Timeout, g.Parallel, g.Weights)
	for _, p := range g.Parts {
		fmt.Fprintf(ew, "\nPart %s (%s): %.2f of %.2f points\n", p.Part, p.Package, p.Points, p.Possible)
		if p.Error != "" {
			fmt.Fprintf(ew, "  not graded: %s\n", indent(p.Error, "  "))
		}
		if len(p.Tests) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  TEST\tRUNS\tFAILS\tTIMEOUTS\tSLOWEST S\tPOINTS\tRESULT")
		for _, t := range p.Tests {
			result := "ok"
			if !t.Passed {
				result = "FAIL: " + t.Reason
			}
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%.2f\t%.2f / %.2f\t%s\n",
				t.Test, t.Runs, t.Fails, t.Timeouts, t.SlowestSeconds, t.Points, t.Possible, result)
		}
		tw.Flush()
	}
	verdict := "PASS"
	if !g.Passed {
		verdict = "FAIL"
	}
	fmt.Fprintf(ew, "\nTOTAL %.2f of %.2f points; %d of %d tests passed; %s\n",
		g.Points, g.Possible, g.TestsPassed, g.Tests, verdict)
	writeFailures(ew, g)
	return ew.err
}

// writeFailures writes, for each failed test, its first failing run.
func writeFailures(w io.Writer, g *Grade) {
	first := true
	for _, p := range g.Parts {
		for _, t := range p.Tests {
			f := t.FirstFailure
			if f == nil {
				continue
			}
			if first {
				fmt.Fprintf(w, "\nFirst failing run of each failed test (rerun it at the module root of %s):\n", g.Dir)
				first = false
			}
			fmt.Fprintf(w, "\n--- %s (%s, part %s): %s\n", t.Test, p.Package, p.Part, t.Reason)
			fmt.Fprintf(w, "  run %d %s after %.2fs, seed %d\n", f.Run, f.Outcome, f.Seconds, f.Seed)
			fmt.Fprintf(w, "  replay: %s\n", f.Replay)
			switch ex := f.excerpt; {
			case f.Log == "":
				fmt.Fprintln(w, "  log: none kept (the run passed)")
			case ex == nil:
				fmt.Fprintf(w, "  log: %s (not readable)\n", f.Log)
			default:
				fmt.Fprintf(w, "  log: %s (lines %d-%d of %d)\n", f.Log, ex.from, ex.from+len(ex.lines)-1, ex.total)
				for _, l := range ex.lines {
					fmt.Fprintf(w, "    | %s\n", l)
				}
				if ex.result != "" {
					fmt.Fprintf(w, "    | ...\n    | %s\n", ex.result)
				}
			}
		}
	}
}

// WriteJSON writes g as the grade book's JSON document (doc.go lists the
// fields).
func WriteJSON(w io.Writer, g *Grade) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(g)
}

// indent indents every line of s after the first by prefix.
func indent(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// errWriter keeps the first write error, so that a report is written with
// plain Fprintf calls and checked once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
