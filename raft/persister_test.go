package raft

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestPersisterZeroValue(t *testing.T) {
	var ps Persister
	if ps.ReadRaftState() != nil || ps.ReadSnapshot() != nil || ps.RaftStateSize() != 0 || ps.SnapshotSize() != 0 {
		t.Fatal("a zero Persister should be empty")
	}
	ps.Save([]byte("state"), []byte("snap"))
	if string(ps.ReadRaftState()) != "state" || string(ps.ReadSnapshot()) != "snap" {
		t.Fatalf("got %q %q", ps.ReadRaftState(), ps.ReadSnapshot())
	}
	if ps.RaftStateSize() != 5 || ps.SnapshotSize() != 4 {
		t.Fatalf("sizes %d %d", ps.RaftStateSize(), ps.SnapshotSize())
	}
}

func TestPersisterNoAliasing(t *testing.T) {
	ps := MakePersister()
	state, snap := []byte("abc"), []byte("xyz")
	ps.Save(state, snap)
	state[0], snap[0] = 'Z', 'Z' // the caller reuses its buffers
	got := ps.ReadRaftState()
	if string(got) != "abc" || string(ps.ReadSnapshot()) != "xyz" {
		t.Fatalf("Save kept the caller's buffers: %q %q", got, ps.ReadSnapshot())
	}
	got[0] = 'Q' // the reader scribbles on what it was given
	if string(ps.ReadRaftState()) != "abc" {
		t.Fatal("ReadRaftState handed out its own buffer")
	}
	s := ps.ReadSnapshot()
	s[0] = 'Q'
	if string(ps.ReadSnapshot()) != "xyz" {
		t.Fatal("ReadSnapshot handed out its own buffer")
	}
}

func TestPersisterCopyIsIndependent(t *testing.T) {
	ps := MakePersister()
	ps.Save([]byte("one"), []byte("s1"))
	cp := ps.Copy()
	ps.Save([]byte("two"), []byte("s2")) // the crashed peer writes on
	if string(cp.ReadRaftState()) != "one" || string(cp.ReadSnapshot()) != "s1" {
		t.Fatalf("Copy sees later writes: %q %q", cp.ReadRaftState(), cp.ReadSnapshot())
	}
	cp.Save([]byte("three"), nil)
	if string(ps.ReadRaftState()) != "two" {
		t.Fatal("writes to the copy reached the original")
	}
	if cp.ReadSnapshot() != nil || cp.SnapshotSize() != 0 {
		t.Fatal("Save with a nil snapshot should clear it")
	}
}

// Save is atomic: a reader never sees the state of one Save with the
// snapshot of another.
func TestPersisterSaveAtomic(t *testing.T) {
	ps := MakePersister()
	ps.Save([]byte("0"), []byte("0"))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				v := []byte(fmt.Sprintf("%d-%d", w, i))
				ps.Save(v, v)
			}
		}(w)
	}
	for i := 0; i < 20000; i++ {
		cp := ps.Copy()
		if !bytes.Equal(cp.ReadRaftState(), cp.ReadSnapshot()) {
			close(stop)
			wg.Wait()
			t.Fatalf("torn save: state %q snapshot %q", cp.ReadRaftState(), cp.ReadSnapshot())
		}
	}
	close(stop)
	wg.Wait()
}

