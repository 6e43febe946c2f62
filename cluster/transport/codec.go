package transport

// net/rpc's codecs over frames (wire.go): net/rpc numbers the calls,
// multiplexes them on one connection, and runs each handler in a goroutine
// of its own; the codecs decide what the bytes look like and bound them.
// net/rpc calls a codec's reads from one goroutine and its writes under a
// lock of its own, so a codec needs no lock for either.

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"
)

// errExpired is a request whose caller's deadline passed before any of it
// was written: it is not sent, and the connection is intact.
var errExpired = errors.New("the call's deadline passed before its request was sent")

// frameConn is a connection past its handshake, carrying frames: what both
// codecs share.
type frameConn struct {
	nc       net.Conn
	r        *bufio.Reader
	lastRead atomic.Int64 // when the last whole frame arrived, in Unix nanoseconds
	closing  sync.Once
}

func newFrameConn(nc net.Conn) *frameConn {
	c := &frameConn{nc: nc, r: bufio.NewReader(nc)}
	c.lastRead.Store(time.Now().UnixNano())
	return c
}

// read reads the next frame's payload.
func (c *frameConn) read() ([]byte, error) {
	p, err := readFrame(c.r)
	if err != nil {
		return nil, err
	}
	c.lastRead.Store(time.Now().UnixNano())
	return p, nil
}

// silentSince reports whether no frame has arrived since t.
func (c *frameConn) silentSince(t time.Time) bool {
	return c.lastRead.Load() < t.UnixNano()
}

// write writes a frame, head then tail, by deadline. A write that fails
// may have cut a frame in the middle, after which nothing on the stream
// can be trusted: it closes the connection.
func (c *frameConn) write(deadline time.Time, head, tail []byte) error {
	if !time.Now().Before(deadline) {
		return errExpired
	}
	if err := c.nc.SetWriteDeadline(deadline); err != nil {
		c.Close()
		return err
	}
	bufs := net.Buffers{head, tail}
	if _, err := bufs.WriteTo(c.nc); err != nil {
		c.Close()
		return err
	}
	return nil
}

// Close closes the connection; more calls do nothing.
func (c *frameConn) Close() error {
	var err error
	c.closing.Do(func() { err = c.nc.Close() })
	return err
}

// serverCodec is net/rpc's ServerCodec for a transport's Server.
type serverCodec struct {
	*frameConn
	timeout time.Duration // for writing each response
	body    []byte        // the body of the request whose header was read last
	failed  error         // why reading stopped; the reading goroutine's alone
}

func newServerCodec(nc net.Conn, timeout time.Duration) *serverCodec {
	return &serverCodec{frameConn: newFrameConn(nc), timeout: timeout}
}

// ReadRequestHeader reads a request's frame, and keeps its body for
// ReadRequestBody.
func (c *serverCodec) ReadRequestHeader(r *rpc.Request) error {
	if c.failed != nil {
		return c.failed
	}
	p, err := c.read()
	if err != nil {
		return c.fail(err)
	}
	seq, method, body, err := parseRequestHead(p)
	if err != nil {
		return c.fail(err)
	}
	r.Seq, r.ServiceMethod, c.body = seq, method, body
	return nil
}

// ReadRequestBody decodes the kept body into a *Request, or drops it when
// body is nil (net/rpc could not serve the request). A body that does not
// parse fails this request, and the connection at the next read.
func (c *serverCodec) ReadRequestBody(body any) error {
	b := c.body
	c.body = nil
	switch req := body.(type) {
	case nil:
		return nil
	case *Request:
		svcMeth, args, err := parseRequestBody(b)
		if err != nil {
			return c.fail(err)
		}
		req.SvcMeth, req.Args = svcMeth, args
		return nil
	default:
		return c.fail(fmt.Errorf("transport: no decoding of a request body into %T", body))
	}
}

// fail records why reading stops, the first reason only.
func (c *serverCodec) fail(err error) error {
	if c.failed == nil {
		c.failed = err
	}
	return err
}

// WriteResponse writes a response frame: the reply if body is the
// *[]byte of Peer.Call, nothing with an error.
func (c *serverCodec) WriteResponse(r *rpc.Response, body any) error {
	var reply []byte
	if b, ok := body.(*[]byte); ok && r.Error == "" {
		reply = *b
	}
	head, err := frameHead(responseFixed(r.Seq, r.Error), len(reply))
	if err != nil {
		// peerService keeps replies within a frame; if one slips
		// through, its caller hears why rather than nothing.
		reply = nil
		if head, err = frameHead(responseFixed(r.Seq, err.Error()), 0); err != nil {
			return err
		}
	}
	return c.write(time.Now().Add(c.timeout), head, reply)
}

// clientCodec is net/rpc's ClientCodec for a Client's connection.
type clientCodec struct {
	*frameConn
	body   []byte          // the reply of the response whose header was read last
	failed sync.Once       // reading stopped
	onFail func(err error) // called once, in the reading goroutine, when reading stops
}

// newClientCodec returns a codec on nc; onFail learns, once, that the
// connection can no longer be read, which is also the last thing net/rpc's
// reading goroutine does before it ends.
func newClientCodec(nc net.Conn, onFail func(error)) *clientCodec {
	return &clientCodec{frameConn: newFrameConn(nc), onFail: onFail}
}

// WriteRequest writes a request frame for body, a *Request, by the
// request's deadline.
func (c *clientCodec) WriteRequest(r *rpc.Request, body any) error {
	req, ok := body.(*Request)
	if !ok {
		return fmt.Errorf("transport: no encoding of a request body of type %T", body)
	}
	head, err := frameHead(requestFixed(r.Seq, r.ServiceMethod, req.SvcMeth), len(req.Args))
	if err != nil {
		return err
	}
	return c.write(req.deadline, head, req.Args)
}

// ReadResponseHeader reads a response's frame, and keeps its reply for
// ReadResponseBody.
func (c *clientCodec) ReadResponseHeader(r *rpc.Response) error {
	p, err := c.read()
	if err != nil {
		return c.fail(err)
	}
	seq, errmsg, reply, err := parseResponse(p)
	if err != nil {
		return c.fail(err)
	}
	r.Seq, r.Error, c.body = seq, errmsg, reply
	return nil
}

// ReadResponseBody hands the kept reply to body, a *[]byte, or drops it
// when body is nil.
func (c *clientCodec) ReadResponseBody(body any) error {
	b := c.body
	c.body = nil
	switch reply := body.(type) {
	case nil:
		return nil
	case *[]byte:
		*reply = b
		return nil
	default:
		return c.fail(fmt.Errorf("transport: no decoding of a reply into %T", body))
	}
}

// fail closes the connection, which can no longer be read, and tells
// onFail, once.
func (c *clientCodec) fail(err error) error {
	c.failed.Do(func() {
		c.Close()
		c.onFail(err)
	})
	return err
}
