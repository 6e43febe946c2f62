package disk

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// replay applies the wal to state, the base's, and leaves the wal open for
// appending, a torn tail cut off. A wal of an older generation than the
// base (a crash between the two renames of a Save) is replaced by an empty
// one. old reports a wal of the first format, which Open then rewrites.
// Caller has set s.gen and s.baseSum from the base.
func (s *Store) replay(state []byte) (_ []byte, old bool, err error) {
	path := s.path(walName)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.logf("disk: %s has no wal (a crash during its first save): starting an empty one", s.dir)
		return state, false, s.freshWal()
	case err != nil:
		return nil, false, err
	}
	h, err := decodeWalHeader(b)
	switch {
	case err != nil:
		return nil, false, &CorruptError{File: path, Reason: err.Error()}
	case h.gen < s.gen:
		s.logf("disk: %s is of generation %d, the base of %d (a crash between the renames of a save): replacing it with an empty one", path, h.gen, s.gen)
		return state, false, s.freshWal()
	case h.gen > s.gen:
		return nil, false, &CorruptError{File: path, Reason: fmt.Sprintf("generation %d is newer than the base's, %d", h.gen, s.gen)}
	}
	r := &walReader{path: path, b: b, version: h.version, off: walHeaderSize, sum: chainSeed(s.baseSum, h.sum)}
	state, err = r.apply(state)
	if err != nil {
		return nil, false, err
	}
	end := r.off
	if end < len(b) {
		s.logf("disk: %s: dropped %d bytes at offset %d, a record torn by a crash during an append (never acknowledged)", path, len(b)-end, end)
		if err := os.Truncate(path, int64(end)); err != nil {
			return nil, false, err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, false, err
	}
	if end < len(b) {
		// The cut must be durable before anything is appended after it.
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, false, err
		}
	}
	s.wal = f
	s.size += int64(end)
	s.seq, s.prev = r.seq, r.sum
	return state, h.version == 1, nil
}

// freshWal replaces the wal with an empty one of the store's generation.
func (s *Store) freshWal() error {
	h := encodeWalHeader(s.gen)
	if err := s.writeAside(walName, h); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path(walName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	s.wal = f
	s.size += walHeaderSize
	s.seq, s.prev = 0, chainSeed(s.baseSum, checksum(h[:walHeaderSize-4]))
	return nil
}

// walReader reads the records of a wal's bytes in order, checks each by
// itself and in its place, and tells a torn tail from damage by the rule
// in doc.go.
type walReader struct {
	path    string // the wal's, for errors
	b       []byte
	version int    // of the wal's format
	off     int    // where the next record starts
	seq     uint64 // the last record's number; 0 before the first
	sum     uint32 // the last record's checksum; before the first, chainSeed
	last    []byte // the last record's bytes
}

// errTorn is a wal's tail that a crash in the middle of an append left:
// not a whole record, and dropped.
var errTorn = errors.New("a record torn by a crash during an append")

// next returns the record at r.off and moves past it. At the end of the
// wal it returns io.EOF; at a torn tail, errTorn, with r.off at its start;
// anything else that does not check out is a *CorruptError at the
// record's offset.
func (r *walReader) next() (record, error) {
	rest := r.b[r.off:]
	if len(rest) == 0 {
		return record{}, io.EOF
	}
	rec, n, err := decodeRecord(rest, r.version)
	if err != nil {
		// A crash leaves the append it interrupted cut short, or the
		// file grown with bytes never written (zeros), and nothing after
		// it. A record that fails any other way was whole once: it may
		// have been acknowledged (a vote, an entry), and is not dropped.
		if errors.Is(err, errCutShort) || allZero(rest) {
			return record{}, errTorn
		}
		return record{}, r.corrupt(err.Error() + ": damage, not an append torn by a crash (which ends the file early, or in zeros only)")
	}
	switch {
	case r.version == 1:
		// Counted, not stored: the first format cannot see a whole
		// record out of place.
		rec.seq = r.seq + 1
	case rec.seq != r.seq+1:
		return record{}, r.corrupt(fmt.Sprintf("a whole record numbered %d where %d comes next: a record out of place (duplicated, reordered, or copied in)", rec.seq, r.seq+1))
	case rec.prev != r.sum:
		return record{}, r.corrupt(fmt.Sprintf("record %d links to %08x, but what comes before it here (the record before, or for the first the base and the wal header) to %08x: a whole record out of place (copied from another wal, generation or store)", rec.seq, rec.prev, r.sum))
	}
	r.last = rest[:n]
	r.off += n
	r.seq, r.sum = rec.seq, rec.sum
	return rec, nil
}

func (r *walReader) corrupt(reason string) *CorruptError {
	return &CorruptError{File: r.path, Offset: int64(r.off), Reason: reason}
}

// apply applies the wal's records to state and returns it. r.off is then
// where the whole records end: the end of the wal, or the start of its
// torn tail. A whole record that does not fit the state is damage too.
func (r *walReader) apply(state []byte) ([]byte, error) {
	for {
		at := r.off
		rec, err := r.next()
		switch {
		case err == io.EOF || errors.Is(err, errTorn):
			return state, nil
		case err != nil:
			return nil, err
		}
		if rec.keep > uint64(len(state)) || uint64(len(rec.header)) > rec.keep {
			return nil, &CorruptError{File: r.path, Offset: int64(at),
				Reason: fmt.Sprintf("a record keeps %d bytes of a %d-byte state, with a %d-byte header", rec.keep, len(state), len(rec.header))}
		}
		state = append(state[:rec.keep], rec.tail...)
		copy(state, rec.header)
	}
}
