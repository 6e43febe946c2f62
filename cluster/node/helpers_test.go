package node

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// cluster is n nodes of one process, each with its own directory and
// loopback ports.
type cluster struct {
	t       *testing.T
	peers   []string // by id: the first members', then those that joined
	first   int      // the first configuration is peers[:first]
	joinURL []string // by id: the URL a joined member joins through ("" for the first)
	dirs    []string
	nodes   []*Node // nil while stopped
	timeout time.Duration
	maxRaft int
	faults  bool // start the nodes with the fault control on
	client  *http.Client
	logMu   sync.Mutex
	logDone bool
}

// freeAddrs returns k loopback addresses that were free a moment ago.
func freeAddrs(t *testing.T, k int) []string {
	t.Helper()
	var addrs []string
	var lns []net.Listener
	for range k {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return addrs
}

func newCluster(t *testing.T, n int, timeout time.Duration, maxRaft int) *cluster {
	t.Helper()
	return newClusterWith(t, n, timeout, maxRaft, false)
}

// newClusterWith is newCluster, with the fault control on each node if
// faults is set.
func newClusterWith(t *testing.T, n int, timeout time.Duration, maxRaft int, faults bool) *cluster {
	t.Helper()
	c := &cluster{t: t, peers: freeAddrs(t, n), first: n, joinURL: make([]string, n), nodes: make([]*Node, n), timeout: timeout, maxRaft: maxRaft, faults: faults,
		client: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{}}}
	for range n {
		c.dirs = append(c.dirs, t.TempDir())
	}
	t.Cleanup(func() {
		c.stopAll()
		c.client.CloseIdleConnections()
		c.logMu.Lock()
		c.logDone = true
		c.logMu.Unlock()
	})
	for i := range n {
		c.start(i)
	}
	return c
}

func (c *cluster) logf(format string, args ...any) {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	if !c.logDone {
		c.t.Logf(format, args...)
	}
}

func (c *cluster) start(i int) {
	c.t.Helper()
	cfg := Config{ID: i, HTTP: "127.0.0.1:0", Dir: c.dirs[i],
		MaxRaftState: c.maxRaft, RequestTimeout: c.timeout, Logf: c.logf,
		OnFatal: func(err error) { panic(fmt.Sprintf("node %d: fatal: %v", i, err)) }}
	if i < c.first {
		cfg.Peers = c.peers[:c.first]
	} else {
		cfg.Join, cfg.Addr = c.joinURL[i], c.peers[i]
	}
	if c.faults {
		cfg.Faults = &Faults{}
	}
	n, err := Start(cfg)
	if err != nil {
		c.t.Fatalf("starting node %d: %v", i, err)
	}
	c.nodes[i] = n
}

// join starts a new member, id, on a fresh directory and address, joining
// through node via's HTTP API. It returns at once: Joined says when the
// member is a voter.
func (c *cluster) join(id, via int) *Node {
	c.t.Helper()
	for len(c.nodes) <= id {
		c.nodes, c.dirs, c.peers, c.joinURL = append(c.nodes, nil), append(c.dirs, ""), append(c.peers, ""), append(c.joinURL, "")
	}
	c.dirs[id], c.peers[id], c.joinURL[id] = c.t.TempDir(), freeAddrs(c.t, 1)[0], c.url(via, "")
	c.start(id)
	return c.nodes[id]
}

func (c *cluster) stop(i int) {
	c.t.Helper()
	if c.nodes[i] == nil {
		return
	}
	if err := c.nodes[i].Close(); err != nil {
		c.t.Errorf("closing node %d: %v", i, err)
	}
	c.nodes[i] = nil
}

func (c *cluster) stopAll() {
	for i := range c.nodes {
		c.stop(i)
	}
}

func (c *cluster) url(i int, path string) string {
	return "http://" + c.nodes[i].HTTPAddr() + path
}

// do sends a request to node i and returns the status and the body.
func (c *cluster) do(i int, method, path, body string, header ...string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url(i, path), strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for j := 0; j+1 < len(header); j += 2 {
		req.Header.Set(header[j], header[j+1])
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("node %d: %s %s: %v", i, method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("node %d: %s %s: reading the body: %v", i, method, path, err)
	}
	return resp.StatusCode, string(b)
}

// must sends a request and fails the test unless it gets want.
func (c *cluster) must(i int, want int, method, path, body string, header ...string) string {
	c.t.Helper()
	code, got := c.do(i, method, path, body, header...)
	if code != want {
		c.t.Fatalf("node %d: %s %s: status %d (%q), want %d", i, method, path, code, strings.TrimSpace(got), want)
	}
	return got
}

// get reads key through node i and fails unless it has value.
func (c *cluster) get(i int, key, value string) {
	c.t.Helper()
	if got := c.must(i, http.StatusOK, "GET", "/kv/"+key, ""); got != value {
		c.t.Fatalf("node %d: GET %s = %q, want %q", i, key, got, value)
	}
}
