package loadgen

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// Kind says what one operation was.
type Kind int

const (
	Write Kind = iota
	Read
	nKinds
)

func (k Kind) String() string {
	if k == Read {
		return "read"
	}
	return "write"
}

// Op does operation i of client c and says what kind it was; an error
// means it failed (or its outcome is unknown).
type Op func(ctx context.Context, c, i int) (Kind, error)

// Config says how hard and how long to drive the service.
type Config struct {
	Clients  int           // concurrent clients, each one call at a time
	Duration time.Duration // how long to keep starting calls
	Calls    int           // if above 0, start no more than this many calls in all
}

// Stats are the figures for one kind of operation.
type Stats struct {
	Count     int           // calls that succeeded
	Errors    int           // calls that failed
	PerSecond float64       // Count / Result.Elapsed
	P50, P90  time.Duration // latency of the successful calls
	P99, Max  time.Duration
	FirstErr  string // the first error seen, if any
}

// Result is what Run measured.
type Result struct {
	Clients int
	Elapsed time.Duration
	Kinds   [nKinds]Stats // indexed by Kind
	Total   Stats
	// Tenths[k][j] is how many calls of kind k succeeded (ended) in the
	// j-th tenth of Elapsed: the rate over the run (WriteTenths).
	Tenths [nKinds][10]int
}

// clientLog is what one client saw.
type clientLog struct {
	lat      [nKinds][]time.Duration
	ends     [nKinds][]time.Duration // since the start of the run, for each of lat
	errs     [nKinds]int
	firstErr [nKinds]string
}

// Run drives op with cfg.Clients clients for cfg.Duration (or until ctx is
// done) and returns the figures.
func Run(ctx context.Context, cfg Config, op Op) Result {
	if cfg.Clients < 1 {
		cfg.Clients = 1
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	logs := make([]clientLog, cfg.Clients)
	var tickets *atomic.Int64 // calls left to start, with cfg.Calls
	if cfg.Calls > 0 {
		tickets = new(atomic.Int64)
		tickets.Store(int64(cfg.Calls))
	}
	start := time.Now()
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		wg.Go(func() { drive(ctx, op, c, start, tickets, &logs[c]) })
	}
	wg.Wait()
	return summarize(cfg.Clients, time.Since(start), logs)
}

// drive is one client's closed loop, from start, taking a ticket (if
// tickets is not nil) for each call.
func drive(ctx context.Context, op Op, c int, start time.Time, tickets *atomic.Int64, log *clientLog) {
	for i := 0; ctx.Err() == nil; i++ {
		if tickets != nil && tickets.Add(-1) < 0 {
			return
		}
		t0 := time.Now()
		kind, err := op(ctx, c, i)
		d := time.Since(t0)
		if kind < 0 || kind >= nKinds {
			kind = Write
		}
		if err != nil {
			if ctx.Err() != nil {
				return // cut short by the end of the run: neither ok nor failed
			}
			if log.errs[kind] == 0 {
				log.firstErr[kind] = err.Error()
			}
			log.errs[kind]++
			continue
		}
		log.lat[kind] = append(log.lat[kind], d)
		log.ends[kind] = append(log.ends[kind], t0.Add(d).Sub(start))
	}
}

func summarize(clients int, elapsed time.Duration, logs []clientLog) Result {
	r := Result{Clients: clients, Elapsed: elapsed}
	var all []time.Duration
	for k := range nKinds {
		var lat []time.Duration
		s := &r.Kinds[k]
		for i := range logs {
			lat = append(lat, logs[i].lat[k]...)
			for _, end := range logs[i].ends[k] {
				r.Tenths[k][tenth(end, elapsed)]++
			}
			s.Errors += logs[i].errs[k]
			if s.FirstErr == "" {
				s.FirstErr = logs[i].firstErr[k]
			}
		}
		fill(s, lat, elapsed)
		all = append(all, lat...)
		r.Total.Errors += s.Errors
		if r.Total.FirstErr == "" {
			r.Total.FirstErr = s.FirstErr
		}
	}
	fill(&r.Total, all, elapsed)
	return r
}

// fill sets s's count, rate and percentiles from lat.
func fill(s *Stats, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	s.Count = len(lat)
	if elapsed > 0 {
		s.PerSecond = float64(len(lat)) / elapsed.Seconds()
	}
	s.P50, s.P90, s.P99 = Percentile(lat, 50), Percentile(lat, 90), Percentile(lat, 99)
	if len(lat) > 0 {
		s.Max = lat[len(lat)-1]
	}
}

// Percentile is the nearest-rank p-th percentile of sorted (0 if empty).
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// WriteTable prints the figures as a table, a row per kind that ran and a
// total, then the first error of each kind that had any.
func (r Result) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "OP\tOK\tERRORS\tOPS/S\tP50 MS\tP90 MS\tP99 MS\tMAX MS\t")
	row := func(name string, s Stats) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", name, s.Count, s.Errors, s.PerSecond,
			ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
	}
	for k := range nKinds {
		if s := r.Kinds[k]; s.Count+s.Errors > 0 {
			row(k.String(), s)
		}
	}
	row("total", r.Total)
	tw.Flush()
	fmt.Fprintf(w, "%d clients, %.1f s\n", r.Clients, r.Elapsed.Seconds())
	for k := range nKinds {
		if s := r.Kinds[k]; s.FirstErr != "" {
			fmt.Fprintf(w, "first %s error: %s\n", Kind(k), s.FirstErr)
		}
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}
