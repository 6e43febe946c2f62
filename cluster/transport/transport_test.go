package transport

// Calls over real TCP on loopback: labrpc's contract (true only with the
// reply; false within the deadline, never hanging), one connection shared
// by concurrent calls, redial after a failure, and Close.

import (
	"net"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"raftlab/labrpc"
)

// TestCall: a remote end's calls reach the handler and bring its reply
// back, for basic and struct types; a call labrpc cannot dispatch is false
// and leaves the connection up.
func TestCall(t *testing.T) {
	s, _ := junkServer(t, Config{}, nil)
	c := client(t, s.Addr().String(), Config{})
	end := labrpc.MakeRemoteEnd(c)

	var n int
	if !end.Call("Junk.Double", 21, &n) || n != 42 {
		t.Fatalf("Double(21): want true and 42, got reply %d", n)
	}
	args := &Pair{Key: "k", Value: []int{1, 2, 3}}
	var reply Pair
	if !end.Call("Junk.Echo", args, &reply) || !reflect.DeepEqual(&reply, args) {
		t.Fatalf("Echo(%+v): got %+v", args, reply)
	}
	var m int
	if end.Call("Junk.NoSuchMethod", 1, &m) {
		t.Fatalf("a call of an unknown method returned true")
	}
	var k int
	if !end.Call("Junk.Double", 4, &k) || k != 8 {
		t.Fatalf("Double(4) after a refused call: want true and 8, got %d", k)
	}
	if d := c.Dials(); d != 1 {
		t.Fatalf("%d dials for four calls on a healthy server, want 1", d)
	}
}

// TestCallDeadAddress: a call to an address nobody listens on is false at
// once; to one that accepts connections but never answers (a listener
// nobody serves), false when the deadline passes, not later.
func TestCallDeadAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close()

	const timeout = 500 * time.Millisecond
	end := labrpc.MakeRemoteEnd(client(t, deadAddr, Config{Timeout: timeout}))
	r := await(t, goCall(end, "Junk.Double", 1, new(int)), prompt, "call to a closed port")
	if r.ok {
		t.Fatalf("a call to %s, where nobody listens, returned true", deadAddr)
	}

	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	end = labrpc.MakeRemoteEnd(client(t, mute.Addr().String(), Config{Timeout: timeout}))
	r = await(t, goCall(end, "Junk.Double", 1, new(int)), timeout+prompt, "call to a listener that never answers")
	if r.ok {
		t.Fatalf("a call to a listener that never answers returned true")
	}
	if r.took < timeout || r.took > timeout+time.Second {
		t.Fatalf("a call to a listener that never answers took %v, want about its deadline %v", r.took, timeout)
	}
}

// TestCallTimeout: a call whose handler outlasts the deadline is false
// when the deadline passes. The connection, silent all along, is presumed
// dead and the next call redials; a connection on which other replies
// arrive meanwhile is kept.
func TestCallTimeout(t *testing.T) {
	s, j := junkServer(t, Config{}, nil)
	const timeout = 500 * time.Millisecond
	c := client(t, s.Addr().String(), Config{Timeout: timeout})
	end := labrpc.MakeRemoteEnd(c)

	r := await(t, goCall(end, "Junk.Block", 1, new(int)), timeout+prompt, "a call whose handler blocks")
	if r.ok {
		t.Fatalf("a call whose handler never returned came back true")
	}
	if r.took < timeout || r.took > timeout+time.Second {
		t.Fatalf("a call whose handler blocks took %v, want about its deadline %v", r.took, timeout)
	}
	var n int
	if !end.Call("Junk.Double", 3, &n) || n != 6 {
		t.Fatalf("the call after a timeout on a silent connection: want true and 6, got %d", n)
	}
	if d := c.Dials(); d != 2 {
		t.Fatalf("%d dials: the silent connection should have been dropped and redialed once", d)
	}

	// Now a blocked call on a busy connection.
	blocked := goCall(end, "Junk.Block", 2, new(int))
	start := time.Now()
	for time.Since(start) < timeout+100*time.Millisecond {
		var n int
		if !end.Call("Junk.Double", 1, &n) {
			t.Fatalf("a quick call beside a blocked one returned false")
		}
		time.Sleep(5 * time.Millisecond) // pacing the traffic, not waiting for anything
	}
	if r := await(t, blocked, prompt, "a blocked call beside quick ones"); r.ok {
		t.Fatalf("a call whose handler never returned came back true")
	}
	if d := c.Dials(); d != 2 {
		t.Fatalf("%d dials: a connection with replies flowing should be kept after a timeout", d)
	}
	j.unblock()
}

