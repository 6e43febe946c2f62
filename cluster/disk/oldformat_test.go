package disk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Stores written before the current format: before RLBASE02 the base held
// the snapshot's bytes; before RLWAL002 a wal's records carried no number
// and no link. Open reads them, a wal by the same torn-or-damage rule, and
// rewrites the store in the current format.

// encodeBaseV1, encodeWalHeaderV1 and encodeRecordV1 are the first
// formats' layouts.
func encodeBaseV1(gen uint64, state, snapshot []byte) []byte {
	b := append([]byte(nil), baseMagicV1[:]...)
	b = binary.BigEndian.AppendUint64(b, gen)
	b = binary.BigEndian.AppendUint64(b, uint64(len(state)))
	b = binary.BigEndian.AppendUint64(b, uint64(len(snapshot)))
	b = append(b, state...)
	b = append(b, snapshot...)
	return binary.BigEndian.AppendUint32(b, checksum(b))
}

func encodeWalHeaderV1(gen uint64) []byte {
	b := append([]byte(nil), walMagicV1[:]...)
	b = binary.BigEndian.AppendUint64(b, gen)
	return binary.BigEndian.AppendUint32(b, checksum(b))
}

func encodeRecordV1(header []byte, keep int, tail []byte) []byte {
	n := appendFixed + len(header) + len(tail)
	r := make([]byte, frameSize, frameSize+n)
	r = binary.BigEndian.AppendUint64(r, uint64(keep))
	r = binary.BigEndian.AppendUint32(r, uint32(len(header)))
	r = append(r, header...)
	r = append(r, tail...)
	binary.BigEndian.PutUint32(r[0:], uint32(n))
	binary.BigEndian.PutUint32(r[4:], checksum(r[0:4]))
	binary.BigEndian.PutUint32(r[8:], checksum(r[frameSize:]))
	return r
}

// v1Store writes a store of the first format in a new directory: a base
// of generation gen and a wal of n appends after it. It returns the
// directory, the model after each prefix of the appends, and the wal.
func v1Store(t testing.TB, gen uint64, n int) (string, []model, []byte) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "old")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	m := model{state: []byte("HEADER00 an old state"), snapshot: []byte("an old snapshot")}
	models := []model{m}
	wal := encodeWalHeaderV1(gen)
	for i := range n {
		header := []byte(fmt.Sprintf("H%07d", i))
		keep := max(len(header), len(m.state)-i%2)
		tail := []byte(fmt.Sprintf("old entry %d;", i))
		wal = append(wal, encodeRecordV1(header, keep, tail)...)
		m.state = bytes.Clone(m.state)
		m.append(header, keep, tail)
		models = append(models, m)
	}
	os.WriteFile(filepath.Join(dir, baseName), encodeBaseV1(gen, models[0].state, models[0].snapshot), 0o600)
	os.WriteFile(filepath.Join(dir, walName), wal, 0o600)
	return dir, models, wal
}

func TestOldFormatIsReadAndRewritten(t *testing.T) {
	dir, models, _ := v1Store(t, 3, 4)
	s, state, snap, l := open(t, dir)
	check(t, "an old store", state, snap, models[4])
	if len(l.lines) != 1 || !strings.Contains(l.lines[0], "older format (base RLBASE01, the snapshot inside it; wal RLWAL001): rewrote it") {
		t.Fatalf("log %q, want one line saying the store was rewritten", l.lines)
	}
	checkCurrentFormat(t, dir, 4)
	if err := s.Append([]byte("H-new!!!"), len(state), []byte(" new")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	want := models[4]
	want.append([]byte("H-new!!!"), len(want.state), []byte(" new"))
	_, state, snap, l = open(t, dir)
	check(t, "the rewritten store, after an append", state, snap, want)
	if len(l.lines) != 0 {
		t.Fatalf("reopening the rewritten store logged %q", l.lines)
	}
}

// checkCurrentFormat checks that store dir is in the current format, of
// generation gen, its snapshot in snapshot-1 (the first number Open of an
// old store takes), and nothing else there.
func checkCurrentFormat(t *testing.T, dir string, gen uint64) {
	t.Helper()
	b, err := decodeBase(readFile(t, filepath.Join(dir, baseName)))
	if err != nil || b.version != 2 || b.gen != gen || b.snap.n != 1 {
		t.Fatalf("the base after Open: version %d, generation %d, snapshot file %d, error %v; want 2, %d, 1, none", b.version, b.gen, b.snap.n, err, gen)
	}
	if wal := readFile(t, filepath.Join(dir, walName)); !bytes.Equal(wal[:8], walMagic[:]) {
		t.Fatalf("the wal starts %q after Open, want %q", wal[:8], walMagic[:])
	}
	if files := strings.Join(slices.Sorted(maps.Keys(dirFiles(t, dir))), " "); files != "base snapshot-1 wal" {
		t.Fatalf("the store holds %s after Open, want base snapshot-1 wal", files)
	}
}

// The format just before this one: a base with the snapshot inside it
// (RLBASE01), and a wal of numbered, chained records (RLWAL002) whose
// chain starts from that base.
func TestOldBaseWithCurrentWalIsRewritten(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "old")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	m := model{state: []byte("HEADER00 a state"), snapshot: []byte("a snapshot inside the base")}
	b := encodeBaseV1(5, m.state, m.snapshot)
	wal := encodeWalHeader(5)
	prev := chainSeed(binary.BigEndian.Uint32(b[len(b)-4:]), checksum(wal[:16]))
	for i := range 3 {
		header, tail := []byte(fmt.Sprintf("H%07d", i)), []byte(fmt.Sprintf(" entry %d", i))
		var r []byte
		r, prev = encodeRecord(uint64(i+1), prev, header, len(m.state), tail)
		wal = append(wal, r...)
		m.state = bytes.Clone(m.state)
		m.append(header, len(m.state), tail)
	}
	os.WriteFile(filepath.Join(dir, baseName), b, 0o600)
	os.WriteFile(filepath.Join(dir, walName), wal, 0o600)

	_, state, snap, l := open(t, dir)
	check(t, "an RLBASE01 store", state, snap, m)
	if len(l.lines) != 1 || !strings.Contains(l.lines[0], "older format (base RLBASE01, the snapshot inside it): rewrote it in the current one (base RLBASE02, wal RLWAL002, the snapshot in snapshot-1), generation 6") {
		t.Fatalf("log %q, want one line saying the store was rewritten", l.lines)
	}
	checkCurrentFormat(t, dir, 6)
	_, state, snap, l = open(t, dir)
	check(t, "the rewritten store", state, snap, m)
	if len(l.lines) != 0 {
		t.Fatalf("reopening the rewritten store logged %q", l.lines)
	}
}

