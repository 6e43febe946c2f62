package grade

// A failed run's kept log: its rerun line, and the lines around the
// failure for the report.

import (
	"bufio"
	"os"
	"strings"
)

// excerptLines is how many lines of a failed run's log the report shows
// at most, besides its result line.
const excerptLines = 40

// excerpt is a window of a log: lines[i] is line from+i (1-based) of
// total; result is the runner's closing "# result:" line, if the window
// stops before it.
type excerpt struct {
	lines       []string
	from, total int
	result      string
}

// anchors mark where a run went wrong: the report shows up to before lines
// before the first anchor in the log and after lines after it. A test's
// failure messages come just before its "--- FAIL" line (a panic's just
// after); a timeout's SIGQUIT starts a goroutine dump of the whole runtime,
// where the test's last words are above; a data race report, a panic and a
// fatal error are read from their first lines down.
var anchors = []struct {
	prefix        string
	before, after int
}{
	{"--- FAIL: ", 30, 9},
	{"SIGQUIT: quit", 39, 0},
	{"WARNING: DATA RACE", 3, 36},
	{"panic: ", 5, 34},
	{"fatal error: ", 5, 34},
}

// readLog returns the rerun line in the header of the log at path ("" if
// it has none) and the part of it around the failure (see anchors); with
// no anchor, its last excerptLines lines. The header (the "# " lines up to
// the first blank one) is left out of the window. The log is read once,
// holding excerptLines lines at most.
func readLog(path string) (rerun string, ex *excerpt, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	var (
		recent   []string // the last lines, until an anchor
		after    = -1     // lines still to take after the anchor; -1 before one
		inHeader bool
		n        int
		last     string
	)
	ex = &excerpt{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20) // a longer line is an error, not a hang
	for sc.Scan() {
		line := sc.Text()
		n++
		last = line
		if n == 1 {
			if r, ok := strings.CutPrefix(line, "# rerun: "); ok {
				rerun, inHeader = r, true
			}
		}
		switch {
		case inHeader:
			inHeader = line != ""
		case after > 0:
			ex.lines = append(ex.lines, line)
			after--
		case after == 0:
		default:
			if before, a, ok := anchorAt(line); ok {
				keep := recent[max(len(recent)-before, 0):]
				ex.lines = append(append(ex.lines, keep...), line)
				ex.from, after = n-len(keep), a
				continue
			}
			if recent = append(recent, line); len(recent) > excerptLines {
				recent = recent[1:]
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", nil, err
	}
	if after < 0 {
		ex.lines, ex.from = recent, n-len(recent)+1
	}
	ex.total = n
	if strings.HasPrefix(last, "# result: ") && ex.from+len(ex.lines)-1 < n {
		ex.result = last
	}
	return rerun, ex, nil
}

// anchorAt reports whether line is an anchor, and how many lines to show
// before and after it.
func anchorAt(line string) (before, after int, ok bool) {
	line = strings.TrimSpace(line)
	for _, a := range anchors {
		if strings.HasPrefix(line, a.prefix) {
			return a.before, a.after, true
		}
	}
	return 0, 0, false
}
