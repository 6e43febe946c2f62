package logview

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// render returns v's text view of log.
func render(t *testing.T, v View, log string) string {
	t.Helper()
	var b strings.Builder
	if err := v.WriteText(&b, strings.NewReader(log)); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	return b.String()
}

// checkColumns checks the text view out (no colour) of log against the
// log itself: every debug line of a peer in v.Peers that the filter keeps
// is, in order, a row with its time and topic in the gutter and its term
// and message starting at its peer's column, continued (wrapped) in rows
// that start at that column, each within the width; every other kept line
// is a row of its own, across the full width. It returns how many debug
// lines it saw in columns.
func checkColumns(t *testing.T, v View, log, out string) int {
	t.Helper()
	colW := v.layout().colW
	type want struct {
		column bool
		text   string // full width: the row; in a column: the cell, wrapped rows joined by a space
		head   string // in a column: the gutter
		col    int
	}
	var wants []want
	rd := NewReader(strings.NewReader(log))
	for l, ok := rd.Next(); ok; l, ok = rd.Next() {
		if !v.Filter.Keep(l) {
			continue
		}
		if !v.inColumn(l) {
			text := l.Text
			if l.Node != "" {
				text = "[" + l.Node + "] " + text
			}
			wants = append(wants, want{text: text})
			continue
		}
		cell := strings.Join(strings.Fields(fmt.Sprintf("T%d %s", l.Term, l.Msg)), " ")
		topic := l.Topic[:min(len(l.Topic), topicW)]
		wants = append(wants, want{column: true, text: cell, col: v.column(l.Peer),
			head: pad(fmt.Sprintf("%06d", l.Time), timeW+1) + pad(topic, topicW+1)})
	}
	rows := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if out == "" {
		rows = nil
	}
	i, inColumns := 0, 0
	header := "time    topic    S"
	for wi, w := range wants {
		for i < len(rows) && strings.HasPrefix(rows[i], header) {
			i++
		}
		if i >= len(rows) {
			t.Fatalf("the output ends before line %d of %d kept (%q)", wi, len(wants), w.text)
		}
		if !w.column {
			if rows[i] != w.text {
				t.Fatalf("output row %d = %q, want the full-width line %q", i, rows[i], w.text)
			}
			i++
			continue
		}
		inColumns++
		start := gutterW + w.col*colW
		var parts []string
		for first := true; i < len(rows); first = false {
			row := rows[i]
			gutter := strings.Repeat(" ", gutterW)
			if first {
				gutter = w.head
			} else if !strings.HasPrefix(row, strings.Repeat(" ", start)) || len(row) <= start || row[start] == ' ' {
				break // not a continuation of this cell
			}
			r := []rune(row)
			if len(r) <= start || string(r[:gutterW]) != gutter || strings.TrimSpace(string(r[gutterW:start])) != "" || r[start] == ' ' {
				t.Fatalf("output row %d = %q: want %q in the gutter and the cell %q starting at column %d (peer S%d)",
					i, row, gutter, w.text, start, v.Peers[w.col])
			}
			if n := utf8.RuneCountInString(row); n > max(v.Width, gutterW+len(v.Peers)*colW) {
				t.Errorf("output row %d is %d runes, wider than %d: %q", i, n, v.Width, row)
			}
			parts = append(parts, string(r[start:]))
			i++
		}
		// Wrapping moves text to the next row, at a space or (a word too
		// long for the column) inside a word: nothing else changes.
		if strings.ReplaceAll(strings.Join(parts, ""), " ", "") != strings.ReplaceAll(w.text, " ", "") {
			t.Fatalf("the rows of the cell of S%d: %q, want %q", v.Peers[w.col], parts, w.text)
		}
		for _, p := range parts {
			if n := utf8.RuneCountInString(p); n > colW-1 {
				t.Errorf("a row of the cell of S%d is %d runes, wider than its column (%d): %q", v.Peers[w.col], n, colW-1, p)
			}
		}
	}
	for ; i < len(rows); i++ {
		if !strings.HasPrefix(rows[i], header) {
			t.Fatalf("output row %d %q is not from the log", i, rows[i])
		}
	}
	return inColumns
}

func TestTextColumnsAndWrapping(t *testing.T) {
	log := "=== RUN   TestX\n" +
		"000010 VOTE S0 T1 short\n" +
		"000011 LEADER S2 T1 a message long enough to be wrapped over several rows of its column\n" +
		"000012 APPEND S1 T1 averyveryveryverylongwordthatdoesnotfitinacolumn and then some\n" +
		"000013 VOTE S7 T1 a peer without a column\n" +
		"--- FAIL: TestX (1.00s)\n"
	v := View{Peers: []int{0, 1, 2}, Width: 80}
	out := render(t, v, log)
	if n := checkColumns(t, v, log, out); n != 3 {
		t.Errorf("%d debug lines in columns, want 3:\n%s", n, out)
	}
	// The layout itself, for a reader of this test: 80 columns, a gutter
	// of 17, three columns of 21.
	want := "" +
		"=== RUN   TestX\n" +
		"time    topic    S0                   S1                   S2\n" +
		"000010  VOTE     T1 short\n" +
		"000011  LEADER                                             T1 a message long\n" +
		"                                                           enough to be wrapped\n" +
		"                                                           over several rows of\n" +
		"                                                           its column\n" +
		"000012  APPEND                        T1 averyveryveryvery\n" +
		"                                      longwordthatdoesnotf\n" +
		"                                      itinacolumn and then\n" +
		"                                      some\n" +
		"000013 VOTE S7 T1 a peer without a column\n" +
		"--- FAIL: TestX (1.00s)\n"
	if out != want {
		t.Errorf("text view:\n%s\nwant:\n%s", out, want)
	}
	if !strings.Contains(out, "\n000013 VOTE S7 T1 a peer without a column\n") {
		t.Errorf("a debug line of a peer without a column is not shown whole across the width:\n%s", out)
	}
}

