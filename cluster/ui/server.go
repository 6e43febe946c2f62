package ui

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"raftlab/cluster/node"
)

// The page: one self-contained HTML file, its script and style inline.
//
//go:embed page.html
var page []byte

// pageCSP allows the page's own inline script (by its hash) and style,
// requests to this server only, and nothing from elsewhere; frames of it
// are refused, so another site cannot overlay its buttons.
var pageCSP = func() string {
	s := string(page)
	i, j := strings.Index(s, "<script>"), strings.Index(s, "</script>")
	if i < 0 || j < i {
		panic("ui: page.html has no <script> element")
	}
	sum := sha256.Sum256([]byte(s[i+len("<script>") : j]))
	return "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}()

// Bounds.
const (
	LogTail       = 40              // log entries shown per node
	MessageWindow = 5 * time.Second // how far back the messages go
	maxAction     = 1 << 10         // body of an action
	maxKVBody     = 128 << 10       // body of a kv request
	MaxValue      = 64 << 10        // a put's value through the page
	maxAnswer     = 64 << 10        // what the page shows of a node's answer
	statusTimeout = time.Second     // one node's /status or /messages
	kvTimeout     = 10 * time.Second
)

// Node is one member as the page knows it: its id and the base URL of its
// HTTP API ("http://127.0.0.1:8000").
type Node struct {
	ID  int
	URL string
}

// Processes is what kill and restart act on: the process table of
// whoever started the nodes (raftlab up). Kill ends the node's process
// with SIGKILL; Restart starts its command again. Either returns an error
// saying why it cannot (a node not running, or running already); the
// page shows it.
type Processes interface {
	Kill(id int) error
	Restart(id int) error
}

// Server serves the page and its JSON API for a fixed set of nodes.
type Server struct {
	addr   string // host:port the page is served at
	nodes  []Node
	procs  Processes
	client *http.Client

	faultMu sync.Mutex // one partition or heal at a time
}

// New returns the server of the page at addr (the listener's address,
// host:port; requests must name it, or localhost at its port, as Host and
// Origin) for nodes, acting on procs.
func New(addr string, nodes []Node, procs Processes) *Server {
	return &Server{addr: addr, nodes: slices.Clone(nodes), procs: procs,
		client: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
			// A node's redirect (ServeMux answers /kv/.. with one) is its
			// answer: following it would turn a put into a get elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
}

// Listen listens on addr, which must be a loopback address (port 0 picks
// a free port): the page can kill nodes, so it is served to this machine
// only.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("ui: address %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("ui: address %q: want a loopback IP address such as 127.0.0.1:0 (the page can kill nodes)", addr)
	}
	return net.Listen("tcp", addr)
}

// HTTPServer is an http.Server for s with bounded headers and bodies.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: kvTimeout + 30*time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
}

// ServeHTTP routes a request, after checking it names this server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.ownHost(r.Host) {
		http.Error(w, fmt.Sprintf("host %.100q is not this page's (%s)", r.Host, s.addr), http.StatusForbidden)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
	switch r.URL.Path {
	case "/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(page)
	case "/api/state":
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		writeJSON(w, http.StatusOK, s.State(r.Context()))
	case "/api/kill", "/api/restart", "/api/partition", "/api/heal":
		if s.checkPost(w, r) {
			s.handleAction(w, r, strings.TrimPrefix(r.URL.Path, "/api/"))
		}
	case "/api/kv":
		if s.checkPost(w, r) {
			s.handleKV(w, r)
		}
	default:
		http.Error(w, "no such page", http.StatusNotFound)
	}
}

// ownHost says whether host (a request's Host) is this server's address,
// or localhost at its port: a page another site's name resolves to
// 127.0.0.1 (DNS rebinding) is refused.
func (s *Server) ownHost(host string) bool {
	if host == s.addr {
		return true
	}
	_, port, err := net.SplitHostPort(s.addr)
	return err == nil && host == net.JoinHostPort("localhost", port)
}

