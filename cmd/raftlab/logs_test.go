package main

// raftlab logs, end to end: on the debug lines of a real Raft run (three
// peers on labrpc in a child process, RAFTLAB_DEBUG=1), each peer's lines
// in its column; the filters, -html, stdin, colour, and the exit statuses.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"raftlab/labrpc"
	"raftlab/raft"
)

// raftHelperEnv makes this test binary, started by realRaftLog, run a
// small Raft cluster instead of its tests. It is checked in init, before
// TestMain builds the raftlab binary, which the helper does not need.
const raftHelperEnv = "RAFTLAB_LOGS_RAFT_HELPER"

func init() {
	if os.Getenv(raftHelperEnv) == "1" {
		os.Exit(raftHelper())
	}
}

// raftHelper runs three Raft peers on a reliable labrpc network until each
// has applied three commands (sent to whichever peer leads, one every
// 50 ms), then kills them. Its debug lines (RAFTLAB_DEBUG=1, set by the
// parent) are the log; it returns the exit status.
func raftHelper() int {
	const n, commands = 3, 3
	net := labrpc.MakeNetwork()
	defer net.Cleanup()
	rafts := make([]*raft.Raft, n)
	var mu sync.Mutex
	applied := make([]int, n)
	for i := range n {
		ends := make([]*labrpc.ClientEnd, n)
		for j := range n {
			name := fmt.Sprintf("S%d->S%d", i, j)
			ends[j] = net.MakeEnd(name)
			net.Connect(name, j)
			net.Enable(name, true)
		}
		applyCh := make(chan raft.ApplyMsg)
		rafts[i] = raft.Make(ends, i, raft.MakePersister(), applyCh)
		go func() {
			for m := range applyCh {
				if m.CommandValid {
					mu.Lock()
					applied[i]++
					mu.Unlock()
				}
			}
		}()
		srv := labrpc.MakeServer()
		srv.AddService(labrpc.MakeService(rafts[i]))
		net.AddServer(i, srv)
	}
	allApplied := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, a := range applied {
			if a < commands {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(20 * time.Second)
	for cmd := 100; !allApplied(); cmd++ {
		if time.Now().After(deadline) {
			mu.Lock()
			fmt.Printf("helper: after 20s the peers have applied %v commands, want %d each\n", applied, commands)
			mu.Unlock()
			return 1
		}
		for _, rf := range rafts {
			if _, _, isLeader := rf.Start(cmd); isLeader {
				break
			}
		}
		time.Sleep(50 * time.Millisecond) // the next command, or a leader to send it to
	}
	fmt.Printf("helper: every peer applied %d commands\n", commands)
	for _, rf := range rafts {
		rf.Kill()
	}
	return 0
}

var realLog struct {
	once sync.Once
	data []byte
	err  error
}

// realRaftLog returns the log of a real Raft run, made once per test
// binary: a failure log as the runner keeps it, its "# " header, then the
// helper's output (debug lines and its own), then a go test failure.
func realRaftLog(t *testing.T) []byte {
	t.Helper()
	realLog.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0])
		cmd.Env = append(os.Environ(), raftHelperEnv+"=1", "RAFTLAB_DEBUG=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			realLog.err = fmt.Errorf("the raft helper: %v\n%s", err, out)
			return
		}
		var b bytes.Buffer
		b.WriteString("# rerun: RAFTLAB_SEED=1 RAFTLAB_DEBUG=1 go test -count=1 -v -run '^TestX3B$' ./raft\n# seed: 1\n# read it: go run ./cmd/raftlab logs x.log\n\n=== RUN   TestX3B\n")
		b.Write(out)
		b.WriteString("    config_test.go:300: <one> failed to reach agreement\n--- FAIL: TestX3B (1.00s)\n\n# result: FAIL: exit status 1 (after 1.00s)\n")
		realLog.data = b.Bytes()
	})
	if realLog.err != nil {
		t.Fatal(realLog.err)
	}
	return realLog.data
}

// debugLine is a debug line of the input, as the test reads it.
type debugLine struct {
	time, topic string
	peer        int
	term        string
	firstWord   string
}

var debugRE = regexp.MustCompile(`^(\d+) ([A-Z][A-Z0-9_]*) S(\d+) T(\d+)(?: (.*))?$`)

