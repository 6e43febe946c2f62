package runner

// The progress lines: the terminal's live line, plain lines per run, the
// still-running line.

import (
	"bytes"
	"testing"
	"time"
)

func TestProgressLines(t *testing.T) {
	raft := &pkg{rel: "./raft"}
	slow := testCase{pkg: raft, name: "TestFigure8Unreliable3C", part: "3C"}
	fast := testCase{pkg: raft, name: "TestBackup3B", part: "3B"}
	start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	now := start.Add(3*time.Minute + 2*time.Second)
	p := &progress{total: 40, runs: 20, done: 10, failed: 1, start: start,
		running: map[job]time.Time{
			{fast, 2}: now.Add(-12 * time.Second),
			{slow, 1}: now.Add(-41 * time.Second),
		}}

	// The widest form that fits the terminal, less its last column.
	for _, c := range []struct {
		width int
		want  string
	}{
		{200, "10/40 done, 1 failed, elapsed 3m2s, left ~9m6s; 2 running, longest ./raft TestFigure8Unreliable3C 41s"},
		{102, "10/40 done, 1 failed, elapsed 3m2s, left ~9m6s; 2 running, longest ./raft TestFigure8Unreliable3C 41s"},
		{101, "10/40 done, 1 failed, elapsed 3m2s, left ~9m6s; 2 running, longest TestFigure8Unreliable3C 41s"},
		{90, "10/40 done, 1 failed, left ~9m6s; 2 running, longest TestFigure8Unreliable3C 41s"},
		{80, "10/40 done, 1 failed; 2 running, longest TestFigure8Unreliable3C 41s"},
		{30, "10/40 done, 1 failed; 2 runni"},
	} {
		if got := p.statusLine(now, c.width); got != c.want {
			t.Errorf("statusLine at %d columns:\n got  %q\n want %q", c.width, got, c.want)
		}
	}
	want := "still running (2): ./raft TestFigure8Unreliable3C run 1/20 41s, ./raft TestBackup3B run 2/20 12s"
	if got := p.stillRunningLine(now); got != want {
		t.Errorf("stillRunningLine:\n got  %q\n want %q", got, want)
	}

	p.running = map[job]time.Time{}
	want = "10/40 done, 1 failed, elapsed 3m2s, left ~9m6s"
	if got := p.statusLine(now, 200); got != want {
		t.Errorf("statusLine with nothing running:\n got  %q\n want %q", got, want)
	}
	want = "10/40 done, 1 failed, left ~9m6s"
	if got := p.statusLine(now, 40); got != want {
		t.Errorf("statusLine with nothing running at 40 columns:\n got  %q\n want %q", got, want)
	}
}

func TestPlainRunLines(t *testing.T) {
	tc := testCase{pkg: &pkg{rel: "./raft"}, name: "TestX3A", part: "3A"}
	var out bytes.Buffer
	p := &progress{w: &out, total: 12, runs: 4}
	p.report(runResult{tc: tc, run: 1, seed: 1234567890123456789, passed: true, seconds: 1.234})
	p.report(runResult{tc: tc, run: 2, seed: -42, seconds: 2, logPath: "logs/raft_TestX3A_run2.log"})
	p.report(runResult{tc: tc, run: 3, seed: 7, passed: true, seconds: 1, logPath: "logs/raft_TestX3A_run3.log"})
	// The seed only on a failure; a kept log on any run (-v keeps them all).
	want := `[ 1/12] ok   ./raft TestX3A run 1/4 1.23s
[ 2/12] FAIL ./raft TestX3A run 2/4 2.00s seed -42 log logs/raft_TestX3A_run2.log
[ 3/12] ok   ./raft TestX3A run 3/4 1.00s log logs/raft_TestX3A_run3.log
`
	if out.String() != want {
		t.Errorf("plain lines:\n%s\nwant:\n%s", out.String(), want)
	}
}
