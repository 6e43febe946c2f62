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
// # Membership changes
//
// A peer made by Make has the fixed configuration of its peers slice: every
// peer a voter, ids the indexes, and AddServer and RemoveServer refuse
// (ErrFixedConfiguration); everything the course harnesses see is as
// before. A peer made by MakeMember can change its configuration, one
// server at a time (the dissertation's §4.1):
//
//	rf := MakeMember(me, persister, applyCh, Options{
//		Servers: []Server{{ID: 0, Addr: "a"}, {ID: 1, Addr: "b"}, {ID: 2, Addr: "c"}}, // nil for a server to be added
//		Dial:    func(s Server) *labrpc.ClientEnd { ... },                            // an end that reaches s.Addr
//	})
//	index, term, err := rf.AddServer(3, "d") // at the leader: S3 joins as a learner
//	index, term, err = rf.RemoveServer(1)    // at the leader
//	cfg, index, committed := rf.Configuration()
//
// The rules:
//
//   - A configuration is a log entry (its Command is a Configuration), and
//     every peer uses the latest one in its log as soon as it is appended,
//     committed or not; if a conflicting leader truncates it, the peer goes
//     back to the one before. Options.Servers is the configuration before
//     any entry, used only when the persister holds none.
//   - One change at a time: a change is refused with ErrChangeInProgress
//     while the latest configuration is not committed, and an add also
//     while a learner is catching up. A new leader appends its
//     configuration again as its first entry, so changes also wait until
//     it committed an entry of its own term (without that, single-server
//     changes across leader changes are unsafe: Ongaro, raft-dev, 2015).
//     These errors and ErrNotLeader are temporary: retry at the leader.
//   - A new server joins as a learner: it receives the log (the snapshot
//     first if it is far behind) but neither votes in nor counts toward a
//     majority, and never campaigns. Once it holds the entry that made it a
//     learner and its log is within catchUpSlack entries of the leader's,
//     and that entry has committed, the leader appends a configuration with
//     it a voter. A learner that never catches up (it is down) blocks other
//     adds until it is removed with RemoveServer.
//   - Elections, CheckQuorum and commitment count the voters of the
//     configuration in use; votes from others are ignored.
//   - A leader that removes itself keeps leading until the change commits,
//     not counting itself toward majorities, and then steps down; after
//     that it no longer campaigns. If it loses leadership before it knows
//     the change committed, it does campaign (§4.2.2), in the new
//     configuration and without its own vote: it may hold the newest log,
//     which the others, still on the old configuration, need in their
//     leader (without it, removing the leader of 4 voters while one is
//     down can leave no server able to win). Leading again, it commits the
//     change and steps down.
//   - A removed server, a learner, and a server waiting to be added
//     otherwise never start an election (canCampaign). A removed server that has not
//     learned of its removal (the leader stops sending to it once it
//     appends the change) does time out, but it cannot disrupt (§4.2.3):
//     its pre-votes are refused by every server that hears the leader
//     (leaderLease), and once the removal committed a majority of every
//     configuration it might hold has a longer log than it, so it never
//     wins a pre-vote round and never raises its term.
//   - The configuration persists with the log (configuration entries are
//     entries), and a snapshot records the configuration in force at its
//     last index: in the persisted state (format RFT3, persist.go) and in
//     InstallSnapshotArgs.Config. A restarted peer resumes the latest
//     configuration it held.
//   - applyCh delivers a configuration entry at its index, as a command of
//     type Configuration; the service skips it (kvraft does). Start
//     refuses a Configuration command (it panics: use AddServer).
//   - Ids are any ints in [0, 2^40]; Dial is called each time a server
//     becomes a member of this peer's configuration (or its address
//     changes): once per member, and again after a member is removed and
//     added back, or a rolled-back change removed and restored it. It is
//     called from the peer's goroutines, without its lock held.
//   - Options.Servers bootstraps a cluster once. A peer whose disk was lost
//     must not be started again with it (it would form a second cluster,
//     §4.4): start it with empty Servers and add it as a new member.
//
// Status reports the configuration and, on the leader, every member's
// match index: an operator sees a learner catching up.
//
// # Files
//
//	raft.go         the peer struct, Make, GetState, Start, Kill; timing constants
//	membership.go   MakeMember, AddServer, RemoveServer, Configuration: single-server changes (§4)
//	configuration.go Server and Configuration, the values a configuration is made of
//	roles.go        role and term changes, and the gates every request and reply passes
//	election.go     the ticker, pre-votes and elections, RequestVote (§5.2, §5.4.1, §9.6)
//	replication.go  per-follower progress, replicators, AppendEntries, commitment (§5.3, §5.4.2)
//	snapshot.go     Snapshot, InstallSnapshot in chunks (§7, Figure 13)
//	deliver.go      the deliverer: the only sender on applyCh
//	persist.go      what is persisted and how: the formats, the incremental encoder, restore
//	status.go       Status, a read-only copy of a peer's state for operators
//	log.go          raftLog: index arithmetic across the snapshot boundary
//	rpc.go          RPC arguments and replies, and their validation
//	persister.go    Persister, the course's stable storage; NewPersister writes
//	                through to a Storage (a cluster node's disk, raftlab/cluster/disk)
//	debug.go        the debug log
//
// # State and the lock (Figure 2)
//
// One mutex, rf.mu, guards all of a peer's state. It is never held across an
// RPC, a channel operation or a sleep: a sender copies what an RPC needs,
// unlocks, calls, relocks, and then acts on the reply only if the term and
// role are still those the request was sent in (otherwise the reply is
// dropped). The gates are in roles.go: every request passes admit (and
// AppendEntries and InstallSnapshot admitFromLeader), except a pre-vote
// request, which changes nothing, not even the term; every reply passes
// replyCurrent (leaders' replies through acceptReply, which also ends the
// RPC's bookkeeping); and all of them go through observeTerm, the one place
// that applies "if RPC request or response contains term T > currentTerm:
// set currentTerm = T, convert to follower". Roles change only in
// becomeFollower, becomePreCandidate, becomeCandidate and becomeLeader.
//
//	Figure 2                      here
//	currentTerm, votedFor, log[]  currentTerm, votedFor, log (persistent)
//	commitIndex                   commitIndex
//	lastApplied                   lastDispatched (below)
//	nextIndex[], matchIndex[]     progress[peer].nextIndex, .matchIndex (leaders)
//	snapshot (Figure 13)          snapshot, log.snapshotIndex, log.snapshotTerm
//
// lastDispatched is not named lastApplied because it is not quite
// that: Raft cannot see the service apply a command; the nearest it knows
// is lastDispatched, the highest index the deliverer has taken to send on
// applyCh, so Snapshot(index) is accepted for any index up to it.
// Invariants: log.snapshotIndex <= commitIndex <= log.lastIndex();
// lastDispatched <= commitIndex; lastDispatched never decreases.
//
// Every peer keeps one progress per other member of its configuration, and
// a replicator for it (idle unless the peer leads); on the leader
// (replication.go) it is Figure 2's
// nextIndex and matchIndex, the RPC it awaits, when it last sent and last
// heard a reply, the resend backoff and the commitIndex it last told.
//
// Persistence (persist.go): currentTerm, votedFor, the log and the
// snapshot's index and term are saved before the peer answers an RPC or
// asks for votes. Start only appends in memory. A leader sends new entries
// first and then saves them, so that its own disk write overlaps its
// followers' (the dissertation's §10.2.1): the first replicator to send
// persists the whole batch once (persistLog, right after handing the RPC
// to its goroutine), and the leader counts itself toward a majority only
// for what it has saved (advanceCommit persists first). That is safe
// because an entry counts as committed only once a majority holds it on
// disk; a leader that crashes before its save comes back as a follower,
// with a log that lacks what it sent, and the election restriction
// decides as for any other peer. The stateEncoder keeps the persisted
// bytes and extends them by the new entries' encodings, so a save after an
// append costs the new entries, not the whole log: between compactions
// only the bytes added since the last save reach the Persister, with a
// new header (Persister.saveAppend; any other writer to the Persister in
// between forces a whole save). The encoder follows the log by looking at it: the log
// changes only by append or by rewrite, which bumps its epoch, and the
// encoder rebuilds when the epoch moved. Changing what is persisted
// touches persist.go alone.
//
// # Elections: timing, pre-vote and CheckQuorum
//
// A leader sends each follower an AppendEntries at least every 100 ms (at
// most ten a second when idle, as the course asks). A peer other than the
// leader that heard from no leader for a random 250-400 ms asks for
// pre-votes (§9.6): "would you vote for me in term T+1?", without changing
// its term or vote. A candidate or pre-candidate whose timer fires does the
// same: it goes back to pre-vote rather than straight to a new term. A peer
// grants a pre-vote only if it has not heard from a leader within the last
// 200 ms (leaderLease), T+1 is newer than its term and the candidate's log
// is up to date; granting changes nothing (a grant from a peer in an older
// term counts: it answers for T+1). With pre-votes from a majority the peer
// runs a real election in T+1. A peer that grants a real vote stops its own
// pre-vote round. Why:
//
//   - A peer cut off from the others (or that lost a couple of heartbeats)
//     cannot win pre-votes, so it never raises its term, and when it
//     rejoins it cannot depose a healthy leader with an inflated term.
//     Elections with a live leader are so near zero even on an unreliable
//     network (BenchmarkUnreliableElections).
//   - Because a spurious timeout costs only a pre-vote round, the timeout
//     can be short: a leader that is really gone is replaced in about 280
//     ms at the median on an idle, reliable network (BenchmarkElection),
//     against about 490 ms with the 400-700 ms timeouts used before.
//
// Departures from the letter of §9.6 and §6.2, on purpose:
//
//   - The lease is 200 ms, below the 250 ms minimum election timeout, so
//     that when the leader is gone the other followers' leases have usually
//     run out by the time the first of them asks. Followers hear the leader
//     at slightly different times; if one still holds a lease, the first
//     round is refused and costs one more timeout.
//   - Real RequestVotes ignore the lease: one only follows a pre-vote that
//     a majority granted, so the leader was already unheard by a majority.
//   - CheckQuorum: a leader that has had no reply from a majority for 500
//     ms (quorumTimeout, two minimum election timeouts rather than one, so
//     that a few lost replies on an unreliable network do not depose a
//     healthy leader) steps down, in its term. Without it, a leader cut off
//     from its majority would keep leading alone, and its followers' leases
//     could keep refusing pre-votes for a leader that cannot commit. A
//     cut-off leader may so still believe it leads for a moment after a
//     successor is elected; that is harmless, since it commits nothing (and
//     kvraft answers a client only after a commit). Any reply counts as an
//     answer, a killed peer's rejection included.
//
// The course tests' RPC limits hold: a pre-vote round costs one RequestVote
// per peer, and only when a timeout fires.
//
// # Goroutines and condition variables
//
// Both Conds are on rf.mu, waited on in for loops that recheck killed(), and
// broadcast by Kill.
//
//   - ticker (one): the only time-driven loop. Every 10 ms it checks the
//     election deadline (a follower or candidate that heard nothing from a
//     leader for a random 250-400 ms starts a pre-vote) and, on a leader,
//     CheckQuorum and whether a heartbeat is due (every 100 ms per
//     follower), which it signals on replicateCond.
//   - replicator (one per other peer) waits on replicateCond until needsSend:
//     a heartbeat is due, or, with no RPC awaited, its follower lacks entries
//     or the latest commitIndex. It then sends the missing entries (up to
//     maxBatch, and up to maxMsgBytes, 1 MiB, of their encoding, but always
//     at least one) in one AppendEntries from a new goroutine, so a slow
//     RPC never blocks the next heartbeat. If the follower needs entries
//     that were compacted away, it starts a snapshot transfer instead (one
//     per follower at a time), and sends only heartbeats until it ends.
//     Start, a commit advance, a reply and a rejection all broadcast
//     replicateCond, so a new command leaves at once and followers learn of
//     a commit at once.
//   - sendSnapshot (one per snapshot transfer) sends the snapshot in chunks
//     of 1 MiB, each awaited (for at most chunkTimeout, then sent again),
//     until the follower installed it or this peer no longer leads.
//   - deliverer (one) waits on deliverCond until commitIndex >
//     lastDispatched or an installed snapshot awaits delivery, copies the
//     messages under the lock and sends them on applyCh without it.
//   - one short-lived goroutine per RPC sent (votes, entries, snapshots).
//
// Kill closes killCh (ending a blocked applyCh send), broadcasts both Conds
// and makes every loop return. RPC goroutines end when their Call returns;
// labrpc's Cleanup makes that immediate.
//
// # Replication details
//
// Snapshots of any size (Figure 13): the leader sends its snapshot in
// chunks (offset, data, done, with the whole snapshot's size and CRC-32C in
// every chunk), one RPC at a time per follower. The follower collects them
// in order (a chunk at offset 0 starts afresh; any other chunk is taken
// only at the offset where what it holds ends, and the reply says which
// offset it wants), and installs the snapshot only after the last chunk,
// when length and checksum match. A new leader, or a restarted follower,
// starts the transfer again from offset 0. Neither side holds more than
// the snapshot and a chunk; the transport's frame limit does not bound the
// state. While a transfer runs, heartbeats carry no snapshot.
//
// Writing a snapshot: Snapshot (from the service) and a follower's install
// copy the bytes and have the Persister stage them (written and synced
// aside by a Storage that is a SnapshotStager) without rf.mu, then compact
// and save the state with the staged snapshot under it: heartbeats and
// votes go on while a big snapshot is written. A save that keeps the
// snapshot does not write it again.
//
// Leaders known: every peer records the leader of its term it last heard
// from (Status.Leader, Leader()); a leader that removes itself tells the
// others that the change committed (an AppendEntries they accept with that
// commit index, or leaderLease) before it steps down, refusing new entries
// meanwhile.
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
//
// raftlab logs (cmd/raftlab, internal/logview) shows such a log with a
// column per peer. When a test fails, the harness also writes a failure
// timeline (internal/timeline): one HTML page with each peer's roles,
// terms, crashes, commit and applied indexes and the network's partitions
// on one time axis, the failure marked at its time; its path is printed
// after the seed line. RAFTLAB_TIMELINE=1 writes every test's page,
// RAFTLAB_TIMELINE_DIR chooses the directory. The harness learns roles
// through eventHook in debug.go, nil (one check) outside the tests.
package raft
