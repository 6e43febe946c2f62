package disk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The rule a wal's tail is read by (doc.go, "Crashes and damage"): a tail
// cut short, or zeros to the end of the file, is a torn append and is
// dropped; anything else that does not check out, the last record
// included, is damage, and Open refuses, touching nothing.

// walStore makes a store in a new directory: a base, then n appends of
// different shapes after it. It returns the directory and the model after
// each prefix of the appends (models[0]: the base alone).
func walStore(t testing.TB, n int, salt string) (string, []model) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "node")
	s, _, _, _ := open(t, dir)
	m := model{}
	m.save([]byte("HEADER00 state of "+salt), []byte("snapshot of "+salt))
	if err := s.Save(m.state, m.snapshot); err != nil {
		t.Fatal(err)
	}
	models := []model{m}
	for i := range n {
		header := []byte(fmt.Sprintf("H%07d", i))
		keep := max(len(header), len(m.state)-i%3) // sometimes cutting the log a little
		tail := []byte(fmt.Sprintf("entry %d of %s;", i, salt))
		if err := s.Append(header, keep, tail); err != nil {
			t.Fatal(err)
		}
		m.state = bytes.Clone(m.state)
		m.append(header, keep, tail)
		models = append(models, m)
	}
	s.Close()
	return dir, models
}

