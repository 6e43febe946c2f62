package disk

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// TornCopy makes dst, a directory that must not exist, a copy of the data
// directory src (whose Store must be closed, or its process dead), every
// file of it (base, wal, snapshot files), as a crash in the middle of one
// more append would have left it: the copy's
// wal ends in the first cut bytes of the record that would come next, one
// like its last whole one, a record that was never acknowledged. It is
// for fault injection (raftlab torture restarts a killed node on such a
// copy): Open on dst drops those bytes, with a log line, and recovers
// everything src held. cut is clamped to 1 .. the record's length-1; torn
// is how many bytes were added, 0 if the wal holds no record to imitate,
// or does not end in a whole one (then dst is a plain copy).
func TornCopy(src, dst string, cut int) (torn int, err error) {
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("disk: torn copy: %s exists already (or cannot be checked: %v)", dst, err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return 0, fmt.Errorf("disk: torn copy: %w", err)
	}
	var baseSum uint32 // where the wal's chain starts
	if b, err := os.ReadFile(filepath.Join(src, baseName)); err == nil {
		if base, err := decodeBase(b); err == nil {
			baseSum = base.sum
		}
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, fmt.Errorf("disk: torn copy: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		if e.Name() != walName {
			// The base, snapshot files (perhaps hundreds of MB: streamed),
			// and whatever a crash left.
			if err := copyFile(from, to); err != nil {
				return 0, fmt.Errorf("disk: torn copy: %w", err)
			}
			continue
		}
		b, err := os.ReadFile(from)
		if err != nil {
			return 0, fmt.Errorf("disk: torn copy: %w", err)
		}
		if next := nextRecord(b, baseSum); next != nil {
			torn = min(max(cut, 1), len(next)-1)
			b = append(b, next[:torn]...)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			return 0, fmt.Errorf("disk: torn copy: %w", err)
		}
	}
	return torn, nil
}

// copyFile copies the file from to a new file to.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// nextRecord returns the record an append like the last one of wal bytes b
// (which follows a base of checksum baseSum) would write next: numbered
// and linked after it. It returns nil if b holds no record, or does not
// end in a whole one (bytes added after a torn tail would not be one), or
// is not a wal that checks out.
func nextRecord(b []byte, baseSum uint32) []byte {
	h, err := decodeWalHeader(b)
	if err != nil {
		return nil
	}
	r := &walReader{b: b, version: h.version, off: walHeaderSize, sum: chainSeed(baseSum, h.sum)}
	var last record
	for {
		rec, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil
		}
		last = rec
	}
	switch {
	case r.seq == 0:
		return nil
	case h.version == 1:
		return r.last // a first-format record carries nothing of its place
	}
	next, _ := encodeRecord(r.seq+1, r.sum, last.header, int(last.keep), last.tail)
	return next
}