// debugLines returns the debug lines of log, those of the peers keep.
func debugLines(log []byte, keep func(peer int, topic string) bool) []debugLine {
	var lines []debugLine
	for _, s := range strings.Split(string(log), "\n") {
		m := debugRE.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		peer, _ := strconv.Atoi(m[3])
		if !keep(peer, m[2]) {
			continue
		}
		var first string
		if f := strings.Fields(m[5]); len(f) > 0 {
			first = f[0]
		}
		lines = append(lines, debugLine{time: m[1], topic: m[2], peer: peer, term: m[4], firstWord: first})
	}
	return lines
}

// checkLogsColumns checks the text view out, width columns wide with the
// peer columns cols, against the debug lines want: each, in order, is a
// row with its time and topic at the left and "T<term> <first word>" at
// the start of its peer's column. The column of S<p> starts where the
// header row names it.
func checkLogsColumns(t *testing.T, out string, cols []int, want []debugLine) {
	t.Helper()
	rows := strings.Split(out, "\n")
	var header string
	for _, r := range rows {
		if strings.HasPrefix(r, "time    topic    ") {
			header = r
			break
		}
	}
	if header == "" {
		t.Fatalf("no header row naming the columns:\n%s", out)
	}
	start := map[int]int{}
	for _, p := range cols {
		i := strings.Index(header, fmt.Sprintf("S%d ", p))
		if i < 0 {
			i = strings.Index(header, fmt.Sprintf("S%d", p)) // the last one has no space after it
		}
		if i < 0 {
			t.Fatalf("the header row %q does not name S%d", header, p)
		}
		start[p] = i
	}
	firstRow := regexp.MustCompile(`^(\d{6,}) +([A-Z][A-Z0-9_]*) +`)
	i := 0
	for _, w := range want {
		for i < len(rows) && !firstRow.MatchString(rows[i]) {
			i++
		}
		if i == len(rows) {
			t.Fatalf("no row for %+v: the output ends", w)
		}
		row := rows[i]
		m := firstRow.FindStringSubmatch(row)
		cell := strings.TrimLeft(row[len(m[0]):], " ")
		col := len(row) - len(cell)
		if m[1] != w.time || m[2] != w.topic || col != start[w.peer] || !strings.HasPrefix(cell, "T"+w.term) {
			t.Fatalf("row %d %q: want %s %s and T%s in S%d's column (at %d); the cell is at %d",
				i, row, w.time, w.topic, w.term, w.peer, start[w.peer], col)
		}
		if w.firstWord != "" && !strings.HasPrefix(cell, "T"+w.term+" ") {
			t.Fatalf("row %d %q: the message does not follow the term", i, row)
		}
		i++
	}
	for ; i < len(rows); i++ {
		if firstRow.MatchString(rows[i]) {
			t.Fatalf("row %d %q is a debug line the filter should have dropped", i, rows[i])
		}
	}
}

