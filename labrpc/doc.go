// Package labrpc is an in-process simulated network for the Raft labs: it
// can lose, delay and reorder requests and replies, partition servers, and
// crash them. Its API is the course's, so course test harnesses compile
// against it unchanged.
//
//	net := MakeNetwork()           // holds ends, servers and the fault settings
//	end := net.MakeEnd(endname)    // a client's end of a connection
//	net.AddServer(servername, srv) // srv := MakeServer(); srv.AddService(MakeService(rcvr))
//	net.Connect(endname, servername)
//	net.Enable(endname, true)      // a new end starts disabled
//
//	ok := end.Call("Raft.AppendEntries", &args, &reply)
//
// Call sends an RPC and waits for the reply. It returns true only if the
// server's handler ran and its reply came back; then reply holds it. It
// returns false, after a simulated delay and never hanging (unless the
// handler itself never returns), when:
//   - the end is disabled or connected to no server (a partition): after a
//     random 0-100 ms, or 0-7 s with LongDelays(true);
//   - the server was deleted, before or while its handler ran (a crash): the
//     handler's reply, if it ever comes, is thrown away;
//   - the network is unreliable and lost the request or the reply;
//   - the network was cleaned up.
//
// False therefore does not mean the handler did not run: a lost reply looks
// exactly like a lost request. Callers must treat false as "don't know".
//
// Every request and reply is encoded and decoded with labgob, so caller and
// handler never share memory, and counts of bytes are real encoded sizes.
// Many Calls may be in flight on one end at once. The reply argument must be
// a pointer to a fresh (zero) value, or labgob warns.
//
// Handlers are the exported methods of a service's receiver that have the
// form
//
//	func (r *T) Name(args *A, reply *R)
//
// reachable as "T.Name". Other methods are ignored. Calling an unknown
// service or method is a programming error: Call returns false and the error
// is printed on stderr, naming the service, the method and the choices.
//
// Fault settings (all off by default, and a new network is reliable):
//   - Reliable(false): each request is delayed by a random 0-27 ms, then
//     dropped with probability 1/10; each reply is dropped with probability
//     1/10.
//   - LongReordering(true): about 2/3 of replies are delayed by 200-2200 ms,
//     so they arrive out of order.
//   - LongDelays(true): a Call on a disabled end takes up to 7 s to fail,
//     which catches leaders that send RPCs synchronously.
//
// Beyond the course:
//   - MethodStats reports calls, replies and bytes per service method, for
//     performance work (how many AppendEntries per commit, and their size).
//   - All randomness of a network comes from one source seeded from the
//     RAFTLAB_SEED environment variable if it is set, or at random
//     otherwise. Seed returns it; test harnesses print it on failure, so a
//     fault schedule can be replayed as closely as goroutine scheduling
//     allows.
//   - ClientEnd.NetworkMade says when the end's network was made (in a
//     course-shaped harness, when the test started): raft's debug log
//     counts its milliseconds from there.
//   - The seam for a real transport, so that raft and kvraft run unchanged
//     as separate processes (package raftlab/cluster/transport carries it
//     over TCP). MakeRemoteEnd(c) returns an end whose Call encodes args
//     with labgob as usual, hands the bytes to c, a Caller (one method:
//     Call(svcMeth string, args []byte) (reply []byte, ok bool)), and
//     decodes the reply with labgob's checks; false keeps its meaning
//     ("don't know"). On the far side, Server.Dispatch(svcMeth, args) runs
//     the handler on the encoded request and returns the encoded reply,
//     exactly as the Network does. A remote end belongs to no Network:
//     none of its counts or faults apply, and NetworkMade is zero.
//
// Goroutines: none of its own at rest. Each Call runs in its caller's
// goroutine, plus one goroutine per request for the handler, so a crashed
// server's handler can be abandoned. Cleanup makes every waiting Call return
// false at once and every pending delay end, so no labrpc goroutine outlives
// it except handlers that are still running user code. A remote end's Call
// and a Dispatch start none: each runs in its caller's goroutine.
package labrpc
