package loadgen

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// A call counts in the tenth of the run in which it ended; the end of the
// run itself falls in the last tenth.
func TestTenthsCountCallsByEnd(t *testing.T) {
	s := time.Second
	logs := []clientLog{{}, {}}
	logs[0].lat[Write] = []time.Duration{1, 1, 1, 1}
	logs[0].ends[Write] = []time.Duration{0, s / 2, 5 * s, 10 * s}
	logs[1].lat[Write] = []time.Duration{1, 1}
	logs[1].ends[Write] = []time.Duration{999 * time.Millisecond, 9990 * time.Millisecond}
	logs[1].lat[Read] = []time.Duration{1}
	logs[1].ends[Read] = []time.Duration{4500 * time.Millisecond}
	r := summarize(2, 10*s, logs)
	want := [10]int{3, 0, 0, 0, 0, 1, 0, 0, 0, 2}
	if r.Tenths[Write] != want {
		t.Errorf("write tenths %v; want %v", r.Tenths[Write], want)
	}
	if want := [10]int{0, 0, 0, 0, 1}; r.Tenths[Read] != want {
		t.Errorf("read tenths %v; want %v", r.Tenths[Read], want)
	}
	if got := r.TenthRate(Write, 0); got != 3 {
		t.Errorf("writes/s in the first tenth (3 in 1 s) = %v; want 3", got)
	}
	var b bytes.Buffer
	r.WriteTenths(&b)
	out := b.String()
	for _, s := range []string{"TENTH", "WRITES/S", "READS/S", "writes/s: first tenth 3.0, last tenth 2.0 (67% of the first)", "reads/s: first tenth 0.0, last tenth 0.0\n"} {
		if !strings.Contains(out, s) {
			t.Errorf("tenths table lacks %q:\n%s", s, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 13 {
		t.Errorf("tenths table has %d lines; want a header, 10 rows and a line per kind:\n%s", n, out)
	}
}

// With Calls, a run starts that many calls in all, whatever its duration,
// and every success is in a tenth.
func TestRunStopsAfterCalls(t *testing.T) {
	op := func(ctx context.Context, c, i int) (Kind, error) {
		time.Sleep(time.Millisecond)
		return Write, nil
	}
	start := time.Now()
	res := Run(context.Background(), Config{Clients: 4, Duration: time.Minute, Calls: 50}, op)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("a run of 50 calls of 1 ms took %v", took)
	}
	if w := res.Kinds[Write]; w.Count != 50 || w.Errors != 0 {
		t.Errorf("writes %+v; want exactly 50 and no errors", w)
	}
	sum := 0
	for _, n := range res.Tenths[Write] {
		sum += n
	}
	if sum != 50 {
		t.Errorf("tenths %v sum to %d; want 50", res.Tenths[Write], sum)
	}
}