func writeLog(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "raft_TestX3B_run1.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runLogsCmd runs raftlab logs in this process and returns its status and
// output.
func runLogsCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runWithStdin(append([]string{"logs"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestLogsColumnsOfARealRaftRun(t *testing.T) {
	log := realRaftLog(t)
	path := writeLog(t, log)
	all := debugLines(log, func(int, string) bool { return true })
	peersSeen := map[int]bool{}
	for _, l := range all {
		peersSeen[l.peer] = true
	}
	if len(all) < 20 || len(peersSeen) != 3 {
		t.Fatalf("the real run gave %d debug lines of peers %v; want some of each of 3 peers:\n%s", len(all), peersSeen, log)
	}

	code, out, errOut := runLogsCmd(t, "", "-width", "150", path)
	if code != 0 || errOut != "" {
		t.Fatalf("raftlab logs %s: exit %d, stderr %q", path, code, errOut)
	}
	checkLogsColumns(t, out, []int{0, 1, 2}, all)
	for _, s := range []string{"# rerun: RAFTLAB_SEED=1", "=== RUN   TestX3B", "helper: every peer applied 3 commands",
		"    config_test.go:300: <one> failed to reach agreement", "--- FAIL: TestX3B (1.00s)", "# result: FAIL"} {
		if !strings.Contains(out, "\n"+s) && !strings.HasPrefix(out, s) {
			t.Errorf("the full-width line %q is not in the output:\n%s", s, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("colour in output that is not a terminal (-color auto)")
	}

	// Filters: peer 1 only (its own column), no PERSIST, terms 1 and later.
	code, out, errOut = runLogsCmd(t, "", "-width", "100", "-peers", "1", "-topics", "-PERSIST", "-terms", "1-", path)
	if code != 0 || errOut != "" {
		t.Fatalf("with filters: exit %d, stderr %q", code, errOut)
	}
	want := debugLines(log, func(p int, topic string) bool { return p == 1 && topic != "PERSIST" })
	var kept []debugLine
	for _, l := range want {
		if l.term != "0" {
			kept = append(kept, l)
		}
	}
	checkLogsColumns(t, out, []int{1}, kept)
	if !strings.Contains(out, "--- FAIL: TestX3B") {
		t.Errorf("a filter dropped a line that is not a debug line:\n%s", out)
	}

	// -debug-only and a time window, up to the time of a line in the
	// middle of the run (a duration) and from the second distinct time.
	mid, _ := strconv.Atoi(all[len(all)/2].time)
	first, _ := strconv.Atoi(all[0].time)
	_, out, _ = runLogsCmd(t, "", "-debug-only", "-from", strconv.Itoa(first+1), "-to", fmt.Sprintf("%dms", mid), path)
	if strings.Contains(out, "FAIL") || strings.Contains(out, "# rerun") {
		t.Errorf("-debug-only kept other lines:\n%s", out)
	}
	window := filterTime(all, first+1, mid)
	if len(window) == 0 || len(window) == len(all) {
		t.Fatalf("the window %d-%d ms holds %d of %d lines: not a test of it", first+1, mid, len(window), len(all))
	}
	checkLogsColumns(t, out, []int{0, 1, 2}, window)
}

// filterTime returns the lines from ms lo to hi.
func filterTime(lines []debugLine, lo, hi int) []debugLine {
	var kept []debugLine
	for _, l := range lines {
		if n, _ := strconv.Atoi(l.time); n >= lo && n <= hi {
			kept = append(kept, l)
		}
	}
	return kept
}

func TestLogsHTMLOfARealRaftRun(t *testing.T) {
	log := realRaftLog(t)
	path := writeLog(t, log)
	page := filepath.Join(t.TempDir(), "log.html")
	code, out, errOut := runLogsCmd(t, "", "-html", page, path)
	if code != 0 || errOut != "" || out != "raftlab logs: wrote "+page+"\n" {
		t.Fatalf("-html %s: exit %d, stdout %q, stderr %q", page, code, out, errOut)
	}
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	for _, want := range []string{
		"<thead><tr><th>time</th><th>topic</th><th>S0</th><th>S1</th><th>S2</th></tr></thead>",
		"position: sticky",
		`<tr class="t-LEADER">`,
		`<tr class="k-fail"><td colspan="5">--- FAIL: TestX3B (1.00s)</td></tr>`,
		"&lt;one&gt; failed to reach agreement",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "http:", "https:", "<link", "src="} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Errorf("the page has %q: not self-contained", bad)
		}
	}
	// -html - writes the page to stdout.
	code, out, _ = runLogsCmd(t, "", "-html", "-", path)
	if code != 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") || out != html {
		t.Errorf("-html -: exit %d, and stdout is not the same page (%d bytes, want %d)", code, len(out), len(html))
	}
}

// From stdin: read whole (spooled, for the columns) or, with -peers,
// streamed.
func TestLogsStdin(t *testing.T) {
	log := "=== RUN   TestY\n000001 VOTE S2 T1 from stdin\n000002 VOTE S0 T1 first column\n"
	for _, args := range [][]string{{}, {"-"}, {"-peers", "0,2", "-"}} {
		code, out, errOut := runLogsCmd(t, log, append([]string{"-width", "80"}, args...)...)
		if code != 0 || errOut != "" {
			t.Fatalf("logs %q < log: exit %d, stderr %q", args, code, errOut)
		}
		checkLogsColumns(t, out, []int{0, 2}, []debugLine{
			{time: "000001", topic: "VOTE", peer: 2, term: "1", firstWord: "from"},
			{time: "000002", topic: "VOTE", peer: 0, term: "1", firstWord: "first"},
		})
	}
}

func TestLogsWidthAndColour(t *testing.T) {
	log := "000001 VOTE S0 T1 a\n000002 VOTE S1 T1 b\n--- FAIL: TestX\n"
	t.Setenv("COLUMNS", "77")
	t.Setenv("NO_COLOR", "")
	_, out, _ := runLogsCmd(t, log, "-")
	// 77 columns: a gutter of 17, two columns of 30.
	if !strings.HasPrefix(out, "time    topic    S0"+strings.Repeat(" ", 28)+"S1\n") {
		t.Errorf("$COLUMNS=77: header row %q, want S1 at column 47", strings.SplitN(out, "\n", 2)[0])
	}
	_, out, _ = runLogsCmd(t, log, "-width", "137", "-")
	if !strings.HasPrefix(out, "time    topic    S0"+strings.Repeat(" ", 58)+"S1\n") {
		t.Errorf("-width 137 (over $COLUMNS): header row %q, want S1 at column 77", strings.SplitN(out, "\n", 2)[0])
	}
	_, out, _ = runLogsCmd(t, log, "-color", "always", "-")
	if !strings.Contains(out, "\x1b[36mT1 a\x1b[0m") || !strings.Contains(out, "\x1b[1;31m--- FAIL: TestX\x1b[0m") {
		t.Errorf("-color always: no colours in %q", out)
	}
	for _, mode := range []string{"never", "auto"} {
		if _, out, _ = runLogsCmd(t, log, "-color", mode, "-"); strings.Contains(out, "\x1b") {
			t.Errorf("-color %s, output not a terminal: colours in %q", mode, out)
		}
	}
	for _, c := range []struct {
		mode     string
		terminal bool
		noColor  string
		term     string
		want     bool
	}{
		{"auto", true, "", "xterm", true},
		{"auto", true, "1", "xterm", false}, // NO_COLOR, any value
		{"auto", true, "", "dumb", false},
		{"auto", false, "", "xterm", false},
		{"always", false, "1", "xterm", true}, // asked for on the command line
		{"never", true, "", "xterm", false},
	} {
		env := map[string]string{"NO_COLOR": c.noColor, "TERM": c.term}
		if got := useColor(c.mode, c.terminal, func(k string) string { return env[k] }); got != c.want {
			t.Errorf("useColor(%s, terminal %v, NO_COLOR=%q TERM=%s) = %v, want %v", c.mode, c.terminal, c.noColor, c.term, got, c.want)
		}
	}
}

func TestLogsExitStatus(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		msg  string // the one line on stderr starts with this
	}{
		{[]string{filepath.Join(dir, "missing.log")}, 1, "raftlab: logs: open " + filepath.Join(dir, "missing.log") + ": no such file or directory"},
		{[]string{dir}, 1, "raftlab: logs: " + dir + " is a directory, not a log"},
		{[]string{"-bogus"}, 2, "raftlab logs: flag provided but not defined: -bogus"},
		{[]string{"-terms", "7-3", "x"}, 2, "raftlab logs: -terms: term range \"7-3\" is empty"},
		{[]string{"-peers", "a", "x"}, 2, "raftlab logs: -peers: \"a\" is not a peer number"},
		{[]string{"-topics", "VO TE", "x"}, 2, "raftlab logs: -topics:"},
		{[]string{"-from", "soon", "x"}, 2, "raftlab logs: -from: \"soon\" is not a time"},
		{[]string{"-from", "2s", "-to", "1s", "x"}, 2, "raftlab logs: -from 2s is after -to 1s"},
		{[]string{"-color", "pink", "x"}, 2, "raftlab logs: -color \"pink\""},
		{[]string{"-width", "5", "x"}, 2, "raftlab logs: -width 5"},
		{[]string{"a.log", "b.log"}, 2, "raftlab logs: one log at a time"},
	} {
		code, out, errOut := runLogsCmd(t, "", c.args...)
		if code != c.code || !strings.HasPrefix(errOut, c.msg) || strings.Count(errOut, "\n") != 1 || out != "" {
			t.Errorf("raftlab logs %q: exit %d, stdout %q, stderr %q; want exit %d and one line starting %q",
				c.args, code, out, errOut, c.code, c.msg)
		}
	}
}

// The built command on junk: shown, exit 0, no hang, no crash.
func TestLogsBinaryJunkThroughTheBinary(t *testing.T) {
	junk := make([]byte, 300<<10)
	for i := range junk {
		junk[i] = byte(i*7 + i/13)
		if junk[i] == '\n' {
			junk[i] = 0 // one line, longer than logview.MaxLine
		}
	}
	path := writeLog(t, append(junk, "\n000001 VOTE S0 T1 after the junk"...))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "logs", path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("raftlab logs on junk: %v, stderr %q", err, errb.String())
	}
	if !strings.Contains(out.String(), "bytes cut]") || !strings.HasSuffix(out.String(), "T1 after the junk\n") {
		t.Errorf("junk: no cut line, or the debug line after it is not in its column: ...%q", out.String()[max(0, out.Len()-300):])
	}
}
