package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"

	"raftlab/labrpc"
)

// ErrClosed is what a call on a closed Client fails with.
var ErrClosed = errors.New("transport: client closed")

// errTimeout is a call that ran out of time waiting for a dial.
var errTimeout = errors.New("transport: deadline passed while connecting")

// Client calls one server, at one address, over one TCP connection that
// every call shares: a labrpc.Caller, for labrpc.MakeRemoteEnd. It dials
// when first called, and again on the first call after its connection
// failed. Every call returns within the Timeout of its Config. It is safe
// for use by many goroutines.
type Client struct {
	addr string
	cfg  Config

	ctx    context.Context // done once Close is called: ends dials and waits
	cancel context.CancelFunc

	mu      sync.Mutex
	conn    *clientConn // the connection calls use; nil if there is none
	dialing *dialing    // the dial in progress; nil if there is none
	closed  bool
	reached bool // whether the last dial or connection succeeded; for the log
	told    bool // whether reached has been logged at least once

	readers sync.WaitGroup // net/rpc's reading goroutine of every connection
	dials   atomic.Int64
}

var _ labrpc.Caller = (*Client)(nil)

// clientConn is one connection of a Client.
type clientConn struct {
	rpc   *rpc.Client
	codec *clientCodec
}

// dialing is a dial in progress, whose outcome calls that arrive meanwhile
// share.
type dialing struct {
	done chan struct{} // closed when conn and err are set
	conn *clientConn
	err  error
}

// NewClient returns a Client for the server at addr ("host:port"). It
// does not connect until it is called.
func NewClient(addr string, cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{addr: addr, cfg: cfg}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Call sends one labrpc request and waits for its reply, for at most the
// Config's Timeout from when it is called, connecting first if need be. ok
// is false if the reply did not come back in time, the connection failed,
// the server could not dispatch the request, or the Client is closed; as
// with labrpc, the handler may have run all the same.
//
// A connection is dropped, and the next call dials afresh, when it fails,
// and when a call times out without a single frame having arrived on it
// since the call was sent: such a connection is presumed dead (a peer that
// vanished without a reset, or a server that stopped reading).
func (c *Client) Call(svcMeth string, args []byte) (reply []byte, ok bool) {
	if len(args) > maxArgs || len(svcMeth) > MaxName {
		c.cfg.Logf("transport: a call of %s to %s not sent: %d bytes of args or a name of %d, limits %d and %d",
			svcMeth, c.addr, len(args), len(svcMeth), maxArgs, MaxName)
		return nil, false
	}
	deadline := time.Now().Add(c.cfg.Timeout)
	timer := time.NewTimer(c.cfg.Timeout)
	defer timer.Stop()
	if !c.injected(timer.C) {
		return nil, false
	}

	cc, err := c.connection(deadline, timer.C)
	if err != nil {
		return nil, false
	}
	sent := time.Now()
	req := &Request{SvcMeth: svcMeth, Args: args, deadline: deadline}
	// net/rpc may write rep after this call has given up on it: only the
	// Done branch reads it.
	var rep []byte
	call := cc.rpc.Go(peerCall, req, &rep, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		var serverErr rpc.ServerError
		switch {
		case call.Error == nil:
			return rep, true
		case errors.As(call.Error, &serverErr), errors.Is(call.Error, errExpired):
			return nil, false // the connection is fine; the call is not
		default:
			c.drop(cc, call.Error)
			return nil, false
		}
	case <-timer.C:
		if cc.codec.silentSince(sent) {
			c.drop(cc, fmt.Errorf("nothing arrived on the connection for the %v a call waited", time.Since(sent).Round(time.Millisecond)))
		}
		return nil, false
	case <-c.ctx.Done():
		return nil, false
	}
}

// connection returns the connection to call on, dialing if there is none.
// A call that finds a dial in progress waits for its outcome instead of
// dialing too, so concurrent calls share one connection.
func (c *Client) connection(deadline time.Time, expired <-chan time.Time) (*clientConn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	if cc := c.conn; cc != nil {
		c.mu.Unlock()
		return cc, nil
	}
	if d := c.dialing; d != nil {
		c.mu.Unlock()
		select {
		case <-d.done:
			return d.conn, d.err
		case <-expired:
			return nil, errTimeout
		case <-c.ctx.Done():
			return nil, ErrClosed
		}
	}
	d := &dialing{done: make(chan struct{})}
	c.dialing = d
	c.mu.Unlock()

	nc, err := c.dial(deadline)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.dialing = nil
	switch {
	case err == nil && c.closed:
		nc.Close()
		err = ErrClosed
	case err == nil:
		d.conn = c.start(nc)
		c.conn = d.conn
		c.note(true, "", nil)
	case !c.closed:
		c.note(false, "cannot reach", err)
	}
	d.err = err
	close(d.done)
	return d.conn, d.err
}

// dial opens a connection and makes the handshake, by deadline; Close cuts
// it short.
func (c *Client) dial(deadline time.Time) (net.Conn, error) {
	c.dials.Add(1)
	ctx, cancel := context.WithDeadline(c.ctx, deadline)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	err = c.handshake(nc)
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = nc.SetDeadline(time.Time{})
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake with %s: %w", c.addr, err)
	}
	return nc, nil
}

// handshake says hello with the secret and waits for the welcome.
func (c *Client) handshake(nc net.Conn) error {
	if _, err := nc.Write(hello(c.cfg.Secret)); err != nil {
		return err
	}
	return readWelcome(nc)
}

// start puts net/rpc's client on nc. Caller holds c.mu and has checked
// that c is not closed, so that Close waits for the reader started here.
func (c *Client) start(nc net.Conn) *clientConn {
	cc := &clientConn{}
	c.readers.Add(1)
	cc.codec = newClientCodec(nc, func(err error) {
		c.drop(cc, err)
		c.readers.Done()
	})
	cc.rpc = rpc.NewClientWithCodec(cc.codec)
	return cc
}

// drop stops calls from using cc, which failed with err, and closes it, so
// that the next call dials a fresh connection.
func (c *Client) drop(cc *clientConn, err error) {
	c.mu.Lock()
	if c.conn == cc {
		c.conn = nil
		if !c.closed {
			c.note(false, "lost the connection to", err)
		}
	}
	c.mu.Unlock()
	cc.codec.Close()
}

// note logs a change in whether c reaches its server: one line when the
// server becomes reachable, one when it stops being so (what says how).
// Caller holds c.mu.
func (c *Client) note(reached bool, what string, err error) {
	if c.told && c.reached == reached {
		return
	}
	c.told, c.reached = true, reached
	if reached {
		c.cfg.Logf("transport: connected to %s", c.addr)
	} else {
		c.cfg.Logf("transport: %s %s: %v", what, c.addr, err)
	}
}

// Dials returns how many connections c has tried to open: one for as long
// as its first connection lasts, and one more for each redial.
func (c *Client) Dials() int64 { return c.dials.Load() }

// Close makes every call in progress return false at once, and later
// calls fail; it returns once the connection is closed and every goroutine
// the Client started has ended. More calls do nothing.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.readers.Wait()
		return nil
	}
	c.closed = true
	cc := c.conn
	c.conn = nil
	c.mu.Unlock()
	c.cancel()
	if cc != nil {
		cc.rpc.Close()
	}
	c.readers.Wait()
	return nil
}
