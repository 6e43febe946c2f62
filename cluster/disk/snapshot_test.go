package disk

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The snapshot in a file of its own: staged aside, then saved with the
// state; kept, unwritten, by a save of the state alone; and what Open does
// with the files a crash or damage leaves (doc.go, "Crashes and damage").

// names returns the names of the files in dir, sorted, in one string.
func names(t testing.TB, dir string) string {
	t.Helper()
	return strings.Join(slices.Sorted(maps.Keys(dirFiles(t, dir))), " ")
}

// diskBytes is the size of the files in dir together.
func diskBytes(t testing.TB, dir string) int64 {
	t.Helper()
	var n int64
	for _, b := range dirFiles(t, dir) {
		n += int64(len(b))
	}
	return n
}

// checkSize checks that s.Size() is what its files hold.
func checkSize(t testing.TB, what string, s *Store) {
	t.Helper()
	if got, want := s.Size(), diskBytes(t, s.Dir()); got != want {
		t.Fatalf("%s: Size() = %d, the files hold %d bytes (%s)", what, got, want, names(t, s.Dir()))
	}
}

// stagedNumber is the number of the file a handle of StageSnapshot names.
func stagedNumber(t testing.TB, staged any) uint64 {
	t.Helper()
	return staged.(*stagedSnapshot).snap.n
}

func TestStagedSaveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	var m model
	m.save([]byte("HEADER00 first state"), []byte("first snapshot"))
	if err := s.Save(m.state, m.snapshot); err != nil {
		t.Fatal(err)
	}
	checkSize(t, "after a Save", s)
	if err := s.Append([]byte("HEADER01"), len(m.state), []byte(" entry")); err != nil {
		t.Fatal(err)
	}
	m.append([]byte("HEADER01"), len(m.state), []byte(" entry"))

	snap := bytes.Repeat([]byte("second snapshot "), 1000)
	staged, err := s.StageSnapshot(snap)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); got != "base snapshot-1 snapshot-2 wal" {
		t.Fatalf("after StageSnapshot the store holds %s, want the staged snapshot-2 beside the rest", got)
	}
	// A staged file is not the store's yet.
	stagedBytes := int64(len(readFile(t, filepath.Join(dir, snapName(2)))))
	if got, want := s.Size(), diskBytes(t, dir)-stagedBytes; got != want {
		t.Fatalf("with a snapshot staged, Size() = %d, want the %d bytes of base, wal and snapshot-1", got, want)
	}
	// Appends go on while a snapshot is staged.
	if err := s.Append([]byte("HEADER02"), len(m.state), []byte(" more")); err != nil {
		t.Fatal(err)
	}
	m.append([]byte("HEADER02"), len(m.state), []byte(" more"))

	m.save([]byte("HEADER03 second state"), snap)
	if err := s.SaveStaged(m.state, staged); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); got != "base snapshot-2 wal" {
		t.Fatalf("after SaveStaged the store holds %s, want base snapshot-2 wal (snapshot-1 removed)", got)
	}
	checkSize(t, "after SaveStaged", s)
	if err := s.Append([]byte("HEADER04"), len(m.state), []byte(" after")); err != nil {
		t.Fatal(err)
	}
	m.append([]byte("HEADER04"), len(m.state), []byte(" after"))
	s.Close()

	s, state, got, l := open(t, dir)
	check(t, "reopened", state, got, m)
	checkSize(t, "reopened", s)
	if len(l.lines) != 0 {
		t.Fatalf("a clean reopen logged %q", l.lines)
	}

	// A save of an empty snapshot has no file, and drops the old one.
	m.save([]byte("HEADER05 no snapshot"), nil)
	if err := s.Save(m.state, nil); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); got != "base wal" {
		t.Fatalf("after a Save without a snapshot the store holds %s, want base wal", got)
	}
	s.Close()
	_, state, got, _ = open(t, dir)
	check(t, "reopened after a save without a snapshot", state, got, m)
}

// SaveStaged(state, nil) writes the state alone: the snapshot's file stays
// the same file, unwritten, and the save renames and syncs only the base
// and the wal.
func TestSaveStagedNilKeepsTheSnapshot(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	snap := bytes.Repeat([]byte{0xa5, 0x5a, 'x'}, 1<<20)
	if err := s.Save([]byte("HEADER00"), snap); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, snapName(1))
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	synced := recordSyncs(t)
	var m model
	for i := range 5 {
		m.save([]byte(fmt.Sprintf("HEADER%02d state %d", i, i)), snap)
		if err := s.SaveStaged(m.state, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(m.state[:8], len(m.state), []byte(" entry")); err != nil {
			t.Fatal(err)
		}
		m.append(m.state[:8], len(m.state), []byte(" entry"))
	}
	if want := strings.Repeat(dir+" ", 10); fmt.Sprint(*synced) != "["+strings.TrimSuffix(want, " ")+"]" {
		t.Fatalf("5 SaveStaged(state, nil) synced %q, want the directory twice each (base, wal)", *synced)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Fatalf("SaveStaged(state, nil) touched %s: inode same %v, mtime %v then %v, size %d then %d",
			path, os.SameFile(before, after), before.ModTime(), after.ModTime(), before.Size(), after.Size())
	}
	if bs, err := os.Stat(filepath.Join(dir, baseName)); err != nil || bs.Size() > 100 {
		t.Fatalf("the base holds %d bytes (%v), want the state's and a few dozen", bs.Size(), err)
	}
	if got := names(t, dir); got != "base snapshot-1 wal" {
		t.Fatalf("the store holds %s, want base snapshot-1 wal", got)
	}
	checkSize(t, "after saves of the state alone", s)
	s.Close()
	_, state, got, _ := open(t, dir)
	check(t, "reopened", state, got, m)
}