// A time of more digits than its field still has a space before the topic.
func TestTextLongTime(t *testing.T) {
	out := render(t, View{Peers: []int{0}, Width: 80}, "1234567 VOTE S0 T1 a\n123456789 VOTE S0 T1 b\n")
	want := "time    topic    S0\n1234567 VOTE     T1 a\n123456789 VOTE     T1 b\n"
	if out != want {
		t.Errorf("long times:\n%s\nwant:\n%s", out, want)
	}
}

func TestTextHeaderComesBackAfterALongDump(t *testing.T) {
	log := "000001 VOTE S0 T1 a\n" + strings.Repeat("goroutine 1 [running]:\n", headerAgain) + "000002 VOTE S1 T1 b\n"
	out := render(t, View{Peers: []int{0, 1}, Width: 80}, log)
	if n := strings.Count(out, "time    topic    S0"); n != 2 {
		t.Errorf("header row %d times, want 2 (at the start, after %d full-width lines):\n%s", n, headerAgain, out)
	}
	out = render(t, View{Peers: []int{0, 1}, Width: 80}, "just text\n")
	if strings.Contains(out, "topic") {
		t.Errorf("a header row for a log without debug lines:\n%s", out)
	}
}

func TestTextColour(t *testing.T) {
	log := "000001 VOTE S0 T1 a\n--- FAIL: TestX\nplain\n\x1b[31minjected\n"
	plain := render(t, View{Peers: []int{0}, Width: 80}, log)
	if strings.Contains(plain, "\x1b") {
		t.Errorf("colour off, but an ESC in the output:\n%q", plain)
	}
	coloured := render(t, View{Peers: []int{0}, Width: 80, Color: true}, log)
	for _, want := range []string{
		"\x1b[36mVOTE     \x1b[0m",         // the topic in its colour
		"\x1b[36mT1 a\x1b[0m",              // and the message
		"\x1b[1;31m--- FAIL: TestX\x1b[0m", // a failure bold red
		"\nplain\n",                        // text as it is
		`\x1b[31minjected`,                 // the log's own escape made visible, not obeyed
	} {
		if !strings.Contains(coloured, want) {
			t.Errorf("colour on: no %q in\n%q", want, coloured)
		}
	}
	if strings.Count(coloured, "\x1b[") != strings.Count(coloured, "\x1b[0m")*2 {
		t.Errorf("colour codes not each closed:\n%q", coloured)
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  []string
	}{
		{"", 10, []string{""}},
		{"a b c", 10, []string{"a b c"}},
		{"aaaa bbbb cccc", 9, []string{"aaaa bbbb", "cccc"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"x abcdefghij y", 4, []string{"x ab", "cdef", "ghij", "y"}},
		{"xyz abcdefghij", 4, []string{"xyz", "abcd", "efgh", "ij"}},
		{"héllo wörld", 5, []string{"héllo", "wörld"}},
	} {
		got := wrap(c.in, c.width)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}

// Many peers: columns stay at least minColW wide; rows grow wider than
// the terminal rather than unreadable.
func TestTextManyPeers(t *testing.T) {
	var peers []int
	var log strings.Builder
	for p := range 20 {
		peers = append(peers, p)
		fmt.Fprintf(&log, "%06d VOTE S%d T1 message of peer %d\n", p, p, p)
	}
	v := View{Peers: peers, Width: 80}
	if colW := v.layout().colW; colW != minColW {
		t.Errorf("20 peers in 80 columns: column width %d, want %d", colW, minColW)
	}
	checkColumns(t, v, log.String(), render(t, v, log.String()))
}

// The real logs in testdata: a passing test's go test -v output with
// RAFTLAB_DEBUG=1, and a failure log the runner kept (a run timed out:
// its header, debug lines, a goroutine dump, the result).
func TestTextRealLogs(t *testing.T) {
	for _, name := range []string{"testdata/pass.log", "testdata/timeout.log"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		peers, err := ScanPeers(strings.NewReader(string(data)))
		if err != nil || fmt.Sprint(peers) != "[0 1 2]" {
			t.Fatalf("%s: ScanPeers = %v, %v; want [0 1 2]", name, peers, err)
		}
		for _, v := range []View{
			{Peers: peers, Width: 120},
			{Peers: peers, Width: 60},
			{Peers: []int{2, 0}, Width: 100, Filter: Filter{Peers: []int{0, 2}, Hide: []string{"PERSIST"}, Terms: Range{Lo: 1, HasLo: true}}},
		} {
			out := render(t, v, string(data))
			if n := checkColumns(t, v, string(data), out); n < 5 {
				t.Errorf("%s, view %+v: only %d debug lines in columns:\n%s", name, v, n, out)
			}
		}
	}
}
