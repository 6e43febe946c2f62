package transport

// The byte layouts: round trips, limits checked before allocating, and
// fuzzing of everything that decodes a peer's bytes (the hello, frames,
// requests and responses, and a whole served connection).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"raftlab/labgob"
	"raftlab/labrpc"
)

func TestHelloRoundTrip(t *testing.T) {
	for _, secret := range []string{"", "k", strings.Repeat("x", MaxSecret)} {
		if err := readHello(bytes.NewReader(hello(secret)), secretDigest(secret)); err != nil {
			t.Errorf("hello with a secret of %d bytes: %v", len(secret), err)
		}
		if err := readHello(bytes.NewReader(hello(secret)), secretDigest(secret+"!")); !errors.Is(err, errWrongSecret) {
			t.Errorf("hello with a secret of %d bytes checked against another: %v, want %v", len(secret), err, errWrongSecret)
		}
	}
	if err := readWelcome(strings.NewReader(magic)); err != nil {
		t.Errorf("readWelcome(magic): %v", err)
	}
	if err := readWelcome(strings.NewReader("RLRPC999")); err == nil {
		t.Errorf("readWelcome of another version: no error")
	}
	if err := readWelcome(strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "cluster secret") {
		t.Errorf("readWelcome of a closed connection: %v, want a hint about the secret", err)
	}
}

func TestRequestResponseRoundTrip(t *testing.T) {
	args := []byte("labgob bytes")
	head, err := frameHead(requestFixed(7, peerCall, "Raft.AppendEntries"), len(args))
	if err != nil {
		t.Fatal(err)
	}
	p, err := readFrame(bytes.NewReader(append(head, args...)))
	if err != nil {
		t.Fatal(err)
	}
	seq, method, body, err := parseRequestHead(p)
	if err != nil || seq != 7 || method != peerCall {
		t.Fatalf("request head: %d %q %v", seq, method, err)
	}
	svcMeth, gotArgs, err := parseRequestBody(body)
	if err != nil || svcMeth != "Raft.AppendEntries" || !bytes.Equal(gotArgs, args) {
		t.Fatalf("request body: %q %q %v", svcMeth, gotArgs, err)
	}

	for _, errmsg := range []string{"", "labrpc could not dispatch X.Y"} {
		reply := []byte("reply bytes")
		if errmsg != "" {
			reply = nil
		}
		head, err := frameHead(responseFixed(1<<60, errmsg), len(reply))
		if err != nil {
			t.Fatal(err)
		}
		p, err := readFrame(bytes.NewReader(append(head, reply...)))
		if err != nil {
			t.Fatal(err)
		}
		seq, gotErr, gotReply, err := parseResponse(p)
		if err != nil || seq != 1<<60 || gotErr != errmsg || !bytes.Equal(gotReply, reply) {
			t.Fatalf("response: %d %q %q %v", seq, gotErr, gotReply, err)
		}
	}
	if _, err := frameHead(nil, MaxFrame+1); err == nil {
		t.Fatalf("frameHead of a payload over MaxFrame: no error")
	}
}

// TestFrameEOF: a stream that ends between frames is io.EOF; one that ends
// inside a frame is io.ErrUnexpectedEOF.
func TestFrameEOF(t *testing.T) {
	if _, err := readFrame(bytes.NewReader(nil)); err != io.EOF {
		t.Errorf("empty stream: %v, want EOF", err)
	}
	if _, err := readFrame(bytes.NewReader([]byte{0, 0})); err != io.ErrUnexpectedEOF {
		t.Errorf("stream ending in a length: %v, want unexpected EOF", err)
	}
	if _, err := readFrame(bytes.NewReader([]byte{0, 0, 0, 9, 1, 2})); err != io.ErrUnexpectedEOF {
		t.Errorf("stream ending in a payload: %v, want unexpected EOF", err)
	}
}

// TestDeclaredSizeNotAllocated: a frame that declares the largest size
// and sends ten bytes costs about the first step of the buffer (64 KiB),
// not 64 MiB; one over the limit costs nothing.
func TestDeclaredSizeNotAllocated(t *testing.T) {
	for _, declared := range []uint32{MaxFrame, MaxFrame + 1, 1<<32 - 1} {
		stream := append(binary.BigEndian.AppendUint32(nil, declared), make([]byte, 10)...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := readFrame(bytes.NewReader(stream))
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("a frame declaring %d bytes and carrying 10 was read without error", declared)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("a frame declaring %d bytes and carrying 10 allocated %d bytes", declared, alloc)
		}
	}
}

