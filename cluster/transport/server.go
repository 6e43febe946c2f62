package transport

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"time"

	"raftlab/labrpc"
)

// Server serves a labrpc.Server to the peers that connect to one TCP
// address: each connection, once its handshake checks out, is served by
// net/rpc, and each request is handed to the labrpc Server's Dispatch.
type Server struct {
	ln     net.Listener
	rpc    *rpc.Server
	cfg    Config
	secret [sha256.Size]byte // the digest of cfg.Secret, to compare hellos with
	done   chan struct{}     // closed by Close

	mu     sync.Mutex
	conns  map[net.Conn]bool // open connections, in their handshake or served
	closed bool

	wg sync.WaitGroup // the accept loop and one per connection
}

// Listen listens on addr ("host:port"; port 0 picks a free one) and serves
// srv there until Close.
func Listen(addr string, srv *labrpc.Server, cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	s := &Server{
		ln:     ln,
		rpc:    rpc.NewServer(),
		cfg:    cfg,
		secret: secretDigest(cfg.Secret),
		done:   make(chan struct{}),
		conns:  map[net.Conn]bool{},
	}
	if err := s.rpc.RegisterName("Peer", &peerService{srv: srv, logf: cfg.Logf}); err != nil {
		ln.Close()
		return nil, fmt.Errorf("transport: %w", err)
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns the address the Server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// accept accepts connections until Close, serving each in a goroutine of
// its own. An error other than Close's (out of file descriptors, say) is
// logged and retried after a pause that doubles from 5 ms to 1 s, as
// net/http does.
func (s *Server) accept() {
	defer s.wg.Done()
	var pause time.Duration
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			s.cfg.Logf("transport: accept on %s: %v; retrying in %v", s.Addr(), err, pause)
			select {
			case <-time.After(pause):
			case <-s.done:
				return
			}
			continue
		}
		pause = 0
		if !s.track(nc) {
			nc.Close()
			return
		}
		go s.serve(nc)
	}
}

// track records an accepted connection, so that Close can close it and
// wait for its goroutine. It reports false once the Server is closed.
func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[nc] = true
	s.wg.Add(1)
	return true
}

// serve checks a connection's handshake, then serves it with net/rpc until
// either end closes it. A connection refused at the handshake, or dropped
// for breaking the wire format, gets one log line; one that just ends does
// not.
func (s *Server) serve(nc net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
		nc.Close()
	}()
	if err := s.handshake(nc); err != nil {
		if !s.isClosed() {
			s.cfg.Logf("transport: %s refused a connection from %s: %v", s.Addr(), nc.RemoteAddr(), err)
		}
		return
	}
	codec := newServerCodec(nc, s.cfg.Timeout)
	s.rpc.ServeCodec(codec) // returns once every handler it started has replied
	var perr *ProtocolError
	if errors.As(codec.failed, &perr) && !s.isClosed() {
		s.cfg.Logf("transport: %s dropped the connection from %s: %v", s.Addr(), nc.RemoteAddr(), perr)
	}
}

// handshake reads the peer's hello, within HandshakeTimeout, and welcomes
// it if its secret is the cluster's.
func (s *Server) handshake(nc net.Conn) error {
	if err := nc.SetDeadline(time.Now().Add(HandshakeTimeout)); err != nil {
		return err
	}
	if err := readHello(nc, s.secret); err != nil {
		return err
	}
	if _, err := nc.Write([]byte(magic)); err != nil {
		return fmt.Errorf("welcome: %w", err)
	}
	return nc.SetDeadline(time.Time{})
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops listening and closes every connection, and returns once
// every goroutine the Server started has ended: the accept loop, each
// connection's, and each handler's (net/rpc waits for its handlers before
// it lets a connection go, so Close waits for handlers still running).
// Calls in flight on the closed connections fail at their callers. More
// calls do nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	close(s.done)
	err := s.ln.Close()
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
