package logview

// The terminal view: a column per peer, the time and topic at the left,
// every other line across the full width.

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	timeW   = 7 // the time field: 6 digits as debug.go pads them, and a space to grow into
	topicW  = 8 // SNAPSHOT; a longer topic is cut to this in the gutter
	gutterW = timeW + 1 + topicW + 1
	// minColW is the narrowest a peer column gets: with more peers than fit,
	// rows are wider than the terminal rather than unreadable.
	minColW = 12
	// minWidth is the narrowest terminal the layout assumes.
	minWidth = 40
	// DefaultWidth is the width when none is given and none can be found
	// (output to a pipe or a file).
	DefaultWidth = 120
)

// layout places the columns: each peer's starts colW*i after the gutter
// and holds colW-1 runes of its message per row.
type layout struct {
	colW int
}

func (v *View) layout() layout {
	w := max(v.Width, minWidth)
	n := max(len(v.Peers), 1)
	return layout{colW: max((w-gutterW)/n, minColW)}
}

// WriteText writes the view of the log r to w, for a terminal: a header
// row naming the peer columns, then each line that passes the filter,
// wrapped within its column. It stops at the first read or write error.
func (v *View) WriteText(w io.Writer, r io.Reader) error {
	bw := bufio.NewWriter(w)
	lay := v.layout()
	// The header row goes before the first row in a column, and again
	// after a stretch of full-width lines (a goroutine dump) long enough
	// to have scrolled it away.
	fullRun := headerAgain
	rd := NewReader(r)
	for {
		l, ok := rd.Next()
		if !ok {
			break
		}
		if v.Filter.Keep(l) {
			if v.inColumn(l) {
				if fullRun >= headerAgain {
					v.textHeader(bw, lay)
				}
				fullRun = 0
			} else {
				fullRun++
			}
			v.textLine(bw, lay, l)
		}
		// Before a read that may wait (a pipe from a running test), show
		// what there is.
		if rd.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return rd.Err()
}

// headerAgain is how many full-width lines in a row bring the header row
// back before the next row in a column.
const headerAgain = 10

// textHeader writes the row naming the columns.
func (v *View) textHeader(w *bufio.Writer, lay layout) {
	var b strings.Builder
	b.WriteString(pad("time", timeW+1))
	b.WriteString(pad("topic", topicW+1))
	for i, p := range v.Peers {
		name := "S" + strconv.Itoa(p)
		if i < len(v.Peers)-1 {
			name = pad(name, lay.colW)
		}
		b.WriteString(name)
	}
	w.WriteString(v.paint("1", b.String()))
	w.WriteByte('\n')
}

// textLine writes one line of the log.
func (v *View) textLine(w *bufio.Writer, lay layout, l Line) {
	if !v.inColumn(l) {
		v.fullWidth(w, l)
		return
	}
	c := topicColour(l.Topic)
	cell := "T" + strconv.FormatInt(l.Term, 10)
	if l.Msg != "" {
		cell += " " + l.Msg
	}
	indent := strings.Repeat(" ", v.column(l.Peer)*lay.colW)
	for i, part := range wrap(cell, lay.colW-1) {
		if i == 0 {
			topic := l.Topic
			if len(topic) > topicW {
				topic = topic[:topicW]
			}
			// A time too long for its field (a run of hours) pushes the
			// row right rather than run into the topic.
			w.WriteString(pad(fmt.Sprintf("%06d", l.Time), timeW) + " ")
			w.WriteString(v.paint(c.sgr, pad(topic, topicW+1)))
		} else {
			w.WriteString(strings.Repeat(" ", gutterW))
		}
		w.WriteString(indent)
		w.WriteString(v.paint(c.sgr, part))
		w.WriteByte('\n')
	}
}

// fullWidth writes a line that has no column: the node prefix, if any, and
// the text, in the colour of its kind (a debug line of a peer without a
// column: of its topic).
func (v *View) fullWidth(w *bufio.Writer, l Line) {
	text := l.Text
	if l.Node != "" {
		text = "[" + l.Node + "] " + text
	}
	sgr := kindColours[l.Kind].sgr
	switch {
	case l.Kind == Debug:
		sgr = topicColour(l.Topic).sgr
	case l.Kind == Node && strings.Contains(l.Text, "level=ERROR"):
		sgr = kindColours[Fail].sgr
	case l.Kind == Node && strings.Contains(l.Text, "level=WARN"):
		sgr = "33"
	}
	w.WriteString(v.paint(sgr, text))
	w.WriteByte('\n')
}

// paint wraps s in the ANSI colour sgr when the view has colour.
func (v *View) paint(sgr, s string) string {
	if !v.Color || sgr == "" || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

// wrap breaks s into rows of at most width runes, at spaces where it can,
// inside a word longer than a row where it must. It returns at least one
// row.
func wrap(s string, width int) []string {
	width = max(width, 1)
	var rows []string
	var row []rune
	for _, word := range strings.Fields(s) {
		wr := []rune(word)
		switch {
		case len(row) == 0:
		case len(row)+1+len(wr) <= width:
			row = append(row, ' ')
		case len(wr) > width && len(row)+2 <= width:
			// Too long for any row: it starts here, as far as it goes.
			row = append(row, ' ')
		default:
			rows = append(rows, string(row))
			row = row[:0]
		}
		for len(row)+len(wr) > width {
			k := width - len(row)
			row = append(row, wr[:k]...)
			rows = append(rows, string(row))
			row, wr = row[:0], wr[k:]
		}
		row = append(row, wr...)
	}
	if len(row) > 0 || len(rows) == 0 {
		rows = append(rows, string(row))
	}
	return rows
}

// pad returns s followed by spaces to n runes (s itself if it is longer).
func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}
