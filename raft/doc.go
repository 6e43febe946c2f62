// Package raft is a Raft peer (Ongaro and Ousterhout, "In Search of an
// Understandable Consensus Algorithm", extended version) with the 6.5840
// course API, running on labrpc.
//
// # The contract
//
//	rf := Make(peers, me, persister, applyCh) // returns at once; goroutines running
//	index, term, isLeader := rf.Start(cmd)    // returns at once
//	term, isLeader := rf.GetState()
//	rf.Snapshot(index, snapshot)              // the service compacted through index
//	rf.Kill()
//
// Every command that commits is delivered on applyCh exactly once, in index
// order with no gaps, as ApplyMsg{CommandValid: true, ...}, on every peer
// that stays up. A peer that falls behind a leader's snapshot receives it as
// ApplyMsg{SnapshotValid: true, ...}, in order with commands, never older
// than what it already delivered; the service installs it. The service may
// call Snapshot and GetState from its applyCh reader. After a restart, the
// peer resumes from what it persisted: the service reads the snapshot from
// the Persister itself, and delivery continues after it.
//
// RPC handlers are RequestVote, AppendEntries and InstallSnapshot, service
// "Raft". Arguments from the network are validated; a malformed request is
// answered as a rejection. Persisted bytes that cannot be decoded leave the
// peer down (it neither votes nor leads) with an error on stderr, and the
// bytes untouched.
//
// # Files
//
//	raft.go         the peer struct, Make, GetState, Start, Kill; role and term changes
//	election.go     the ticker, elections, RequestVote (§5.2, §5.4.1)
//	replication.go  replicators, AppendEntries, commitment (§5.3, §5.4.2)
//	snapshot.go     Snapshot, InstallSnapshot (§7)
//	apply.go        the applier: the only sender on applyCh
//	persist.go      saving and restoring the persistent state
//	log.go          raftLog: index arithmetic across the snapshot boundary, and
//	                the log's incremental encoding
//	rpc.go          RPC arguments and replies, and their validation
//	persister.go    Persister, the course's stable storage
//	debug.go        the debug log
//
// # State and the lock (Figure 2)
//
// One mutex, rf.mu, guards all of a peer's state. It is never held across an
// RPC, a channel operation or a sleep: a sender copies what an RPC needs,
// unlocks, calls, relocks, and then acts on the reply only if the term and
// role are still those the request was sent in (otherwise the reply is
// dropped). Every request passes admit and every reply acceptReply (or, for
// votes, the same checks inline), and both go through observeTerm, the one
// place that applies "if RPC request or response contains term T >
// currentTerm: set currentTerm = T, convert to follower". Roles change only
// in becomeFollower, becomeCandidate and becomeLeader.
//
//	Figure 2                      here
//	currentTerm, votedFor, log[]  currentTerm, votedFor, log (persistent)
//	commitIndex, lastApplied      commitIndex, lastApplied
//	nextIndex[], matchIndex[]     nextIndex, matchIndex (leaders)
//	snapshot (Figure 13)          snapshot, log.snapshotIndex, log.snapshotTerm
//
// Invariants: log.snapshotIndex <= commitIndex <= log.lastIndex();
// lastApplied <= commitIndex; lastApplied never decreases. lastApplied counts
// what the applier has taken to deliver, so Snapshot(index) is accepted for
// any index up to it.
//
// Persistence: currentTerm, votedFor, the log and the snapshot's index and
// term are saved before the peer answers an RPC or sends entries that depend
// on a change. Start only appends in memory (and marks the log dirty); the
// first replicator to send persists the whole batch of new entries once, and
// a leader persists before counting itself toward a majority. Persisting
// after an append costs the new entries' encoding and their copy, not the
// whole log's: the log keeps its own gob stream and extends it, and between
// compactions the peer saves only the bytes added since its last save, with
// a new header (Persister.saveAppend; any other writer to the Persister in
// between forces a whole save). persist.go, log.go.
//
// # Goroutines and condition variables
//
// Both Conds are on rf.mu, waited on in for loops that recheck killed(), and
// broadcast by Kill.
//
//   - ticker (one): the only time-driven loop. Every 10 ms it checks the
//     election deadline (a follower or candidate that heard nothing from a
//     leader for a random 400-700 ms starts an election) and, on a leader,
//     whether a heartbeat is due (every 100 ms per follower, so at most ten
//     a second), which it signals on replicateCond.
//   - replicator (one per other peer) waits on replicateCond until needsSend:
//     a heartbeat is due, or, with no RPC awaited, its follower lacks entries
//     or the latest commitIndex. It then sends all missing entries in one
//     AppendEntries (or the snapshot, if they were compacted away) from a new
//     goroutine, so a slow RPC never blocks the next heartbeat. Start, a
//     commit advance, a reply and a rejection all broadcast replicateCond, so
//     a new command leaves at once and followers learn of a commit at once.
//   - applier (one) waits on applyCond until commitIndex > lastApplied or an
//     installed snapshot awaits delivery, copies the messages under the lock
//     and sends them on applyCh without it.
//   - one short-lived goroutine per RPC sent (votes, entries, snapshots).
//
// Kill closes killCh (ending a blocked applyCh send), broadcasts both Conds
// and makes every loop return. RPC goroutines end when their Call returns;
// labrpc's Cleanup makes that immediate.
//
// # Replication details
//
// Fast backup: a rejecting follower returns XTerm (the term of its
// conflicting entry), XIndex (the first index it holds with that term) and
// XLen (its log length); the leader skips to just after its own last entry
// of XTerm, or to XIndex if it has none, or to XLen if the follower's log is
// too short: one round trip per term, not per entry. matchIndex comes from
// what a successful request carried, never from the leader's log as it is
// when the reply arrives. A follower truncates only at a real conflict. A
// leader commits by counting replicas only for entries of its own term
// (Figure 8).
//
// # Debugging
//
// RAFTLAB_DEBUG=1 prints one line per event on stderr (see debug.go):
//
//	<ms> <TOPIC> S<peer> T<term> <message>
package raft
