package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"raftlab/cluster/node"
)

// fakeNode is a node's HTTP API as the page uses it: /status, /messages,
// /faults and /kv/.
type fakeNode struct {
	id   int
	role string
	term int

	mu     sync.Mutex
	faults string            // the last PUT /faults body
	kv     map[string]string // what PUT /kv/ stored
	srv    *httptest.Server
}

func newFakeNode(t *testing.T, id int, role string, term int) *fakeNode {
	f := &fakeNode{id: id, role: role, term: term, kv: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("log") != fmt.Sprint(LogTail) {
			http.Error(w, "want log=40", http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(node.Status{ID: f.id, Role: f.role, Term: f.term, CommitIndex: 2, Applied: 1, LogFirst: 1, LogTerms: []int{1, f.term}})
	})
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(node.Messages{NowMs: 1000, Messages: []node.Message{{TimeMs: int64(900 + f.id), From: f.id, To: (f.id + 1) % 3, Kind: "Heartbeat", Term: f.term}}})
	})
	mux.HandleFunc("PUT /faults", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.faults = string(b)
		f.mu.Unlock()
		w.Write(b)
	})
	mux.HandleFunc("PUT /kv/{key...}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.kv[r.PathValue("key")] = string(b)
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /kv/{key...}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		v, ok := f.kv[r.PathValue("key")]
		f.mu.Unlock()
		if !ok {
			http.Error(w, "no such key", http.StatusNotFound)
			return
		}
		io.WriteString(w, v)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeNode) lastFaults() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults
}

// fakeProcs records kills and restarts; a killed node is not running.
type fakeProcs struct {
	mu      sync.Mutex
	down    map[int]bool
	actions []string
}

func (p *fakeProcs) Kill(id int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down[id] {
		return fmt.Errorf("node %d is not running", id)
	}
	p.down[id] = true
	p.actions = append(p.actions, fmt.Sprintf("kill %d", id))
	return nil
}

func (p *fakeProcs) Restart(id int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.down[id] {
		return errors.New("running")
	}
	delete(p.down, id)
	p.actions = append(p.actions, fmt.Sprintf("restart %d", id))
	return nil
}

// testUI is the page's server in front of three fake nodes: 0 follows,
// 1 leads in term 3, 2 leads in term 2 (cut off, it has not heard yet),
// and node down's server is closed.
type testUI struct {
	t     *testing.T
	nodes []*fakeNode
	procs *fakeProcs
	srv   *httptest.Server
}

func newTestUI(t *testing.T, down int) *testUI {
	u := &testUI{t: t, procs: &fakeProcs{down: map[int]bool{}}}
	u.nodes = []*fakeNode{newFakeNode(t, 0, "follower", 3), newFakeNode(t, 1, "leader", 3), newFakeNode(t, 2, "leader", 2)}
	u.nodes[down].srv.Close()
	var nodes []Node
	for _, n := range u.nodes {
		nodes = append(nodes, Node{ID: n.id, URL: n.srv.URL})
	}
	var s *Server
	u.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.ServeHTTP(w, r) }))
	u.srv.Start()
	s = New(strings.TrimPrefix(u.srv.URL, "http://"), nodes, u.procs)
	t.Cleanup(u.srv.Close)
	return u
}

// do sends a request to the page's server with the page's own Origin
// (unless header says otherwise) and returns the status and body.
func (u *testUI) do(method, path, body string, header ...string) (int, string) {
	u.t.Helper()
	req, err := http.NewRequest(method, u.srv.URL+path, strings.NewReader(body))
	if err != nil {
		u.t.Fatal(err)
	}
	req.Header.Set("Origin", u.srv.URL)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
		} else if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// /api/state has every node: the live ones with their status and log
// tail, the closed one down with the reason; the leader is the one of the
// highest term; the messages of all live nodes, oldest first.
func TestStateWithADownNode(t *testing.T) {
	u := newTestUI(t, 0)
	code, body := u.do("GET", "/api/state", "")
	if code != http.StatusOK {
		t.Fatalf("GET /api/state: %d %s", code, body)
	}
	var st State
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Nodes) != 3 || st.Leader != 1 {
		t.Fatalf("state: %d nodes, leader %d; want 3 and leader 1 (term 3 over node 2's term 2): %s", len(st.Nodes), st.Leader, body)
	}
	want := []string{"down", "leader", "leader"}
	for i, n := range st.Nodes {
		if n.ID != i || n.Role != want[i] {
			t.Errorf("node %d: id %d role %q, want %q", i, n.ID, n.Role, want[i])
		}
	}
	if st.Nodes[0].Error == "" || st.Nodes[0].Status != nil {
		t.Errorf("down node 0: error %q, status %+v; want a reason and no status", st.Nodes[0].Error, st.Nodes[0].Status)
	}
	if s := st.Nodes[1].Status; s == nil || s.Term != 3 || len(s.LogTerms) != 2 || s.LogFirst != 1 {
		t.Errorf("node 1's status %+v: want term 3 and its log tail", s)
	}
	if len(st.Messages) != 2 || st.Messages[0].From != 1 || st.Messages[1].From != 2 {
		t.Errorf("messages %+v: want node 1's then node 2's", st.Messages)
	}
	if code, _ := u.do("POST", "/api/state", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/state: %d, want 405", code)
	}
}

