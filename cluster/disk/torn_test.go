package disk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A torn copy holds what its source held plus part of one more record:
// Open on it drops those bytes, says so, and returns the source's state;
// the source is untouched.
func TestTornCopyRecoversTheSource(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	s, _, _, _ := open(t, src)
	var m model
	history(t, s, &m, 20) // ends with appends after the last save
	s.Close()
	before, err := os.ReadFile(filepath.Join(src, walName))
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{0, 1, 5, 12, 13, 1 << 20} {
		dst := filepath.Join(t.TempDir(), "copy")
		torn, err := TornCopy(src, dst, cut)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		last := lastRecord(before)
		if want := min(max(cut, 1), len(last)-1); torn != want {
			t.Fatalf("cut %d: %d bytes torn, want %d", cut, torn, want)
		}
		c, state, snap, l := open(t, dst)
		check(t, "the torn copy", state, snap, m)
		c.Close()
		if !strings.Contains(strings.Join(l.lines, "\n"), "a record torn by a crash") {
			t.Fatalf("cut %d: the copy's Open did not say it dropped a torn record: %q", cut, l.lines)
		}
	}
	after, _ := os.ReadFile(filepath.Join(src, walName))
	if string(after) != string(before) {
		t.Fatal("TornCopy changed its source")
	}
	if _, err := TornCopy(src, src, 3); err == nil {
		t.Fatal("TornCopy onto an existing directory did not fail")
	}
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
