package disk

import (
	"encoding/binary"
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

	baseSum uint32 // the base's checksum, where the wal's chain starts
	// The wal's last record: its number and checksum, which the next
	// record carries (0 and chainSeed for none).
	seq  uint64
	prev uint32
	// failed is the error of an Append whose write or sync failed (the
	// wal's end is then unknown, and a record written after it could
	// follow a partial one), or of a Save that failed (its new base may
	// be in place, before the old wal's generation). Later Appends return
	// it; a Save that succeeds, replacing base and wal, clears it.
	failed error
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
	if err := mkdirAllSynced(dir); err != nil {
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
	s.gen, s.baseSum = base.gen, base.sum
	raftstate, old, err := s.replay(base.state)
	if err != nil {
		return nil, nil, nil, err
	}
	s.size += int64(len(b))
	if old {
		// Appends are written in the current format only: a full save
		// starts a wal in it, as crash-safe as any save.
		if err := s.Save(raftstate, base.snapshot); err != nil {
			s.Close()
			return nil, nil, nil, err
		}
		s.logf("disk: %s was in the older format %s: rewrote its state in a base and wal of generation %d (%s)", s.path(walName), walMagicV1[:], s.gen, walMagic[:])
	}
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
		// The new base may be in place: appends to the old wal, which
		// Open would then ignore, must not be acknowledged.
		s.failed = err
		return err
	}
	if s.wal != nil {
		s.wal.Close()
		s.wal = nil
	}
	s.gen, s.baseSum = gen, binary.BigEndian.Uint32(b[len(b)-4:])
	s.size = int64(len(b))
	if err := s.freshWal(); err != nil {
		s.failed = err
		return err
	}
	s.failed = nil
	return nil
}

// Append adds a record to the wal and syncs it: the state becomes its first
// keep bytes, header written over their start, then tail.
func (s *Store) Append(header []byte, keep int, tail []byte) error {
	switch {
	case s.failed != nil:
		return s.failed
	case s.wal == nil:
		return errors.New("disk: Append on a closed store")
	case payloadFixed+len(header)+len(tail) > maxPayload:
		// Open would take a longer record for damage.
		return fmt.Errorf("disk: an append of %d bytes, over the limit of %d", len(header)+len(tail), maxPayload-payloadFixed)
	}
	r, sum := encodeRecord(s.seq+1, s.prev, header, keep, tail)
	if _, err := s.wal.Write(r); err != nil {
		s.failed = fmt.Errorf("disk: appending to %s: %w", s.wal.Name(), err)
		return s.failed
	}
	if err := s.wal.Sync(); err != nil {
		s.failed = fmt.Errorf("disk: syncing %s: %w", s.wal.Name(), err)
		return s.failed
	}
	s.seq, s.prev = s.seq+1, sum
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

// syncDir makes the directory's entries (a create, a rename) durable. A
// variable, so that a test can see which directories are synced.
var syncDir = func(dir string) error {
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

// mkdirAllSynced is os.MkdirAll, and then syncs the parent of each
// directory it made: a file synced in a new directory is not durable
// until the directory's own entry in its parent is.
func mkdirAllSynced(dir string) error {
	var made []string // the missing directories, from dir up
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		_, err := os.Stat(d)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("disk: creating %s: %w", dir, err)
		}
		made = append(made, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("disk: creating %s: %w", dir, err)
	}
	for _, d := range made {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}
