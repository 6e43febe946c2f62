// Package kvraft is yours to write: a fault-tolerant key/value service
// built on your Raft (package raft), linearizable and exactly-once.
//
// # The API
//
//	ck := MakeClerk(servers)           // servers: ends to every KVServer
//	ck.Put("k", "v"); ck.Append("k", "w")
//	v := ck.Get("k")                   // "vw"; "" for a key never written
//	ck.Delete("k")                     // Get returns "" again
//
//	kv := StartKVServer(peers, me, persister, maxraftstate)
//	kv.Kill()
//
// Every operation keeps trying until it succeeds, and takes effect exactly
// once, at some instant between its call and its return
// (linearizability), whatever the network loses or repeats and whichever
// servers crash, restart or are partitioned away. A minority partition
// makes no progress; its clients' operations complete once it heals.
//
// # The parts
//
//   - 4A, without snapshots: the Clerk (client.go) sends each operation to
//     the server it believes leads, and to the others in turn while they
//     answer ErrWrongLeader or do not answer. A server (server.go) puts the
//     operation in the Raft log with rf.Start, waits for it to come out of
//     applyCh at the index Start returned, applies it to its map, and
//     answers; if another operation comes out at that index, or its term
//     changes, or it waits too long, it answers ErrWrongLeader. A Get goes
//     through the log too. Exactly once: each Clerk numbers its requests
//     (ClientId, Seq), and every server remembers, per client, the last
//     request it applied and its answer, so a retry is answered and never
//     applied twice. Run: go test -run 4A ./kvraft
//   - 4B, with snapshots: when persister.RaftStateSize() nears
//     maxraftstate, the server encodes its map and its table of last
//     requests and calls rf.Snapshot; on a restart, and on an ApplyMsg
//     with SnapshotValid, it restores them.
//
// The tests send RPCs themselves (common.go: keep the args' fields) and register kv.rf as the RPC service "Raft": keep the
// field rf, of type *raft.Raft. StartKVMember and KVServer.Raft serve the
// membership tests, an extension in no graded part.
//
// # Things that bite
//
//   - Never hold kv.mu while calling into Raft (rf.Start, rf.GetState,
//     rf.Snapshot) if your Raft can call back into the service, or wait
//     for applyCh, with rf.mu held: two locks taken in opposite orders
//     deadlock. Nor while sending on a channel that the goroutine holding
//     kv.mu next must read.
//   - Your Raft's Start must replicate at once, and a commit reach the
//     service at once: TestSpeed4A wants 1000 sequential Appends at less
//     than a third of a 100 ms heartbeat interval each.
//   - Kill ends the server's goroutines: one reading applyCh selects on
//     kv.killCh as well (TestKillNoGoroutineLeak4B).
//   - A leader cut off in a minority does not know it was deposed: a
//     waiting RPC needs a deadline, and a check of rf.GetState.
//   - The duplicate table belongs to the replicated state: every server
//     applies it in log order, and it goes into every snapshot.
package kvraft