// walRecords returns the wal in store dir, whose records must all check
// out: its bytes, its records, and where each starts (and, last, the end).
func walRecords(t testing.TB, dir string) ([]byte, []record, []int) {
	t.Helper()
	b := readFile(t, filepath.Join(dir, walName))
	base, err := decodeBase(readFile(t, filepath.Join(dir, baseName)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := decodeWalHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	r := &walReader{b: b, version: h.version, off: walHeaderSize, sum: chainSeed(base.sum, h.sum)}
	var recs []record
	offs := []int{r.off}
	for {
		rec, err := r.next()
		if err == io.EOF {
			return b, recs, offs
		}
		if err != nil {
			t.Fatalf("wal of %s: %v", dir, err)
		}
		recs, offs = append(recs, rec), append(offs, r.off)
	}
}

// recordOffsets returns where each record of the wal in store dir starts,
// and, last, its end.
func recordOffsets(t testing.TB, dir string) []int {
	t.Helper()
	_, _, offs := walRecords(t, dir)
	return offs
}

// copyDir copies the files of store dir to a new directory.
func copyDir(t testing.TB, dir string) string {
	t.Helper()
	cp := filepath.Join(t.TempDir(), "copy")
	if err := os.Mkdir(cp, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, b := range dirFiles(t, dir) {
		if err := os.WriteFile(filepath.Join(cp, name), []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cp
}

// dirFiles returns the name and contents of every file in dir.
func dirFiles(t testing.TB, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		files[e.Name()] = string(readFile(t, filepath.Join(dir, e.Name())))
	}
	return files
}

// refused checks that Open of dir returns a *CorruptError naming its wal
// at offset at, logs nothing and leaves the files as they were.
func refused(t *testing.T, what, dir string, at int) *CorruptError {
	t.Helper()
	files := dirFiles(t, dir)
	l := &logs{}
	s, state, _, err := Open(dir, l.logf)
	if err == nil {
		s.Close()
		t.Fatalf("%s: Open succeeded with state %q, want a *CorruptError", what, abbrev(state))
	}
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: Open: %v, want a *CorruptError", what, err)
	}
	if wal := filepath.Join(dir, walName); ce.File != wal || ce.Offset != int64(at) {
		t.Fatalf("%s: the error names %s at offset %d, want %s at %d: %v", what, ce.File, ce.Offset, wal, at, err)
	}
	if len(l.lines) != 0 {
		t.Fatalf("%s: Open refused, and logged %q", what, l.lines)
	}
	after := dirFiles(t, dir)
	if len(after) != len(files) {
		t.Fatalf("%s: Open refused, and the directory holds %d files instead of %d", what, len(after), len(files))
	}
	for name, b := range files {
		if after[name] != b {
			t.Fatalf("%s: Open refused, and changed %s", what, name)
		}
	}
	return ce
}

// repaired checks that Open of dir, whose wal is whole bytes and a torn
// tail, returns want, says so in one line, and cuts the wal back to whole.
func repaired(t *testing.T, what, dir string, whole []byte, want model) {
	t.Helper()
	wal := filepath.Join(dir, walName)
	torn := len(readFile(t, wal)) - len(whole)
	s, state, snap, l := open(t, dir)
	s.Close()
	check(t, what, state, snap, want)
	line := fmt.Sprintf("%s: dropped %d bytes at offset %d, a record torn by a crash during an append", wal, torn, len(whole))
	if len(l.lines) != 1 || !strings.Contains(l.lines[0], line) {
		t.Fatalf("%s: log %q, want one line saying %q", what, l.lines, line)
	}
	if got := readFile(t, wal); !bytes.Equal(got, whole) {
		t.Fatalf("%s: the wal is %d bytes after Open, want it cut back to the %d of its whole records", what, len(got), len(whole))
	}
}

// Every byte of the last record, fsynced and so perhaps acknowledged (a
// vote, an entry), changed in turn: Open refuses every time, at that
// record, and changes nothing. A crash cannot put these bytes there: the
// record is as long as it says, and not zeros.
func TestDamagedLastRecordStopsOpen(t *testing.T) {
	src, _ := walStore(t, 4, "a")
	offs := recordOffsets(t, src)
	start := offs[len(offs)-2]
	whole := readFile(t, filepath.Join(src, walName))
	dir := copyDir(t, src)
	wal := filepath.Join(dir, walName)
	for at := start; at < len(whole); at++ {
		for _, mask := range []byte{0xff, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80} {
			bad := bytes.Clone(whole)
			bad[at] ^= mask
			if err := os.WriteFile(wal, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			refused(t, fmt.Sprintf("byte %d of the last record (at %d) xor %#02x", at-start, start, mask), dir, start)
		}
	}
}

// The file system grew the wal but never wrote the append's bytes: zeros
// after the last whole record, of any length, are dropped.
func TestZeroFilledTailIsDropped(t *testing.T) {
	src, models := walStore(t, 4, "a")
	offs := recordOffsets(t, src)
	whole := readFile(t, filepath.Join(src, walName))
	record := offs[len(offs)-1] - offs[len(offs)-2]
	for _, n := range []int{1, 4, 8, frameSize - 1, frameSize, frameSize + 1, record - 1, record, record + 1, 3*record + 5, 4096, 8192 + 3} {
		dir := copyDir(t, src)
		wal := filepath.Join(dir, walName)
		if err := os.WriteFile(wal, append(bytes.Clone(whole), make([]byte, n)...), 0o600); err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("%d zero bytes after the last record", n)
		repaired(t, what, dir, whole, models[len(models)-1])
		// The chain goes on after the cut.
		s, _, _, _ := open(t, dir)
		if err := s.Append([]byte("H-after!"), 8, []byte("after")); err != nil {
			t.Fatal(err)
		}
		s.Close()
		want := models[len(models)-1]
		want.state = bytes.Clone(want.state)
		want.append([]byte("H-after!"), 8, []byte("after"))
		_, state, snap, _ := open(t, dir)
		check(t, what+", then an append", state, snap, want)
	}
}

// The first bytes of an append there, and zeros after them to its whole
// length (the file system grew the file, and wrote only part of it): the
// record is as long as it says, and not all zeros, so the rule cannot
// tell it from an acknowledged record damaged, and refuses it.
func TestPartlyZeroedLastRecordStopsOpen(t *testing.T) {
	src, models := walStore(t, 4, "a")
	offs := recordOffsets(t, src)
	start := offs[len(offs)-2]
	whole := readFile(t, filepath.Join(src, walName))
	for cut := start + 1; cut < len(whole); cut++ {
		bad := append(bytes.Clone(whole[:cut]), make([]byte, len(whole)-cut)...)
		what := fmt.Sprintf("the last record's first %d bytes, then zeros", cut-start)
		dir := copyDir(t, src)
		os.WriteFile(filepath.Join(dir, walName), bad, 0o600)
		switch {
		case bytes.Equal(bad, whole):
			// The record ends in zeros anyway.
		case allZero(bad[start:]):
			// The first bytes of a length are zeros: zeros to the end.
			repaired(t, what, dir, whole[:start], models[len(models)-2])
		default:
			refused(t, what, dir, start)
		}
	}
}

// The torn-or-damaged rule, case by case, on the bytes after a wal's
// whole records, and on records whole but out of place.
func TestTailRule(t *testing.T) {
	src, models := walStore(t, 4, "a")
	offs := recordOffsets(t, src) // 4 records: offs[0..3], and the end
	whole := readFile(t, filepath.Join(src, walName))
	rec := func(i int) []byte { return whole[offs[i]:offs[i+1]] }
	end := len(whole)
	next := appendedRecord(t, src, whole) // what the next append writes
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	flip := func(b []byte, at int) []byte { b = bytes.Clone(b); b[at] ^= 0x04; return b }
	frame := func(n uint32, sumOK bool, rest []byte) []byte {
		f := binary.BigEndian.AppendUint32(nil, n)
		sum := checksum(f)
		if !sumOK {
			sum ^= 1
		}
		return cat(binary.BigEndian.AppendUint32(f, sum), rest)
	}
	_, recs, _ := walRecords(t, src)
	last := recs[3]
	misLinked, _ := encodeRecord(5, 0xdeadbeef, last.header, int(last.keep), last.tail)

	// The same history in another store: the same generation, another base.
	other, _ := walStore(t, 4, "b")
	otherWal := readFile(t, filepath.Join(other, walName))
	otherOffs := recordOffsets(t, other)
	// Record 1 of this store's wal of the generation before (the one Open
	// made empty, with a record added).
	older := filepath.Join(t.TempDir(), "older")
	s, _, _, _ := open(t, older)
	s.Append(nil, 0, []byte("older"))
	s.Close()
	olderWal := readFile(t, filepath.Join(older, walName))

	const torn, damage = "torn", "damage"
	for _, c := range []struct {
		name   string
		wal    []byte
		want   string
		at     int    // for damage, where the error points
		reason string // for damage, part of the error's reason
	}{
		{name: "the next record's first byte", wal: cat(whole, next[:1]), want: torn},
		{name: "the next record's first 11 bytes (its frame cut short)", wal: cat(whole, next[:frameSize-1]), want: torn},
		{name: "11 bytes of 0xff (a frame cut short: fewer bytes than any record)", wal: cat(whole, bytes.Repeat([]byte{0xff}, frameSize-1)), want: torn},
		{name: "the next record but its last byte", wal: cat(whole, next[:len(next)-1]), want: torn},
		{name: "the next record's frame alone", wal: cat(whole, next[:frameSize]), want: torn},
		{name: "a length that matches its checksum, running past the end", wal: cat(whole, frame(uint32(len(next))+100, true, next[4:])), want: torn},
		{name: "5 zeros", wal: cat(whole, make([]byte, 5)), want: torn},
		{name: "zeros longer than a record", wal: cat(whole, make([]byte, 3*len(next))), want: torn},

		{name: "a damaged length, the file ending inside the payload", wal: cat(whole, flip(next[:frameSize+5], 1)), want: damage, at: end, reason: "length field does not match its checksum"},
		{name: "a damaged length running past the end", wal: cat(whole, frame(0x00ffffff, false, next[4:])), want: damage, at: end, reason: "length field"},
		{name: "a damaged length, then zeros", wal: cat(whole, flip(next[:4], 3), make([]byte, 40)), want: damage, at: end, reason: "length field"},
		{name: "a length over 1 GiB that matches its checksum", wal: cat(whole, frame(maxPayload+1, true, next[4:])), want: damage, at: end, reason: "outside"},
		{name: "a length under a payload's fixed part that matches its checksum", wal: cat(whole, frame(3, true, next[4:])), want: damage, at: end, reason: "outside"},
		{name: "the next record whole, its checksum damaged", wal: cat(whole, flip(next, 9)), want: damage, at: end, reason: "payload does not match"},
		{name: "the next record whole, its last byte damaged", wal: cat(whole, flip(next, len(next)-1)), want: damage, at: end, reason: "payload does not match"},
		{name: "the next record's first 20 bytes, then zeros to its length", wal: cat(whole, next[:20], make([]byte, len(next)-20)), want: damage, at: end, reason: "payload does not match"},
		{name: "zeros, then a byte that is not", wal: cat(whole, make([]byte, 30), []byte{1}), want: damage, at: end, reason: "length field"},

		{name: "the last record twice", wal: cat(whole, rec(3)), want: damage, at: end, reason: "numbered 4 where 5 comes next"},
		{name: "the first record again at the end", wal: cat(whole, rec(0)), want: damage, at: end, reason: "numbered 1 where 5"},
		{name: "the next record numbered right but linked wrong", wal: cat(whole, misLinked), want: damage, at: end, reason: "links to deadbeef"},
		{name: "the last two records swapped", wal: cat(whole[:offs[2]], rec(3), rec(2)), want: damage, at: offs[2], reason: "numbered 4 where 3"},
		{name: "a record left out", wal: cat(whole[:offs[1]], rec(2), rec(3)), want: damage, at: offs[1], reason: "numbered 3 where 2"},
		{name: "the wal of another store of the same generation", wal: otherWal, want: damage, at: walHeaderSize, reason: "links to"},
		{name: "the other store's last record after this one's", wal: cat(whole, otherWal[otherOffs[3]:]), want: damage, at: end, reason: "numbered 4 where 5"},
		{name: "record 1 of the generation before, in place of record 1", wal: cat(whole[:walHeaderSize], olderWal[walHeaderSize:]), want: damage, at: walHeaderSize, reason: "links to"},
	} {
		dir := copyDir(t, src)
		if err := os.WriteFile(filepath.Join(dir, walName), c.wal, 0o600); err != nil {
			t.Fatal(err)
		}
		switch c.want {
		case torn:
			repaired(t, c.name, dir, whole, models[4])
		case damage:
			if ce := refused(t, c.name, dir, c.at); !strings.Contains(ce.Reason, c.reason) {
				t.Fatalf("%s: the error says %q, want it to say %q", c.name, ce.Reason, c.reason)
			}
		}
	}
}

// A failed write or sync leaves the wal's end unknown: no later Append is
// written after it, until a Save replaces the wal.
func TestAppendAfterAFailureFails(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	if err := s.Save([]byte("HEADER00"), nil); err != nil {
		t.Fatal(err)
	}
	s.wal.Close() // the write fails
	if err := s.Append([]byte("HEADER01"), 8, []byte("lost")); err == nil {
		t.Fatal("Append on a closed file succeeded")
	}
	f, err := os.OpenFile(filepath.Join(dir, walName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.wal = f // a good file again: the store must still refuse
	if err := s.Append([]byte("HEADER02"), 8, []byte("after")); err == nil {
		t.Fatal("Append after a failed one succeeded")
	}
	if err := s.Save([]byte("HEADER03 saved"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Append([]byte("HEADER04"), 14, []byte(" more")); err != nil {
		t.Fatalf("Append after a Save: %v", err)
	}
	s.Close()
	_, state, _, _ := open(t, dir)
	if string(state) != "HEADER04 saved more" {
		t.Fatalf("state %q, want %q", state, "HEADER04 saved more")
	}
}
