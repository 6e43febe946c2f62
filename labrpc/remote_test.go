package labrpc

// The seam for a real transport: remote ends (MakeRemoteEnd) and
// Server.Dispatch, tested through an in-process Caller that hands each
// request straight to a Server, as a transport does after carrying it.

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The seam's API, pinned to its exact signatures: a transport compiles
// against these.
var (
	_ func(Caller) *ClientEnd                      = MakeRemoteEnd
	_ func(*Server, string, []byte) ([]byte, bool) = (*Server).Dispatch
	_ func(Caller, string, []byte) ([]byte, bool)  = Caller.Call
	_ func(*ClientEnd, string, any, any) bool      = (*ClientEnd).Call
	_ func(*ClientEnd) time.Time                   = (*ClientEnd).NetworkMade
)

// loopCaller is a Caller that dispatches every request to srv in the
// caller's goroutine, recording what it carried. fail makes it drop the
// reply after dispatching; garble replaces the reply with junk.
type loopCaller struct {
	srv    *Server
	fail   atomic.Bool
	garble atomic.Bool

	mu    sync.Mutex
	calls []string // svcMeth of each call
	args  [][]byte // its encoded args
}

func (lc *loopCaller) Call(svcMeth string, args []byte) ([]byte, bool) {
	lc.mu.Lock()
	lc.calls = append(lc.calls, svcMeth)
	lc.args = append(lc.args, bytes.Clone(args))
	lc.mu.Unlock()
	reply, ok := lc.srv.Dispatch(svcMeth, args)
	if lc.fail.Load() {
		return nil, false
	}
	if lc.garble.Load() {
		return []byte("not a gob stream"), true
	}
	return reply, ok
}

// remoteJunk returns a remote end whose calls reach a JunkServer through a
// loopCaller, and both.
func remoteJunk() (*ClientEnd, *loopCaller, *JunkServer) {
	js := &JunkServer{release: make(chan struct{})}
	srv := MakeServer()
	srv.AddService(MakeService(js))
	lc := &loopCaller{srv: srv}
	return MakeRemoteEnd(lc), lc, js
}

