// Package transport carries labrpc calls between processes over TCP, with
// net/rpc, so that the lab's raft and kvraft run unchanged as a real
// cluster: they keep calling *labrpc.ClientEnd and serving labrpc.Server,
// and never import net.
//
//	srv := labrpc.MakeServer()                 // as in the course
//	srv.AddService(labrpc.MakeService(rf))
//	ts, err := transport.Listen("127.0.0.1:7000", srv, cfg)
//	defer ts.Close()
//
//	c, err := transport.NewClient("127.0.0.1:7001", cfg) // a peer's address
//	defer c.Close()
//	end := labrpc.MakeRemoteEnd(c) // a *labrpc.ClientEnd, for raft.Make or MakeClerk
//	ok := end.Call("Raft.RequestVote", &args, &reply)
//
// # The seam
//
// labrpc has two doors (see its doc.go): MakeRemoteEnd(c) makes an end
// whose Call labgob-encodes args as always and hands the bytes to c, a
// labrpc.Caller, then decodes the reply with labgob's checks; and
// Server.Dispatch runs a handler on encoded args and returns the encoded
// reply. A Client is a Caller; a Server feeds Dispatch. Between them, one
// net/rpc method, Peer.Call, whose argument is the labrpc service method
// and the encoded args and whose reply is the encoded reply. labgob's
// bytes travel untouched, so what a handler sees is what the simulated
// Network would have delivered.
//
// # Calls: labrpc's contract
//
// Call returns true only if the handler ran and its reply came back.
// Otherwise it returns false, within Config.Timeout (DefaultTimeout, 2 s)
// of being called, dial and handshake included, never hanging: the
// address does not answer, the connection fails or is closed mid-call, the
// deadline passes (net/rpc has none; a timer bounds each call), labrpc
// cannot dispatch the request (unknown service or method: it says so on
// the server's stderr), or the Client is closed. As in labrpc, false means
// "don't know": the handler may have run.
//
// A Client keeps one TCP connection to its server, dialed lazily by the
// first call; every call shares it, multiplexed by net/rpc (concurrent
// calls in flight at once, replies in any order). Calls that arrive while
// a dial is in progress wait for that dial instead of dialing too. After
// the connection fails (a read or write error, the server closing it), the
// next call dials a fresh one. So does the call after a timeout that saw
// nothing at all arrive on the connection while it waited: such a
// connection is presumed dead (a peer that vanished without a reset never
// fails a read). A request whose deadline passes before it is written is
// not sent. A call whose deadline passes after it was sent is forgotten by
// its caller, and net/rpc keeps a small record of it until the reply comes
// or the connection ends.
//
// Listen binds to whatever address it is given; callers pass loopback
// unless the operator asks for more.
//
// # The wire
//
// All integers are big-endian; a string is its length (u32) and its bytes.
//
//	hello     client -> server, once: magic "RLRPC001", len u32, secret
//	welcome   server -> client, once: magic "RLRPC001"
//	frame     len u32, payload (at most MaxFrame bytes), in both directions
//	request   payload: seq u64, method string ("Peer.Call"),
//	          svcMeth string ("Raft.AppendEntries"), args (to the frame's end)
//	response  payload: seq u64, error string (net/rpc's; empty if none),
//	          reply (to the frame's end; empty with an error)
//
// seq is net/rpc's call number, which pairs a response with its request.
// args and reply are labgob's encodings (one gob stream each, with its
// type information), untouched. net/rpc's codecs are this package's
// (codec.go), not gob's: gob would decode a peer's bytes without a bound.
//
// # The cluster secret
//
// Config.Secret, shared by every member (empty means none), is checked
// once per connection, at its start: the server reads the hello within
// HandshakeTimeout (5 s), compares the SHA-256 of the secret presented with
// that of its own in constant time, and answers with the welcome only if
// they are equal. It serves nothing, and reads no frame, before. The
// secret keeps strangers and other clusters off the port; it travels in
// the clear, so it is no defence against someone who can watch the
// network (use a private network or a tunnel for that).
//
// # Bad peers
//
// A connection that sends garbage (a wrong magic, a length over its limit,
// a frame that does not parse) or the wrong secret is closed, with one
// line to Config.Logf saying who and why; the Server goes on serving the
// others. Nothing a peer sends can make a Server panic, or allocate
// without bound for a message: every length is checked against its limit
// before anything is allocated for it (MaxSecret 1 KiB, MaxName 256 bytes, MaxFrame 64 MiB,
// which bounds a request or a reply, snapshots included), and a frame's
// buffer grows with the bytes that actually arrive (from 64 KiB), so a
// peer that declares 64 MiB and sends ten bytes costs 64 KiB. Decoding of
// the handshake and the frames is fuzzed (wire_test.go). The args inside
// an authenticated frame are decoded by labgob, which returns an error on
// bad bytes and never panics.
//
// # Limits
//
//   - A call's args or reply larger than a frame (64 MiB) does not travel:
//     the call returns false, with a log line on the side that refused it.
//   - Connections are not counted or capped; one that never finishes its
//     handshake costs a goroutine and a few bytes for HandshakeTimeout.
//   - A server runs each request's handler in a goroutine of its own (as
//     net/rpc does), with no cap on how many run at once.
//   - A request for a service or method the labrpc Server lacks is
//     reported on stderr by labrpc, once per name, as on the simulated
//     network; a name is at most MaxName bytes.
//   - No encryption, and the secret is sent in the clear (see above).
//
// # Goroutines
//
// A Server runs an accept loop, a goroutine per connection, and net/rpc's
// goroutine per request; Close closes the listener and every connection
// and returns once all of them have ended, which includes waiting for
// handlers still running (raft's return at once; kvraft's within its
// one-second wait for a commit). A Client runs net/rpc's reading goroutine
// for its connection; a dial runs in the goroutine of the call that needed
// it. Close ends the calls in progress at once, closes the connection, and
// returns once the reading goroutine has made its last read; all it does
// after that is fail the calls still recorded, and end.
//
// Files: wire.go (the byte layouts and their limits), codec.go (net/rpc's
// codecs over frames), service.go (Peer.Call), server.go (Listen, the
// handshake, Close), client.go (the Caller: one connection, deadlines,
// redial), config.go (Config and its defaults).
package transport
