package runner

// Progress: what has finished and what is running, on a terminal as one
// live line, elsewhere as a line per run and a still-running line now and
// then.

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
	"unsafe"
)

// stillRunningEvery is how often, on a plain (non-terminal) stream, the runs
// in progress are named. A variable so that tests can shorten it.
var stillRunningEvery = 30 * time.Second

// isTerminal reports whether f is a character device, i.e. a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// terminalWidth returns the number of columns of the terminal f, or 80 if
// it cannot tell.
func terminalWidth(f *os.File) int {
	var ws struct{ rows, cols, xpixels, ypixels uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(),
		uintptr(syscall.TIOCGWINSZ), uintptr(unsafe.Pointer(&ws)))
	if errno != 0 || ws.cols == 0 {
		return 80
	}
	return int(ws.cols)
}

// progress shows what has finished and what is running: on a terminal a
// live line rewritten in place (with failures printed above it); otherwise
// one plain line per run, and now and then a line naming the runs in
// progress. Only schedule's loop uses it.
type progress struct {
	w       io.Writer
	tty     *os.File // w, when it is a terminal
	total   int
	runs    int // per test, for "run 3/20"
	done    int
	failed  int
	start   time.Time
	running map[job]time.Time // runs in progress, and when each started
}

// newProgress returns the progress of total runs, runs per test, started
// at start, shown on w (live if w is a terminal).
func newProgress(w io.Writer, total, runs int, start time.Time) *progress {
	p := &progress{w: w, total: total, runs: runs, start: start, running: map[job]time.Time{}}
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		p.tty = f
	}
	return p
}

// tickers returns when to redraw the live line (a terminal, every second)
// or to name the runs in progress (a plain stream, every
// stillRunningEvery); the other channel is nil. stop stops the ticker.
func (p *progress) tickers() (redraw, stillRunning <-chan time.Time, stop func()) {
	if p.tty != nil {
		tick := time.NewTicker(time.Second)
		return tick.C, nil, tick.Stop
	}
	tick := time.NewTicker(stillRunningEvery)
	return nil, tick.C, tick.Stop
}

// report shows a finished run: a line of its own on a plain stream, on a
// terminal a line only for a failure, and the live line redrawn.
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
	line := fmt.Sprintf("%-4s %s %s run %d/%d %.2fs", status,
		rr.tc.pkg.rel, rr.tc.name, rr.run, p.runs, rr.seconds)
	// The seed only where someone will want to replay the run.
	if !rr.passed {
		line += fmt.Sprintf(" seed %d", rr.seed)
	}
	if rr.logPath != "" {
		line += " log " + rr.logPath
	}
	if p.tty == nil {
		fmt.Fprintf(p.w, "[%*d/%d] %s\n", len(fmt.Sprint(p.total)), p.done, p.total, line)
		return
	}
	if !rr.passed {
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	}
	p.redraw()
}

func (p *progress) redraw() {
	if p.tty == nil {
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%s", p.statusLine(time.Now(), terminalWidth(p.tty)))
}

func (p *progress) finish() {
	if p.tty != nil {
		p.redraw()
		fmt.Fprintln(p.w)
	}
}

// inProgress is one run in progress and how long it has been running.
type inProgress struct {
	job
	elapsed time.Duration
}

// inProgress returns the runs in progress at now, longest-running first.
func (p *progress) inProgress(now time.Time) []inProgress {
	var out []inProgress
	for j, at := range p.running {
		out = append(out, inProgress{j, now.Sub(at)})
	}
	sort.Slice(out, func(i, k int) bool {
		a, b := out[i], out[k]
		if a.elapsed != b.elapsed {
			return a.elapsed > b.elapsed
		}
		if a.tc.pkg.rel != b.tc.pkg.rel {
			return a.tc.pkg.rel < b.tc.pkg.rel
		}
		if a.tc.name != b.tc.name {
			return a.tc.name < b.tc.name
		}
		return a.run < b.run
	})
	return out
}

// statusLine is the terminal's live line at now, at most width-1 columns
// (the last column would wrap on some terminals): done and failed counts,
// elapsed and estimated time left, then how many runs are in progress and
// the one running longest. The first of these forms that fits is used,
// cut if none does:
//
//	10/40 done, 1 failed, elapsed 3m2s, left ~9m6s; 2 running, longest ./raft TestFigure83C 41s
//	10/40 done, 1 failed, elapsed 3m2s, left ~9m6s; 2 running, longest TestFigure83C 41s
//	10/40 done, 1 failed, left ~9m6s; 2 running, longest TestFigure83C 41s
//	10/40 done, 1 failed; 2 running, longest TestFigure83C 41s
func (p *progress) statusLine(now time.Time, width int) string {
	elapsed := now.Sub(p.start)
	left := "?"
	if p.done > 0 {
		est := elapsed * time.Duration(p.total-p.done) / time.Duration(p.done)
		left = est.Round(time.Second).String()
	}
	counts := fmt.Sprintf("%d/%d done, %d failed", p.done, p.total, p.failed)
	times := fmt.Sprintf(", elapsed %v, left ~%s", elapsed.Round(time.Second), left)
	leftOnly := fmt.Sprintf(", left ~%s", left)
	runs := p.inProgress(now)
	if len(runs) == 0 {
		return fit(width, counts+times, counts+leftOnly, counts)
	}
	r := runs[0]
	running := func(name string) string {
		return fmt.Sprintf("; %d running, longest %s %v", len(runs), name, r.elapsed.Round(time.Second))
	}
	withPkg, bare := running(r.tc.pkg.rel+" "+r.tc.name), running(r.tc.name)
	return fit(width, counts+times+withPkg, counts+times+bare, counts+leftOnly+bare, counts+bare)
}

// fit returns the first of lines shorter than width columns, or the last
// cut to width-1.
func fit(width int, lines ...string) string {
	for _, l := range lines {
		if utf8.RuneCountInString(l) < width {
			return l
		}
	}
	last := []rune(lines[len(lines)-1])
	return string(last[:max(width-1, 0)])
}

// printStillRunning prints the still-running line, if any run is in
// progress.
func (p *progress) printStillRunning() {
	// Now, not the tick's time: a late read would give negative ages.
	if len(p.running) > 0 {
		fmt.Fprintln(p.w, p.stillRunningLine(time.Now()))
	}
}

// stillRunningLine names the runs in progress at now, longest first, with
// how long each has been running.
func (p *progress) stillRunningLine(now time.Time) string {
	runs := p.inProgress(now)
	names := make([]string, len(runs))
	for i, r := range runs {
		names[i] = fmt.Sprintf("%s %s run %d/%d %v",
			r.tc.pkg.rel, r.tc.name, r.run, p.runs, r.elapsed.Round(time.Second))
	}
	return fmt.Sprintf("still running (%d): %s", len(runs), strings.Join(names, ", "))
}
