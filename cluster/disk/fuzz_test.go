package disk

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// fuzzHistory is a store's history for FuzzWal: its base (and snapshot
// file), the wal of the appends after it, and the state after each prefix
// of those appends.
type fuzzHistory struct {
	files    map[string]string // every file of the store but the wal
	wal      []byte
	snapshot []byte
	states   [][]byte // states[i]: after the first i appends
	offs     []int    // where each record starts, and the wal's end
	// ordered: the wal's format numbers and chains its records, so that
	// nothing but a prefix of the appends can be read back. The first
	// format cannot see a whole record left out or moved.
	ordered bool
}

// fuzzHistories writes the histories FuzzWal reads: small records, records
// of some hundreds of bytes (across sector boundaries), and the first
// format's.
func fuzzHistories(t testing.TB) []fuzzHistory {
	var hs []fuzzHistory
	for _, shape := range []struct {
		appends, entry int
	}{{12, 10}, {5, 700}} {
		dir, models := walStore(t, 0, fmt.Sprint(shape))
		s, _, _, _ := open(t, dir)
		m := models[0]
		for i := range shape.appends {
			header := []byte(fmt.Sprintf("H%07d", i))
			keep := max(len(header), len(m.state)-(i%4)*shape.entry/2) // now and then cutting the log
			tail := bytes.Repeat([]byte{byte('a' + i)}, shape.entry+i)
			if i%5 == 4 {
				tail = nil // a new term or vote alone
			}
			if err := s.Append(header, keep, tail); err != nil {
				t.Fatal(err)
			}
			m.state = bytes.Clone(m.state)
			m.append(header, keep, tail)
			models = append(models, m)
		}
		s.Close()
		hs = append(hs, newFuzzHistory(t, dir, models, true))
	}
	dir, models, _ := v1Store(t, 1, 6)
	return append(hs, newFuzzHistory(t, dir, models, false))
}

func newFuzzHistory(t testing.TB, dir string, models []model, ordered bool) fuzzHistory {
	h := fuzzHistory{
		files:    dirFiles(t, dir),
		wal:      readFile(t, filepath.Join(dir, walName)),
		snapshot: models[0].snapshot,
		ordered:  ordered,
	}
	delete(h.files, walName)
	for _, m := range models {
		h.states = append(h.states, m.state)
	}
	if ordered {
		h.offs = recordOffsets(t, dir)
	}
	return h
}

// FuzzWal mutates and cuts the wal of a known history. Whatever Open
// returns without an error must be the state after some prefix of the
// appends the history wrote, and the snapshot of its base, never anything
// else; an error must be a *CorruptError that left the wal as it was; and
// a store Open repaired opens again as it is, quietly. Open must not panic
// or hang. Run it with
//
//	go test -fuzz=FuzzWal -parallel 1 ./cluster/disk
func FuzzWal(f *testing.F) {
	hs := fuzzHistories(f)
	for i, h := range hs {
		which := uint8(i)
		f.Add(which, h.wal)
		f.Add(which, h.wal[:walHeaderSize])
		f.Add(which, append(bytes.Clone(h.wal), make([]byte, 30)...))
		for j := 1; j+1 < len(h.offs); j++ {
			rec := h.wal[h.offs[j]:h.offs[j+1]]
			f.Add(which, h.wal[:h.offs[j]+len(rec)/2])                                   // cut in a record
			f.Add(which, append(bytes.Clone(h.wal[:h.offs[j+1]]), rec...))               // a record twice
			f.Add(which, append(bytes.Clone(h.wal[:h.offs[j]]), h.wal[h.offs[j+1]:]...)) // one left out
		}
	}
	// The first format's seeds of the fuzz test this one replaced.
	f.Add(uint8(2), append(encodeWalHeaderV1(1), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0))
	f.Add(uint8(2), []byte("RLWAL001"))

	f.Fuzz(func(t *testing.T, which uint8, wal []byte) {
		h := hs[int(which)%len(hs)]
		dir := t.TempDir()
		for name, b := range h.files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(b), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, walName), wal, 0o600); err != nil {
			t.Fatal(err)
		}
		s, state, snap, err := Open(dir, nil)
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Open: %v, want a state or a *CorruptError", err)
			}
			if bytes.Equal(wal, h.wal) {
				t.Fatalf("Open of the history as it was written: %v", err)
			}
			if after := readFile(t, filepath.Join(dir, walName)); !bytes.Equal(after, wal) {
				t.Fatalf("Open refused (%v), and changed the wal", err)
			}
			return
		}
		s.Close()
		if !bytes.Equal(snap, h.snapshot) {
			t.Fatalf("snapshot %q, want the base's, %q", abbrev(snap), abbrev(h.snapshot))
		}
		prefix := -1
		for i, st := range h.states {
			if bytes.Equal(state, st) {
				prefix = i
			}
		}
		if prefix < 0 && h.ordered {
			t.Fatalf("Open returned a state of %d bytes that no prefix of the appends made: %q", len(state), abbrev(state))
		}
		l := &logs{}
		s, again, snap, err := Open(dir, l.logf)
		if err != nil {
			t.Fatalf("Open after a successful Open: %v", err)
		}
		s.Close()
		if !bytes.Equal(again, state) || !bytes.Equal(snap, h.snapshot) || len(l.lines) != 0 {
			t.Fatalf("a second Open returned state %q (the first: %q), logged %q", abbrev(again), abbrev(state), l.lines)
		}
	})
}
