package disk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
)

// The byte layouts, all integers big-endian; see doc.go for the picture.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

var (
	// baseMagic starts a base that holds the state and names its
	// snapshot, kept in a file of its own.
	baseMagic = [8]byte{'R', 'L', 'B', 'A', 'S', 'E', '0', '2'}
	// baseMagicV1 starts a base of the first format, with the snapshot's
	// bytes inside it: still read, and then rewritten (Open).
	baseMagicV1 = [8]byte{'R', 'L', 'B', 'A', 'S', 'E', '0', '1'}
	// snapMagic starts a snapshot file.
	snapMagic = [8]byte{'R', 'L', 'S', 'N', 'A', 'P', '0', '1'}
	// walMagic starts a wal whose records are numbered and chained, each
	// carrying the checksum of the one before it.
	walMagic = [8]byte{'R', 'L', 'W', 'A', 'L', '0', '0', '2'}
	// walMagicV1 starts a wal of the first format, whose records stand
	// alone: still read, so that a store written before the change opens,
	// and then rewritten in the current format (Open).
	walMagicV1 = [8]byte{'R', 'L', 'W', 'A', 'L', '0', '0', '1'}
)

const (
	snapRefSize    = 8 + 8 + 4               // a snapshot file's number, the snapshot's length, the file's checksum
	baseFixed      = 8 + 8 + snapRefSize + 8 // magic, generation, snapshot reference, state length
	baseFixedV1    = 8 + 8 + 8 + 8           // magic, generation, state length, snapshot length
	snapHeaderSize = 8 + 8 + 8               // magic, number, snapshot length
	snapFileFixed  = snapHeaderSize + 4      // and the checksum at the end
	walHeaderSize  = 8 + 8 + 4               // magic, generation, checksum of both
	frameSize      = 4 + 4 + 4               // payload length, its checksum, the payload's checksum
	placeSize      = 8 + 4                   // a record's number, the checksum of the record before it
	appendFixed    = 8 + 4                   // keep, header length (the whole fixed part in version 1)
	payloadFixed   = placeSize + appendFixed
	// maxPayload bounds a record, so that a corrupt length cannot make a
	// reader allocate without limit: far above any Raft append (a batch of
	// entries), far below memory.
	maxPayload = 1 << 30
)

// snapRef is what a base holds of its snapshot: which file, and what the
// file must hold. The zero snapRef is no snapshot, and no file (an empty
// snapshot is not written: Raft's first has at least its index).
type snapRef struct {
	n      uint64 // the file's number: its name is snapshot-<n>; 0 for none
	length uint64 // the snapshot's length in bytes
	sum    uint32 // the file's checksum, its last 4 bytes
}

// fileSize is the size of the snapshot file r names.
func (r snapRef) fileSize() int64 {
	if r.n == 0 {
		return 0
	}
	return snapFileFixed + int64(r.length)
}

type base struct {
	version  int // 2 for baseMagic, 1 for baseMagicV1
	gen      uint64
	state    []byte
	snap     snapRef // version 2: the file that holds the snapshot
	snapshot []byte  // version 1: the snapshot itself
	sum      uint32  // the file's checksum, which its wal's chain starts from
}

// encodeBase lays out a base file: magic, generation, the snapshot's
// reference, the state's length, the state, and the checksum of everything
// before it.
func encodeBase(gen uint64, state []byte, snap snapRef) []byte {
	b := make([]byte, 0, baseFixed+len(state)+4)
	b = append(b, baseMagic[:]...)
	b = binary.BigEndian.AppendUint64(b, gen)
	b = binary.BigEndian.AppendUint64(b, snap.n)
	b = binary.BigEndian.AppendUint64(b, snap.length)
	b = binary.BigEndian.AppendUint32(b, snap.sum)
	b = binary.BigEndian.AppendUint64(b, uint64(len(state)))
	b = append(b, state...)
	return binary.BigEndian.AppendUint32(b, checksum(b))
}

