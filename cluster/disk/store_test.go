package disk

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// model is what a store must hold after a sequence of saves: the
// Persister's own in-memory rule.
type model struct{ state, snapshot []byte }

func (m *model) save(state, snapshot []byte) {
	m.state, m.snapshot = bytes.Clone(state), bytes.Clone(snapshot)
}

func (m *model) append(header []byte, keep int, tail []byte) {
	m.state = append(m.state[:keep:keep], tail...)
	copy(m.state, header)
}

// logs collects a store's log lines.
type logs struct{ lines []string }

func (l *logs) logf(format string, args ...any) {
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func open(t testing.TB, dir string) (*Store, []byte, []byte, *logs) {
	t.Helper()
	l := &logs{}
	s, state, snap, err := Open(dir, l.logf)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, state, snap, l
}

func check(t testing.TB, what string, state, snap []byte, want model) {
	t.Helper()
	if !bytes.Equal(state, want.state) || !bytes.Equal(snap, want.snapshot) {
		t.Fatalf("%s: state %q snapshot %q, want %q and %q", what, abbrev(state), abbrev(snap), abbrev(want.state), abbrev(want.snapshot))
	}
}

func abbrev(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%s...(%d bytes)", b[:40], len(b))
	}
	return string(b)
}

// history runs a fixed mix of saves and appends against s and m, as Raft
// does: a header overwritten at the front, entries appended, a compaction
// now and then.
func history(t *testing.T, s *Store, m *model, rounds int) {
	t.Helper()
	for i := range rounds {
		header := []byte(fmt.Sprintf("H%07d", i))
		switch {
		case i%7 == 3:
			state := append(bytes.Clone(header), bytes.Repeat([]byte{byte('a' + i%26)}, i)...)
			snap := []byte(fmt.Sprintf("snapshot %d", i))
			if err := s.Save(state, snap); err != nil {
				t.Fatal(err)
			}
			m.save(state, snap)
		default:
			keep := max(len(header), len(m.state)-i%3) // sometimes truncating a little
			tail := []byte(fmt.Sprintf("entry %d;", i))
			if len(m.state) < len(header) {
				keep = len(m.state)
				header = header[:keep]
			}
			if err := s.Append(header, keep, tail); err != nil {
				t.Fatal(err)
			}
			m.append(header, keep, tail)
		}
	}
}

func TestNewStoreIsEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node")
	s, state, snap, _ := open(t, dir)
	if state != nil || snap != nil {
		t.Fatalf("new store holds state %q snapshot %q, want nothing", state, snap)
	}
	if s.Size() == 0 {
		t.Errorf("Size 0 for a store with a base and a wal on disk")
	}
}

func TestReopenReturnsWhatWasSaved(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	var m model
	history(t, s, &m, 50)
	s.Close()
	s2, state, snap, l := open(t, dir)
	check(t, "after reopening", state, snap, m)
	if len(l.lines) != 0 {
		t.Errorf("a clean reopen logged %q", l.lines)
	}
	// And it goes on from there.
	history(t, s2, &m, 20)
	s2.Close()
	_, state, snap, _ = open(t, dir)
	check(t, "after a second reopen", state, snap, m)
}

