// Package node runs one raftlab cluster member in a process: the lab's Raft
// peer and kvraft server, unchanged and unforked, on disk storage
// (cluster/disk), talking to the other members over TCP
// (cluster/transport), with an HTTP key/value API in front.
//
//	n, err := node.Start(node.Config{
//		ID:    0,
//		Peers: []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"},
//		HTTP:  "127.0.0.1:8000",
//		Dir:   "data/0",
//	})
//
// and, later, a fourth member:
//
//	n, err := node.Start(node.Config{ID: 3, Join: "http://127.0.0.1:8000", Addr: "127.0.0.1:7003", HTTP: "127.0.0.1:8003", Dir: "data/3"})
//	if err != nil { ... } // a *disk.CorruptError says which file, where, and what to do
//	defer n.Close()
//
// # The pieces
//
// Start opens Dir with disk.Open and puts a raft.NewPersister in front of
// it; starts kvraft.StartKVMember (which makes the Raft peer with
// raft.MakeMember) with the first configuration, Peers, and a Dial that
// makes one transport.Client per member address, its own included, so
// that every member is reached the same way, each wrapped by
// labrpc.MakeRemoteEnd (peers.go: the address book by member id, shared
// with the node's own client); registers the KVServer, its Raft peer
// (KVServer.Raft) and the node's membership service on one labrpc.Server,
// as the course harness does, and serves it with transport.Listen on Addr
// (Peers[ID] by default); then serves HTTP on
// Config.HTTP (port 0 picks one: HTTPAddr says which). kvraft snapshots
// when the persisted Raft state passes MaxRaftState (DefaultMaxRaftState,
// 1 MiB) and the log applied since the last snapshot is at least as large
// as that snapshot (kvraft's SnapshotInProportion): a snapshot rewrites
// the whole state, so it waits until the writes since the last one add up
// to as much, and the cost of a write stays its own bytes (twice over at
// most) however large the state grows. The log on disk so stays below
// about the state's size (or MaxRaftState, if larger).
//
// Close stops, in order: the HTTP server (requests in progress get their
// answer, or 503), the requests' RPCs, the kvraft server and Raft peer
// (Kill), the peer listener (which waits for its handlers), the clients,
// and the store. Every goroutine the node started has ended when it
// returns (Raft's own end right after Kill). Everything acknowledged is on
// disk already: Start on the same Dir resumes it.
//
// # HTTP API
//
//	GET    /kv/{key}   200 and the value; 404 if the key is absent
//	PUT    /kv/{key}   the body becomes the value; 204
//	POST   /kv/{key}   the body is appended to the value; 204
//	DELETE /kv/{key}   the key is removed; 204 (absent or not)
//	                   Any of the four: 409 if its Client-Id and
//	                   Request-Seq are stale or its session expired (below)
//	GET    /status     200 and JSON: id, role, term, leader, commit_index,
//	                   applied, log_entries, snapshot_index, disk_bytes,
//	                   config_index, config_committed, members
//	GET    /status?log=N  the same, and log_first, log_terms: the terms of
//	                   the last N (0 to MaxStatusLog) entries after the
//	                   snapshot, log_terms[k] at index log_first+k
//	GET    /messages?since=MS  200 and JSON {now_ms, messages}: the Raft
//	                   RPCs this node sent at or after MS (Unix ms; all
//	                   without it), oldest first, each {time_ms, from, to,
//	                   kind, term, entries, dropped}: kind RequestVote,
//	                   PreVote, Heartbeat, AppendEntries or
//	                   InstallSnapshot; dropped if PUT /faults lost it.
//	                   Each GET keeps the node noting RPCs for 10 s more
//	                   (MessageWatch); unwatched, it notes none
//	GET    /members    200 and JSON: this node's configuration (Members)
//	POST   /members    {"id": N, "addr": "host:port"}: add member N; 200
//	                   and the leader's configuration once N is a voter
//	DELETE /members/N  remove member N; 200 and the leader's configuration
//	                   once a committed one lacks N
//
// A key is the rest of the path after /kv/, URL-decoded (it may contain
// '/'), 1 to MaxKey (1 KiB) bytes; a body is at most MaxValue (1 MiB).
// Every node accepts every request: the node's own client (forward.go)
// sends it to the members' KVServer RPCs (to its own member by calling the
// handler in process, to the others over the transport), starting with
// the member that last answered, moving on at ErrWrongLeader or a lost
// call, pausing 50 ms after each full round, until one answers anything
// else. Reads go
// through the Raft log as kvraft does, so they are linearizable. Each
// request has Config.RequestTimeout (DefaultRequestTimeout, 3 s) from its
// arrival: after that it gets 503 with a one-line reason, so a node cut
// off in a minority answers 503, never stale data. A 503 means the outcome
// is unknown: a write may still take effect.
//
// Exactly once: a client that retries may send the headers Client-Id (a
// nonzero decimal int64) and Request-Seq (a positive decimal int64: 1 for
// the client's first request, one higher for each new one, one request at
// a time). kvraft's duplicate table then applies a retried request once
// and answers it with the recorded result. Two answers say a request was
// not applied, each a 409 with a one-line reason:
//
//   - "stale request: ...": Request-Seq is below the client's last applied
//     one, so it is an old copy of an earlier request, not a retry of the
//     last (which gets the last's recorded result).
//   - "session expired: ...": kvraft keeps a client's session for
//     kvraft.SessionTimeout (an hour) after its last request, measured by
//     the leaders' clocks as the log records them, so that every member
//     forgets the same clients at the same log index. A Client-Id with no
//     session, whose Request-Seq is not 1, gets this: its session expired,
//     or its Request-Seq 1 was never applied (it timed out). Send the
//     request again with a new Client-Id from Request-Seq 1 (not the same
//     id: a Request-Seq 1 still in flight could yet be applied, and
//     answer for the new request). If a request of the old session was in
//     flight, its outcome is unknown.
//
// A request without the headers gets one of the node's own client ids (a
// pool of 64, drawn at random by each process, each used by one request at
// a time with a rising seq), so the duplicate table grows by 64 entries
// per node start, not per request. An id whose session expired while it
// sat in the pool (or whose seq 1 timed out) is drawn afresh from seq 1,
// and the request sent again: such requests never get a 409.
//
// Bad input gets a 4xx and a one-line reason: an empty or too long key or
// a malformed header 400, a body over MaxValue 413, a method the path does
// not take 405, an unknown path 404. The server bounds a client's headers
// (5 s, 64 KiB) and body (30 s).
//
// While someone watches (a GET /messages in the last MessageWatch), the
// node keeps its last MessageRing (1024) sent Raft RPCs in a ring
// (messages.go): each end to a member notes the method, the term and the
// number of entries of what it sends (a gob decode of the args up to the
// entries' terms: commands are read past, not kept), and nothing reads the
// ring but GET /messages. Unwatched, sending pays one atomic load. A bad log= or since= is a 400. These two are for the live
// cluster page (cluster/ui).
//
// leader in /status is this node if its Raft peer leads, otherwise the
// member that last answered one of this node's forwarded requests (-1
// before any has): a hint, since Raft does not record who it follows.
//
// # Membership
//
// The configuration is Raft's (raft/doc.go, "Membership changes"): a log
// entry, used once appended, one change at a time, a new member a learner
// until it has caught up. A new cluster's members have Config.Peers; a
// member added later has Config.Join (raftlab node -join URL -addr A)
// instead: it starts with no configuration, serves its peer listener, and
// POSTs /members to Join until it is a voter, the cluster refuses it (a
// 4xx: Joined reports the error, and raftlab node exits 1), or it stops. It
// asks again on every start; the cluster answers at once if it is a voter
// already.
//
// POST and DELETE /members at any node go to the leader through the
// membership RPC service (members.go): each call asks Raft for the change
// (AddServer, RemoveServer) or reports it done, so the node repeats it,
// following the leader hint and then every voter, pausing 100 ms between
// rounds, until the leader reports it done in a committed configuration,
// refuses it, or MemberChangeTimeout (30 s) passes (503: the change may
// still happen). Refusals: 400 for a malformed body, id or address; 409
// for removing the last voter or an id in use at another address. A
// second change waits for the first, including a learner that is still
// catching up: remove a learner whose node is gone, and the next change
// can go on. Removing a member that is not one, or adding one that is a
// voter at that address, is done at once.
//
// A removed member is not told (the leader stops sending to it); its node
// runs on, serving nothing, until it is stopped, and cannot disrupt the
// others (pre-vote; raft/doc.go). The node's own client sends key/value
// requests to the voters of the configuration in use, re-read at each
// step, so a change made while a request waits is followed at once. Faults
// name members by id and apply to the addresses the node has learned for
// them, again whenever it learns a new one.
//
// # When storage fails
//
// If the disk cannot save Raft's state, the member must stop before it
// acknowledges anything it would forget. The Persister then calls the
// node's fail function with Raft's lock held, so the node cannot shut down
// in order: it logs one line ("stopping: storage failed ...") and calls
// Config.OnFatal, which must not return; the default, os.Exit(1), ends the
// process, and the operating system closes its sockets. What was saved
// before is durable; the node starts again from it once the disk is fixed.
// Damage found when opening the store makes Start fail with the
// *disk.CorruptError instead.
//
// # Fault injection
//
// Config.Faults (raftlab node -faults JSON), set only by raftlab torture,
// turns on a fault control: the node starts with those faults in force,
// and GET /faults shows them and PUT /faults replaces them, as JSON
// {"drop": [ids], "delay_ms": {"id": ms}, "fsync_delay_ms": ms} (see
// Faults; a bad one is a 400 with the reason and changes nothing). Calls
// to a dropped member are lost (they wait out the transport's deadline),
// calls to a delayed one wait before they go, and every save to disk
// takes the fsync delay longer. Without Config.Faults there is no
// /faults, and nothing of this runs.
//
// # Log lines
//
// Config.Logf gets one line per event, each starting "node ID:": started
// (with addresses, data size and snapshot threshold), each change of the
// member requests go to, the transport's connection changes and refusals,
// the store's repairs on open, each change of injected faults, each
// membership request and its outcome, each join attempt, stopped (and
// why, for a storage failure).
//
// Files: config.go (Config, defaults, bounds), node.go (Start, Close,
// fatal), storage.go (the store as Raft's Storage, sized for /status),
// forward.go (the node's client: ids, deadline, leader search), peers.go
// (the address book and transport clients), members.go (the membership
// service, /members, the join loop), http.go (routes, parsing, status),
// faults.go (the fault control), messages.go (the ring of sent RPCs).
package node
