// Package loadgen drives a key/value service with concurrent clients for a
// fixed time and reports throughput and latency percentiles per kind of
// operation. It knows nothing of the service: an Op does one operation and
// says whether it was a read or a write, so the same loop measures
// raftlab's HTTP API (HTTPKV, used by `raftlab bench`) and, for a
// side-by-side comparison, another system driven by an Op of its own.
//
//	res := loadgen.Run(ctx, loadgen.Config{Clients: 50, Duration: 10 * time.Second}, op)
//	res.WriteTable(os.Stdout)
//
// # The loop
//
// Run starts Config.Clients goroutines. Each calls op(ctx, client, i) for
// i = 0, 1, 2, ... one call at a time (a closed loop: a client sends its
// next request when the last one has answered), until Duration has passed
// or ctx is done (or Config.Calls calls have started). Every call's latency
// and end are kept (16 bytes per call; ten seconds at 20,000 calls/s is
// 3.2 MB), so the percentiles are exact, not estimated from buckets. A
// call that returns an error counts as an error of its kind and is kept
// out of the latency figures. A call still running when the time is up is
// waited for: counted if it succeeds, left out if it fails (its context
// was cancelled by the end of the run, so its failure says nothing of the
// service).
//
// Throughput is count / elapsed, where elapsed runs from the start of the
// first call to the end of the last. Percentiles are nearest-rank.
//
// # Runs over a growing state
//
// Config.Calls ends a run after that many calls (the clients share them),
// so a run of writes to new keys stops at a known size of state, whatever
// its rate. Result.Tenths counts the calls of each kind that succeeded in
// each tenth of the run, by when they ended; WriteTenths prints their
// rates, and the last tenth's against the first's: a service whose cost
// per write grows with its state shows a falling rate. WatchLeaders polls
// raftlab's GET /status on every node through a run and says which node
// led which term: a healthy cluster under load keeps its leader.
//
// # HTTPKV
//
// HTTPKV's Op spreads the clients over the given node URLs (client c uses
// URL c mod len), sends PUT /kv/{key} for a write and GET /kv/{key} for a
// read (a fraction Reads of the calls, drawn per call), over keys key0 to
// key{Keys-1} chosen at random, with a Value-byte body. Each client carries
// its own Client-Id and a rising Request-Seq from 1, as a client that
// retries would; after a 409 (its session expired, or its first request
// timed out unapplied) it goes on with a new Client-Id from 1. A 2xx, or a 404 for a read, is success; anything else (a 503, a
// refused connection) is an error, reported with its reason.
package loadgen
