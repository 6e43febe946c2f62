package node

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every node serves every request: a follower forwards to the leader.
func TestKeyValueThroughEveryNode(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/a", "one")
	for i := range 3 {
		c.get(i, "a", "one")
	}
	c.must(1, http.StatusNoContent, "POST", "/kv/a", "+two")
	c.must(2, http.StatusNoContent, "POST", "/kv/a", "+three")
	for i := range 3 {
		c.get(i, "a", "one+two+three")
	}
	c.must(2, http.StatusNoContent, "PUT", "/kv/dir/with%20space", "v")
	c.get(0, "dir/with%20space", "v")
	c.must(1, http.StatusNoContent, "DELETE", "/kv/a", "")
	for i := range 3 {
		c.must(i, http.StatusNotFound, "GET", "/kv/a", "")
		c.must(i, http.StatusNotFound, "GET", "/kv/never-written", "")
	}
	c.must(0, http.StatusNoContent, "PUT", "/kv/empty", "")
	c.get(1, "empty", "")
}

func TestBadInputGets4xx(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	long := strings.Repeat("k", MaxKey+1)
	cases := []struct {
		name, method, path, body string
		header                   []string
		want                     int
	}{
		{"empty key", "PUT", "/kv/", "v", nil, http.StatusBadRequest},
		{"empty key get", "GET", "/kv/", "", nil, http.StatusBadRequest},
		{"long key", "GET", "/kv/" + long, "", nil, http.StatusBadRequest},
		{"body too large", "PUT", "/kv/big", strings.Repeat("x", MaxValue+1), nil, http.StatusRequestEntityTooLarge},
		{"unknown method", "PATCH", "/kv/a", "v", nil, http.StatusMethodNotAllowed},
		{"unknown path", "GET", "/nothing", "", nil, http.StatusNotFound},
		{"status by POST", "POST", "/status", "", nil, http.StatusMethodNotAllowed},
		{"Client-Id alone", "PUT", "/kv/a", "v", []string{"Client-Id", "5"}, http.StatusBadRequest},
		{"Request-Seq alone", "PUT", "/kv/a", "v", []string{"Request-Seq", "5"}, http.StatusBadRequest},
		{"Client-Id not a number", "PUT", "/kv/a", "v", []string{"Client-Id", "x5", "Request-Seq", "1"}, http.StatusBadRequest},
		{"Client-Id zero", "PUT", "/kv/a", "v", []string{"Client-Id", "0", "Request-Seq", "1"}, http.StatusBadRequest},
		{"Request-Seq zero", "PUT", "/kv/a", "v", []string{"Client-Id", "5", "Request-Seq", "0"}, http.StatusBadRequest},
		{"Request-Seq overflow", "PUT", "/kv/a", "v", []string{"Client-Id", "5", "Request-Seq", "99999999999999999999"}, http.StatusBadRequest},
	}
	for _, tc := range cases {
		code, body := c.do(1, tc.method, tc.path, tc.body, tc.header...)
		if code != tc.want {
			t.Errorf("%s: %s %s: status %d (%q), want %d", tc.name, tc.method, tc.path[:min(len(tc.path), 40)], code, body, tc.want)
		}
		if body = strings.TrimSuffix(body, "\n"); body == "" || strings.Contains(body, "\n") {
			t.Errorf("%s: reason %q, want one line", tc.name, body)
		}
	}
	// The cluster still works after all that.
	c.must(1, http.StatusNoContent, "PUT", "/kv/a", "fine")
	c.get(0, "a", "fine")
}

func (c *cluster) status(i int) Status {
	c.t.Helper()
	var st Status
	body := c.must(i, http.StatusOK, "GET", "/status", "")
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		c.t.Fatalf("node %d: /status %q: %v", i, body, err)
	}
	return st
}

func TestStatusShowsOneLeader(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/a", "x") // a leader exists and has committed
	deadline := time.Now().Add(5 * time.Second)
	for {
		var sts []Status
		leaders, leader := 0, -1
		for i := range 3 {
			st := c.status(i)
			sts = append(sts, st)
			if st.ID != i {
				t.Fatalf("node %d: /status says id %d", i, st.ID)
			}
			if st.Role == "leader" {
				leaders++
				leader = i
			}
		}
		agree := leaders == 1
		for _, st := range sts {
			agree = agree && st.Term == sts[leader].Term && st.Applied >= 1 && st.CommitIndex >= st.Applied && st.DiskBytes > 0
		}
		if agree {
			if sts[leader].Leader != leader || sts[0].Leader != leader {
				t.Errorf("leader %d: /status leader fields %d (leader's) and %d (node 0's, which forwarded the write)",
					leader, sts[leader].Leader, sts[0].Leader)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no single leader with all nodes in its term and applied within 5 s: %+v", sts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

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

// A retried request with the same Client-Id and Request-Seq applies once.
func TestClientHeadersGiveExactlyOnce(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	id := []string{"Client-Id", "4242", "Request-Seq", "1"}
	c.must(0, http.StatusNoContent, "POST", "/kv/log", "x", id...)
	c.must(1, http.StatusNoContent, "POST", "/kv/log", "x", id...) // the retry, through another node
	c.get(2, "log", "x")
	id2 := []string{"Client-Id", "4242", "Request-Seq", "2"}
	c.must(2, http.StatusNoContent, "POST", "/kv/log", "y", id2...)
	c.must(0, http.StatusNoContent, "POST", "/kv/log", "x", id...) // a late duplicate of seq 1
	c.get(1, "log", "xy")
	// Requests without headers are never mistaken for duplicates.
	for range 3 {
		c.must(0, http.StatusNoContent, "POST", "/kv/plain", "z")
	}
	c.get(1, "plain", "zzz")
}

// Close ends every goroutine a node started, and a node that cannot
// persist says why and calls OnFatal.
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

// Concurrent clients through every node: each one's appends all land, in
// its order.
func TestConcurrentAppends(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	const clients, appends = 8, 10
	errs := make(chan string, clients*appends)
	var wg sync.WaitGroup
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range appends {
				req, _ := http.NewRequest("POST", c.url((cl+k)%3, fmt.Sprintf("/kv/c%d", cl)), strings.NewReader(fmt.Sprintf("%d.", k)))
				resp, err := c.client.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					errs <- fmt.Sprintf("client %d append %d: status %d", cl, k, resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for cl := range clients {
		want := ""
		for k := range appends {
			want += fmt.Sprintf("%d.", k)
		}
		c.get(cl%3, fmt.Sprintf("c%d", cl), want)
	}
}
