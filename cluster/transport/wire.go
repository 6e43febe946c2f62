package transport

// The bytes on the wire: the handshake that opens a connection, the frames
// that follow, and the request and response that a frame holds. Only
// layouts and their limits live here; who reads and writes when is in
// codec.go, client.go and server.go.

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Limits on what a peer may send. Every length is checked against its
// limit before anything of that size is allocated.
const (
	// MaxFrame bounds a frame's payload: one request or one reply,
	// snapshots included.
	MaxFrame = 64 << 20
	// MaxSecret bounds the cluster secret.
	MaxSecret = 1024
	// MaxName bounds a service method's name.
	MaxName = 256
)

// magic opens the handshake both ways: a raftlab peer connection, version 1.
const magic = "RLRPC001"

const (
	u32 = 4 // bytes of a length
	u64 = 8 // bytes of a sequence number
)

// ProtocolError says that a peer sent bytes that break the wire format.
// A connection that carried one is closed.
type ProtocolError struct {
	What string
}

func (e *ProtocolError) Error() string { return "protocol error: " + e.What }

func protocolErrorf(format string, args ...any) error {
	return &ProtocolError{What: fmt.Sprintf(format, args...)}
}

// errWrongSecret is a handshake with the right magic and the wrong secret.
var errWrongSecret = errors.New("wrong cluster secret")

// hello is what a client sends when it connects: magic, then the secret's
// length and the secret.
func hello(secret string) []byte {
	b := make([]byte, 0, len(magic)+u32+len(secret))
	b = append(b, magic...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(secret)))
	return append(b, secret...)
}

// secretDigest is what secrets are compared by: digests of equal length,
// so that the comparison takes the same time whatever the secrets' lengths
// and contents.
func secretDigest(secret string) [sha256.Size]byte {
	return sha256.Sum256([]byte(secret))
}

// readHello reads a client's hello from r and checks its secret against
// want. It reads at most len(magic)+4+MaxSecret bytes, and stops at the
// first byte that cannot be a hello's.
func readHello(r io.Reader, want [sha256.Size]byte) error {
	var head [len(magic) + u32]byte
	if _, err := io.ReadFull(r, head[:len(magic)]); err != nil {
		return fmt.Errorf("no handshake: %w", err)
	}
	if string(head[:len(magic)]) != magic {
		return protocolErrorf("not a raftlab peer: handshake starts %q, want %q", head[:len(magic)], magic)
	}
	if _, err := io.ReadFull(r, head[len(magic):]); err != nil {
		return fmt.Errorf("handshake cut short: %w", err)
	}
	n := binary.BigEndian.Uint32(head[len(magic):])
	if n > MaxSecret {
		return protocolErrorf("handshake declares a secret of %d bytes, the limit is %d", n, MaxSecret)
	}
	secret := make([]byte, n)
	if _, err := io.ReadFull(r, secret); err != nil {
		return fmt.Errorf("handshake cut short: %w", err)
	}
	got := sha256.Sum256(secret)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return errWrongSecret
	}
	return nil
}

// readWelcome reads the server's answer to a hello: magic, sent only if it
// accepted the secret. A server that refuses closes the connection instead.
func readWelcome(r io.Reader) error {
	var got [len(magic)]byte
	if _, err := io.ReadFull(r, got[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("the peer closed the connection during the handshake (is its cluster secret the same?): %w", err)
		}
		return fmt.Errorf("no answer to the handshake: %w", err)
	}
	if string(got[:]) != magic {
		return protocolErrorf("not a raftlab peer: it answered the handshake with %q", got[:])
	}
	return nil
}

// readFrame reads one frame: a payload's length, then the payload. A length
// over MaxFrame is refused before anything is allocated, and the payload's
// buffer grows with the bytes that actually arrive, so a peer that declares
// a large frame and sends little costs little. io.EOF means the stream
// ended cleanly between frames.
func readFrame(r io.Reader) ([]byte, error) {
	var head [u32]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n > MaxFrame {
		return nil, protocolErrorf("frame of %d bytes declared, the limit is %d", n, MaxFrame)
	}
	return readN(r, int(n))
}