// Actions reach the process table and the nodes' fault control; bad
// bodies, unknown nodes and impossible actions get a 4xx.
func TestActions(t *testing.T) {
	u := newTestUI(t, 2)
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/api/kill", `{"node":1}`, 200},
		{"/api/kill", `{"node":1}`, 409}, // not running now
		{"/api/restart", `{"node":1}`, 200},
		{"/api/restart", `{"node":1}`, 409},
		{"/api/kill", `{"node":7}`, 400},
		{"/api/kill", `{}`, 400},
		{"/api/kill", `{"node":"1"}`, 400},
		{"/api/kill", `{"node":1,"signal":9}`, 400},
		{"/api/kill", `{"node":1} {"node":0}`, 400},
		{"/api/kill", `not json`, 400},
		{"/api/kill", `{"node":1}` + strings.Repeat(" ", maxAction), 413},
		{"/api/restart", `{"node":-1}`, 400},
		{"/api/partition", `{"node":0}`, 200},
		{"/api/heal", `{}`, 200},
		{"/api/reboot", `{"node":0}`, 404},
	} {
		code, body := u.do("POST", tc.path, tc.body)
		if code != tc.want {
			t.Errorf("POST %s %.40s: %d %q, want %d", tc.path, tc.body, code, body, tc.want)
		}
	}
	u.procs.mu.Lock()
	if got := strings.Join(u.procs.actions, ", "); got != "kill 1, restart 1" {
		t.Errorf("process table saw %q, want kill 1, restart 1", got)
	}
	u.procs.mu.Unlock()

	// Partition node 1: it drops 0 and 2, node 0 drops it; node 2 is down,
	// and the answer says so.
	code, body := u.do("POST", "/api/partition", `{"node":1}`)
	if code != 200 || !strings.Contains(body, "set on nodes 0, 1") || !strings.Contains(body, "not on node 2") {
		t.Errorf("partition 1: %d %q; want it set on 0 and 1, not on 2", code, body)
	}
	if f0, f1 := u.nodes[0].lastFaults(), u.nodes[1].lastFaults(); f0 != `{"drop":[1]}` || f1 != `{"drop":[0,2]}` {
		t.Errorf("partition 1: node 0 got faults %s, node 1 %s; want drop [1] and drop [0,2]", f0, f1)
	}
	if code, body := u.do("POST", "/api/heal", `{}`); code != 200 || u.nodes[0].lastFaults() != `{}` || u.nodes[1].lastFaults() != `{}` {
		t.Errorf("heal: %d %q; nodes' faults %s, %s; want {} on both", code, body, u.nodes[0].lastFaults(), u.nodes[1].lastFaults())
	}
	for _, n := range u.nodes[:2] {
		n.srv.Close()
	}
	if code, body := u.do("POST", "/api/heal", `{}`); code != http.StatusConflict {
		t.Errorf("heal with every node down: %d %q, want 409", code, body)
	}
}

