package labrpc

// The API and the plain semantics of Call on a reliable network: types,
// partitions, counts, concurrency, isolation of caller and handler, which
// methods become handlers, and the report of unknown names. Faults live in
// faults_test.go, Cleanup in cleanup_test.go, statistics and seeds in
// stats_test.go, the seam for a real transport (remote ends, Dispatch) in
// remote_test.go, the test service and helpers in helpers_test.go, and the
// round-trip benchmarks in bench_test.go.

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestBasic(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	e := connectedEnd(rn, "end1-99", "server")

	var reply string
	if !e.Call("JunkServer.Handler2", 111, &reply) {
		t.Fatalf("Call(Handler2, 111) on a reliable network returned false")
	}
	if reply != "handler2-111" {
		t.Fatalf("Handler2(111): want reply %q, got %q", "handler2-111", reply)
	}

	var n int
	if !e.Call("JunkServer.Handler1", "9099", &n) || n != 9099 {
		t.Fatalf("Handler1(\"9099\"): want true and 9099, got reply %d", n)
	}
}

func TestTypes(t *testing.T) {
	rn := makeNet(t)
	js := addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")

	// Non-pointer args of basic types, as in the course.
	var n int
	if !e.Call("JunkServer.Handler1", "119", &n) || n != 119 {
		t.Fatalf("Handler1(string \"119\"): want 119, got %d", n)
	}
	var s string
	if !e.Call("JunkServer.Handler2", 151, &s) || s != "handler2-151" {
		t.Fatalf("Handler2(int 151): want %q, got %q", "handler2-151", s)
	}
	js.mu.Lock()
	log1, log2 := js.log1, js.log2
	js.mu.Unlock()
	if !reflect.DeepEqual(log1, []string{"119"}) || !reflect.DeepEqual(log2, []int{151}) {
		t.Fatalf("handlers saw args %q and %v, want [119] and [151]", log1, log2)
	}

	// Pointer args to a struct with a slice, a map and a nested pointer.
	args := &Bag{Name: "b", Items: []int{1, 2, 3}, Tags: map[string]int{"x": 1}, Inner: &Inner{V: 7}}
	var reply Bag
	if !e.Call("JunkServer.Echo", args, &reply) {
		t.Fatalf("Echo returned false on a reliable network")
	}
	if !reflect.DeepEqual(&reply, args) {
		t.Fatalf("Echo: want %+v, got %+v", args, reply)
	}
}

func TestDisconnect(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	e := rn.MakeEnd("end")

	var reply string
	if e.Call("JunkServer.Handler2", 1, &reply) {
		t.Fatalf("Call on a new end (disabled, connected to nothing) returned true")
	}
	rn.Enable("end", true)
	if e.Call("JunkServer.Handler2", 2, &reply) {
		t.Fatalf("Call on an enabled end connected to nothing returned true")
	}
	rn.Connect("end", "no-such-server")
	if e.Call("JunkServer.Handler2", 3, &reply) {
		t.Fatalf("Call on an end connected to a server that was never added returned true")
	}
	rn.Connect("end", "server")
	rn.Enable("end", false)
	if e.Call("JunkServer.Handler2", 4, &reply) {
		t.Fatalf("Call on a disabled end returned true")
	}
	if n := rn.GetCount("server"); n != 0 {
		t.Fatalf("server received %d requests while unreachable, want 0", n)
	}

	rn.Enable("end", true)
	reply = ""
	if !e.Call("JunkServer.Handler2", 5, &reply) || reply != "handler2-5" {
		t.Fatalf("Call after Connect and Enable: want true and %q, got %q", "handler2-5", reply)
	}
	if n := rn.GetCount("server"); n != 1 {
		t.Fatalf("GetCount(server) = %d after one delivered request, want 1", n)
	}
}

func TestCounts(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, 99) // names may be of any comparable type
	e := connectedEnd(rn, "end", 99)

	for i := 0; i < 17; i++ {
		var reply string
		if !e.Call("JunkServer.Handler2", i, &reply) || reply != "handler2-"+strconv.Itoa(i) {
			t.Fatalf("call %d: want %q, got %q", i, "handler2-"+strconv.Itoa(i), reply)
		}
	}
	if n := rn.GetCount(99); n != 17 {
		t.Fatalf("GetCount(99) = %d, want 17", n)
	}
	if n := rn.GetCount("never-added"); n != 0 {
		t.Fatalf("GetCount of an unknown server = %d, want 0", n)
	}
	if n := rn.GetTotalCount(); n != 17 {
		t.Fatalf("GetTotalCount() = %d, want 17", n)
	}
}