// readN reads exactly n bytes, growing its buffer as they arrive, by
// doubling from 64 KiB.
func readN(r io.Reader, n int) ([]byte, error) {
	const first = 64 << 10
	buf := make([]byte, 0, min(n, first))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil && len(buf) < n {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

// frameHead is the start of a frame up to where a variable-length tail
// begins: the frame's length, for a payload of fixed followed by tail
// bytes.
func frameHead(fixed []byte, tail int) ([]byte, error) {
	n := len(fixed) + tail
	if n > MaxFrame {
		return nil, fmt.Errorf("a message of %d bytes exceeds the frame limit of %d", n, MaxFrame)
	}
	b := make([]byte, 0, u32+len(fixed))
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return append(b, fixed...), nil
}

// A request's payload: its sequence number (net/rpc's), the net/rpc
// method, the labrpc service method, and the labgob-encoded args, which
// run to the end of the frame.
//
//	seq u64 | len u32, method | len u32, svcMeth | args
//
// requestFixed returns all of it but the args.
func requestFixed(seq uint64, method, svcMeth string) []byte {
	b := make([]byte, 0, u64+2*u32+len(method)+len(svcMeth))
	b = binary.BigEndian.AppendUint64(b, seq)
	b = appendString(b, method)
	return appendString(b, svcMeth)
}

// parseRequestHead reads a request's sequence number and net/rpc method,
// returning the rest of the payload (the body).
func parseRequestHead(p []byte) (seq uint64, method string, body []byte, err error) {
	if len(p) < u64 {
		return 0, "", nil, protocolErrorf("request of %d bytes, shorter than its sequence number", len(p))
	}
	seq = binary.BigEndian.Uint64(p)
	method, body, err = parseString(p[u64:], "method")
	return seq, method, body, err
}

// parseRequestBody reads a request's body: the labrpc service method and
// the args.
func parseRequestBody(body []byte) (svcMeth string, args []byte, err error) {
	svcMeth, args, err = parseString(body, "service method")
	return svcMeth, args, err
}

// A response's payload: the sequence number of its request, net/rpc's
// error (empty if none), and the labgob-encoded reply, which runs to the
// end of the frame (nothing when there is an error).
//
//	seq u64 | len u32, error | reply
//
// responseFixed returns all of it but the reply.
func responseFixed(seq uint64, errmsg string) []byte {
	b := make([]byte, 0, u64+u32+len(errmsg))
	b = binary.BigEndian.AppendUint64(b, seq)
	return appendString(b, errmsg)
}

// parseResponse reads a response: its request's sequence number, the
// error, and the reply.
func parseResponse(p []byte) (seq uint64, errmsg string, reply []byte, err error) {
	if len(p) < u64 {
		return 0, "", nil, protocolErrorf("response of %d bytes, shorter than its sequence number", len(p))
	}
	seq = binary.BigEndian.Uint64(p)
	errmsg, reply, err = parseBytesString(p[u64:], "error", MaxFrame)
	return seq, errmsg, reply, err
}

// appendString appends s with its length before it.
func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// parseString reads a name written by appendString: at most MaxName bytes.
func parseString(p []byte, what string) (s string, rest []byte, err error) {
	return parseBytesString(p, what, MaxName)
}

// parseBytesString reads a string written by appendString, of at most
// limit bytes, and returns what follows it.
func parseBytesString(p []byte, what string, limit int) (s string, rest []byte, err error) {
	if len(p) < u32 {
		return "", nil, protocolErrorf("%s's length cut short: %d bytes left", what, len(p))
	}
	n := binary.BigEndian.Uint32(p)
	p = p[u32:]
	if n > uint32(limit) {
		return "", nil, protocolErrorf("%s of %d bytes, the limit is %d", what, n, limit)
	}
	if int(n) > len(p) {
		return "", nil, protocolErrorf("%s of %d bytes, only %d left in the frame", what, n, len(p))
	}
	return string(p[:n]), p[n:], nil
}
