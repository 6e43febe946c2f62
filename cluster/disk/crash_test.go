package disk

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Crashes at every step of a save, the files they leave, and damage to the
// snapshot file a base names.

// crashImages makes syncDir copy store dir each time it has synced it,
// appending the copy to images, until stop: each copy is what a crash
// right after that sync (every rename into place is followed by one)
// leaves on disk.
func crashImages(t *testing.T, dir string, images *[]string) (stop func()) {
	real := syncDir
	syncDir = func(d string) error {
		err := real(d)
		if d == dir {
			*images = append(*images, copyDir(t, dir))
		}
		return err
	}
	return func() { syncDir = real }
}

// Every save, cut by a crash after each of its steps: Open returns the old
// state and snapshot up to the base's rename, the new ones from it, and
// leaves only the base, the wal and the snapshot file the base names.
func TestCrashAtEveryStepOfASave(t *testing.T) {
	newState, newSnap := []byte("HEADER09 new state"), bytes.Repeat([]byte("new snapshot "), 100)
	for _, c := range []struct {
		name  string
		steps int // directory syncs
		save  func(s *Store, m *model) error
	}{
		{"Save of a new snapshot", 3, func(s *Store, m *model) error {
			m.save(newState, newSnap)
			return s.Save(newState, newSnap)
		}},
		{"StageSnapshot, then SaveStaged", 3, func(s *Store, m *model) error {
			staged, err := s.StageSnapshot(newSnap)
			if err != nil {
				return err
			}
			m.save(newState, newSnap)
			return s.SaveStaged(newState, staged)
		}},
		{"SaveStaged(state, nil)", 2, func(s *Store, m *model) error {
			m.save(newState, m.snapshot)
			return s.SaveStaged(newState, nil)
		}},
		{"Save without a snapshot", 2, func(s *Store, m *model) error {
			m.save(newState, nil)
			return s.Save(newState, nil)
		}},
		{"StageSnapshot, then DropStaged", 1, func(s *Store, m *model) error {
			staged, err := s.StageSnapshot(newSnap)
			s.DropStaged(staged)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "node")
			s, _, _, _ := open(t, dir)
			var old model
			old.save([]byte("HEADER00 old state"), []byte("the old snapshot"))
			if err := s.Save(old.state, old.snapshot); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				tail := []byte(fmt.Sprintf(" entry %d", i))
				if err := s.Append([]byte("HEADER01"), len(old.state), tail); err != nil {
					t.Fatal(err)
				}
				old.append([]byte("HEADER01"), len(old.state), tail)
			}
			images := []string{copyDir(t, dir)} // a crash before the save began
			stop := crashImages(t, dir, &images)
			m := model{bytes.Clone(old.state), bytes.Clone(old.snapshot)}
			err := c.save(s, &m)
			stop()
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			images = append(images, copyDir(t, dir)) // after the last step
			if len(images) != c.steps+2 {
				t.Fatalf("%d crash images, want one before, one after each of %d directory syncs, one at the end", len(images), c.steps)
			}
			changed := !bytes.Equal(m.state, old.state) || !bytes.Equal(m.snapshot, old.snapshot)
			sawNew := false
			for i, img := range images {
				s, state, snap, l := open(t, img)
				s.Close()
				isOld := bytes.Equal(state, old.state) && bytes.Equal(snap, old.snapshot)
				isNew := bytes.Equal(state, m.state) && bytes.Equal(snap, m.snapshot)
				switch {
				case isNew && changed:
					sawNew = true
				case isOld && !sawNew:
				default:
					t.Fatalf("a crash after step %d: state %q snapshot %q, want the old (%q, %q) or, once the new has been seen, the new (%q, %q)",
						i, abbrev(state), abbrev(snap), abbrev(old.state), abbrev(old.snapshot), abbrev(m.state), abbrev(m.snapshot))
				}
				want := "base wal"
				if snap != nil {
					b, _ := decodeBase(readFile(t, filepath.Join(img, baseName)))
					want = "base " + snapName(b.snap.n) + " wal"
				}
				if got := names(t, img); got != want {
					t.Fatalf("a crash after step %d: the store holds %s after Open (which logged %q), want %s", i, got, l.lines, want)
				}
				_, _, _, l = open(t, img)
				if len(l.lines) != 0 {
					t.Fatalf("a crash after step %d: the second Open logged %q", i, l.lines)
				}
			}
			if sawNew != changed {
				t.Fatalf("the crash images hold the new state: %v, want %v", sawNew, changed)
			}
		})
	}
}

