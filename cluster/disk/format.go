package disk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The byte layouts, all integers big-endian; see doc.go for the picture.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

var (
	baseMagic = [8]byte{'R', 'L', 'B', 'A', 'S', 'E', '0', '1'}
	walMagic  = [8]byte{'R', 'L', 'W', 'A', 'L', '0', '0', '1'}
)

const (
	baseFixed     = 8 + 8 + 8 + 8 // magic, generation, state length, snapshot length
	walHeaderSize = 8 + 8 + 4     // magic, generation, checksum of both
	frameSize     = 4 + 4 + 4     // payload length, its checksum, the payload's checksum
	payloadFixed  = 8 + 4         // keep, header length
	// maxPayload bounds a record, so that a corrupt length cannot make a
	// reader allocate without limit: far above any Raft append (a batch of
	// entries), far below memory.
	maxPayload = 1 << 30
)

type base struct {
	gen             uint64
	state, snapshot []byte
}

// encodeBase lays out a base file: magic, generation, the lengths, the
// state, the snapshot, and the checksum of everything before it.
func encodeBase(gen uint64, state, snapshot []byte) []byte {
	b := make([]byte, 0, baseFixed+len(state)+len(snapshot)+4)
	b = append(b, baseMagic[:]...)
	b = binary.BigEndian.AppendUint64(b, gen)
	b = binary.BigEndian.AppendUint64(b, uint64(len(state)))
	b = binary.BigEndian.AppendUint64(b, uint64(len(snapshot)))
	b = append(b, state...)
	b = append(b, snapshot...)
	return binary.BigEndian.AppendUint32(b, checksum(b))
}

// decodeBase reads a base file; the slices it returns are copies.
func decodeBase(b []byte) (base, error) {
	if len(b) < baseFixed+4 {
		return base{}, fmt.Errorf("%d bytes, shorter than a base file's fixed part", len(b))
	}
	if [8]byte(b[:8]) != baseMagic {
		return base{}, errors.New("not a base file (wrong magic)")
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if checksum(body) != sum {
		return base{}, errors.New("checksum mismatch")
	}
	gen := binary.BigEndian.Uint64(b[8:])
	ns, nsnap := binary.BigEndian.Uint64(b[16:]), binary.BigEndian.Uint64(b[24:])
	rest := uint64(len(body) - baseFixed)
	if ns > rest || nsnap != rest-ns {
		return base{}, fmt.Errorf("lengths %d and %d do not fit the %d bytes after the fixed part", ns, nsnap, rest)
	}
	return base{gen: gen, state: nilIfEmpty(body[baseFixed : baseFixed+ns]), snapshot: nilIfEmpty(body[baseFixed+ns:])}, nil
}

// nilIfEmpty returns a copy of b, nil when b is empty (as a Persister
// that never saw a snapshot holds it).
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

func encodeWalHeader(gen uint64) []byte {
	b := make([]byte, 0, walHeaderSize)
	b = append(b, walMagic[:]...)
	b = binary.BigEndian.AppendUint64(b, gen)
	return binary.BigEndian.AppendUint32(b, checksum(b))
}

// decodeWalHeader returns the generation of a wal.
func decodeWalHeader(b []byte) (uint64, error) {
	if len(b) < walHeaderSize {
		return 0, fmt.Errorf("%d bytes, shorter than a wal header", len(b))
	}
	if [8]byte(b[:8]) != walMagic {
		return 0, errors.New("not a wal (wrong magic)")
	}
	if checksum(b[:16]) != binary.BigEndian.Uint32(b[16:]) {
		return 0, errors.New("wal header checksum mismatch")
	}
	return binary.BigEndian.Uint64(b[8:]), nil
}

// encodeRecord frames one append: the payload's length and that length's
// own checksum (so a damaged length is told from a torn write), the
// payload's checksum, then the payload: keep, the header's length, the
// header and the tail.
func encodeRecord(header []byte, keep int, tail []byte) []byte {
	n := payloadFixed + len(header) + len(tail)
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

// record is one decoded append.
type record struct {
	keep         uint64
	header, tail []byte // slices of the wal's bytes
}

// errTorn is a frame that is not whole: it ends past the end of the data,
// or its length or payload does not match its checksum.
var errTorn = errors.New("record not whole")

// decodeRecord reads the record at the start of b and returns it and its
// size in bytes. A frame that is not whole is errTorn; a whole frame whose
// payload makes no sense is another error.
func decodeRecord(b []byte) (record, int, error) {
	if len(b) < frameSize {
		return record{}, 0, errTorn
	}
	n := binary.BigEndian.Uint32(b[0:])
	if checksum(b[0:4]) != binary.BigEndian.Uint32(b[4:]) || n > maxPayload || uint64(len(b)-frameSize) < uint64(n) {
		return record{}, 0, errTorn
	}
	p := b[frameSize : frameSize+int(n)]
	if checksum(p) != binary.BigEndian.Uint32(b[8:]) {
		return record{}, 0, errTorn
	}
	if len(p) < payloadFixed {
		return record{}, 0, fmt.Errorf("payload of %d bytes, shorter than its fixed part", len(p))
	}
	keep, hl := binary.BigEndian.Uint64(p[0:]), binary.BigEndian.Uint32(p[8:])
	if uint64(hl) > uint64(len(p)-payloadFixed) {
		return record{}, 0, fmt.Errorf("header of %d bytes in a payload of %d", hl, len(p))
	}
	h := p[payloadFixed : payloadFixed+int(hl)]
	return record{keep: keep, header: h, tail: p[payloadFixed+int(hl):]}, frameSize + int(n), nil
}
