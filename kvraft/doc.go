// Package kvraft is a linearizable, exactly-once key/value service
// replicated with Raft, with the 6.5840 course API.
//
// # The contract
//
//	ck := MakeClerk(servers)           // servers: ends to every KVServer
//	ck.Put("k", "v"); ck.Append("k", "w")
//	v := ck.Get("k")                   // "vw"; "" for a key never written
//	ck.Delete("k")                     // not in the course's API: the cluster's
//
//	kv := StartKVServer(peers, me, persister, maxraftstate)
//	kv.Kill()
//
// Every operation keeps trying until it succeeds, and takes effect exactly
// once, at some instant between its call and its return (linearizability),
// whatever the network loses or repeats and whichever servers crash,
// restart or are partitioned away. A minority partition makes no progress;
// its clients' operations complete once it heals.
//
// # Files
//
//	common.go        RPC arguments and replies, Err, the Op that travels the log
//	statemachine.go  the replicated state: the store, the duplicate table,
//	                 snapshot encoding; pure, with no locks or goroutines
//	session.go       client sessions: the log clock, expiry, the rule for
//	                 retries and stale requests
//	server.go        KVServer: RPC handlers, applyLoop, snapshots
//	client.go        Clerk
//
// # How a request is served
//
// A Clerk gives each operation its client id and the next sequence number,
// and tries servers, starting with the last one that answered, until one
// returns something other than ErrWrongLeader. The server puts the Op in the
// Raft log (Gets too: a read through the log cannot be answered by a
// deposed leader that still believes it leads) and waits. It answers when
// its applyLoop applies the entry at that index; if a different Op is applied
// there, or Raft's term or role changes, or a second passes, it answers
// ErrWrongLeader and the Clerk tries elsewhere.
//
// Exactly once: the state machine keeps, per client, a session: the last
// applied sequence number and its result. A retry of the last request is
// not applied again and is answered with the recorded result, so a Put
// applied once but answered never is not applied twice. A request below
// the last is an old copy of an earlier one: it is answered
// ErrStaleRequest, never the last request's result. The table is part of
// every snapshot, so this holds across leader changes, crashes and
// restarts. A server answers a retry or a stale request from its own
// applied state, without the log, so a lagging one may take a request for
// the last that the leader already has a newer one for: it answers that
// request's own recorded result.
//
// # Sessions
//
// Sessions expire, so that the table holds the clients of about the last
// SessionTimeout (an hour), not every client ever seen; every replica
// expires the same ones at the same log index (the Raft dissertation,
// §6.3), because expiry is decided through the log, never by a replica's
// own clock. The leader puts its wall clock in each Op (LeaderTime, read
// under kv.mu just before Start); the log clock is the largest LeaderTime
// applied, so it never goes back under a new leader whose clock is
// behind. Each session records the log time it was last active; each time
// the log clock crosses a multiple of SessionTimeout/8 the state machine
// deletes every session idle longer than SessionTimeout. The snapshot
// carries the log clock and the sessions' times (and a snapshot from
// before them still decodes: its sessions count as active at the first
// clock reading). A leader whose clock runs ahead by more than the timeout
// expires sessions early; clients then get ErrSessionExpired, never a
// wrong answer.
//
// A request whose client has no session opens one if its Seq is 1; any
// other Seq is answered ErrSessionExpired and not applied: the session
// expired, or the client's request 1 was never applied. The client cannot
// tell whether its request in flight, if it had one, was applied in the
// old session. The Clerk starts a new session (a new client id, Seq 1)
// and sends the request again, which applies it once unless the Clerk had
// been retrying that very request for longer than SessionTimeout. (A
// delayed copy of a request 1 arriving after its session expired would be
// taken for a new session's: exactly-once holds for copies delivered
// within SessionTimeout.)
//
// # Goroutines and locking
//
// kv.mu guards the state machine and the table of waiting requests.
//
//   - one goroutine per RPC, blocked on its waiter's channel. Whoever removes
//     a waiter from the table (under kv.mu) owes it exactly one answer and
//     sends it after unlocking; the channel has room for it.
//   - applyLoop: the only reader of applyCh; applies commands and installs
//     snapshots under kv.mu and answers the waiters;
//   - leaderWatch: every 10 ms compares each waiter's term with Raft's
//     GetState and checks its deadline; the server's only time-driven loop.
//
// Lock order: kv.mu, then Raft's lock (Start and Snapshot are called with
// kv.mu held so that no apply can slip between Start and the waiter's
// registration). Raft never holds its lock while it sends on applyCh, so the
// order is never reversed. Kill kills Raft and closes killCh, which ends
// applyLoop, leaderWatch and every waiting RPC.
//
// # Snapshots
//
// With maxraftstate >= 0, when the persisted Raft state reaches maxraftstate
// bytes, and at least half of that is entries already applied (so the
// snapshot frees that much), applyLoop encodes the state machine (store,
// duplicate table, last applied index) and hands it to Raft's Snapshot. A
// snapshot delivered by Raft on applyCh replaces the state machine if it is
// newer. On restart the server restores from the persisted snapshot, and
// Raft replays the log after it. With maxraftstate = -1 it never snapshots.
package kvraft