// TestServerClosedMidCall: a call in flight when its server closes returns
// false at once, not at its deadline.
func TestServerClosedMidCall(t *testing.T) {
	s, j := junkServer(t, Config{}, nil)
	end := labrpc.MakeRemoteEnd(client(t, s.Addr().String(), Config{Timeout: 10 * time.Second}))
	ch := goCall(end, "Junk.Block", 1, new(int))
	waitFor(t, prompt, "the handler to start", func() bool { return j.blocked.Load() == 1 })

	closed := make(chan struct{})
	go func() {
		s.Close() // waits for the blocked handler
		close(closed)
	}()
	if r := await(t, ch, prompt, "a call whose server closed"); r.ok {
		t.Fatalf("a call whose server closed mid-call returned true")
	}
	select {
	case <-closed:
		t.Fatalf("Server.Close returned while a handler was still running")
	default:
	}
	j.unblock()
	select {
	case <-closed:
	case <-time.After(prompt):
		t.Fatalf("Server.Close did not return within %v of its last handler", prompt)
	}
}

// TestRedialAfterRestart: after the server goes away the calls fail, and
// once it is back on the same port they succeed again on a fresh
// connection.
func TestRedialAfterRestart(t *testing.T) {
	s, _ := junkServer(t, Config{}, nil)
	addr := s.Addr().String()
	c := client(t, addr, Config{Timeout: 500 * time.Millisecond})
	end := labrpc.MakeRemoteEnd(c)
	var n int
	if !end.Call("Junk.Double", 1, &n) {
		t.Fatalf("the first call returned false")
	}
	s.Close()
	if end.Call("Junk.Double", 1, new(int)) {
		t.Fatalf("a call after the server closed returned true")
	}

	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(newJunk()))
	s2, err := Listen(addr, srv, Config{Logf: t.Logf})
	if err != nil {
		t.Fatalf("Listen again on %s: %v", addr, err)
	}
	defer s2.Close()
	dialsBefore := c.Dials()
	var m int
	if !end.Call("Junk.Double", 5, &m) || m != 10 {
		t.Fatalf("the first call after the server came back: want true and 10, got %d", m)
	}
	if d := c.Dials(); d != dialsBefore+1 {
		t.Fatalf("the call after the restart made %d dials, want 1", d-dialsBefore)
	}
	for i := 0; i < 10; i++ {
		if !end.Call("Junk.Double", i, new(int)) {
			t.Fatalf("call %d after the restart returned false", i)
		}
	}
	if d := c.Dials(); d != dialsBefore+1 {
		t.Fatalf("calls after the restart made %d dials, want 1: they should share the new connection", d-dialsBefore)
	}
}

