package logview

// Reading a log line by line in bounded memory, whatever it holds.

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strconv"
)

// MaxLine is the longest line kept whole, in bytes. The rest of a longer
// line is read and dropped, and the line ends with a note of how much went
// (" … [N bytes cut]"), so a file with no newline at all (binary junk, a
// core dump) costs MaxLine bytes of memory, not its size.
const MaxLine = 64 << 10

// Reader reads a log's lines, cleaned and classified. A last line without a
// newline (a log cut short) is a line like the others.
type Reader struct {
	br  *bufio.Reader
	p   Parser
	err error
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, MaxLine)}
}

// Next returns the next line; false at the end of the input or after a
// read error, which Err then returns.
func (r *Reader) Next() (Line, bool) {
	raw, cut, ok := r.readRaw()
	if !ok {
		return Line{}, false
	}
	l := r.p.Parse(Clean(raw))
	if cut > 0 {
		l.Cut = cut
		l.Text += " … [" + strconv.FormatInt(cut, 10) + " bytes cut]"
		if l.Kind == Debug {
			l.Msg += " … [" + strconv.FormatInt(cut, 10) + " bytes cut]"
		}
	}
	return l, true
}

// Err returns the read error that ended Next, nil at a clean end of input.
func (r *Reader) Err() error {
	if errors.Is(r.err, io.EOF) {
		return nil
	}
	return r.err
}

// Buffered reports how many bytes can be read without waiting for the
// input: a caller that streams (a pipe from a running test) flushes its
// output when this is 0, before Next may block.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// readRaw returns the next raw line without its newline, at most MaxLine
// bytes of it, and how many more bytes the line had.
func (r *Reader) readRaw() (line []byte, cut int64, ok bool) {
	if r.err != nil {
		return nil, 0, false
	}
	b, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// b is the whole buffer, MaxLine bytes: keep them (the next
		// ReadSlice overwrites b) and drop the rest of the line.
		line = slices.Clone(b)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = r.br.ReadSlice('\n')
			cut += int64(len(b))
		}
		if len(b) > 0 && b[len(b)-1] == '\n' {
			cut--
		}
	} else {
		line = b
	}
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		r.err = io.EOF // end: the next call stops
		if len(line) == 0 && cut == 0 {
			return nil, 0, false
		}
	default:
		r.err = err
		if len(line) == 0 && cut == 0 {
			return nil, 0, false
		}
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	return line, cut, true
}
