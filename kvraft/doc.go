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
// Exactly once: the state machine remembers, per client, the last applied
// sequence number and its result. A request at or below it is not applied
// again, and a retry of the last request is answered with the recorded
// result, so a Put applied once but answered never is not applied twice.
// The table is part of every snapshot, so this holds across leader changes,
// crashes and restarts.
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