// TestRemoteEndCall: a remote end's Call encodes args with labgob exactly
// as an end of a Network does, hands them to its Caller with the service
// method, and decodes the reply; the handler sees its own copy of args.
func TestRemoteEndCall(t *testing.T) {
	e, lc, js := remoteJunk()

	var s string
	if !e.Call("JunkServer.Handler2", 151, &s) || s != "handler2-151" {
		t.Fatalf("Handler2(151) through a remote end: want true and %q, got %q", "handler2-151", s)
	}
	args := &Bag{Name: "b", Items: []int{1, 2, 3}, Tags: map[string]int{"x": 1}, Inner: &Inner{V: 7}}
	var reply Bag
	if !e.Call("JunkServer.Stash", args, &reply) {
		t.Fatalf("Stash through a remote end returned false")
	}
	sent := &Bag{Name: "b", Items: []int{1, 2, 3}, Tags: map[string]int{"x": 1}, Inner: &Inner{V: 7}}
	if !reflect.DeepEqual(args, sent) {
		t.Fatalf("the handler's scribbles reached the caller's args: %+v", args)
	}
	if reply.Name != "reply" || !reflect.DeepEqual(reply.Items, []int{10, 20}) || reply.Inner.V != 2 {
		t.Fatalf("Stash reply: %+v", reply)
	}

	lc.mu.Lock()
	defer lc.mu.Unlock()
	if !reflect.DeepEqual(lc.calls, []string{"JunkServer.Handler2", "JunkServer.Stash"}) {
		t.Fatalf("the Caller carried %q, want Handler2 then Stash", lc.calls)
	}
	if got, want := int64(len(lc.args[0])), encodedLen(t, 151); got != want {
		t.Fatalf("the Caller carried %d bytes of args for 151, want its labgob encoding's %d", got, want)
	}
	if got, want := int64(len(lc.args[1])), encodedLen(t, sent); got != want {
		t.Fatalf("the Caller carried %d bytes of args for a Bag, want its labgob encoding's %d", got, want)
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	if !reflect.DeepEqual(js.log2, []int{151}) {
		t.Fatalf("Handler2 saw %v, want [151]", js.log2)
	}
}

// TestRemoteEndFalse: when the Caller brings back no reply, Call returns
// false and leaves reply alone; a reply that does not decode is reported
// and is false too.
func TestRemoteEndFalse(t *testing.T) {
	e, lc, _ := remoteJunk()

	lc.fail.Store(true)
	var n int
	if e.Call("JunkServer.Handler3", 5, &n) || n != 0 {
		t.Fatalf("Call whose Caller returned false: want false and reply untouched, got reply %d", n)
	}
	lc.fail.Store(false)

	lc.garble.Store(true)
	out := captureDiagnostics(t, func() {
		if e.Call("JunkServer.Handler3", 5, &n) {
			t.Errorf("Call whose reply is garbage returned true")
		}
	})
	if !strings.Contains(out, "cannot decode the reply") || !strings.Contains(out, "JunkServer.Handler3") {
		t.Fatalf("a garbage reply should be reported naming the method; diagnostics: %q", out)
	}
}

// TestRemoteEndNoNetwork: a remote end belongs to no Network.
func TestRemoteEndNoNetwork(t *testing.T) {
	e, _, _ := remoteJunk()
	if got := e.NetworkMade(); !got.IsZero() {
		t.Fatalf("NetworkMade of a remote end: want the zero time, got %v", got)
	}
}

// TestRemoteEndConcurrent: many Calls at once on one remote end each get
// their own reply.
func TestRemoteEndConcurrent(t *testing.T) {
	e, _, _ := remoteJunk()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var reply int
			if ok := e.Call("JunkServer.Handler3", i, &reply); !ok || reply != -i {
				errs <- fmt.Sprintf("Handler3(%d) on a shared remote end: got %v and %d, want true and %d", i, ok, reply, -i)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// TestDispatch: Dispatch runs the handler on encoded args and returns the
// encoded reply, counts the request, and refuses what a Network refuses
// (unknown service or method, args that do not decode) with a report.
func TestDispatch(t *testing.T) {
	js := &JunkServer{release: make(chan struct{})}
	srv := MakeServer()
	srv.AddService(MakeService(js))

	reply, ok := srv.Dispatch("JunkServer.Handler2", encodeArgs("JunkServer.Handler2", 7))
	if !ok {
		t.Fatalf("Dispatch(Handler2, 7) returned false")
	}
	var s string
	if !decodeReply("JunkServer.Handler2", reply, &s) || s != "handler2-7" {
		t.Fatalf("Dispatch(Handler2, 7): reply decodes to %q, want %q", s, "handler2-7")
	}
	if n := srv.GetCount(); n != 1 {
		t.Fatalf("GetCount after one Dispatch: %d", n)
	}

	cases := []struct {
		svcMeth, args, report string
	}{
		{"Nobody.Handler2", "", "unknown service"},
		{"JunkServer.Nothing", "", "unknown method Nothing"},
		{"nodot", "", "unknown service"},
		{"JunkServer.Handler2", "garbage that is no gob", "cannot decode the request"},
	}
	for _, c := range cases {
		args := []byte(c.args)
		if c.args == "" {
			args = encodeArgs(c.svcMeth, 1)
		}
		out := captureDiagnostics(t, func() {
			if reply, ok := srv.Dispatch(c.svcMeth, args); ok || reply != nil {
				t.Errorf("Dispatch(%q, %q): want false and no reply, got %v and %d bytes", c.svcMeth, c.args, ok, len(reply))
			}
		})
		if !strings.Contains(out, c.report) {
			t.Errorf("Dispatch(%q, %q): want a report containing %q, got %q", c.svcMeth, c.args, c.report, out)
		}
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	if !reflect.DeepEqual(js.log2, []int{7}) {
		t.Fatalf("Handler2 ran on %v, want only [7]: a refused request reached it", js.log2)
	}
}

// TestDispatchSameAsNetwork: the bytes Dispatch returns are the bytes a
// Network delivers for the same request, so a transport carrying them
// changes nothing a handler or a caller can see.
func TestDispatchSameAsNetwork(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")
	var viaNet Bag
	args := &Bag{Name: "n", Items: []int{4}, Inner: &Inner{V: 1}}
	if !e.Call("JunkServer.Echo", args, &viaNet) {
		t.Fatalf("Echo on a reliable network returned false")
	}
	netReplyBytes := rn.MethodStats()["JunkServer.Echo"].ReplyBytes

	remote, _, _ := remoteJunk()
	var viaRemote Bag
	if !remote.Call("JunkServer.Echo", args, &viaRemote) {
		t.Fatalf("Echo on a remote end returned false")
	}
	if !reflect.DeepEqual(viaNet, viaRemote) {
		t.Fatalf("Echo's reply: %+v over the Network, %+v over a remote end", viaNet, viaRemote)
	}
	srv := MakeServer()
	srv.AddService(MakeService(&JunkServer{}))
	reply, _ := srv.Dispatch("JunkServer.Echo", encodeArgs("JunkServer.Echo", args))
	if int64(len(reply)) != netReplyBytes {
		t.Fatalf("Dispatch's reply is %d bytes; the Network delivered %d", len(reply), netReplyBytes)
	}
}
