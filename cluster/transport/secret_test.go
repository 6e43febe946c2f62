package transport

// Peers that should not be served: the wrong secret, no secret, and
// garbage. Each is cut off with one log line, and the server goes on
// serving the good peers.

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"raftlab/labrpc"
)

// TestSecret: only a client with the server's secret is served; a client
// with another, or none, is refused at its handshake with one line in the
// server's log, its calls are false, and the server keeps serving.
func TestSecret(t *testing.T) {
	log := newLog(t, "server")
	s, _ := junkServer(t, Config{Secret: "s3cret"}, log)
	addr := s.Addr().String()

	good := labrpc.MakeRemoteEnd(client(t, addr, Config{Secret: "s3cret"}))
	var n int
	if !good.Call("Junk.Double", 2, &n) || n != 4 {
		t.Fatalf("a call with the right secret: want true and 4, got %d", n)
	}
	for i, secret := range []string{"wrong", "", "s3cret ", strings.Repeat("s3cret", 100)} {
		clog := newLog(t, "client")
		bad := labrpc.MakeRemoteEnd(client(t, addr, Config{Secret: secret, Logf: clog.logf}))
		if r := await(t, goCall(bad, "Junk.Double", 1, new(int)), prompt, "a call with a wrong secret"); r.ok {
			t.Fatalf("a call with secret %q, the server's being %q, returned true", secret, "s3cret")
		}
		waitFor(t, prompt, "the server's log line", func() bool { return len(log.matching("wrong cluster secret")) == i+1 })
		if lines := clog.matching("is its cluster secret the same"); len(lines) != 1 {
			t.Errorf("the refused client should say once that its secret may differ; it logged %q", clog.all())
		}
		if !good.Call("Junk.Double", 3, new(int)) {
			t.Fatalf("the good peer's call after a refused one returned false")
		}
	}

	// A server with no secret refuses a client that has one.
	open, _ := junkServer(t, Config{}, nil)
	if labrpc.MakeRemoteEnd(client(t, open.Addr().String(), Config{Secret: "x"})).Call("Junk.Double", 1, new(int)) {
		t.Fatalf("a server without a secret served a client with one")
	}
	s.Close()
	if lines := log.all(); len(lines) != 4 {
		t.Fatalf("four refused clients should make four log lines, got %d: %q", len(lines), lines)
	}
}

// frame returns payload as a frame.
func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// badPeers are byte streams that a server must cut off, each with the log
// line it should cause. A peer that gives up closes its side after
// sending; the others keep the connection open, so the server must cut it
// off by itself, at the bad bytes.
var badPeers = []struct {
	name, send string
	givesUp    bool   // closes its side after sending
	welcomed   bool   // its hello is good: the server answers it
	log        string // what the server's log line says
}{
	{"nothing", "", true, false, "no handshake: EOF"},
	{"http", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false, false, "not a raftlab peer"},
	{"magic cut short", "RLRPC", true, false, "no handshake: unexpected EOF"},
	{"huge secret", magic + "\xff\xff\xff\xff", false, false, "secret of 4294967295 bytes, the limit is 1024"},
	{"secret cut short", magic + "\x00\x00\x00\x10abc", true, false, "handshake cut short"},
	{"wrong secret", string(hello("nope")), false, false, "wrong cluster secret"},
	{"huge frame", string(hello("k")) + "\xff\xff\xff\xff", false, true, "frame of 4294967295 bytes declared"},
	{"frame over the limit", string(hello("k")) + string(binary.BigEndian.AppendUint32(nil, MaxFrame+1)) + "xx", false, true, "the limit is 67108864"},
	{"short request", string(hello("k")) + string(frame([]byte{1, 2, 3})), false, true, "shorter than its sequence number"},
	{"method longer than its frame", string(hello("k")) + string(frame(append(make([]byte, 8), 0, 0, 0, 200, 'P'))), false, true, "only 1 left in the frame"},
	{"method name over the limit", string(hello("k")) + string(frame(append(make([]byte, 8), 0, 1, 0, 0))), false, true, "the limit is 256"},
	{"request without a body", string(hello("k")) + string(frame(requestFixed(1, peerCall, "")[:u64+u32+len(peerCall)])), false, true, "service method's length cut short"},
}

// TestGarbage: a peer that sends garbage, anywhere from the first byte to
// a frame after its handshake, is cut off with one log line that says
// why, never a crash, and the server goes on serving a good peer.
func TestGarbage(t *testing.T) {
	log := newLog(t, "server")
	s, _ := junkServer(t, Config{Secret: "k"}, log)
	addr := s.Addr().String()
	good := labrpc.MakeRemoteEnd(client(t, addr, Config{Secret: "k"}))

	for i, bp := range badPeers {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nc.Write([]byte(bp.send)); err != nil {
			t.Fatalf("%s: write: %v", bp.name, err)
		}
		if bp.givesUp {
			nc.(*net.TCPConn).CloseWrite()
		}
		nc.SetReadDeadline(time.Now().Add(prompt))
		got, err := io.ReadAll(nc) // ends when the server closes: EOF, or a reset if it left bytes unread
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%s: the server did not cut the connection off within %v", bp.name, prompt)
		}
		if bp.welcomed != strings.HasPrefix(string(got), magic) {
			t.Fatalf("%s: the server sent %q; a welcome is due only after a good hello", bp.name, got)
		}
		nc.Close()
		waitFor(t, prompt, bp.name+": a log line", func() bool { return len(log.all()) >= i+1 })
		if lines := log.all(); len(lines) != i+1 || !strings.Contains(lines[i], bp.log) {
			t.Fatalf("%s: want line %d of the server's log to say %q; the log: %q", bp.name, i+1, bp.log, lines)
		}
		var n int
		if !good.Call("Junk.Double", i, &n) || n != 2*i {
			t.Fatalf("after %s, the good peer's call failed", bp.name)
		}
	}
	s.Close()
	if lines := log.all(); len(lines) != len(badPeers) {
		t.Fatalf("%d bad peers should make %d log lines, got %d: %q", len(badPeers), len(badPeers), len(lines), lines)
	}
}
