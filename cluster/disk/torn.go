package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// TornCopy makes dst, a directory that must not exist, a copy of the data
// directory src (whose Store must be closed, or its process dead) as a
// crash in the middle of one more append would have left it: the copy's
// wal ends in the first cut bytes of a record like its last whole one, a
// record that was never acknowledged. It is for fault injection (raftlab
// torture restarts a killed node on such a copy): Open on dst drops those
// bytes, with a log line, and recovers everything src held. cut is
// clamped to 1 .. the record's length-1; torn is how many bytes were
// added, 0 if the wal holds no record to imitate (then dst is a plain
// copy).
func TornCopy(src, dst string, cut int) (torn int, err error) {
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("disk: torn copy: %s exists already (or cannot be checked: %v)", dst, err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return 0, fmt.Errorf("disk: torn copy: %w", err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, fmt.Errorf("disk: torn copy: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return 0, fmt.Errorf("disk: torn copy: %w", err)
		}
		if e.Name() == walName {
			if last := lastRecord(b); last != nil {
				torn = min(max(cut, 1), len(last)-1)
				b = append(b, last[:torn]...)
			}
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return 0, fmt.Errorf("disk: torn copy: %w", err)
		}
	}
	return torn, nil
}

// lastRecord returns the last whole record of wal bytes b, or nil if
// there is none (or b is not a wal whose records all check out).
func lastRecord(b []byte) []byte {
	if _, err := decodeWalHeader(b); err != nil {
		return nil
	}
	var last []byte
	for off := walHeaderSize; off < len(b); {
		_, n, err := decodeRecord(b[off:])
		if err != nil {
			return nil
		}
		last, off = b[off:off+n], off+n
	}
	return last
}