func TestPersisterSaveAppend(t *testing.T) {
	ps := MakePersister()
	n := ps.save([]byte("HHabc"), []byte("snap"))
	n, ok := ps.saveAppend(n, []byte("GG"), 5, []byte("def"))
	if !ok || string(ps.ReadRaftState()) != "GGabcdef" || string(ps.ReadSnapshot()) != "snap" {
		t.Fatalf("saveAppend: ok %v state %q snapshot %q", ok, ps.ReadRaftState(), ps.ReadSnapshot())
	}
	// Keep less than all: what follows keep is replaced.
	if n, ok = ps.saveAppend(n, []byte("KK"), 4, []byte("XY")); !ok || string(ps.ReadRaftState()) != "KKabXY" {
		t.Fatalf("saveAppend keeping 4: ok %v state %q", ok, ps.ReadRaftState())
	}
	// Somebody else saved since: refused, nothing changed.
	ps.Save([]byte("other"), nil)
	if _, ok := ps.saveAppend(n, []byte("ZZ"), 2, []byte("!")); ok || string(ps.ReadRaftState()) != "other" {
		t.Fatalf("saveAppend after a foreign Save: ok %v state %q", ok, ps.ReadRaftState())
	}
	// A copy starts its own count: the dead peer's incremental saves cannot reach it.
	cp := ps.Copy()
	if _, ok := cp.saveAppend(n+1, []byte("ZZ"), 2, []byte("!")); ok {
		t.Fatal("saveAppend on a Copy with the original's count succeeded")
	}
	// Keeping more than there is is refused.
	m := ps.save([]byte("ab"), nil)
	if _, ok := ps.saveAppend(m, []byte("a"), 3, nil); ok {
		t.Fatal("saveAppend kept more bytes than were saved")
	}
}

// fakeStorage records what a Persister writes through, and fails when told.
type fakeStorage struct {
	state, snapshot []byte
	calls           []string
	err             error
}

func (f *fakeStorage) Save(state, snapshot []byte) error {
	f.calls = append(f.calls, fmt.Sprintf("Save(%s, %s)", state, snapshot))
	if f.err != nil {
		return f.err
	}
	f.state, f.snapshot = bytes.Clone(state), bytes.Clone(snapshot)
	return nil
}

func (f *fakeStorage) Append(header []byte, keep int, tail []byte) error {
	f.calls = append(f.calls, fmt.Sprintf("Append(%s, %d, %s)", header, keep, tail))
	if f.err != nil {
		return f.err
	}
	f.state = append(f.state[:keep:keep], tail...)
	copy(f.state, header)
	return nil
}

// A Persister made with NewPersister starts from what it is given and
// writes every save through, the incremental ones as appends, so that the
// storage holds what the Persister does.
func TestPersisterWritesThroughToStorage(t *testing.T) {
	st := &fakeStorage{state: []byte("HHold"), snapshot: []byte("s0")}
	ps := NewPersister(st, st.state, st.snapshot, nil)
	if string(ps.ReadRaftState()) != "HHold" || string(ps.ReadSnapshot()) != "s0" {
		t.Fatalf("NewPersister holds %q and %q, want what it was given", ps.ReadRaftState(), ps.ReadSnapshot())
	}
	n := ps.save([]byte("HHabc"), []byte("snap"))
	if _, ok := ps.saveAppend(n, []byte("GG"), 5, []byte("def")); !ok {
		t.Fatal("saveAppend refused")
	}
	want := []string{"Save(HHabc, snap)", "Append(GG, 5, def)"}
	if fmt.Sprint(st.calls) != fmt.Sprint(want) {
		t.Fatalf("storage saw %q, want %q", st.calls, want)
	}
	if !bytes.Equal(st.state, ps.ReadRaftState()) || !bytes.Equal(st.snapshot, ps.ReadSnapshot()) {
		t.Fatalf("storage holds %q/%q, the Persister %q/%q", st.state, st.snapshot, ps.ReadRaftState(), ps.ReadSnapshot())
	}
	if cp := ps.Copy(); cp.storage != nil {
		t.Fatal("a Copy writes through to the original's storage")
	}
}

// A storage failure stops the peer: fail is called with the error, and a
// fail that returns (or none) turns into a panic, so nothing goes on as if
// the save had been made.
func TestPersisterStorageFailureStops(t *testing.T) {
	st := &fakeStorage{err: fmt.Errorf("disk full")}
	var got error
	ps := NewPersister(st, nil, nil, func(err error) { got = err })
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Fatal("Save returned after the storage failed and fail returned")
			}
		}()
		ps.Save([]byte("x"), nil)
	}()
	if got == nil || !strings.Contains(got.Error(), "disk full") {
		t.Fatalf("fail got %v, want the storage's error", got)
	}
}
