package transport

// The test service and the small helpers the transport's tests share.

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"raftlab/labrpc"
)

// prompt bounds what should happen at once: a call to a refused address, a
// call whose connection was cut.
const prompt = 2 * time.Second

// Pair is a struct argument, to see gob's type information cross.
type Pair struct {
	Key   string
	Value []int
}

// Junk is the labrpc service the tests call.
type Junk struct {
	release chan struct{} // Block waits until it is closed
	blocked atomic.Int32  // Block handlers that started
	once    sync.Once
}

func newJunk() *Junk { return &Junk{release: make(chan struct{})} }

func (j *Junk) Double(args int, reply *int) { *reply = 2 * args }

func (j *Junk) Echo(args *Pair, reply *Pair) { *reply = *args }

// Block does not return until the test calls unblock.
func (j *Junk) Block(args int, reply *int) {
	j.blocked.Add(1)
	<-j.release
	*reply = args
}

// Big replies with n bytes.
func (j *Junk) Big(n int, reply *[]byte) { *reply = make([]byte, n) }

func (j *Junk) unblock() { j.once.Do(func() { close(j.release) }) }

// logLines collects what a Server or Client logs, for tests that count the
// lines.
type logLines struct {
	t     *testing.T
	name  string
	mu    sync.Mutex
	lines []string
}

func newLog(t *testing.T, name string) *logLines { return &logLines{t: t, name: name} }

func (l *logLines) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	l.t.Logf("%s log: %s", l.name, line)
}

// matching returns the lines that contain sub.
func (l *logLines) matching(sub string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return out
}

func (l *logLines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// junkServer serves a fresh Junk on a free loopback port until the test
// ends, logging to log.
func junkServer(t *testing.T, cfg Config, log *logLines) (*Server, *Junk) {
	t.Helper()
	j := newJunk()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(j))
	if log != nil {
		cfg.Logf = log.logf
	} else if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	s, err := Listen("127.0.0.1:0", srv, cfg)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() {
		j.unblock()
		s.Close()
	})
	return s, j
}

// client returns a Client for addr, closed when the test ends.
func client(t *testing.T, addr string, cfg Config) *Client {
	t.Helper()
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	c, err := NewClient(addr, cfg)
	if err != nil {
		t.Fatalf("NewClient(%s): %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type callResult struct {
	ok   bool
	took time.Duration
}

// goCall starts end.Call in a goroutine of its own; its result arrives on
// the channel.
func goCall(end *labrpc.ClientEnd, svcMeth string, args, reply any) <-chan callResult {
	ch := make(chan callResult, 1)
	go func() {
		start := time.Now()
		ok := end.Call(svcMeth, args, reply)
		ch <- callResult{ok, time.Since(start)}
	}()
	return ch
}

// await waits for a call started by goCall, failing the test if it has not
// returned within limit.
func await(t *testing.T, ch <-chan callResult, limit time.Duration, what string) callResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(limit):
		t.Fatalf("%s: the call did not return within %v", what, limit)
		return callResult{}
	}
}

// waitFor polls cond until it holds, failing the test if it does not
// within limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// checkGoroutines fails the test unless the goroutine count falls back to
// before within prompt: whatever the test started has ended.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(prompt)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before the test:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(2 * time.Millisecond)
	}
}
