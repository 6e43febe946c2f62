package loadgen

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// tenth is the tenth of a run of elapsed in which a call that ended at end
// (since the start) falls: 0 to 9, the last one taking its end point.
func tenth(end, elapsed time.Duration) int {
	if elapsed <= 0 || end <= 0 {
		return 0
	}
	return min(int(10*end/elapsed), 9)
}

// TenthRate is the rate of calls of kind k that succeeded in tenth j
// (0 to 9) of the run, per second.
func (r Result) TenthRate(k Kind, j int) float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Tenths[k][j]) / (r.Elapsed.Seconds() / 10)
}

// WriteTenths prints, for each tenth of the run, the calls of each kind
// that ran which succeeded in it and their rate, then the rate of the
// last tenth against the first's: flat over a run whose state grows is
// what a service whose cost per call does not grow with its state shows.
func (r Result) WriteTenths(w io.Writer) {
	var kinds []Kind
	for k := range nKinds {
		if s := r.Kinds[k]; s.Count+s.Errors > 0 {
			kinds = append(kinds, k)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "TENTH\tFROM S\tTO S\t"
	for _, k := range kinds {
		header += fmt.Sprintf("%sS\t%sS/S\t", strings.ToUpper(k.String()), strings.ToUpper(k.String()))
	}
	fmt.Fprintln(tw, header)
	step := r.Elapsed.Seconds() / 10
	for j := range 10 {
		fmt.Fprintf(tw, "%d\t%.2f\t%.2f\t", j+1, float64(j)*step, float64(j+1)*step)
		for _, k := range kinds {
			fmt.Fprintf(tw, "%d\t%.1f\t", r.Tenths[k][j], r.TenthRate(k, j))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for _, k := range kinds {
		first, last := r.TenthRate(k, 0), r.TenthRate(k, 9)
		fmt.Fprintf(w, "%ss/s: first tenth %.1f, last tenth %.1f", k, first, last)
		if first > 0 {
			fmt.Fprintf(w, " (%.0f%% of the first)", 100*last/first)
		}
		fmt.Fprintln(w)
	}
}
