package logview

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll returns every line of s.
func readAll(t *testing.T, r io.Reader) []Line {
	t.Helper()
	rd := NewReader(r)
	var lines []Line
	for {
		l, ok := rd.Next()
		if !ok {
			break
		}
		lines = append(lines, l)
	}
	if err := rd.Err(); err != nil {
		t.Fatalf("Err() = %v after reading %d lines", err, len(lines))
	}
	return lines
}

func TestReaderLinesAndLastLineWithoutNewline(t *testing.T) {
	lines := readAll(t, strings.NewReader("=== RUN   TestX\r\n000001 VOTE S0 T1 a\n\n000002 VOTE S1 T1 cut sho"))
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4: %+v", len(lines), lines)
	}
	if lines[0].Text != "=== RUN   TestX" || lines[1].Kind != Debug || lines[2].Text != "" {
		t.Errorf("lines: %+v", lines)
	}
	if l := lines[3]; l.Kind != Debug || l.Peer != 1 || l.Msg != "cut sho" {
		t.Errorf("a last line without a newline: %+v, want the debug line of S1 as far as it goes", l)
	}
	// A last line cut inside its fields is text.
	lines = readAll(t, strings.NewReader("000001 VOTE S0 T1 a\n000002 VO"))
	if len(lines) != 2 || lines[1].Kind != Text || lines[1].Text != "000002 VO" {
		t.Errorf("a log cut inside a debug line's fields: %+v", lines)
	}
	if lines := readAll(t, strings.NewReader("")); len(lines) != 0 {
		t.Errorf("empty input: %d lines", len(lines))
	}
}

// A line longer than MaxLine keeps MaxLine bytes and says how many went;
// the next line is read as usual.
func TestReaderHugeLine(t *testing.T) {
	huge := strings.Repeat("x", 3*MaxLine+5)
	lines := readAll(t, iotest.HalfReader(strings.NewReader(huge+"\n000001 VOTE S0 T1 next\n"+huge)))
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	for _, i := range []int{0, 2} {
		want := strings.Repeat("x", MaxLine) + " … [131077 bytes cut]"
		if lines[i].Text != want || lines[i].Cut != 2*MaxLine+5 {
			t.Errorf("line %d: %d bytes, cut %d, ends %q; want MaxLine bytes and the note",
				i, len(lines[i].Text), lines[i].Cut, lines[i].Text[max(0, len(lines[i].Text)-30):])
		}
	}
	if l := lines[1]; l.Kind != Debug || l.Msg != "next" {
		t.Errorf("the line after a huge one: %+v", l)
	}
}

func TestReaderReportsReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	rd := NewReader(io.MultiReader(strings.NewReader("000001 VOTE S0 T1 a\npartial"), iotest.ErrReader(boom)))
	var n int
	for _, ok := rd.Next(); ok; _, ok = rd.Next() {
		n++
	}
	if n != 2 || !errors.Is(rd.Err(), boom) {
		t.Errorf("%d lines then Err() = %v; want 2 lines (the partial one too) and %v", n, rd.Err(), boom)
	}
}
