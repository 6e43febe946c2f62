package disk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// replay applies the wal to state, the base's, and leaves the wal open for
// appending. A wal of an older generation than the base (a crash between
// the two renames of a Save) is replaced by an empty one.
func (s *Store) replay(state []byte) ([]byte, error) {
	path := s.path(walName)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.logf("disk: %s has no wal (a crash during its first save): starting an empty one", s.dir)
		return state, s.freshWal()
	case err != nil:
		return nil, err
	}
	gen, err := decodeWalHeader(b)
	switch {
	case err != nil:
		return nil, &CorruptError{File: path, Reason: err.Error()}
	case gen < s.gen:
		s.logf("disk: %s is of generation %d, the base of %d (a crash between the renames of a save): replacing it with an empty one", path, gen, s.gen)
		return state, s.freshWal()
	case gen > s.gen:
		return nil, &CorruptError{File: path, Reason: fmt.Sprintf("generation %d is newer than the base's, %d", gen, s.gen)}
	}
	end, state, err := applyRecords(path, b, state)
	if err != nil {
		return nil, err
	}
	if end < len(b) {
		s.logf("disk: %s: dropped %d bytes at offset %d, a record torn by a crash during an append (never acknowledged)", path, len(b)-end, end)
		if err := os.Truncate(path, int64(end)); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	if end < len(b) {
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
	}
	s.wal = f
	s.size += int64(end)
	return state, nil
}

// freshWal replaces the wal with an empty one of the store's generation.
func (s *Store) freshWal() error {
	if err := s.writeAside(walName, encodeWalHeader(s.gen)); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path(walName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	s.wal = f
	s.size += walHeaderSize
	return nil
}

// applyRecords applies the records of wal b (file path) to state, and
// returns where the whole records end: len(b), or the start of a torn
// last record. A frame that is not whole with a whole one after it, or a
// whole record that does not fit the state, is a *CorruptError.
func applyRecords(path string, b, state []byte) (int, []byte, error) {
	off := walHeaderSize
	for off < len(b) {
		r, n, err := decodeRecord(b[off:])
		if errors.Is(err, errTorn) {
			if wholeFrameAfter(b, off) {
				return 0, nil, &CorruptError{File: path, Offset: int64(off), Reason: "a record does not match its checksum, and whole records follow it"}
			}
			return off, state, nil
		}
		if err != nil {
			return 0, nil, &CorruptError{File: path, Offset: int64(off), Reason: err.Error()}
		}
		if r.keep > uint64(len(state)) || uint64(len(r.header)) > r.keep {
			return 0, nil, &CorruptError{File: path, Offset: int64(off),
				Reason: fmt.Sprintf("a record keeps %d bytes of a %d-byte state, with a %d-byte header", r.keep, len(state), len(r.header))}
		}
		state = append(state[:r.keep], r.tail...)
		copy(state, r.header)
		off += n
	}
	return off, state, nil
}

// wholeFrameAfter reports whether a whole frame starts anywhere after the
// frame at off that is not whole: then that frame was damaged where it
// lay, since a crash tears only the last one. The search starts at the
// frame's end if its length is intact, else at the next byte.
func wholeFrameAfter(b []byte, off int) bool {
	from := off + 1
	if off+frameSize <= len(b) {
		n := binary.BigEndian.Uint32(b[off:])
		if checksum(b[off:off+4]) == binary.BigEndian.Uint32(b[off+4:]) {
			from = off + frameSize + int(n)
		}
	}
	for p := from; p+frameSize <= len(b); p++ {
		if _, _, err := decodeRecord(b[p:]); !errors.Is(err, errTorn) {
			return true
		}
	}
	return false
}