// An old base that is damaged is refused, as a current one is.
func TestOldBaseDamagedStopsOpen(t *testing.T) {
	src, _, _ := v1Store(t, 1, 2)
	whole := readFile(t, filepath.Join(src, baseName))
	for at := range whole {
		dir := copyDir(t, src)
		os.WriteFile(filepath.Join(dir, baseName), flipByte(whole, at, 0x04), 0o600)
		files := dirFiles(t, dir)
		var ce *CorruptError
		if _, _, _, err := Open(dir, nil); !errors.As(err, &ce) || ce.File != filepath.Join(dir, baseName) {
			t.Fatalf("byte %d of an old base flipped: Open returned %v, want a *CorruptError naming the base", at, err)
		}
		if !maps.Equal(files, dirFiles(t, dir)) {
			t.Fatalf("byte %d of an old base flipped: Open refused, and changed the files", at)
		}
	}
}

// An old wal's torn tail is dropped as a new one's is; damage refused.
func TestOldFormatTornOrDamaged(t *testing.T) {
	src, models, whole := v1Store(t, 1, 3)
	last := encodeRecordV1([]byte("H-torn!!"), 8, []byte("never acknowledged"))
	start := len(whole) - len(encodeRecordV1([]byte("H0000002"), 0, []byte("old entry 2;")))
	for _, cut := range []int{1, frameSize - 1, frameSize + 3, len(last) - 1} {
		dir := copyDir(t, src)
		os.WriteFile(filepath.Join(dir, walName), append(bytes.Clone(whole), last[:cut]...), 0o600)
		_, state, snap, l := open(t, dir)
		check(t, fmt.Sprintf("an old wal with %d torn bytes", cut), state, snap, models[3])
		if len(l.lines) != 2 || !strings.Contains(l.lines[0], "a record torn by a crash") || !strings.Contains(l.lines[1], "rewrote") {
			t.Fatalf("torn old wal: log %q, want a line about the torn record and one about the rewrite", l.lines)
		}
	}
	for at := start; at < len(whole); at++ {
		dir := copyDir(t, src)
		os.WriteFile(filepath.Join(dir, walName), flipByte(whole, at, 0x20), 0o600)
		refused(t, fmt.Sprintf("an old wal's last record, byte %d flipped", at-start), dir, start)
	}
}

// A torn copy of an old store: the first bytes of a record like its last.
func TestTornCopyOfAnOldStore(t *testing.T) {
	src, models, _ := v1Store(t, 1, 3)
	dst := filepath.Join(t.TempDir(), "copy")
	if torn, err := TornCopy(src, dst, 15); err != nil || torn != 15 {
		t.Fatalf("TornCopy = %d, %v; want 15, nil", torn, err)
	}
	_, state, snap, l := open(t, dst)
	check(t, "a torn copy of an old store", state, snap, models[3])
	if len(l.lines) != 2 || !strings.Contains(l.lines[0], "dropped 15 bytes") {
		t.Fatalf("log %q, want a line about 15 torn bytes, and one about the rewrite", l.lines)
	}
}

func flipByte(b []byte, at int, mask byte) []byte {
	b = bytes.Clone(b)
	b[at] ^= mask
	return b
}
