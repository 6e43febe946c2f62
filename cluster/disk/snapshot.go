package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// The snapshot in a file of its own (raft.SnapshotStager): a new snapshot
// is written and synced aside first, by StageSnapshot, without the Raft
// peer's lock and beside the other calls; SaveStaged then writes only the
// state, in a base that names the snapshot's file.

// stagedSnapshot is StageSnapshot's handle.
type stagedSnapshot struct {
	store *Store
	snap  snapRef   // its file; the zero snapRef for an empty snapshot
	fate  stageFate // guarded by store.mu
}

// stageFate is what became of a staged snapshot: once saved, its file may
// be the one the base names, and DropStaged must leave it.
type stageFate int

const (
	stagedAside stageFate = iota
	stagedSaved
	stagedDropped
)

// StageSnapshot writes snapshot, durably, to a new snapshot file that
// nothing names yet: the store holds what it held. It returns a handle for
// SaveStaged or DropStaged. This is the slow part of a save (the snapshot's
// bytes written and synced); it touches only its own new file, and may run
// at the same time as any other method. An empty snapshot has no file.
func (s *Store) StageSnapshot(snapshot []byte) (staged any, err error) {
	st := &stagedSnapshot{store: s}
	if len(snapshot) == 0 {
		return st, nil
	}
	s.mu.Lock()
	n := s.nextSnap
	s.nextSnap++
	s.mu.Unlock()
	name := snapName(n)
	header, trailer, sum := encodeSnapFile(n, snapshot)
	if err := s.writeAside(name, header, snapshot, trailer); err != nil {
		// Nothing names the file (it has a number of its own), whether or
		// not it reached its place; if it stays, Open removes it.
		os.Remove(s.path(name + tmpExt))
		os.Remove(s.path(name))
		return nil, fmt.Errorf("disk: staging a snapshot of %d bytes: %w", len(snapshot), err)
	}
	st.snap = snapRef{n: n, length: uint64(len(snapshot)), sum: sum}
	return st, nil
}

// SaveStaged replaces the state and the snapshot, as Save does, with the
// snapshot StageSnapshot wrote; with staged nil, it keeps the snapshot the
// store holds, whose file it does not touch. It writes only the state: a
// base naming the snapshot's file, and an empty wal, each aside and
// renamed into place. Then the snapshot file the old base named, if no
// longer named, is removed.
func (s *Store) SaveStaged(raftstate []byte, staged any) error {
	snap := s.snap
	if staged != nil {
		st, ok := staged.(*stagedSnapshot)
		if !ok || st.store != s {
			return fmt.Errorf("disk: SaveStaged of a %T that this store did not stage", staged)
		}
		s.mu.Lock()
		fate := st.fate
		if fate != stagedDropped {
			// From here the base may name its file, even if this save
			// fails: DropStaged must not remove it.
			st.fate = stagedSaved
		}
		s.mu.Unlock()
		if fate == stagedDropped {
			return fmt.Errorf("disk: SaveStaged of a snapshot dropped already (%s)", s.snapPath(st.snap))
		}
		snap = st.snap
	}
	return s.saveBase(raftstate, snap)
}

// DropStaged removes the file of a staged snapshot that will not be saved.
// A snapshot saved already (by SaveStaged) is left alone. It may run at
// the same time as any other method.
func (s *Store) DropStaged(staged any) {
	st, ok := staged.(*stagedSnapshot)
	if !ok || st.store != s {
		return
	}
	s.mu.Lock()
	drop := st.fate == stagedAside
	if drop {
		st.fate = stagedDropped
	}
	s.mu.Unlock()
	if !drop || st.snap.n == 0 {
		return
	}
	// Not synced: if the file comes back after a crash, no base names it,
	// and Open removes it.
	if err := os.Remove(s.snapPath(st.snap)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.logf("disk: removing %s, a staged snapshot dropped: %v (Open will)", s.snapPath(st.snap), err)
	}
}

// snapPath is the path of the snapshot file snap names.
func (s *Store) snapPath(snap snapRef) string {
	if snap.n == 0 {
		return "no snapshot file"
	}
	return s.path(snapName(snap.n))
}

// readSnapshot reads the snapshot file the base names and checks it; one
// that is missing, or does not hold what the base says, is a
// *CorruptError: a crash cannot leave it so, since a base is renamed into
// place only once its snapshot file is durable, and the file is removed
// only once no durable base names it.
func (s *Store) readSnapshot(snap snapRef) ([]byte, error) {
	path := s.snapPath(snap)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &CorruptError{File: path, Reason: fmt.Sprintf("missing: the base names it, a snapshot of %d bytes", snap.length)}
	case err != nil:
		return nil, err
	}
	snapshot, at, err := decodeSnapshot(b, snap)
	if err != nil {
		return nil, &CorruptError{File: path, Offset: at, Reason: err.Error()}
	}
	return snapshot, nil
}

// leftovers is what Open finds in a store's directory besides its base
// and wal: snapshot files, and files a crash left before their rename.
type leftovers struct {
	snaps []uint64 // the numbers of the snapshot files, in order
	tmps  []string // the names of the *.tmp files of a store
	maxN  uint64   // the highest snapshot number on disk, in a file or a tmp
}

// leftovers lists the store's snapshot files and *.tmp files. Files of
// other names are not the store's, and are left alone.
func (s *Store) leftovers() (leftovers, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return leftovers{}, fmt.Errorf("disk: reading %s: %w", s.dir, err)
	}
	var l leftovers
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() {
			continue
		}
		if stem, ok := strings.CutSuffix(name, tmpExt); ok {
			if n, ok := parseSnapName(stem); ok {
				l.maxN = max(l.maxN, n)
				l.tmps = append(l.tmps, name)
			} else if stem == baseName || stem == walName {
				l.tmps = append(l.tmps, name)
			}
			continue
		}
		if n, ok := parseSnapName(name); ok {
			l.maxN = max(l.maxN, n)
			l.snaps = append(l.snaps, n)
		}
	}
	slices.Sort(l.snaps)
	return l, nil
}

// removeLeftovers removes the *.tmp files of l, and its snapshot files but
// the one numbered keep (the base's), each with a log line. Open calls it
// once everything it read checked out.
func (s *Store) removeLeftovers(l leftovers, keep uint64) error {
	for _, name := range l.tmps {
		// A crash before the rename: what it held was never acknowledged,
		// nor named by a base.
		if err := os.Remove(s.path(name)); err == nil {
			s.logf("disk: removed %s, left by a crash before it was complete", s.path(name))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for _, n := range l.snaps {
		if n == keep {
			continue
		}
		// Staged, and the crash came before a base named it; or named by
		// a base replaced since, and the crash came before its removal.
		if err := os.Remove(s.path(snapName(n))); err == nil {
			s.logf("disk: removed %s, a snapshot file no base names (left by a crash)", s.path(snapName(n)))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
