// Package torture is raftlab's Jepsen-style test of a real cluster: it
// starts member processes (raftlab node) on loopback, runs clients
// against their HTTP API while a nemesis injects faults, then heals
// everything, reads every key, and checks the whole history for
// linearizability (package linearizability) and for lost writes. It is
// the engine of `raftlab torture`.
//
//	res, err := torture.Run(ctx, torture.Config{Binary: "raftlab", Nodes: 3, Clients: 10,
//		Keys: 8, Duration: time.Minute, Seed: 1, Faults: torture.Kinds, Out: "report"})
//	fmt.Print(res.Summary) // res.Pass: linearizable, nothing lost, nothing else wrong
//
// # The run
//
//  1. Start Nodes members, each `raftlab node ... -faults {}` (the fault
//     control on) on its own data directory in Config.Dir, its log in
//     node-N.log there, with a small -max-raft-state so that snapshots and
//     their installation happen under the faults. Wait for a leader.
//  2. For Duration: Clients clients (below) and the nemesis (below); a
//     monitor asks every member for /status every 100 ms and keeps each
//     one's role and term over time, the leaders of each term, and the
//     current leader for the nemesis to aim at.
//  3. Stop the nemesis, which heals the fault in force; let each client
//     finish its operation in progress; read every key, each read with a
//     new client, retrying for up to a minute.
//  4. Stop the members (SIGTERM), and check.
//
// # Clients and the history
//
// Each client sends one request at a time, each to a member drawn at
// random (so two in three are forwarded to the leader; with membership
// changes, from the configuration's voters and the removed members still
// running), at its share of
// Config.Rate: half reads, 45% appends, 5% puts, on Keys keys. Every
// write's value is a token no other write uses ("client.seq;"), so a read
// shows which writes it saw, in order. Requests carry Client-Id and
// Request-Seq; an attempt that times out (4 s) or gets a 503 is retried
// at another member with the same pair, so it is applied at most once,
// until 10 s have passed since the call. Then the outcome is unknown, as
// Jepsen records it, never failed: an unknown write may take effect at
// any time after its call (it returns after everything else), an unknown
// read is left out, and the client goes on as a new client (a new
// Client-Id), like a crashed Jepsen process. A tenth of the acknowledged
// writes are sent once more, up to 1 s later, before the client's next
// request, as a client that lost the answer retries: exactly-once says the
// copy changes nothing.
//
// # Big values
//
// With Config.MaxValue (raftlab torture -max-value N, at most 1 MiB, a
// node's largest body), every put writes a big value instead of its bare
// token: 1 to N bytes, the size drawn by the client's seeded generator,
// made of the token, its size, filler derived from the token, and the
// separator ("token/size" then 'A'-'P' filler then ";", values.go), so
// that the token and the size determine every byte. The history keeps
// only "token/size;" for it. A read's value is checked as it arrives, one
// segment (up to a ';') in memory at a time: a big value whose length, end
// or any filler byte is not what its header says is damage, and counts as
// a value no client wrote, whichever read saw it, so the run fails; in the
// history the damage stands as a value no write made, so the read cannot
// be linearized either. Whole values become their "token/size;" form, and
// as that form maps one to one to the bytes, every check below holds for
// the bytes. Appends still write their bare token: a key's value is then
// at most N bytes plus the tokens of the appends after its last put, so a
// read stays bounded however long the run (a cap of this kind is needed,
// as appends of big values would grow a key without end). The summary
// adds the bytes written and read, and what the snapshots did: how often
// the members' snapshot index moved (sampled with /status), and the
// InstallSnapshot chunks leaders sent (asked of each member's /messages
// every 2 s, only in such a run).
//
// # The nemesis
//
// One fault at a time, drawn from Config.Faults by a generator seeded
// with Config.Seed: a quiet spell of 0.5-2.5 s, then a fault held for
// 1-5 s, then healed.
//
//   - kill: SIGKILL 1 to MaxDown members (a minority unless asked for
//     more), the leader among them half the time; restart them after the
//     hold.
//   - partition: cut the peer links, two-sided, through each member's
//     fault control (PUT /faults with drop lists): a random minority from
//     the rest, the leader alone, or a bridge (two sides that cannot
//     reach each other, both reaching one member in the middle).
//   - pause: SIGSTOP 1 to MaxDown members, then SIGCONT.
//   - slow: 5-100 ms added to each call on a random half of the links.
//   - disk: either every save on some members takes 5-50 ms longer (an
//     injected fsync delay), or one member is killed and restarted on a
//     copy of its directory whose wal ends mid-record (disk.TornCopy), as
//     a crash in the middle of a write leaves it; the member must drop the
//     torn record and recover.
//   - membership: add a member or remove one, one change at a time: add
//     while the configuration has 3 voters or fewer, remove at Nodes+2,
//     otherwise toss a coin. An added member takes a fresh id (up to 32
//     over a run) and ports of its own and starts with `-join` through
//     another voter; the fault ends when it is a voter (a member that has
//     not joined within 40 s is removed and stopped, and the change counts
//     as failed). A removed member (the leader half the time) is taken out
//     with DELETE /members/{id}, then runs on for the hold, clients still
//     sending to it as clients with an old list of members would, and is
//     then stopped (SIGTERM). Kill, pause, partition, slow and disk aim at
//     the configuration's members as it stands when they start. A change
//     under way when the run ends is finished first, so that the final
//     reads meet a settled configuration.
//
// Targets given as "the leader" are resolved when the fault starts, so
// the seed replays the same schedule of choices against a cluster that
// may have moved on differently: close, not exact, like the lab's seeds.
// A restarted member starts with the faults in force on it.
//
// # The checks
//
// A run passes only if all of these hold:
//   - the history is linearizable (linearizability.KvModel, per key,
//     within CheckTimeout; a check that runs out is no pass);
//   - no acknowledged write is lost: the final value of a key is the token
//     of the put that took effect last, if any, then the appends after
//     it, so every acknowledged write called after that put returned must
//     be in it; no token appears twice (a write applied twice) or without
//     a write that made it; no read returned a damaged big value;
//   - every key's final read was answered;
//   - no member exited by itself (a panic, a refused start);
//   - the monitor never saw two leaders in one term.
//
// # The report
//
// Result.Summary is a few lines: operations ok and unknown, ok/s, the
// bytes of big values written and read (with MaxValue), latency
// percentiles, faults by kind, membership changes (members added,
// removed, changes failed, the configuration at the end) when that fault
// is on, snapshots (with MaxValue), elections, writes, the check, the verdict
// with each finding, and the command line that replays the seed. With
// Config.Out, report.html there is one self-contained page: the summary;
// a band with one row for the faults, a row per member's role and term
// over time (a member added or removed during the run labelled so) (leader bars labelled with their term), and a row of
// operations returned per slice of time, with the stretch where the
// history broke marked in red; what broke (the key and the operation that
// cannot be linearized); the writes lost or applied twice; the table of
// faults; the members' log files; then the linearizability view of each
// key that failed (of every key with AllKeys).
//
// Files: config.go (Config, fault kinds), torture.go (Run), cluster.go
// (the member processes, their fault control, and the configuration as
// the run changes it), workload.go (clients,
// the history), values.go (big values: made, read and checked),
// nemesis.go, monitor.go, snapshots.go (what the snapshots did, with
// MaxValue), check.go (lost writes, the history for the checker),
// summary.go, report.go (the HTML), clock.go.
package torture