// Only the page itself may act: a POST with no Origin or another one, a
// Host that is not the server's (DNS rebinding), a GET of an action, or a
// body that is not JSON is refused, and nothing is done.
func TestOriginAndHostChecks(t *testing.T) {
	u := newTestUI(t, 2)
	for _, tc := range []struct {
		name   string
		method string
		path   string
		header []string
		want   int
	}{
		{"no Origin", "POST", "/api/kill", []string{"Origin", ""}, 403},
		{"another site", "POST", "/api/kill", []string{"Origin", "http://evil.example"}, 403},
		{"null origin", "POST", "/api/kill", []string{"Origin", "null"}, 403},
		{"rebound host", "POST", "/api/kill", []string{"Host", "evil.example:80", "Origin", "http://evil.example:80"}, 403},
		{"rebound host reading state", "GET", "/api/state", []string{"Host", "evil.example"}, 403},
		{"rebound host reading the page", "GET", "/", []string{"Host", "evil.example"}, 403},
		{"a form post", "POST", "/api/kill", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		{"GET of an action", "GET", "/api/kill", nil, 405},
		{"PUT of kv", "PUT", "/api/kv", nil, 405},
	} {
		if code, body := u.do(tc.method, tc.path, `{"node":0}`, tc.header...); code != tc.want {
			t.Errorf("%s: %s %s: %d %q, want %d", tc.name, tc.method, tc.path, code, body, tc.want)
		}
	}
	u.procs.mu.Lock()
	defer u.procs.mu.Unlock()
	if len(u.procs.actions) != 0 {
		t.Errorf("refused requests acted: %v", u.procs.actions)
	}
	// localhost at the server's port is the server's own name.
	_, port, _ := strings.Cut(strings.TrimPrefix(u.srv.URL, "http://"), ":")
	if code, body := u.do("GET", "/api/state", "", "Host", "localhost:"+port); code != 200 {
		t.Errorf("GET /api/state as localhost:%s: %d %q, want 200", port, code, body)
	}
}

// The kv box's proxy: a put and a get through a chosen node, a get of a
// missing key, and bad input refused; a down node is a 502.
func TestKVProxy(t *testing.T) {
	u := newTestUI(t, 2)
	answer := func(body string, wantCode int) KVAnswer {
		t.Helper()
		code, got := u.do("POST", "/api/kv", body)
		if code != wantCode {
			t.Fatalf("POST /api/kv %s: %d %q, want %d", body, code, got, wantCode)
		}
		var a KVAnswer
		if code == 200 {
			if err := json.Unmarshal([]byte(got), &a); err != nil {
				t.Fatalf("POST /api/kv %s: %q: %v", body, got, err)
			}
		}
		return a
	}
	if a := answer(`{"node":1,"op":"put","key":"a/b c","value":"blue <b>&"}`, 200); a.Status != 204 {
		t.Errorf("put: node answered %+v, want 204", a)
	}
	if v := u.nodes[1].kv["a/b c"]; v != "blue <b>&" {
		t.Errorf("the node stored %q under \"a/b c\", want the value put", v)
	}
	if a := answer(`{"node":1,"op":"get","key":"a/b c"}`, 200); a.Status != 200 || a.Body != "blue <b>&" {
		t.Errorf("get: %+v, want 200 and the value", a)
	}
	if a := answer(`{"node":0,"op":"get","key":"nope"}`, 200); a.Status != 404 {
		t.Errorf("get of a missing key: %+v, want the node's 404", a)
	}
	answer(`{"node":2,"op":"get","key":"a"}`, 502)
	// A node's redirect is shown, not followed (a followed 301 would have
	// turned the put into a GET of another path).
	if a := answer(`{"node":1,"op":"put","key":"..","value":"x"}`, 200); a.Status < 300 || a.Status > 399 {
		t.Errorf("put of key \"..\": %+v, want the node's redirect", a)
	}
	for _, bad := range []string{
		`{"node":5,"op":"get","key":"a"}`,
		`{"node":1,"op":"delete","key":"a"}`,
		`{"node":1,"op":"get","key":""}`,
		`{"node":1,"op":"get","key":"` + strings.Repeat("k", node.MaxKey+1) + `"}`,
		`{"node":1,"op":"put","key":"a","value":"` + strings.Repeat("v", MaxValue+1) + `"}`,
		`{"node":1,"op":"get","key":"a","value":"x"}`,
		`{"node":1,"op":"get","key":"a","extra":1}`,
		`[1]`,
	} {
		answer(bad, 400)
	}
	answer(`{"node":1,"op":"put","key":"a","value":"`+strings.Repeat("v", maxKVBody)+`"}`, 413)
}

// The page loads nothing from elsewhere, sets text with textContent only,
// carries every name the browser test and its users rely on, and is
// served with a policy that allows only its own script.
func TestPageIsSelfContained(t *testing.T) {
	u := newTestUI(t, 2)
	req, _ := http.NewRequest("GET", u.srv.URL+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	html := string(b)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'sha256-") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	for _, re := range []string{`(?i)<script[^>]*\ssrc=`, `(?i)<link\b`, `(?i)@import`, `(?i)url\(`, `(?i)innerHTML|outerHTML|insertAdjacentHTML|document\.write`, `//[a-z0-9.-]+[.:/]`} {
		// The SVG namespace is a name, not a place the page loads from.
		if m := regexp.MustCompile(re).FindString(strings.ReplaceAll(html, `"http://www.w3.org/2000/svg"`, "")); m != "" {
			t.Errorf("the page has %q (pattern %s)", m, re)
		}
	}
	if strings.Count(html, "<script>") != 1 {
		t.Errorf("the page has %d inline scripts, want 1 (the policy allows one by its hash)", strings.Count(html, "<script>"))
	}
	for _, name := range []string{`id="kv-node"`, `id="kv-key"`, `id="kv-value"`, `id="kv-put"`, `id="kv-get"`, `id="kv-result"`,
		`dataset.node`, `dataset.role`, `dataset.action`, `dataset.leader`, `dataset.updated`, `"kill", "restart", "partition", "heal"`, `"/api/state"`} {
		if !strings.Contains(html, name) {
			t.Errorf("the page lacks %s", name)
		}
	}
}

// Listen refuses any address but loopback.
func TestListenLoopbackOnly(t *testing.T) {
	for _, a := range []string{"0.0.0.0:0", ":0", "example.com:0", "localhost:0", "nonsense"} {
		if ln, err := Listen(a); err == nil {
			ln.Close()
			t.Errorf("Listen(%q) succeeded; want loopback IPs only", a)
		}
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}