// FuzzReadHello: any bytes make readHello return, without a panic, and it
// accepts only the exact hello of the secret.
func FuzzReadHello(f *testing.F) {
	f.Add(hello("k"))
	f.Add(hello(""))
	f.Add(hello("other"))
	f.Add([]byte(magic + "\xff\xff\xff\xff"))
	f.Add([]byte(magic + "\x00\x00\x00\x01"))
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		err := readHello(r, secretDigest("k"))
		good := hello("k")
		if (err == nil) != bytes.HasPrefix(data, good) {
			t.Fatalf("readHello(%q) = %v", data, err)
		}
		if read := len(data) - r.Len(); read > len(magic)+u32+MaxSecret {
			t.Fatalf("readHello read %d bytes, more than a hello can have", read)
		}
	})
}

// FuzzFrames: any bytes, read as a stream of frames and each parsed as a
// request and as a response, give payloads or errors, never a panic or a
// length past a limit.
func FuzzFrames(f *testing.F) {
	req, _ := frameHead(requestFixed(3, peerCall, "Raft.RequestVote"), 4)
	f.Add(append(req, "args"...))
	resp, _ := frameHead(responseFixed(3, ""), 5)
	f.Add(append(resp, "reply"...))
	errResp, _ := frameHead(responseFixed(4, "labrpc could not dispatch"), 0)
	f.Add(errResp)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			p, err := readFrame(r)
			if err != nil {
				return
			}
			if len(p) > MaxFrame {
				t.Fatalf("a frame of %d bytes was read", len(p))
			}
			if _, method, body, err := parseRequestHead(p); err == nil {
				if len(method) > MaxName {
					t.Fatalf("a method of %d bytes was parsed", len(method))
				}
				if svcMeth, _, err := parseRequestBody(body); err == nil && len(svcMeth) > MaxName {
					t.Fatalf("a service method of %d bytes was parsed", len(svcMeth))
				}
			}
			parseResponse(p)
		}
	})
}

// FuzzServeConn: whatever a peer sends on a connection, the server's
// handling of it (handshake, net/rpc over the codec, labrpc's Dispatch)
// ends without a panic once the peer stops, and logs at most one line.
func FuzzServeConn(f *testing.F) {
	f.Add(hello("k"))
	call := func(svcMeth string, args []byte) []byte {
		head, _ := frameHead(requestFixed(1, peerCall, svcMeth), len(args))
		return append(head, args...)
	}
	var good []byte
	good = append(good, hello("k")...)
	good = append(good, call("Junk.Double", encodeInt(21))...)
	f.Add(good)
	f.Add(append(hello("k"), call("Junk.Double", []byte("not gob"))...))
	f.Add(append(hello("k"), call("Nobody.Nothing", encodeInt(1))...))
	f.Add(append(hello("k"), 0xff, 0xff, 0xff, 0xff))
	f.Add(hello("wrong"))
	f.Add([]byte("garbage"))

	j := newJunk()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(j))
	var lines int
	s, err := Listen("127.0.0.1:0", srv, Config{Secret: "k", Logf: func(string, ...any) { lines++ }})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		lines = 0
		peer, nc := net.Pipe()
		if !s.track(nc) {
			t.Fatal("server closed")
		}
		done := make(chan struct{})
		go func() {
			s.serve(nc)
			close(done)
		}()
		go io.Copy(io.Discard, peer) // the welcome and any responses
		peer.SetWriteDeadline(time.Now().Add(prompt))
		peer.Write(data) // may stop early: the server cut the connection off
		peer.Close()
		select {
		case <-done:
		case <-time.After(prompt):
			t.Fatalf("the server still serves a connection %v after its peer closed it", prompt)
		}
		if lines > 1 {
			t.Fatalf("one connection made %d log lines", lines)
		}
	})
}

// encodeInt is the labgob encoding of n, as a Call's args.
func encodeInt(n int) []byte {
	var b bytes.Buffer
	if err := labgob.NewEncoder(&b).Encode(n); err != nil {
		panic(err)
	}
	return b.Bytes()
}
