package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File names in a store's directory.
const (
	baseName = "base" // the state and snapshot as of the last full save
	walName  = "wal"  // the appends since, of the same generation
	tmpExt   = ".tmp" // a file being written, renamed into place once durable
)

// Store is a peer's durable storage in one directory: a raft.Storage. It
// is not safe for concurrent use; the Persister in front of it serializes
// every call.
type Store struct {
	dir  string
	gen  uint64   // generation of base and wal: one per full save
	wal  *os.File // open for appending
	size int64    // bytes in base and wal
	logf func(format string, args ...any)
}

// CorruptError says that a file of a store holds data that cannot be read
// back, somewhere a crash cannot have put it: a disk fault, or a change
// from outside. Open touches nothing when it returns one.
type CorruptError struct {
	File   string // the file's path
	Offset int64  // where the bad data starts
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s: corrupt at offset %d: %s. The files are left as they are. "+
		"This node's Raft state cannot be trusted, and starting it empty is not safe while its "+
		"vote counts: restore the directory from a backup, or replace the node (see README, "+
		"\"Run a real cluster\")", e.File, e.Offset, e.Reason)
}

// Open opens the store in dir, creating dir and an empty store if there is
// none, and returns it with the Raft state and snapshot it holds. A record
// torn by a crash in the middle of an append is dropped, and the file cut
// back to the last whole record, with a line to logf. Data that is bad
// anywhere else is a *CorruptError, and the files are left untouched.
func Open(dir string, logf func(format string, args ...any)) (s *Store, raftstate, snapshot []byte, err error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, nil, err
	}
	s = &Store{dir: dir, logf: logf}
	for _, name := range []string{baseName + tmpExt, walName + tmpExt} {
		// A crash before the rename: what it held was never acknowledged.
		if err := os.Remove(s.path(name)); err == nil {
			logf("disk: removed %s, left by a crash before it was complete", s.path(name))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil, err
		}
	}
	b, err := os.ReadFile(s.path(baseName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, werr := os.Stat(s.path(walName)); werr == nil {
			return nil, nil, nil, &CorruptError{File: s.path(walName), Reason: "a wal without the base file it follows"}
		}
		// A new store: an empty base, made as every full save is.
		if err := s.Save(nil, nil); err != nil {
			return nil, nil, nil, err
		}
		return s, nil, nil, nil
	case err != nil:
		return nil, nil, nil, err
	}
	base, err := decodeBase(b)
	if err != nil {
		return nil, nil, nil, &CorruptError{File: s.path(baseName), Offset: 0, Reason: err.Error()}
	}
	s.gen = base.gen
	raftstate, err = s.replay(base.state)
	if err != nil {
		return nil, nil, nil, err
	}
	s.size += int64(len(b))
	return s, raftstate, base.snapshot, nil
}

// Save replaces the state and the snapshot: a new base of the next
// generation, written aside and renamed into place, then an empty wal of
// that generation. A crash before the base's rename leaves the old base
// and wal; after it, the new base, whose generation the old wal does not
// have, so it is ignored (and replaced) on Open.
func (s *Store) Save(raftstate, snapshot []byte) error {
	gen := s.gen + 1
	b := encodeBase(gen, raftstate, snapshot)
	if err := s.writeAside(baseName, b); err != nil {
		return err
	}
	if s.wal != nil {
		s.wal.Close()
		s.wal = nil
	}
	s.gen = gen
	h := encodeWalHeader(gen)
	if err := s.writeAside(walName, h); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path(walName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	s.wal = f
	s.size = int64(len(b) + len(h))
	return nil
}

// Append adds a record to the wal and syncs it: the state becomes its first
// keep bytes, header written over their start, then tail.
func (s *Store) Append(header []byte, keep int, tail []byte) error {
	if s.wal == nil {
		return errors.New("disk: Append on a closed store")
	}
	r := encodeRecord(header, keep, tail)
	if _, err := s.wal.Write(r); err != nil {
		return fmt.Errorf("disk: appending to %s: %w", s.wal.Name(), err)
	}
	if err := s.wal.Sync(); err != nil {
		return fmt.Errorf("disk: syncing %s: %w", s.wal.Name(), err)
	}
	s.size += int64(len(r))
	return nil
}

// Size is how many bytes the store holds on disk.
func (s *Store) Size() int64 { return s.size }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Close closes the store's open file. Everything saved is already durable.
func (s *Store) Close() error {
	if s.wal == nil {
		return nil
	}
	err := s.wal.Close()
	s.wal = nil
	return err
}

func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

// writeAside makes name hold b durably and atomically: b is written to
// name.tmp and synced, renamed over name, and the directory synced, so that
// after a crash name holds either its old contents or b.
func (s *Store) writeAside(name string, b []byte) error {
	tmp := s.path(name + tmpExt)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("disk: writing %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("disk: syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.path(name)); err != nil {
		return err
	}
	return syncDir(s.dir)
}

// syncDir makes the directory's entries (a create, a rename) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("disk: syncing directory %s: %w", dir, err)
	}
	return nil
}
