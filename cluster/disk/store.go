package disk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// File names in a store's directory.
const (
	baseName = "base" // the state as of the last full save, and its snapshot's name
	walName  = "wal"  // the appends since, of the same generation
	tmpExt   = ".tmp" // a file being written, renamed into place once durable
	// A snapshot is in a file of its own, snapshot-<n> (snapName), which
	// the base names.
)

// Store is a peer's durable storage in one directory: a raft.Storage and
// a raft.SnapshotStager. Save, SaveStaged, Append and Close must not run at
// the same time (the Persister in front serializes them); StageSnapshot
// and DropStaged may run beside any of them.
type Store struct {
	dir  string
	logf func(format string, args ...any)

	// mu guards what StageSnapshot and DropStaged share with the other
	// methods: the snapshot numbers, and the staged snapshots' fate.
	mu       sync.Mutex
	nextSnap uint64 // the next snapshot file's number; no file on disk has it or a higher one

	// The rest is the serialized methods' alone.
	gen  uint64   // generation of base and wal: one per full save
	snap snapRef  // the base's snapshot file
	wal  *os.File // open for appending
	size int64    // bytes in base, wal and the base's snapshot file

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
// back to the last whole record; files a crash left before they were
// complete, or that no base names any more, are removed: each with a line
// to logf. Data that is bad anywhere else is a *CorruptError, and the
// files are left untouched.
func Open(dir string, logf func(format string, args ...any)) (s *Store, raftstate, snapshot []byte, err error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if err := mkdirAllSynced(dir); err != nil {
		return nil, nil, nil, err
	}
	s = &Store{dir: dir, logf: logf}
	left, err := s.leftovers()
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := os.ReadFile(s.path(baseName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, werr := os.Stat(s.path(walName)); werr == nil {
			return nil, nil, nil, &CorruptError{File: s.path(walName), Reason: "a wal without the base file it follows"}
		}
		if len(left.snaps) > 0 {
			return nil, nil, nil, &CorruptError{File: s.path(snapName(left.snaps[0])), Reason: "a snapshot file without the base file that names it"}
		}
		if err := s.removeLeftovers(left, 0); err != nil {
			return nil, nil, nil, err
		}
		s.nextSnap = left.maxN + 1
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
	snapshot = base.snapshot
	if base.version != 1 && base.snap.n != 0 {
		if snapshot, err = s.readSnapshot(base.snap); err != nil {
			return nil, nil, nil, err
		}
	}
	s.gen, s.baseSum, s.snap = base.gen, base.sum, base.snap
	s.nextSnap = max(left.maxN, base.snap.n) + 1
	raftstate, oldWal, err := s.replay(base.state)
	if err != nil {
		return nil, nil, nil, err
	}
	s.size += int64(len(b)) + s.snap.fileSize()
	// Everything checked out: only now is anything removed.
	if err := s.removeLeftovers(left, s.snap.n); err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	var old []string
	if base.version == 1 {
		old = append(old, fmt.Sprintf("%s %s, the snapshot inside it", baseName, baseMagicV1[:]))
	}
	if oldWal {
		old = append(old, fmt.Sprintf("%s %s", walName, walMagicV1[:]))
	}
	if len(old) > 0 {
		// Bases and appends are written in the current format only: a
		// full save starts them in it, as crash-safe as any save.
		if err := s.Save(raftstate, snapshot); err != nil {
			s.Close()
			return nil, nil, nil, err
		}
		now := fmt.Sprintf("%s %s, %s %s", baseName, baseMagic[:], walName, walMagic[:])
		if s.snap.n != 0 {
			now += ", the snapshot in " + snapName(s.snap.n)
		}
		s.logf("disk: %s was in an older format (%s): rewrote it in the current one (%s), generation %d",
			s.dir, strings.Join(old, "; "), now, s.gen)
	}
	return s, raftstate, snapshot, nil
}

// Save replaces the state and the snapshot: StageSnapshot, then
// SaveStaged. A crash before the base's rename leaves the old base, its
// snapshot and its wal; after it, the new base and its snapshot, whose
// generation the old wal does not have, so it is ignored (and replaced) on
// Open.
func (s *Store) Save(raftstate, snapshot []byte) error {
	staged, err := s.StageSnapshot(snapshot)
	if err != nil {
		return err // nothing the store holds has changed
	}
	return s.SaveStaged(raftstate, staged)
}

// saveBase writes the state and the snapshot reference snap: a new base of
// the next generation, written aside and renamed into place; then it
// removes the snapshot file the old base named, if snap names another, and
// writes an empty wal of that generation in the same way.
func (s *Store) saveBase(raftstate []byte, snap snapRef) error {
	gen := s.gen + 1
	b := encodeBase(gen, raftstate, snap)
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
	old := s.snap
	s.gen, s.baseSum, s.snap = gen, binary.BigEndian.Uint32(b[len(b)-4:]), snap
	s.size = int64(len(b)) + snap.fileSize()
	if old.n != 0 && old.n != snap.n {
		// The new base is durable: nothing names the old file any more.
		// If it stays (a crash, or an error here), Open removes it.
		if err := os.Remove(s.snapPath(old)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.logf("disk: removing %s, which no base names any more: %v (Open will)", s.snapPath(old), err)
		}
	}
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

// Size is how many bytes the store holds on disk: its base, wal and
// snapshot file (not a snapshot staged and not yet saved).
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

// writeAside makes name hold the bytes of parts, one after the other,
// durably and atomically: they are written to name.tmp and synced, renamed
// over name, and the directory synced, so that after a crash name holds
// either its old contents or the new ones.
func (s *Store) writeAside(name string, parts ...[]byte) error {
	tmp := s.path(name + tmpExt)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	dirty := 0
	for _, b := range parts {
		for len(b) > 0 {
			n := min(len(b), syncEvery-dirty)
			if _, err := f.Write(b[:n]); err != nil {
				f.Close()
				return fmt.Errorf("disk: writing %s: %w", tmp, err)
			}
			b, dirty = b[n:], dirty+n
			if dirty == syncEvery {
				// A big file (a snapshot) is synced as it is written, a
				// few MiB at a time: left to the end, its dirty pages
				// would hold up every fsync of the wal meanwhile (a
				// journal commit waits for them), and with it the Raft
				// peer's appends and heartbeats.
				if err := f.Sync(); err != nil {
					f.Close()
					return fmt.Errorf("disk: syncing %s: %w", tmp, err)
				}
				dirty = 0
			}
		}
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

// syncEvery is how many bytes of a file being written aside may wait for
// a sync (writeAside).
const syncEvery = 4 << 20

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