// checkPost admits an action: POST, from this page (an Origin of this
// server: a page on another site must not kill nodes), in JSON.
func (s *Server) checkPost(w http.ResponseWriter, r *http.Request) bool {
	switch origin := r.Header.Get("Origin"); {
	case r.Method != http.MethodPost:
		methodNotAllowed(w, "POST")
	case origin == "":
		http.Error(w, "no Origin header: actions are taken from the page only", http.StatusForbidden)
	case origin != "http://"+r.Host:
		http.Error(w, fmt.Sprintf("origin %.100q is not this page's", origin), http.StatusForbidden)
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		http.Error(w, "want Content-Type application/json", http.StatusUnsupportedMediaType)
	default:
		return true
	}
	return false
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed: want "+allow, http.StatusMethodNotAllowed)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// State is what GET /api/state answers: every node as its /status shows
// it (with the log's last LogTail terms), the leader, and the Raft
// messages the nodes sent in the last MessageWindow, oldest first.
type State struct {
	NowMs    int64          `json:"now_ms"`
	Leader   int            `json:"leader"` // the node whose status says leader, the highest term's if several; -1 if none
	Nodes    []NodeState    `json:"nodes"`
	Messages []node.Message `json:"messages"`
}

// NodeState is one node in a State: Role is its /status role, or "down"
// (Error says why) when its status cannot be read.
type NodeState struct {
	ID     int          `json:"id"`
	URL    string       `json:"url"`
	Role   string       `json:"role"`
	Error  string       `json:"error,omitempty"`
	Status *node.Status `json:"status,omitempty"`
}

// State asks every node for its status and messages, at once.
func (s *Server) State(ctx context.Context) State {
	now := time.Now()
	st := State{NowMs: now.UnixMilli(), Leader: -1, Nodes: make([]NodeState, len(s.nodes)), Messages: []node.Message{}}
	msgs := make([][]node.Message, len(s.nodes))
	var wg sync.WaitGroup
	for i, n := range s.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns := NodeState{ID: n.ID, URL: n.URL, Role: "down"}
			var status node.Status
			if err := s.getJSON(ctx, n.URL+fmt.Sprintf("/status?log=%d", LogTail), &status); err != nil {
				ns.Error = err.Error()
			} else {
				ns.Role, ns.Status = status.Role, &status
				var m node.Messages
				if err := s.getJSON(ctx, n.URL+fmt.Sprintf("/messages?since=%d", now.Add(-MessageWindow).UnixMilli()), &m); err == nil {
					msgs[i] = m.Messages
				}
			}
			st.Nodes[i] = ns
		}()
	}
	wg.Wait()
	term := -1
	for _, n := range st.Nodes {
		if n.Role == "leader" && n.Status.Term > term {
			st.Leader, term = n.ID, n.Status.Term
		}
	}
	for _, m := range msgs {
		st.Messages = append(st.Messages, m...)
	}
	slices.SortStableFunc(st.Messages, func(a, b node.Message) int { return int(a.TimeMs - b.TimeMs) })
	return st
}

// getJSON GETs url and decodes its JSON answer into v.
func (s *Server) getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	code, b, err := s.call(ctx, http.MethodGet, url, nil, 4<<20)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("%s: %d %s: %s", url, code, http.StatusText(code), strings.TrimSpace(string(b[:min(len(b), 200)])))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", url, err)
	}
	return nil
}

// call sends one request to a node and returns the answer's status and at
// most limit bytes of its body; an error if the node did not answer.
func (s *Server) call(ctx context.Context, method, url string, body io.Reader, limit int64) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	return resp.StatusCode, b, err
}

// node returns the node with this id.
func (s *Server) node(id int) (Node, bool) {
	i := slices.IndexFunc(s.nodes, func(n Node) bool { return n.ID == id })
	if i < 0 {
		return Node{}, false
	}
	return s.nodes[i], true
}

// readBody reads a JSON body of at most limit bytes into v, refusing
// unknown fields; it answers the 4xx itself and returns false if it
// cannot.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("body over %d bytes", limit), http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
		}
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		http.Error(w, "bad JSON body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	if dec.More() {
		http.Error(w, "bad JSON body: more than one value", http.StatusBadRequest)
		return false
	}
	return true
}
