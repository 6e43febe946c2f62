package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"raftlab/cluster/disk"
	"raftlab/cluster/transport"
	"raftlab/internal/bugs"
	"raftlab/kvraft"
	"raftlab/labrpc"
	"raftlab/raft"
)

var errStorageClosed = errors.New("node: storage written after Close")

// shutdownTimeout bounds how long Close waits for HTTP requests in
// progress; each ends within Config.RequestTimeout anyway.
const shutdownTimeout = 5 * time.Second

// Node is one running cluster member.
type Node struct {
	cfg     Config
	logf    func(format string, args ...any)
	storage *storage
	peers   *peers // the members' addresses and the clients reaching them
	kv      *kvraft.KVServer
	rpc     *transport.Server
	fwd     *forwarder
	http    *http.Server
	httpLn  net.Listener
	served  chan struct{} // closed when the HTTP server's Serve returns

	connMu         sync.Mutex
	newConns       map[net.Conn]bool // HTTP connections that have not yet sent a request
	newConnsClosed chan struct{}     // closed once Shutdown has run closeNewConns

	faultMu    sync.Mutex        // guards faults and orders setFaults
	faults     Faults            // in force, if cfg.Faults is set
	linkFaults *transport.Faults // the clients' fault control; nil without cfg.Faults

	stopping chan struct{} // closed when Close begins: membership changes and the join loop give up
	joined   chan error    // Joined's channel
	joinDone chan struct{} // closed when the join loop has ended; nil without Join

	closeOnce sync.Once
	closeErr  error
}

// Start opens cfg.Dir, starts the member's Raft peer and kvraft server on
// what it holds, listens for peers on cfg.Peers[cfg.ID] and for HTTP on
// cfg.HTTP, and returns the running node. If anything fails, what was
// started is stopped again and the error says what failed (a
// *disk.CorruptError among them, for damaged storage).
func Start(cfg Config) (n *Node, err error) {
	cfg, err = cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	n = &Node{cfg: cfg, served: make(chan struct{}), newConns: map[net.Conn]bool{},
		stopping: make(chan struct{}), joined: make(chan error, 1)}
	n.logf = func(format string, args ...any) {
		cfg.Logf("node %d: "+format, append([]any{cfg.ID}, args...)...)
	}
	store, state, snapshot, err := disk.Open(cfg.Dir, n.logf)
	if err != nil {
		return nil, fmt.Errorf("node %d: opening %s: %w", cfg.ID, cfg.Dir, err)
	}
	n.storage = newStorage(store)
	// From here on, a failure undoes what was started: Close copes with
	// a partly built node. (A return sets the result n to nil, hence self.)
	self := n
	defer func() {
		if err != nil {
			self.Close()
		}
	}()

	tcfg := transport.Config{Secret: cfg.Secret, Logf: n.logf}
	if cfg.Faults != nil {
		n.linkFaults = &transport.Faults{}
		tcfg.Faults = n.linkFaults
	}
	n.peers = newPeers(cfg.ID, tcfg)
	var servers []raft.Server
	for i, addr := range cfg.Peers {
		n.peers.learn(i, addr)
		servers = append(servers, raft.Server{ID: i, Addr: addr})
	}
	n.peers.learn(cfg.ID, cfg.Addr)
	if cfg.Faults != nil {
		n.peers.resolve = n.resolveFaults
		n.setFaults(*cfg.Faults)
	}
	persister := raft.NewPersister(n.storage, state, snapshot, n.fatal)
	n.kv = kvraft.StartKVMember(cfg.ID, persister, cfg.MaxRaftState, raft.Options{Servers: servers, Dial: n.peers.dial})
	n.kv.SnapshotInProportion() // a write costs its bytes, not the state's (doc.go)
	if n.fwd, err = newForwarder(n.peers, n.voters, cfg.ID, n.kv, n.logf); err != nil {
		return nil, err
	}
	n.fwd.raftLeader = func() int { id, _ := n.kv.Raft().Leader(); return id }
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(n.kv))
	srv.AddService(labrpc.MakeService(n.kv.Raft()))
	srv.AddService(labrpc.MakeService(membership{n}))
	if n.rpc, err = transport.Listen(cfg.Addr, srv, tcfg); err != nil {
		return nil, fmt.Errorf("node %d: peer listener: %w", cfg.ID, err)
	}

	if n.httpLn, err = net.Listen("tcp", cfg.HTTP); err != nil {
		return nil, fmt.Errorf("node %d: HTTP listener: %w", cfg.ID, err)
	}
	n.http = &http.Server{
		Handler:           n.routes(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      cfg.RequestTimeout + readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ConnState:         n.trackConn,
	}
	// Shutdown runs this once it has closed the listener.
	n.newConnsClosed = make(chan struct{})
	n.http.RegisterOnShutdown(func() {
		defer close(n.newConnsClosed)
		n.closeNewConns()
	})
	go func() {
		defer close(n.served)
		if err := n.http.Serve(n.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.logf("HTTP server stopped: %v", err)
		}
	}()
	if a := bugs.Active(); len(a) > 0 {
		n.logf("deliberate bugs on (a test build, raftlab_bugs): %v", a)
	}
	rcfg, index, committed := n.kv.Raft().Configuration()
	n.logf("started: configuration %v at index %d (committed: %v), peer address %s, HTTP http://%s, data %s (%d bytes), snapshot at %d bytes",
		rcfg, index, committed, n.rpc.Addr(), n.httpLn.Addr(), cfg.Dir, n.storage.Size(), cfg.MaxRaftState)
	if cfg.Join != "" {
		n.joinDone = make(chan struct{})
		go n.join()
	}
	return n, nil
}

