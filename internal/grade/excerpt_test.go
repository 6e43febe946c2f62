package grade

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// header is the runner's header of a kept log (internal/runner/exec.go).
const header = "# rerun: RAFTLAB_SEED=7 go test -count=1 -v -run '^TestX3A$' ./raft\n# seed: 7\n# test: ./raft TestX3A, run 1 of 1\n\n"

// numbered returns n lines "line 1".."line n".
func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

func TestReadLogWindow(t *testing.T) {
	// Line numbers below count the header's 4 lines.
	for _, tc := range []struct {
		name        string
		log         string
		first, last string // the window's first and last lines
		from, n     int
		result      string
	}{
		{"fail after much output", header + numbered(100) + "--- FAIL: TestX3A (1.00s)\n" + numbered(20) + "# result: FAIL\n",
			"line 71", "line 9", 75, 40, "# result: FAIL"},
		{"fail right after the header", header + "=== RUN   TestX3A\n    x_test.go:9: boom\n--- FAIL: TestX3A (0.00s)\nFAIL\n\n# result: FAIL\n",
			"=== RUN   TestX3A", "# result: FAIL", 5, 6, ""},
		{"timeout: no goroutine dump", header + numbered(50) + "SIGQUIT: quit\nPC=0x1 m=0\n\ngoroutine 1 [running]:\n" + numbered(500) + "# result: FAIL: TIMED OUT\n",
			"line 12", "SIGQUIT: quit", 16, 40, "# result: FAIL: TIMED OUT"},
		{"data race from its start", header + numbered(50) + "==================\nWARNING: DATA RACE\n" + numbered(100),
			"line 49", "line 36", 53, 40, ""},
		{"no anchor: the end", header + numbered(100), "line 61", "line 100", 65, 40, ""},
		{"no header", numbered(3), "line 1", "line 3", 1, 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.log")
			if err := os.WriteFile(path, []byte(tc.log), 0o644); err != nil {
				t.Fatal(err)
			}
			rerun, ex, err := readLog(path)
			if err != nil {
				t.Fatal(err)
			}
			if wantRerun := strings.HasPrefix(tc.log, "# rerun: "); (rerun == "RAFTLAB_SEED=7 go test -count=1 -v -run '^TestX3A$' ./raft") != wantRerun {
				t.Errorf("rerun %q", rerun)
			}
			if len(ex.lines) != tc.n || ex.from != tc.from || ex.lines[0] != tc.first || ex.lines[len(ex.lines)-1] != tc.last || ex.result != tc.result {
				t.Errorf("window: %d lines from line %d, %q ... %q, result %q; want %d from %d, %q ... %q, result %q",
					len(ex.lines), ex.from, ex.lines[0], ex.lines[len(ex.lines)-1], ex.result, tc.n, tc.from, tc.first, tc.last, tc.result)
			}
			if total := strings.Count(tc.log, "\n"); ex.total != total {
				t.Errorf("total %d lines, want %d", ex.total, total)
			}
		})
	}
}

func TestReadLogMissing(t *testing.T) {
	if _, _, err := readLog(filepath.Join(t.TempDir(), "gone.log")); err == nil {
		t.Error("readLog of a missing file: no error")
	}
}
