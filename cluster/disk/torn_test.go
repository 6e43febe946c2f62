package disk

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// A torn copy holds what its source held plus the first bytes of the
// record the next append would write: Open on it drops those bytes, says
// so, and returns the source's state; the source is untouched.
func TestTornCopyRecoversTheSource(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	s, _, _, _ := open(t, src)
	var m model
	history(t, s, &m, 20) // ends with appends after the last save
	s.Close()
	before := readFile(t, filepath.Join(src, walName))

	// What the next append, one like the last, writes: the bytes a crash
	// would have cut.
	next := appendedRecord(t, src, before)
	for _, cut := range []int{0, 1, 5, 12, 13, 1 << 20} {
		dst := filepath.Join(t.TempDir(), "copy")
		torn, err := TornCopy(src, dst, cut)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if want := min(max(cut, 1), len(next)-1); torn != want {
			t.Fatalf("cut %d: %d bytes torn, want %d", cut, torn, want)
		}
		if got := readFile(t, filepath.Join(dst, walName)); !bytes.Equal(got, append(bytes.Clone(before), next[:torn]...)) {
			t.Fatalf("cut %d: the copy's wal is not the source's and the first %d bytes of the next record", cut, torn)
		}
		c, state, snap, l := open(t, dst)
		check(t, "the torn copy", state, snap, m)
		c.Close()
		if !strings.Contains(strings.Join(l.lines, "\n"), "a record torn by a crash") {
			t.Fatalf("cut %d: the copy's Open did not say it dropped a torn record: %q", cut, l.lines)
		}
	}
	if after := readFile(t, filepath.Join(src, walName)); !bytes.Equal(after, before) {
		t.Fatal("TornCopy changed its source")
	}
	if _, err := TornCopy(src, src, 3); err == nil {
		t.Fatal("TornCopy onto an existing directory did not fail")
	}
}

// appendedRecord returns the record that one more append like the last
// one of wal bytes b (in store dir) writes, by making it in a copy of dir.
func appendedRecord(t *testing.T, dir string, b []byte) []byte {
	t.Helper()
	_, recs, _ := walRecords(t, dir)
	if len(recs) == 0 {
		t.Fatal("the wal holds no record")
	}
	last := recs[len(recs)-1]
	cp := copyDir(t, dir)
	s, _, _, _ := open(t, cp)
	if err := s.Append(last.header, int(last.keep), last.tail); err != nil {
		t.Fatal(err)
	}
	s.Close()
	after := readFile(t, filepath.Join(cp, walName))
	if !bytes.HasPrefix(after, b) {
		t.Fatal("an append changed the bytes before it")
	}
	return after[len(b):]
}

// A wal with no record to imitate gives a plain copy.
func TestTornCopyOfAnEmptyWal(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	s, _, _, _ := open(t, src)
	if err := s.Save([]byte("state"), []byte("snap")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	dst := filepath.Join(t.TempDir(), "copy")
	torn, err := TornCopy(src, dst, 10)
	if err != nil || torn != 0 {
		t.Fatalf("TornCopy = %d, %v; want 0, nil", torn, err)
	}
	_, state, snap, _ := open(t, dst)
	check(t, "the copy", state, snap, model{state: []byte("state"), snapshot: []byte("snap")})
}