// HTTPAddr is the address the HTTP API listens on (the port chosen, if
// Config.HTTP asked for port 0).
func (n *Node) HTTPAddr() string { return n.httpLn.Addr().String() }

// PeerAddr is the address the peer listener is bound to.
func (n *Node) PeerAddr() string { return n.rpc.Addr().String() }

// trackConn keeps the HTTP connections that have sent no request yet,
// for closeNewConns.
func (n *Node) trackConn(c net.Conn, st http.ConnState) {
	n.connMu.Lock()
	defer n.connMu.Unlock()
	if st == http.StateNew {
		n.newConns[c] = true
	} else {
		delete(n.newConns, c)
	}
}

// closeNewConns closes the connections that have sent no request: Shutdown
// would wait 5 s for each (a client's pool often dials one more than it
// uses). A request that arrives on one as it closes gets no answer, as it
// would if it came a moment later, after the listener closed.
func (n *Node) closeNewConns() {
	n.connMu.Lock()
	defer n.connMu.Unlock()
	for c := range n.newConns {
		c.Close()
		delete(n.newConns, c)
	}
}

// fatal is the Persister's fail: the disk could not save Raft's state, so
// this member must stop at once, before it acknowledges anything it could
// forget. It is called with Raft's and the Persister's locks held, so it
// cannot shut the node down in order; it logs why and calls OnFatal, which
// ends the process (sockets close with it; what was saved is on disk).
func (n *Node) fatal(err error) {
	n.logf("stopping: storage failed, the node cannot go on without losing what it acknowledged: %v", err)
	n.cfg.OnFatal(err)
}

// Close stops the node: the HTTP API (requests in progress get their
// answer or 503), the kvraft server and Raft peer, the peer listener, the
// clients to other members, and the store, in that order. Every goroutine
// the node started has ended when it returns. It is safe to call more
// than once; later calls return the first's result.
func (n *Node) Close() error {
	n.closeOnce.Do(func() { n.closeErr = n.close() })
	return n.closeErr
}

func (n *Node) close() error {
	close(n.stopping)
	var errs []error
	if n.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		if err := n.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("HTTP shutdown: %w", err))
			n.http.Close()
		}
		cancel()
		<-n.served
		<-n.newConnsClosed
	}
	if n.fwd != nil {
		n.fwd.close()
	}
	// Kill before closing the listener: kvraft's handlers then answer at
	// once instead of waiting for a commit, and Raft persists nothing more.
	if n.kv != nil {
		n.kv.Kill()
	}
	if n.rpc != nil {
		if err := n.rpc.Close(); err != nil {
			errs = append(errs, fmt.Errorf("peer listener: %w", err))
		}
	}
	if n.peers != nil {
		n.peers.close()
	}
	if n.joinDone != nil {
		<-n.joinDone
	}
	if n.fwd != nil {
		n.fwd.wait()
	}
	if err := n.storage.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: %w", err))
	}
	err := errors.Join(errs...)
	if err != nil {
		n.logf("stopped, with errors: %v", err)
	} else {
		n.logf("stopped")
	}
	return err
}
