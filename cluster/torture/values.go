package torture

import (
	"bufio"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"

	"raftlab/cluster/node"
)

// The values the clients write, and how a read's value is checked.
//
// A write's token, "client.seq" in base 36, is used by no other write. An
// append writes "token;", and so does a put unless Config.MaxValue is set.
// With MaxValue, a put writes a big value of size bytes (1 to MaxValue,
// raised to the shortest that holds its header):
//
//	token/size FILLER ;   (no spaces)
//
// size in decimal is the value's whole length, and the filler, in 'A' to
// 'P', is drawn from a generator seeded with the token's hash, so the
// token and the size determine every byte. The history keeps a big value
// as its compact form "token/size;", never its bytes. A read's value is
// checked as it arrives, a segment (up to a ';') at a time, one segment's
// bytes at most in memory: a big value whose length, end or filler is not
// what its header says is damage, and stands in the compact form as a
// description no write has ("<...>;"). The compact forms of the values the
// cluster can hold (whole writes, concatenated) map one to one to their
// bytes, so checking the compact history (linearizability, lost and
// doubled writes) is checking the bytes; a damaged value is a value no
// client wrote, and fails the run.
const (
	// fillerFirst is the filler's first letter; it uses 16 from there,
	// none of them a token's character, a digit, '/' or ';'.
	fillerFirst = 'A'
	// plainKeep is the longest segment without a header kept as it is
	// (a token, or something a write never made: a finding either way).
	plainKeep = 64
	// maxSegment bounds the bytes of one segment held while it is
	// checked: no write is longer, as a node refuses a longer body.
	maxSegment = node.MaxValue
	// maxBody bounds a read's value: a key's value is at most MaxValue
	// plus the tokens of the appends after its last put.
	maxBody = 64 << 20
)

// Bounds of Config.MaxValue.
const (
	MinMaxValue = 64
	MaxMaxValue = node.MaxValue
)

// bigValue returns the value of about size bytes that a put with token
// writes (bigValueSize says exactly how many), and its compact form.
func bigValue(token string, size int) ([]byte, string) {
	size = bigValueSize(token, size)
	header := token + "/" + strconv.Itoa(size)
	v := make([]byte, size)
	copy(v, header)
	f := newFiller(token)
	for i := len(header); i < size-1; i++ {
		v[i] = f.next()
	}
	v[size-1] = ';'
	return v, header + ";"
}

// bigValueSize is size, or the shortest length that holds token's header
// and the final ';' if size is shorter.
func bigValueSize(token string, size int) int {
	n := max(size, len(token)+3) // token, '/', a digit, ';'
	for n < len(token)+len(strconv.Itoa(n))+2 {
		n++
	}
	return n
}

// filler draws the filler of a token's big value, 4 bits at a time.
type filler struct {
	pcg  *rand.PCG
	bits uint64
	left int // 4-bit draws left in bits
}

func newFiller(token string) *filler {
	h := fnv.New64a()
	h.Write([]byte(token))
	s := h.Sum64()
	return &filler{pcg: rand.NewPCG(s, s^0x9e3779b97f4a7c15)}
}

func (f *filler) next() byte {
	if f.left == 0 {
		f.bits, f.left = f.pcg.Uint64(), 16
	}
	b := fillerFirst + byte(f.bits&15)
	f.bits >>= 4
	f.left--
	return b
}

// readResult is a read's value as the history keeps it.
type readResult struct {
	compact string   // the value with each big value in its compact form
	n       int      // bytes read
	damaged []string // what is wrong with each segment that is damage
}

// readValue reads a get's value from r as it arrives, a segment at a
// time in *seg (reused across calls), and returns its compact form. An
// error is a read that broke off (the caller retries it).
func readValue(r io.Reader, seg *[]byte) (readResult, error) {
	var res readResult
	var compact strings.Builder
	br := bufio.NewReaderSize(io.LimitReader(r, maxBody), 64<<10)
	*seg = (*seg)[:0]
	n := 0 // the segment's length, beyond what *seg keeps too
	for {
		chunk, err := br.ReadSlice(';')
		n += len(chunk)
		res.n += len(chunk)
		if keep := min(len(chunk), maxSegment+1-len(*seg)); keep > 0 {
			*seg = append(*seg, chunk[:keep]...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && err != io.EOF:
			return res, err
		}
		ended := err == nil // closed by its ';'
		if n > 0 {
			c, damage := checkSegment(*seg, n, ended)
			compact.WriteString(c)
			if damage != "" {
				res.damaged = append(res.damaged, damage)
			}
		}
		if !ended {
			res.compact = compact.String()
			return res, nil
		}
		*seg, n = (*seg)[:0], 0
	}
}

// checkSegment judges one segment of a read's value: seg holds its first
// bytes (all of them up to maxSegment), n is its length, ended says it
// ends with its ';'. It returns what the compact value holds for it, and
// what is wrong with it if it is damage: a big value that is not whole, or
// a long run of bytes that is no value at all.
func checkSegment(seg []byte, n int, ended bool) (compact, damage string) {
	token, size, hlen, ok := parseHeader(seg)
	if !ok {
		if n <= plainKeep {
			return string(seg), "" // a token, or as a checker of tokens sees it
		}
		damage = fmt.Sprintf("%q… (%d bytes, no value's header)", seg[:24], n)
		return "<" + damage + ">;", damage
	}
	switch {
	case n != size || !ended: // cut short, grown, or run into the next
		end := ""
		if !ended {
			end = ", without its final separator" // no ';' in a stand-in
		}
		damage = fmt.Sprintf("%s/%d read as %d bytes%s", token, size, n, end)
	default:
		f := newFiller(token)
		for i := hlen; i < n-1; i++ {
			if want := f.next(); seg[i] != want {
				damage = fmt.Sprintf("%s/%d with %q at byte %d where its filler has %q", token, size, seg[i], i, want)
				break
			}
		}
	}
	if damage != "" {
		return "<" + damage + ">;", damage
	}
	return string(seg[:hlen]) + ";", ""
}

// parseHeader reads a big value's header, "token/size": the token, the
// size, and the header's length. ok is false for a segment without one.
func parseHeader(seg []byte) (token string, size, hlen int, ok bool) {
	i := 0
	for i < len(seg) && isTokenByte(seg[i]) {
		i++
	}
	if i == 0 || i == len(seg) || seg[i] != '/' {
		return "", 0, 0, false
	}
	j := i + 1
	for j < len(seg) && j-i <= 8 && '0' <= seg[j] && seg[j] <= '9' {
		j++
	}
	size, err := strconv.Atoi(string(seg[i+1 : j]))
	if err != nil || size == 0 {
		return "", 0, 0, false
	}
	return string(seg[:i]), size, j, true
}

// isTokenByte reports whether b may be in a token: base-36 digits and '.'.
func isTokenByte(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || b == '.'
}
