package labrpc

// The test service and the small helpers shared by the labrpc tests.

import (
	"bytes"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"raftlab/labgob"
)

type Inner struct{ V int }

// Bag is a struct argument with the shapes that gob has to copy: a slice, a
// map and a pointer.
type Bag struct {
	Name  string
	Items []int
	Tags  map[string]int
	Inner *Inner
}

// JunkServer is the test service, named after the course's.
type JunkServer struct {
	mu         sync.Mutex
	log1       []string // args seen by Handler1
	log2       []int    // args seen by Handler2
	seq        int      // Seq calls so far
	stashArgs  *Bag     // kept by Stash after it returns
	stashReply *Bag

	release  chan struct{} // Block waits until it is closed
	blocked  atomic.Int32  // Block handlers that started
	finished atomic.Int32  // Block handlers that returned
}

func (js *JunkServer) Handler1(args string, reply *int) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.log1 = append(js.log1, args)
	*reply, _ = strconv.Atoi(args)
}

func (js *JunkServer) Handler2(args int, reply *string) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.log2 = append(js.log2, args)
	*reply = "handler2-" + strconv.Itoa(args)
}

// Handler3 is the cheapest handler, for the benchmarks.
func (js *JunkServer) Handler3(args int, reply *int) { *reply = -args }

func (js *JunkServer) Echo(args *Bag, reply *Bag) { *reply = *args }

// Seq replies with the order in which the server handled the request.
func (js *JunkServer) Seq(args int, reply *int) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.seq++
	*reply = js.seq
}

// Block does not return until the test closes js.release.
func (js *JunkServer) Block(args int, reply *int) {
	js.blocked.Add(1)
	<-js.release
	*reply = args
	js.finished.Add(1)
}

// Stash scribbles on its args, and keeps both its args and its reply to
// write through them after returning.
func (js *JunkServer) Stash(args *Bag, reply *Bag) {
	js.mu.Lock()
	defer js.mu.Unlock()
	args.Name = "scribbled"
	args.Items[1] = -1
	args.Inner.V = -1
	reply.Name = "reply"
	reply.Items = []int{10, 20}
	reply.Inner = &Inner{V: 2}
	js.stashArgs, js.stashReply = args, reply
}

// Shapes has one handler and methods of every shape that is not one.
type Shapes struct{}

func (s *Shapes) Good(args int, reply *int)                  { *reply = args }
func (s *Shapes) Returns(args int, reply *int) int           { *reply = args; return args }
func (s *Shapes) unexported(args int, reply *int)            { *reply = args }
func (s *Shapes) NonPointerReply(args int, reply int)        {}
func (s *Shapes) TooFew(args int)                            {}
func (s *Shapes) TooMany(args int, reply *int, more *string) {}

var _ = (*Shapes).unexported // keep the unexported method without a lint warning

// makeNet returns a network that is cleaned up when the test ends, and
// whose seed is printed if the test failed.
func makeNet(t *testing.T) *Network {
	t.Helper()
	rn := MakeNetwork()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("network seed %d; replay with %s=%d", rn.Seed(), SeedEnv, rn.Seed())
		}
		rn.Cleanup()
	})
	return rn
}

// addJunk puts a server offering a JunkServer on rn. A test that calls
// Block releases the handlers with t.Cleanup(js.unblock).
func addJunk(rn *Network, servername any) *JunkServer {
	js := &JunkServer{release: make(chan struct{})}
	srv := MakeServer()
	srv.AddService(MakeService(js))
	rn.AddServer(servername, srv)
	return js
}

// unblock releases js's Block handlers; it may be called more than once.
func (js *JunkServer) unblock() {
	js.mu.Lock()
	defer js.mu.Unlock()
	select {
	case <-js.release:
	default:
		close(js.release)
	}
}

// connectedEnd makes an enabled end connected to servername.
func connectedEnd(rn *Network, endname, servername any) *ClientEnd {
	e := rn.MakeEnd(endname)
	rn.Connect(endname, servername)
	rn.Enable(endname, true)
	return e
}

type callResult struct {
	ok   bool
	took time.Duration
}

// goCall starts a Call in its own goroutine; its result arrives on the
// returned channel.
func goCall(e *ClientEnd, svcMeth string, args, reply any) <-chan callResult {
	ch := make(chan callResult, 1)
	go func() {
		start := time.Now()
		ok := e.Call(svcMeth, args, reply)
		ch <- callResult{ok, time.Since(start)}
	}()
	return ch
}

// awaitCall waits for a Call started by goCall, failing the test if it has
// not returned within timeout.
func awaitCall(t *testing.T, ch <-chan callResult, timeout time.Duration, what string) callResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(timeout):
		t.Fatalf("%s: Call did not return within %v", what, timeout)
		return callResult{}
	}
}

// waitFor polls cond until it holds, failing the test if it does not within
// timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// encodedLen is the size of v's labgob encoding by a fresh encoder, which is
// what labrpc counts for each request and reply.
func encodedLen(t *testing.T, v any) int64 {
	t.Helper()
	var b bytes.Buffer
	if err := labgob.NewEncoder(&b).Encode(v); err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	return int64(b.Len())
}

// captureMu serializes the tests that redirect the diagnostics output.
var captureMu sync.Mutex

// captureDiagnostics returns what labrpc reported while f ran. It forgets
// what was reported before, so names reported once are reported again.
func captureDiagnostics(t *testing.T, f func()) string {
	t.Helper()
	captureMu.Lock()
	defer captureMu.Unlock()
	var buf bytes.Buffer
	diagnostics.Lock()
	old := diagnostics.out
	diagnostics.out = &buf
	diagnostics.seen = map[string]bool{}
	diagnostics.Unlock()
	defer func() {
		diagnostics.Lock()
		diagnostics.out = old
		diagnostics.Unlock()
	}()
	f()
	diagnostics.Lock()
	defer diagnostics.Unlock()
	return buf.String()
}
