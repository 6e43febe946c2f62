// Package timeline records what happened during one lab test (each peer's
// role and term, its crashes and restarts, its commit and applied indexes,
// the network conditions the harness set, the clients' operations, the
// failed checks) and draws it as one self-contained HTML page: a time axis
// for the whole test, a lane per peer, bands for the network, the failure
// marked at its time.
//
// The raft and kvraft test harnesses feed a Recorder while every test runs
// and write the page when the test fails, or for every test when
// RAFTLAB_TIMELINE=1 (EnvVar); the failure message gives its path next to
// the seed line.
//
//	r := timeline.New("TestFoo3A", start, 3)  start: the harness's time zero
//	r.Role(peer, "leader", term)              a role or term seen (repeats are dropped)
//	r.Crash(peer); r.Restart(peer)
//	r.Progress(peer, commit, applied)         coalesced to about one sample per 40 ms
//	r.Disconnected(peer, true/false)
//	r.Partition([]int{0, 1}, []int{2})        nil or one side: healed
//	r.Unreliable(on); r.LongReordering(on)
//	r.Op(client, "Get", key, call, ret)       a client's operation (kvraft)
//	r.Fail(msg)                               a failed check, at its time
//	r.Note(text); r.Link(label, path)         free text; the linearizability page
//	path, err := r.WriteFile(dir)             the page, named for the test
//
// Times are taken by the Recorder (time.Since(start)) when a method is
// called, except Op's, which the caller measured. Every method is safe from
// any goroutine and on a nil *Recorder (it does nothing), and never calls
// out while holding the Recorder's lock, so a caller may hold its own locks.
//
// Cost. Recording formats no strings and keeps values only: a role change
// or a network event is a few words; a commit/applied sample closer than
// 40 ms (2 px at the page's usual scale) to the one before the last
// replaces the last, and every list is capped (maxEvents), dropping its
// oldest half when full, so a long test's recorder stays under a few MB
// and the page says what was dropped. A passing test writes nothing
// unless EnvVar is set.
//
// The page uses no script, font, style sheet or image from elsewhere: CSS
// and SVG are inline, every text is HTML-escaped, and details are in SVG
// <title> tooltips. Spans too short to see are drawn 1.5 px wide so a
// short candidacy does not vanish.
package timeline