// A crash in the middle of an append leaves a prefix of its record. Cut
// the wal at every offset of its last record: the store opens with the
// state before that append, says so, cuts the file back to the last whole
// record, and goes on appending after the cut. (For a tail of zeros, and
// for a last record that is whole but damaged, see wal_test.go.)
func TestTornLastRecordAtEveryOffsetIsDropped(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	var m model
	history(t, s, &m, 12) // ends with appends after the save at 10
	before := m
	before.state = bytes.Clone(m.state)
	wal := filepath.Join(dir, walName)
	start := len(readFile(t, wal))
	if err := s.Append([]byte("H-last!!"), len(m.state), []byte("the last entry")); err != nil {
		t.Fatal(err)
	}
	m.append([]byte("H-last!!"), len(m.state), []byte("the last entry"))
	s.Close()
	whole := readFile(t, wal)
	for cut := start; cut <= len(whole); cut++ {
		if err := os.WriteFile(wal, whole[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		s, state, snap, l := open(t, dir)
		want := before
		if cut == len(whole) {
			want = m
		}
		check(t, fmt.Sprintf("cut at %d", cut), state, snap, want)
		if cut > start && cut < len(whole) {
			wantLog := fmt.Sprintf("dropped %d bytes at offset %d, a record torn by a crash", cut-start, start)
			if len(l.lines) != 1 || !strings.Contains(l.lines[0], wantLog) {
				t.Fatalf("cut at %d: log %q, want one line saying %q", cut, l.lines, wantLog)
			}
			if got := readFile(t, wal); !bytes.Equal(got, whole[:start]) {
				t.Fatalf("cut at %d: the wal is %d bytes after Open, want it cut back to the %d of the whole records", cut, len(got), start)
			}
		}
		if err := s.Append([]byte("H-after!"), len(state), []byte("after")); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, state, _, _ = open(t, dir)
		want.append([]byte("H-after!"), len(want.state), []byte("after"))
		check(t, fmt.Sprintf("cut at %d, then an append", cut), state, snap, want)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A bit flipped anywhere in a record that has whole records after it is
// damage, not a crash: Open refuses, naming the file and the offset, and
// changes nothing. (The last record: TestDamagedLastRecordStopsOpen.)
func TestFlippedBitInTheMiddleStopsOpen(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	if err := s.Save([]byte("HEADER00 state"), []byte("snap")); err != nil {
		t.Fatal(err)
	}
	wal := filepath.Join(dir, walName)
	var offsets []int
	for i := range 5 {
		tail := []byte(fmt.Sprintf("entry %d;", i))
		offsets = append(offsets, len(readFile(t, wal)))
		if err := s.Append([]byte("HEADER01"), 14+i*len(tail), tail); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	whole, _ := os.ReadFile(wal)
	baseBytes, _ := os.ReadFile(filepath.Join(dir, baseName))
	for rec := 0; rec < 4; rec++ {
		recEnd := offsets[rec+1]
		for at := offsets[rec]; at < recEnd; at++ {
			bad := bytes.Clone(whole)
			bad[at] ^= 0x10
			os.WriteFile(wal, bad, 0o600)
			_, _, _, err := Open(dir, nil)
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("bit flipped at %d (record %d): Open returned %v, want a *CorruptError", at, rec, err)
			}
			if ce.File != wal || ce.Offset != int64(offsets[rec]) {
				t.Fatalf("bit flipped at %d: error names %s offset %d, want %s offset %d", at, ce.File, ce.Offset, wal, offsets[rec])
			}
			if !strings.Contains(err.Error(), "restore the directory from a backup") {
				t.Fatalf("the error does not tell the operator what to do: %v", err)
			}
			after, _ := os.ReadFile(wal)
			afterBase, _ := os.ReadFile(filepath.Join(dir, baseName))
			if !bytes.Equal(after, bad) || !bytes.Equal(afterBase, baseBytes) {
				t.Fatalf("bit flipped at %d: Open changed the files", at)
			}
		}
	}
}

func TestFlippedBitInTheBaseStopsOpen(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	if err := s.Save([]byte("HEADER00 state"), []byte("snapshot")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, baseName)
	whole, _ := os.ReadFile(path)
	for at := range whole {
		bad := bytes.Clone(whole)
		bad[at] ^= 0x01
		os.WriteFile(path, bad, 0o600)
		var ce *CorruptError
		if _, _, _, err := Open(dir, nil); !errors.As(err, &ce) || ce.File != path {
			t.Fatalf("bit flipped at %d of the base: Open returned %v, want a *CorruptError naming %s", at, err, path)
		}
	}
}

// The crash windows of a Save: before the base's rename (a base.tmp left
// over: the old state stands), and between the base's rename and the wal's
// (the new base with the old wal, which is ignored).
func TestCrashDuringSave(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	var m model
	history(t, s, &m, 10)
	oldWal, _ := os.ReadFile(filepath.Join(dir, walName))
	s.Close()

	// Before the rename: a half-written base.tmp.
	os.WriteFile(filepath.Join(dir, baseName+tmpExt), []byte("RLBASE01 half"), 0o600)
	s, state, snap, l := open(t, dir)
	check(t, "with a base.tmp left over", state, snap, m)
	if _, err := os.Stat(filepath.Join(dir, baseName+tmpExt)); err == nil || len(l.lines) != 1 {
		t.Fatalf("base.tmp still there, or log %q is not one line about it", l.lines)
	}

	// Between the renames: a new base, and the wal of the base before.
	if err := s.Save([]byte("HEADER09 new state"), []byte("new snapshot")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.WriteFile(filepath.Join(dir, walName), oldWal, 0o600)
	s, state, snap, l = open(t, dir)
	check(t, "new base, old wal", state, snap, model{[]byte("HEADER09 new state"), []byte("new snapshot")})
	if len(l.lines) != 1 || !strings.Contains(l.lines[0], "generation") {
		t.Fatalf("log %q, want one line about the wal's older generation", l.lines)
	}
	if err := s.Append([]byte("HEADER10"), 18, []byte(" more")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, state, _, _ = open(t, dir)
	if string(state) != "HEADER10 new state more" {
		t.Fatalf("after an append on the replaced wal: %q", state)
	}
}

func TestWalWithoutBaseIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, walName), encodeWalHeader(1), 0o600)
	var ce *CorruptError
	if _, _, _, err := Open(dir, nil); !errors.As(err, &ce) {
		t.Fatalf("Open of a wal with no base: %v, want a *CorruptError", err)
	}
}

// A whole record that does not fit the state it follows is damage too.
func TestRecordThatDoesNotFitIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	s.Save([]byte("HEADER00"), nil)
	s.Append([]byte("HEADER00"), 100, []byte("x")) // keeps more than there is
	s.Close()
	var ce *CorruptError
	if _, _, _, err := Open(dir, nil); !errors.As(err, &ce) || !strings.Contains(ce.Reason, "keeps 100 bytes") {
		t.Fatalf("Open: %v, want a *CorruptError about the record keeping 100 bytes", err)
	}
}

// recordSyncs makes syncDir record the directories it syncs, until the
// test ends.
func recordSyncs(t *testing.T) *[]string {
	var synced []string
	real := syncDir
	syncDir = func(dir string) error {
		synced = append(synced, dir)
		return real(dir)
	}
	t.Cleanup(func() { syncDir = real })
	return &synced
}

// A new store's directory, and every directory Open made on the way to
// it, is synced into its parent before anything is written in it; every
// rename into place is followed by a sync of the store's directory.
func TestDirectoriesAreSynced(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "node")
	synced := recordSyncs(t)
	s, _, _, _ := open(t, dir)
	// The parents of node, b and a; then dir after base's and wal's renames.
	want := []string{filepath.Join(root, "a", "b"), filepath.Join(root, "a"), root, dir, dir}
	if fmt.Sprint(*synced) != fmt.Sprint(want) {
		t.Fatalf("Open of a new store synced %q, want %q", *synced, want)
	}
	*synced = nil
	if err := s.Save([]byte("state"), nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{dir, dir}; fmt.Sprint(*synced) != fmt.Sprint(want) {
		t.Fatalf("Save synced %q, want %q (after each of its two renames)", *synced, want)
	}
	s.Close()

	// A wal of the generation before, replaced on Open: one rename.
	os.WriteFile(filepath.Join(dir, walName), encodeWalHeader(1), 0o600)
	*synced = nil
	s, _, _, _ = open(t, dir)
	s.Close()
	if want := []string{dir}; fmt.Sprint(*synced) != fmt.Sprint(want) {
		t.Fatalf("Open replacing an old wal synced %q, want %q", *synced, want)
	}
}
