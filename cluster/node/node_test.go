package node

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"raftlab/cluster/disk"
)

// Everything acknowledged survives every node closing and starting again
// on the same directories, through snapshots.
func TestRestartKeepsAcknowledgedWrites(t *testing.T) {
	c := newCluster(t, 3, 0, 2048) // small: several snapshots on the way
	want := map[string]string{}
	for k := range 60 {
		key := fmt.Sprintf("k%d", k%20)
		val := fmt.Sprintf("<%d%s>", k, strings.Repeat(".", 40))
		if k%3 == 0 {
			c.must(k%3, http.StatusNoContent, "PUT", "/kv/"+key, val)
			want[key] = val
		} else {
			c.must(k%3, http.StatusNoContent, "POST", "/kv/"+key, val)
			want[key] += val
		}
	}
	c.must(1, http.StatusNoContent, "DELETE", "/kv/k7", "")
	delete(want, "k7")
	deadline := time.Now().Add(5 * time.Second)
	for i := range 3 {
		for c.status(i).SnapshotIndex == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("node %d took no snapshot within 5 s: %+v", i, c.status(i))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	c.stopAll()
	for i := range 3 {
		c.start(i)
	}
	for k := range 20 {
		key := fmt.Sprintf("k%d", k)
		if v, ok := want[key]; ok {
			c.get(k%3, key, v)
		} else {
			c.must(k%3, http.StatusNotFound, "GET", "/kv/"+key, "")
		}
	}
}

// A node cut off from the others answers 503 within its deadline, never
// the value it last saw.
func TestCutOffNodeAnswers503(t *testing.T) {
	timeout := time.Second
	c := newCluster(t, 3, timeout, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/a", "before")
	c.get(0, "a", "before")
	c.stop(1)
	c.stop(2)
	for _, m := range []string{"GET", "PUT", "POST", "DELETE"} {
		t0 := time.Now()
		code, body := c.do(0, m, "/kv/a", "after")
		took := time.Since(t0)
		if code != http.StatusServiceUnavailable {
			t.Errorf("%s on a cut-off node: status %d (%q), want 503", m, code, body)
		}
		if took > timeout+500*time.Millisecond {
			t.Errorf("%s on a cut-off node took %v, the deadline is %v", m, took, timeout)
		}
		t.Logf("%s: 503 after %v: %s", m, took.Round(time.Millisecond), strings.TrimSpace(body))
	}
}

// Close ends every goroutine a node started.
func TestCloseEndsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	c := newCluster(t, 3, 0, 0)
	c.must(1, http.StatusNoContent, "PUT", "/kv/a", "x")
	c.stopAll()
	c.client.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before the cluster, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A storage failure stops the node: one log line saying why, then
// OnFatal (called here directly: through a real Persister, OnFatal must
// end the process, which a test cannot).
func TestStorageFailureIsFatal(t *testing.T) {
	var lines []string
	var got error
	cfg, err := Config{Peers: []string{"127.0.0.1:1"}, HTTP: "127.0.0.1:0", Dir: t.TempDir(),
		Logf:    func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) },
		OnFatal: func(err error) { got = err },
	}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{cfg: cfg, logf: cfg.Logf}
	n.fatal(errStorageClosed)
	if got != errStorageClosed {
		t.Errorf("OnFatal got %v, want %v", got, errStorageClosed)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "storage failed") || !strings.Contains(lines[0], errStorageClosed.Error()) {
		t.Errorf("log lines %q: want one saying the storage failed, with the error", lines)
	}
}

func TestStartRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	peers := freeAddrs(t, 3)
	cases := []struct {
		name string
		cfg  Config
	}{
		{"no peers", Config{HTTP: "127.0.0.1:0", Dir: dir}},
		{"id past peers", Config{ID: 3, Peers: peers, HTTP: "127.0.0.1:0", Dir: dir}},
		{"negative id", Config{ID: -1, Peers: peers, HTTP: "127.0.0.1:0", Dir: dir}},
		{"empty peer", Config{Peers: []string{peers[0], ""}, HTTP: "127.0.0.1:0", Dir: dir}},
		{"no HTTP", Config{Peers: peers, Dir: dir}},
		{"no dir", Config{Peers: peers, HTTP: "127.0.0.1:0"}},
		{"bad MaxRaftState", Config{Peers: peers, HTTP: "127.0.0.1:0", Dir: dir, MaxRaftState: -2}},
		{"negative timeout", Config{Peers: peers, HTTP: "127.0.0.1:0", Dir: dir, RequestTimeout: -1}},
		{"peers and join", Config{Peers: peers, Join: "http://127.0.0.1:1", Addr: peers[0], HTTP: "127.0.0.1:0", Dir: dir}},
		{"join without addr", Config{ID: 3, Join: "http://127.0.0.1:1", HTTP: "127.0.0.1:0", Dir: dir}},
		{"join, not a URL", Config{ID: 3, Join: "127.0.0.1:1", Addr: peers[0], HTTP: "127.0.0.1:0", Dir: dir}},
		{"join, id out of range", Config{ID: MaxMemberID + 1, Join: "http://127.0.0.1:1", Addr: peers[0], HTTP: "127.0.0.1:0", Dir: dir}},
		{"addr not peers[id]", Config{ID: 1, Peers: peers, Addr: peers[0], HTTP: "127.0.0.1:0", Dir: dir}},
	}
	for _, tc := range cases {
		if n, err := Start(tc.cfg); err == nil {
			n.Close()
			t.Errorf("%s: Start succeeded", tc.name)
		}
	}
}

// A Start that fails on a busy port undoes what it started: the same
// directory opens again at once.
func TestStartFailureUndoes(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	before := runtime.NumGoroutine()
	peers := freeAddrs(t, 1)
	dir := t.TempDir()
	discard := func(string, ...any) {}
	if n, err := Start(Config{Peers: peers, HTTP: busy.Addr().String(), Dir: dir, Logf: discard}); err == nil {
		n.Close()
		t.Fatalf("Start on a busy HTTP port succeeded")
	} else if !strings.Contains(err.Error(), "HTTP") {
		t.Errorf("error %q does not say it was the HTTP listener", err)
	}
	n, err := Start(Config{Peers: peers, HTTP: "127.0.0.1:0", Dir: dir, Logf: discard})
	if err != nil {
		t.Fatalf("Start after a failed Start: %v", err)
	}
	n.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines before, %d after", before, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// leader waits for one node to report itself leader in /status.
func (c *cluster) leader() int {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for i, n := range c.nodes {
			if n != nil && c.status(i).Role == "leader" {
				return i
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no node reports itself leader within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// When the leader stops, the others elect a new one and serve within a
// request's deadline; the old leader, back, catches up.
func TestLeaderLossFailsOver(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/a", "1")
	old := c.leader()
	c.stop(old)
	other := (old + 1) % 3
	t0 := time.Now()
	c.must(other, http.StatusNoContent, "POST", "/kv/a", "2")
	t.Logf("leader %d stopped; member %d's write answered after %v", old, other, time.Since(t0).Round(time.Millisecond))
	c.get((old+2)%3, "a", "12")
	c.start(old)
	c.get(old, "a", "12")
}

// A member whose store is damaged refuses to start, saying where; the
// other two keep serving.
func TestCorruptStoreRefusesToStart(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/a", "1")
	c.stop(0)
	path := filepath.Join(c.dirs[0], "base")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := Start(Config{ID: 0, Peers: c.peers, HTTP: "127.0.0.1:0", Dir: c.dirs[0], Logf: c.logf})
	if err == nil {
		n.Close()
		t.Fatalf("node 0 started on a damaged base")
	}
	var corrupt *disk.CorruptError
	if !errors.As(err, &corrupt) {
		t.Errorf("Start: %v, want a *disk.CorruptError", err)
	}
	t.Logf("Start refused: %v", err)
	c.must(1, http.StatusNoContent, "POST", "/kv/a", "2")
	c.get(2, "a", "12")
}