// decodeBase reads a base file of either format; the slices it returns
// are copies.
func decodeBase(b []byte) (base, error) {
	if len(b) < 8 {
		return base{}, fmt.Errorf("%d bytes, shorter than a base file's magic", len(b))
	}
	var bs base
	fixed := baseFixed
	switch [8]byte(b[:8]) {
	case baseMagic:
		bs.version = 2
	case baseMagicV1:
		bs.version, fixed = 1, baseFixedV1
	default:
		return base{}, fmt.Errorf("not a base file (magic %q, want %q or the older %q)", b[:8], baseMagic[:], baseMagicV1[:])
	}
	if len(b) < fixed+4 {
		return base{}, fmt.Errorf("%d bytes, shorter than a base file's fixed part", len(b))
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if checksum(body) != sum {
		return base{}, errors.New("checksum mismatch")
	}
	bs.gen, bs.sum = binary.BigEndian.Uint64(b[8:]), sum
	rest := uint64(len(body) - fixed)
	if bs.version == 1 {
		ns, nsnap := binary.BigEndian.Uint64(b[16:]), binary.BigEndian.Uint64(b[24:])
		if ns > rest || nsnap != rest-ns {
			return base{}, fmt.Errorf("lengths %d and %d do not fit the %d bytes after the fixed part", ns, nsnap, rest)
		}
		bs.state, bs.snapshot = nilIfEmpty(body[fixed:fixed+int(ns)]), nilIfEmpty(body[fixed+int(ns):])
		return bs, nil
	}
	bs.snap = snapRef{n: binary.BigEndian.Uint64(b[16:]), length: binary.BigEndian.Uint64(b[24:]), sum: binary.BigEndian.Uint32(b[32:])}
	if (bs.snap.n == 0) != (bs.snap.length == 0) || (bs.snap.n == 0 && bs.snap.sum != 0) {
		return base{}, fmt.Errorf("a snapshot reference of file %d, %d bytes, checksum %08x: a snapshot without a file, or a file without a snapshot", bs.snap.n, bs.snap.length, bs.snap.sum)
	}
	if ns := binary.BigEndian.Uint64(b[36:]); ns != rest {
		return base{}, fmt.Errorf("a state length of %d, but %d bytes after the fixed part", ns, rest)
	}
	bs.state = nilIfEmpty(body[fixed:])
	return bs, nil
}

// snapName is the name of snapshot file n.
func snapName(n uint64) string { return fmt.Sprintf("snapshot-%d", n) }

// parseSnapName returns the number of a snapshot file's name, as snapName
// writes it (no other spelling), and whether it is one.
func parseSnapName(name string) (uint64, bool) {
	digits, ok := strings.CutPrefix(name, "snapshot-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n == 0 || snapName(n) != name {
		return 0, false
	}
	return n, true
}

// encodeSnapFile lays out snapshot file n around snapshot, without
// copying it (it may be hundreds of MB): the header before it (magic, n,
// the snapshot's length) and the trailer after it (the checksum of the
// header and the snapshot), and returns that checksum, which the base
// names the file by.
func encodeSnapFile(n uint64, snapshot []byte) (header, trailer []byte, sum uint32) {
	header = make([]byte, 0, snapHeaderSize)
	header = append(header, snapMagic[:]...)
	header = binary.BigEndian.AppendUint64(header, n)
	header = binary.BigEndian.AppendUint64(header, uint64(len(snapshot)))
	sum = crc32.Update(checksum(header), castagnoli, snapshot)
	return header, binary.BigEndian.AppendUint32(nil, sum), sum
}

// decodeSnapshot checks the bytes of a snapshot file against ref, the
// base's reference to it, and returns the snapshot (a slice of b), or
// the offset where the file goes wrong and what is wrong.
func decodeSnapshot(b []byte, ref snapRef) ([]byte, int64, error) {
	switch {
	case len(b) < snapFileFixed:
		return nil, 0, fmt.Errorf("%d bytes, shorter than a snapshot file's header and checksum (%d); the base names a snapshot of %d bytes", len(b), snapFileFixed, ref.length)
	case [8]byte(b[:8]) != snapMagic:
		return nil, 0, fmt.Errorf("not a snapshot file (magic %q, want %q)", b[:8], snapMagic[:])
	case binary.BigEndian.Uint64(b[8:]) != ref.n:
		return nil, 8, fmt.Errorf("the file says it is number %d; its name and the base say %d", binary.BigEndian.Uint64(b[8:]), ref.n)
	case binary.BigEndian.Uint64(b[16:]) != ref.length:
		return nil, 16, fmt.Errorf("the file says it holds %d bytes; the base says %d", binary.BigEndian.Uint64(b[16:]), ref.length)
	case int64(len(b)) < ref.fileSize():
		return nil, int64(len(b)), fmt.Errorf("the file ends at %d bytes, before the %d its snapshot of %d bytes takes", len(b), ref.fileSize(), ref.length)
	case int64(len(b)) > ref.fileSize():
		return nil, ref.fileSize(), fmt.Errorf("%d bytes after the end of the snapshot and its checksum", int64(len(b))-ref.fileSize())
	}
	end := len(b) - 4
	sum := binary.BigEndian.Uint32(b[end:])
	if checksum(b[:end]) != sum {
		return nil, 0, errors.New("the file's bytes do not match its checksum")
	}
	if sum != ref.sum {
		return nil, int64(end), fmt.Errorf("the file's checksum is %08x, the base names one of %08x: a snapshot other than the base's", sum, ref.sum)
	}
	return b[snapHeaderSize:end:end], 0, nil
}

// nilIfEmpty returns a copy of b, nil when b is empty (as a Persister
// that never saw a snapshot holds it).
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// encodeWalHeader lays out the header of an empty wal of generation gen.
func encodeWalHeader(gen uint64) []byte {
	b := make([]byte, 0, walHeaderSize)
	b = append(b, walMagic[:]...)
	b = binary.BigEndian.AppendUint64(b, gen)
	return binary.BigEndian.AppendUint32(b, checksum(b))
}

// walHeader is a decoded wal header.
type walHeader struct {
	gen     uint64
	version int    // 2 for walMagic, 1 for walMagicV1
	sum     uint32 // the header's checksum
}

func decodeWalHeader(b []byte) (walHeader, error) {
	if len(b) < walHeaderSize {
		return walHeader{}, fmt.Errorf("%d bytes, shorter than a wal header", len(b))
	}
	var h walHeader
	switch [8]byte(b[:8]) {
	case walMagic:
		h.version = 2
	case walMagicV1:
		h.version = 1
	default:
		return walHeader{}, fmt.Errorf("not a wal (magic %q, want %q or the older %q)", b[:8], walMagic[:], walMagicV1[:])
	}
	h.sum = binary.BigEndian.Uint32(b[16:])
	if checksum(b[:16]) != h.sum {
		return walHeader{}, errors.New("wal header checksum mismatch")
	}
	h.gen = binary.BigEndian.Uint64(b[8:])
	return h, nil
}

// chainSeed is what a wal's first record links to, in place of a record
// before it: the checksums of the base the wal follows and of the wal's
// header (its magic and generation). So a record is out of place in a wal
// of another generation, and a wal copied from another store (of the same
// generation, as every store's first is 1) is out of place after this
// store's base.
func chainSeed(baseSum, headerSum uint32) uint32 {
	var b [8]byte
	binary.BigEndian.PutUint32(b[0:], baseSum)
	binary.BigEndian.PutUint32(b[4:], headerSum)
	return checksum(b[:])
}

// encodeRecord frames one append, the seq-th record of its wal, following
// the record whose checksum is prev (for the first, chainSeed). The
// frame: the payload's length and that length's own checksum (so that a
// damaged length is told from a torn write), the payload's checksum. The
// payload: seq, prev, keep, the header's length, the header and the tail.
// It returns the record and its checksum, the next record's prev.
func encodeRecord(seq uint64, prev uint32, header []byte, keep int, tail []byte) ([]byte, uint32) {
	n := payloadFixed + len(header) + len(tail)
	r := make([]byte, frameSize, frameSize+n)
	r = binary.BigEndian.AppendUint64(r, seq)
	r = binary.BigEndian.AppendUint32(r, prev)
	r = binary.BigEndian.AppendUint64(r, uint64(keep))
	r = binary.BigEndian.AppendUint32(r, uint32(len(header)))
	r = append(r, header...)
	r = append(r, tail...)
	sum := checksum(r[frameSize:])
	binary.BigEndian.PutUint32(r[0:], uint32(n))
	binary.BigEndian.PutUint32(r[4:], checksum(r[0:4]))
	binary.BigEndian.PutUint32(r[8:], sum)
	return r, sum
}

// record is one decoded append.
type record struct {
	seq          uint64 // its number in the wal, from 1 (counted for version 1)
	prev         uint32 // the checksum of the record before it (version 2)
	sum          uint32 // its own payload's checksum
	keep         uint64
	header, tail []byte // slices of the wal's bytes
}

// errCutShort is a record whose bytes end before its frame does, or before
// the payload its length (which matches its own checksum) announces: what
// a crash in the middle of an append leaves. Every other way a record can
// fail is an error saying what is wrong.
var errCutShort = errors.New("record cut short by the end of the file")

// decodeRecord reads the record at the start of b, in the layout of wal
// format version, and returns it and its size in bytes. It checks the
// record alone; its place in the wal (seq, prev) is the reader's to check.
func decodeRecord(b []byte, version int) (record, int, error) {
	if len(b) < frameSize {
		return record{}, 0, errCutShort
	}
	n := binary.BigEndian.Uint32(b[0:])
	if checksum(b[0:4]) != binary.BigEndian.Uint32(b[4:]) {
		return record{}, 0, errors.New("the record's length field does not match its checksum")
	}
	fixed := payloadFixed
	if version == 1 {
		fixed = appendFixed // version 1 has no place fields
	}
	// The length matches its checksum, so it is what an append wrote: no
	// append writes one out of these bounds.
	if n > maxPayload || n < uint32(fixed) {
		return record{}, 0, fmt.Errorf("a payload length of %d bytes, outside %d .. %d", n, fixed, maxPayload)
	}
	if uint64(len(b)-frameSize) < uint64(n) {
		return record{}, 0, errCutShort
	}
	p := b[frameSize : frameSize+int(n)]
	r := record{sum: binary.BigEndian.Uint32(b[8:])}
	if checksum(p) != r.sum {
		return record{}, 0, errors.New("the record's payload does not match its checksum, though all its bytes are there")
	}
	if version != 1 {
		r.seq, r.prev = binary.BigEndian.Uint64(p[0:]), binary.BigEndian.Uint32(p[8:])
		p = p[placeSize:]
	}
	r.keep = binary.BigEndian.Uint64(p[0:])
	hl := binary.BigEndian.Uint32(p[8:])
	if uint64(hl) > uint64(len(p)-appendFixed) {
		return record{}, 0, fmt.Errorf("a header of %d bytes in a payload of %d", hl, n)
	}
	r.header, r.tail = p[appendFixed:appendFixed+int(hl)], p[appendFixed+int(hl):]
	return r, frameSize + int(n), nil
}

// allZero reports whether b holds only zero bytes: the file system grew
// the file but never wrote what the append put there.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