// TestConcurrentMany runs many clients, each with its own end, at once.
func TestConcurrentMany(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	const nclients, ncalls = 20, 10

	var wg sync.WaitGroup
	errs := make(chan string, nclients*ncalls)
	for c := 0; c < nclients; c++ {
		e := connectedEnd(rn, c, "server")
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for j := 0; j < ncalls; j++ {
				arg := 100*c + j
				var reply string
				if !e.Call("JunkServer.Handler2", arg, &reply) || reply != "handler2-"+strconv.Itoa(arg) {
					errs <- "client " + strconv.Itoa(c) + " call " + strconv.Itoa(j) + ": got " + strconv.Quote(reply)
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := rn.GetCount("server"); n != nclients*ncalls {
		t.Fatalf("GetCount(server) = %d, want %d", n, nclients*ncalls)
	}
}

// TestConcurrentOne runs many Calls in flight on a single end.
func TestConcurrentOne(t *testing.T) {
	rn := makeNet(t)
	js := addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")
	const ncalls = 200

	var wg sync.WaitGroup
	var failed sync.Map
	for i := 0; i < ncalls; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var reply string
			if !e.Call("JunkServer.Handler2", i, &reply) || reply != "handler2-"+strconv.Itoa(i) {
				failed.Store(i, reply)
			}
		}(i)
	}
	wg.Wait()
	failed.Range(func(k, v any) bool {
		t.Errorf("call %v: want true and %q, got %q", k, "handler2-"+strconv.Itoa(k.(int)), v)
		return true
	})
	js.mu.Lock()
	seen := len(js.log2)
	js.mu.Unlock()
	if seen != ncalls || rn.GetCount("server") != ncalls {
		t.Fatalf("handler ran %d times, GetCount says %d, want %d", seen, rn.GetCount("server"), ncalls)
	}
}

// TestBenchmark is the course's sanity floor on speed: a reliable round trip
// must not involve any simulated delay. The bound is a hundredfold generous.
func TestBenchmark(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")
	const n = 2000
	start := time.Now()
	for i := 0; i < n; i++ {
		var reply int
		if !e.Call("JunkServer.Handler3", i, &reply) || reply != -i {
			t.Fatalf("call %d: want -%d, got %d", i, i, reply)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("%d reliable calls took %v, want well under 10s", n, d)
	}
}

// TestIsolation checks that caller and handler never share memory: each
// side gets its own decoded copy of the args and of the reply.
func TestIsolation(t *testing.T) {
	rn := makeNet(t)
	js := addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")

	args := &Bag{Name: "orig", Items: []int{1, 2, 3}, Inner: &Inner{V: 1}}
	var reply Bag
	if !e.Call("JunkServer.Stash", args, &reply) {
		t.Fatalf("Stash returned false on a reliable network")
	}
	// Stash scribbled on its args before returning.
	if args.Name != "orig" || !reflect.DeepEqual(args.Items, []int{1, 2, 3}) || args.Inner.V != 1 {
		t.Fatalf("handler's writes to its args reached the caller's args: %+v", args)
	}
	want := Bag{Name: "reply", Items: []int{10, 20}, Inner: &Inner{V: 2}}
	if !reflect.DeepEqual(reply, want) {
		t.Fatalf("Stash reply: want %+v, got %+v", want, reply)
	}

	// The handler keeps pointers after returning and writes through them.
	js.mu.Lock()
	js.stashArgs.Items[0] = -100
	js.stashArgs.Inner.V = -100
	js.stashReply.Items[0] = -200
	js.stashReply.Inner.V = -200
	js.stashReply.Name = "changed"
	js.mu.Unlock()
	if !reflect.DeepEqual(reply, want) {
		t.Fatalf("handler's writes to its reply after return reached the caller: %+v", reply)
	}

	// The caller reuses its args; the handler's copy must not change.
	args.Items[1] = 999
	args.Inner.V = 999
	js.mu.Lock()
	got := *js.stashArgs
	js.mu.Unlock()
	if got.Items[1] != -1 || got.Inner.V != -100 {
		t.Fatalf("caller's writes to its args reached the handler's copy: %+v", got)
	}
}

// TestMethodShapes checks that only func (r *T) Name(args A, reply *R)
// methods become handlers, and that the others cannot be called.
func TestMethodShapes(t *testing.T) {
	rn := makeNet(t)
	srv := MakeServer()
	srv.AddService(MakeService(&Shapes{}))
	rn.AddServer("server", srv)
	e := connectedEnd(rn, "end", "server")

	var n int
	if !e.Call("Shapes.Good", 5, &n) || n != 5 {
		t.Fatalf("Shapes.Good(5): want true and 5, got %d", n)
	}
	bad := []string{"Returns", "unexported", "NonPointerReply", "TooFew", "TooMany"}
	out := captureDiagnostics(t, func() {
		for _, m := range bad {
			var reply int
			start := time.Now()
			if e.Call("Shapes."+m, 5, &reply) {
				t.Errorf("Shapes.%s is not a handler, but Call returned true", m)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Call(Shapes.%s) took %v to fail, want no simulated delay", m, d)
			}
		}
	})
	for _, m := range bad {
		if !strings.Contains(out, "unknown method "+m+" in service Shapes; its handlers are [Good]") {
			t.Errorf("diagnostics do not report Shapes.%s with the handler list [Good]; got:\n%s", m, out)
		}
	}
}

// TestUnknownName checks that a Call to an unknown service or method fails
// at once and that the report names what was asked for and the choices.
func TestUnknownName(t *testing.T) {
	rn := makeNet(t)
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")

	cases := []struct {
		svcMeth string
		want    []string // in the diagnostic
	}{
		{"Nope.Handler1", []string{`"Nope.Handler1"`, "[JunkServer]"}},
		{"JunkServer.Nope", []string{"unknown method Nope in service JunkServer", "Handler1", "Echo"}},
		{"NoDot", []string{`"NoDot"`, "[JunkServer]"}},
	}
	for _, c := range cases {
		out := captureDiagnostics(t, func() {
			var reply int
			start := time.Now()
			if e.Call(c.svcMeth, 1, &reply) {
				t.Errorf("Call(%q) returned true", c.svcMeth)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Call(%q) took %v to fail, want no simulated delay", c.svcMeth, d)
			}
			// Reported once, not on every call.
			e.Call(c.svcMeth, 2, new(int))
		})
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("Call(%q): diagnostic should contain %s; got:\n%s", c.svcMeth, w, out)
			}
		}
		if lines := strings.Count(out, "\n"); lines != 1 {
			t.Errorf("Call(%q) twice: want the error reported once, got %d lines:\n%s", c.svcMeth, lines, out)
		}
	}
	// The server still works.
	var reply string
	if !e.Call("JunkServer.Handler2", 7, &reply) || reply != "handler2-7" {
		t.Fatalf("after unknown names, Handler2(7): want %q, got %q", "handler2-7", reply)
	}
}
