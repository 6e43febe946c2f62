// Package raft is yours to write: a Raft peer (Ongaro and Ousterhout, "In
// Search of an Understandable Consensus Algorithm", extended version),
// with the API the tests and kvraft use. Figure 2 of the paper is the
// specification; read it, and §5 and §7, before you start, and again each
// time a test fails.
//
// # The API
//
//	rf := Make(peers, me, persister, applyCh) // returns at once; goroutines running
//	index, term, isLeader := rf.Start(cmd)    // returns at once
//	term, isLeader := rf.GetState()
//	rf.Snapshot(index, snapshot)              // the service compacted through index (3D)
//	rf.Kill()
//
// Every command that commits is sent on applyCh exactly once, in index
// order with no gaps, as ApplyMsg{CommandValid: true, ...}, on every peer
// that stays up. The peers talk only through the RPC handlers RequestVote,
// AppendEntries and InstallSnapshot (service "Raft"), over labrpc: a
// simulated network that loses, delays and reorders messages, and
// partitions and crashes peers, as the tests ask.
//
// # The parts
//
//   - 3A, leader election: RequestVote, heartbeats (AppendEntries with no
//     entries), election timeouts; GetState. One leader is elected, stays
//     leader while nothing fails, and is replaced within five seconds when
//     it fails or is cut off. Beyond Figure 2, this lab asks for pre-vote
//     (§9.6 of Ongaro's dissertation): a follower whose election timeout
//     runs out first becomes a pre-candidate and asks the others, with a
//     RequestVote marked as a pre-vote for currentTerm+1, whether they
//     would vote for it; it changes no term and nobody's vote. Only with a
//     majority of yeses does it become a candidate and start a real
//     election. So a peer cut off in a minority never raises its term
//     (TestNoLeaderWithoutMajority3A checks), and cannot depose the
//     leader when it comes back. Run: go test -run 3A ./raft
//   - 3B, log: Start, AppendEntries with entries, the consistency check and
//     the backing-up of nextIndex (§5.3), the election restriction (§5.4.1),
//     commitment of entries of the leader's own term only (§5.4.2), and
//     sending committed entries on applyCh.
//   - 3C, persistence: persist and readPersist (persist.go) save and restore
//     currentTerm, votedFor and log[] through the Persister before a peer
//     answers an RPC (or sends one that depends on them). The Figure 8
//     tests also need fast backing-up of nextIndex over whole terms
//     (AppendEntriesReply's extra fields, end of §5.3).
//   - 3D, log compaction: Snapshot (snapshot.go) trims the log; a leader
//     sends InstallSnapshot (Figure 13) to a follower that needs what it
//     trimmed; the follower delivers the snapshot on applyCh
//     (SnapshotValid). Log indexes keep counting from the start of time:
//     put the arithmetic across the snapshot boundary in one place.
//   - Membership (TestMembership...): an extension in no graded part
//     (membership.go).
//
// Run a part many times before you trust it: a Raft that fails one run in
// a hundred is broken. From the module root:
//
//	go run . -n 50 -p 3 -race 3A
//
// # What the files give you, and what they ask
//
//	raft.go         yours: the peer's state, Make, GetState, Start, Kill, the ticker
//	rpc.go          yours: the RPCs' args, replies and handlers
//	persist.go      yours: persist, readPersist (3C)
//	snapshot.go     yours: Snapshot (3D)
//	membership.go   yours, if you go beyond the course: MakeMember, AddServer, RemoveServer
//	status.go       given: the Status the kvraft tests' timeline samples
//	configuration.go given: Server and Configuration values (membership)
//	persister.go    given: the Persister, stable storage that survives a crash
//	debug.go        given: the debug log and the timeline's hook
//
// The tests (test_test.go, through the harness in config_test.go) use only
// the API above, with one exception: the failure timeline the harness
// draws when a test fails reads four fields of Raft, under rf.mu, with
// TryLock: role, currentTerm, commitIndex and lastDispatched (Figure 2's
// lastApplied: the last index sent on applyCh). Keep them, with their
// names and types, keep them up to date, and write them only with rf.mu
// held.
//
// # Debugging
//
// rf.dlog(topic, format, args...) (debug.go), called with rf.mu held,
// writes one line per event when RAFTLAB_DEBUG=1: milliseconds since the
// test started, topic, peer, term, message. The batch runner keeps a
// failed run's log, with the command that replays the same run (the
// network's random choices come from RAFTLAB_SEED):
//
//	go run . -v TestReElection3A         one run, with its debug log printed and kept
//
// When a test fails, the harness also writes a failure timeline, an HTML
// page with each peer's role and term over time, crashes, partitions and
// commit indexes, and prints its path after the failure.
//
// # The rules every Raft breaks once
//
//   - One mutex, rf.mu, for a peer's state. Never hold it across an RPC
//     (Call), a channel send (applyCh) or a sleep: unlock, call, relock,
//     and check that the term and role are still those you sent in before
//     you act on a reply (a reply from an old term is dropped).
//   - A term higher than currentTerm, in any request (but a pre-vote's) or
//     reply: adopt it, become a follower, clear votedFor (Figure 2, rules
//     for all servers). Put this in one function, and call it from every
//     handler and reply.
//   - Reset the election timer only when you grant a vote, or hear from
//     the current leader (a valid AppendEntries or InstallSnapshot), or
//     start an election: not on every RPC.
//   - Persist before answering: a vote or an entry a peer acknowledged and
//     then forgot after a crash breaks safety.
//   - Kill must end every goroutine promptly (TestKillNoGoroutineLeak3D
//     counts them): loops check rf.killed(), a goroutine waiting on a
//     sync.Cond is woken (Broadcast) by Kill, and one sending on applyCh,
//     which nobody reads after Kill, selects on rf.killCh as well.
//   - At most ten heartbeats a second; a new leader within five seconds of
//     a failure. An election timeout of a few hundred milliseconds, random
//     per peer and per election, keeps split votes rare.
package raft