// TestConcurrentCallsShareOneConnection: many calls at once, from a Client
// that has no connection yet, make one dial; they are all in flight on it
// together, and each gets its own reply.
func TestConcurrentCallsShareOneConnection(t *testing.T) {
	s, j := junkServer(t, Config{}, nil)
	c := client(t, s.Addr().String(), Config{Timeout: 10 * time.Second})
	end := labrpc.MakeRemoteEnd(c)

	const n = 50
	replies := make([]int, n)
	var chs []<-chan callResult
	for i := 0; i < n; i++ {
		chs = append(chs, goCall(end, "Junk.Block", i, &replies[i]))
	}
	waitFor(t, prompt, "every handler to be running at once", func() bool { return j.blocked.Load() == n })
	s.mu.Lock()
	conns := len(s.conns)
	s.mu.Unlock()
	if conns != 1 || c.Dials() != 1 {
		t.Fatalf("%d calls in flight at once: %d connections at the server, %d dials; want 1 and 1", n, conns, c.Dials())
	}
	j.unblock()
	for i, ch := range chs {
		if r := await(t, ch, prompt, "a released call"); !r.ok || replies[i] != i {
			t.Fatalf("call %d: want true and reply %d, got %v and %d", i, i, r.ok, replies[i])
		}
	}

	var wg sync.WaitGroup
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				var r int
				if ok := end.Call("Junk.Double", g*100+i, &r); !ok || r != 2*(g*100+i) {
					t.Errorf("goroutine %d call %d: got %v and %d", g, i, ok, r)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	if d := c.Dials(); d != 1 {
		t.Fatalf("%d dials for %d calls from %d goroutines, want 1", d, n*21, n)
	}
}

// TestClientClose: Close ends the calls in flight at once, fails later
// ones at once, and leaves no goroutine of the Client behind.
func TestClientClose(t *testing.T) {
	s, j := junkServer(t, Config{}, nil)
	before := runtime.NumGoroutine()
	c, err := NewClient(s.Addr().String(), Config{Timeout: 10 * time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	end := labrpc.MakeRemoteEnd(c)
	if !end.Call("Junk.Double", 1, new(int)) {
		t.Fatalf("the first call returned false")
	}
	var chs []<-chan callResult
	for i := 0; i < 5; i++ {
		chs = append(chs, goCall(end, "Junk.Block", i, new(int)))
	}
	waitFor(t, prompt, "the handlers to start", func() bool { return j.blocked.Load() == 5 })
	c.Close()
	for _, ch := range chs {
		if r := await(t, ch, prompt, "a call in flight at Close"); r.ok {
			t.Fatalf("a call in flight at Close returned true")
		}
	}
	start := time.Now()
	if end.Call("Junk.Double", 1, new(int)) || time.Since(start) > prompt {
		t.Fatalf("a call after Close: want false at once")
	}
	c.Close()   // a second Close is harmless
	j.unblock() // the server's goroutines for the connection end with its handlers
	checkGoroutines(t, before)
}

// TestServerCloseEndsGoroutines: Close of a Server with connections open
// returns with none of its goroutines left.
func TestServerCloseEndsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	j := newJunk()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(j))
	s, err := Listen("127.0.0.1:0", srv, Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	var clients []*Client
	for i := 0; i < 3; i++ {
		c, err := NewClient(s.Addr().String(), Config{Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		if !labrpc.MakeRemoteEnd(c).Call("Junk.Double", i, new(int)) {
			t.Fatalf("client %d: call returned false", i)
		}
	}
	half, err := net.Dial("tcp", s.Addr().String()) // stuck in its handshake
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	waitFor(t, prompt, "the server to see 4 connections", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.conns) == 4
	})
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > prompt {
		t.Fatalf("Close took %v", d)
	}
	for _, c := range clients {
		c.Close()
	}
	checkGoroutines(t, before)
}

// TestOversizeArgs: args too large for a frame are not sent; the call is
// false with a log line, and the connection stays.
func TestOversizeArgs(t *testing.T) {
	s, _ := junkServer(t, Config{}, nil)
	log := newLog(t, "client")
	c := client(t, s.Addr().String(), Config{Logf: log.logf})
	if _, ok := c.Call("Junk.Double", make([]byte, maxArgs+1)); ok {
		t.Fatalf("a call with args over the frame limit returned true")
	}
	if len(log.matching("not sent")) != 1 {
		t.Fatalf("want one log line about the call not sent, got %q", log.all())
	}
	if c.Dials() != 0 {
		t.Fatalf("an oversize call dialed")
	}
}

// TestConfig: a Config the transport cannot honour is an error.
func TestConfig(t *testing.T) {
	long := string(make([]byte, MaxSecret+1))
	if _, err := NewClient("127.0.0.1:1", Config{Secret: long}); err == nil {
		t.Errorf("NewClient with a secret over MaxSecret: no error")
	}
	if _, err := Listen("127.0.0.1:0", labrpc.MakeServer(), Config{Secret: long}); err == nil {
		t.Errorf("Listen with a secret over MaxSecret: no error")
	}
	if _, err := NewClient("127.0.0.1:1", Config{Timeout: -time.Second}); err == nil {
		t.Errorf("NewClient with a negative timeout: no error")
	}
	if _, err := Listen("256.0.0.1:0", labrpc.MakeServer(), Config{}); err == nil {
		t.Errorf("Listen on a bad address: no error")
	}
}

// TestOversizeReply: a reply too large for a frame does not travel; the
// call is false, the server says why in one log line, and the connection
// stays.
func TestOversizeReply(t *testing.T) {
	log := newLog(t, "server")
	s, _ := junkServer(t, Config{}, log)
	c := client(t, s.Addr().String(), Config{Timeout: 10 * time.Second})
	end := labrpc.MakeRemoteEnd(c)
	var big []byte
	if end.Call("Junk.Big", maxReply, &big) {
		t.Fatalf("a call whose reply is over the frame limit returned true")
	}
	if lines := log.matching("more than a frame carries"); len(lines) != 1 {
		t.Fatalf("want one server log line about the reply's size; the log: %q", log.all())
	}
	var fits []byte
	if !end.Call("Junk.Big", 1<<20, &fits) || len(fits) != 1<<20 {
		t.Fatalf("a 1 MiB reply after the refused one: got %d bytes", len(fits))
	}
	if d := c.Dials(); d != 1 {
		t.Fatalf("%d dials: a refused reply should leave the connection up", d)
	}
}

// TestClientCloseDuringDial: Close cuts short a call still in its dial and
// handshake (to a server that accepts and never answers), rather than
// letting it run to its deadline.
func TestClientCloseDuringDial(t *testing.T) {
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	c := client(t, mute.Addr().String(), Config{Timeout: 30 * time.Second})
	ch := goCall(labrpc.MakeRemoteEnd(c), "Junk.Double", 1, new(int))
	waitFor(t, prompt, "the call to dial", func() bool { return c.Dials() == 1 })
	c.Close()
	if r := await(t, ch, prompt, "a call dialing at Close"); r.ok {
		t.Fatalf("a call to a server that never answers returned true")
	}
}