// What a crash leaves besides the base, the wal and the snapshot file the
// base names, Open removes, with a line each: *.tmp files of the store
// (never renamed into place), and snapshot files no base names (staged
// and never saved, or replaced and not yet removed). Files of other names
// are not the store's, and stay. The numbers found are not used again.
func TestLeftoversAreRemoved(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	var m model
	m.save([]byte("HEADER00 state"), []byte("snapshot A"))
	if err := s.Save(m.state, m.snapshot); err != nil {
		t.Fatal(err)
	}
	if err := s.Append([]byte("HEADER01"), len(m.state), []byte(" entry")); err != nil {
		t.Fatal(err)
	}
	m.append([]byte("HEADER01"), len(m.state), []byte(" entry"))
	s.Close()
	removed := map[string]string{
		snapName(7):          "snapshot file no base names",
		snapName(9) + tmpExt: "before it was complete",
		baseName + tmpExt:    "before it was complete",
		walName + tmpExt:     "before it was complete",
	}
	for name := range removed {
		os.WriteFile(filepath.Join(dir, name), []byte("left by a crash"), 0o600)
	}
	for _, name := range []string{"notes.txt", "snapshot-007", "snapshot-0", "snapshot-x.tmp"} {
		os.WriteFile(filepath.Join(dir, name), []byte("not the store's"), 0o600)
	}
	s, state, snap, l := open(t, dir)
	check(t, "with leftovers", state, snap, m)
	if len(l.lines) != len(removed) {
		t.Fatalf("Open logged %q, want a line for each of the %d leftovers", l.lines, len(removed))
	}
	for name, why := range removed {
		line := fmt.Sprintf("disk: removed %s, ", filepath.Join(dir, name))
		if !strings.Contains(strings.Join(l.lines, "\n"), line) || !strings.Contains(strings.Join(l.lines, "\n"), why) {
			t.Fatalf("Open logged %q, want a line %q... saying %q", l.lines, line, why)
		}
	}
	if got, want := names(t, dir), "base notes.txt snapshot-0 snapshot-007 snapshot-1 snapshot-x.tmp wal"; got != want {
		t.Fatalf("after Open the directory holds %s, want %s", got, want)
	}
	staged, err := s.StageSnapshot([]byte("snapshot B"))
	if err != nil {
		t.Fatal(err)
	}
	if n := stagedNumber(t, staged); n != 10 {
		t.Fatalf("the next snapshot staged is number %d, want 10, after the 9 of a leftover", n)
	}
}

// refusedSnapshot checks that Open of dir returns a *CorruptError naming
// the snapshot file path at offset at, with reason in its reason, logs
// nothing, and leaves every file as it was.
func refusedSnapshot(t *testing.T, what, dir, path string, at int64, reason string) {
	t.Helper()
	files := dirFiles(t, dir)
	l := &logs{}
	s, _, _, err := Open(dir, l.logf)
	if err == nil {
		s.Close()
		t.Fatalf("%s: Open succeeded, want a *CorruptError", what)
	}
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != path || ce.Offset != at || !strings.Contains(ce.Reason, reason) {
		t.Fatalf("%s: Open: %v; want a *CorruptError naming %s at offset %d, saying %q", what, err, path, at, reason)
	}
	if len(l.lines) != 0 {
		t.Fatalf("%s: Open refused, and logged %q", what, l.lines)
	}
	if !maps.Equal(files, dirFiles(t, dir)) {
		t.Fatalf("%s: Open refused, and changed the files", what)
	}
}

// The snapshot file a base names, missing or not what the base says: no
// crash leaves it so (it is durable before the base names it, and removed
// only once no durable base does), so it is damage. Open refuses, naming
// the file, and touches nothing: not even the leftovers of a crash.
func TestNamedSnapshotMissingOrDamagedStopsOpen(t *testing.T) {
	src := filepath.Join(t.TempDir(), "node")
	s, _, _, _ := open(t, src)
	snap := []byte("a snapshot of some forty bytes, roughly")
	if err := s.Save([]byte("HEADER00 state"), snap); err != nil {
		t.Fatal(err)
	}
	s.Append([]byte("HEADER01"), 14, []byte(" entry"))
	if _, err := s.StageSnapshot([]byte("staged, never saved")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.WriteFile(filepath.Join(src, baseName+tmpExt), []byte("RLBASE02 half"), 0o600)
	whole := readFile(t, filepath.Join(src, snapName(1)))

	try := func(what string, file []byte, at int64, reason string) {
		t.Helper()
		dir := copyDir(t, src)
		path := filepath.Join(dir, snapName(1))
		if file == nil {
			os.Remove(path)
		} else {
			os.WriteFile(path, file, 0o600)
		}
		refusedSnapshot(t, what, dir, path, at, reason)
	}
	try("the file removed", nil, 0, "missing: the base names it")
	for i := range whole {
		at, reason := int64(0), "do not match its checksum"
		switch {
		case i < 8:
			reason = "not a snapshot file"
		case i < 16:
			at, reason = 8, "says it is number"
		case i < snapHeaderSize:
			at, reason = 16, "says it holds"
		}
		try(fmt.Sprintf("byte %d flipped", i), flipByte(whole, i, 0x08), at, reason)
	}
	for cut := range len(whole) {
		at, reason := int64(cut), "the file ends at"
		if cut < snapFileFixed {
			at, reason = 0, "shorter than a snapshot file's header"
		}
		try(fmt.Sprintf("cut at %d", cut), whole[:cut], at, reason)
	}
	try("a byte added", append(bytes.Clone(whole), 0), int64(len(whole)), "after the end")

	// Another snapshot of the same number and length, whole in itself.
	other := bytes.Clone(snap)
	other[0] = 'A'
	header, trailer, _ := encodeSnapFile(1, other)
	file := append(append(header, other...), trailer...)
	try("another snapshot in its place", file, int64(len(file)-4), "other than the base's")
}

func TestSnapshotWithoutBaseIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, snapName(3)), []byte("a snapshot file"), 0o600)
	refusedSnapshot(t, "a snapshot file and no base", dir, filepath.Join(dir, snapName(3)), 0, "without the base file")
}