// A Save of a snapshot renames three files into place, each followed by a
// sync of the directory: the snapshot's (StageSnapshot), the base's and
// the wal's.
func TestStagedSaveSyncsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	synced := recordSyncs(t)
	if err := s.Save([]byte("state"), []byte("snapshot")); err != nil {
		t.Fatal(err)
	}
	if want := []string{dir, dir, dir}; fmt.Sprint(*synced) != fmt.Sprint(want) {
		t.Fatalf("Save of a snapshot synced %q, want %q", *synced, want)
	}
	*synced = nil
	staged, err := s.StageSnapshot([]byte("another"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{dir}; fmt.Sprint(*synced) != fmt.Sprint(want) {
		t.Fatalf("StageSnapshot synced %q, want %q", *synced, want)
	}
	*synced = nil
	if err := s.SaveStaged([]byte("state 2"), staged); err != nil {
		t.Fatal(err)
	}
	if want := []string{dir, dir}; fmt.Sprint(*synced) != fmt.Sprint(want) {
		t.Fatalf("SaveStaged synced %q, want %q", *synced, want)
	}
}

func TestDropStaged(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	if err := s.Save([]byte("HEADER00"), []byte("snapshot A")); err != nil {
		t.Fatal(err)
	}
	b, err := s.StageSnapshot([]byte("snapshot B"))
	if err != nil {
		t.Fatal(err)
	}
	s.DropStaged(b)
	if got := names(t, dir); got != "base snapshot-1 wal" {
		t.Fatalf("after DropStaged the store holds %s, want base snapshot-1 wal", got)
	}
	if err := s.SaveStaged([]byte("HEADER01"), b); err == nil {
		t.Fatal("SaveStaged of a dropped snapshot succeeded")
	}
	c, err := s.StageSnapshot([]byte("snapshot C"))
	if err != nil {
		t.Fatal(err)
	}
	if n := stagedNumber(t, c); n != 3 {
		t.Fatalf("the snapshot staged after snapshot-2 was dropped is number %d, want 3 (numbers are not used again)", n)
	}
	if err := s.SaveStaged([]byte("HEADER02"), c); err != nil {
		t.Fatal(err)
	}
	s.DropStaged(c) // saved: the base names its file, which stays
	s.DropStaged(b) // twice: nothing
	if got := names(t, dir); got != "base snapshot-3 wal" {
		t.Fatalf("the store holds %s, want base snapshot-3 wal", got)
	}
	if err := s.SaveStaged([]byte("HEADER03"), "a string"); err == nil {
		t.Fatal("SaveStaged of a string succeeded")
	}
	other, _, _, _ := open(t, t.TempDir())
	foreign, err := other.StageSnapshot([]byte("another store's"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveStaged([]byte("HEADER03"), foreign); err == nil {
		t.Fatal("SaveStaged of another store's snapshot succeeded")
	}
	s.DropStaged(foreign) // not this store's: nothing
	other.DropStaged(foreign)
	s.Close()
	_, state, snap, _ := open(t, dir)
	check(t, "reopened", state, snap, model{[]byte("HEADER02"), []byte("snapshot C")})
}

// StageSnapshot beside Appends, Saves, SaveStaged and DropStaged, as Raft
// calls them: it stages without the peer's lock, while the Persister goes
// on saving. Run under -race.
func TestStageBesideOtherCalls(t *testing.T) {
	dir := t.TempDir()
	s, _, _, _ := open(t, dir)
	var m model
	m.save([]byte("HEADER00"), []byte("the first snapshot"))
	if err := s.Save(m.state, m.snapshot); err != nil {
		t.Fatal(err)
	}
	type staged struct {
		handle any
		data   []byte
	}
	ready := make(chan staged)
	errc := make(chan error, 1)
	go func() {
		defer close(ready)
		for i := range 12 {
			data := bytes.Repeat([]byte{byte('A' + i)}, 200<<10+i)
			h, err := s.StageSnapshot(data)
			if err != nil {
				errc <- err
				return
			}
			if i%3 == 2 {
				s.DropStaged(h) // one that Raft did not save after all
				continue
			}
			ready <- staged{h, data}
		}
		errc <- nil
	}()
	appends := 0
	for i := 0; ; i++ {
		header := []byte(fmt.Sprintf("H%07d", i%10_000_000))
		select {
		case st, ok := <-ready:
			if !ok {
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
				s.Close()
				_, state, snap, _ := open(t, dir)
				check(t, "reopened", state, snap, m)
				if got := strings.Fields(names(t, dir)); len(got) != 3 || got[0] != baseName || !strings.HasPrefix(got[1], "snapshot-") || got[2] != walName {
					t.Fatalf("the store holds %s, want base, one snapshot file and wal (the dropped and replaced ones removed)", got)
				}
				t.Logf("%d appends beside 12 stagings", appends)
				if appends == 0 {
					t.Fatal("no append ran beside the staging")
				}
				return
			}
			m.save(header, st.data)
			if err := s.SaveStaged(m.state, st.handle); err != nil {
				t.Fatal(err)
			}
		default:
			if i%50 == 49 {
				// A Save stages too: its number comes from the same counter.
				m.save(header, []byte(fmt.Sprintf("a snapshot of Save %d", i)))
				if err := s.Save(m.state, m.snapshot); err != nil {
					t.Fatal(err)
				}
				continue
			}
			tail := []byte(fmt.Sprintf(" entry %d", i))
			if err := s.Append(header, len(m.state), tail); err != nil {
				t.Fatal(err)
			}
			m.append(header, len(m.state), tail)
			appends++
		}
	}
}
