package kvraft

import "time"

// SessionTimeout is how long a client session may stay idle, in log time,
// before the state machine forgets it (the Raft dissertation, §6.3). It
// bounds the duplicate table: it holds the clients active within about
// the last SessionTimeout, however many come and go. It is long, since a
// client whose session expired cannot know whether its request in
// flight was applied: an hour is far longer than any retry of one request
// (a Clerk retries every few ms; a cluster node gives up after seconds)
// and than the pauses of a client that keeps one id, yet a table of an
// hour of one-shot clients fits in memory at thousands of new clients a
// second.
const SessionTimeout = time.Hour

// expiryScans is how many times per session timeout of log time the
// state machine looks for idle sessions: a session idle longer than the
// timeout goes at the next scan, within timeout/expiryScans more. A scan
// reads the whole table, so it is rare: for an hour's timeout, once
// every 7.5 minutes of log time.
const expiryScans = 8

// sessionTimeout is the timeout of the servers started from now on. Only
// tests change it, before they start their servers: expiry is part of the
// replicated state, so every replica, restarted ones included, must use
// the same timeout, and a server reads it once, when it starts.
var sessionTimeout = SessionTimeout

// session is what the state machine keeps of a client: its last applied
// request and that request's result, and when it was last active.
// Field names Seq, Value and Err are those of the table before sessions
// expired, so that a snapshot of then still decodes.
type session struct {
	Seq   int64
	Value string // for a Get, the value returned
	Err   Err
	// LastActive is the log clock when a request of the client was last
	// applied (its duplicates and stale copies included).
	LastActive int64
}

// Sessions, in log order (every replica does the same at the same index):
//
//   - The log clock, LogClock, is the largest LeaderTime of the operations
//     applied so far: it never goes back, even under a new leader whose
//     clock is behind the old one's, and it is the same on every replica
//     at every index, since it is a function of the log alone.
//   - Each operation first advances the clock. When the clock crosses a
//     multiple of timeout/expiryScans (the grid is fixed, so where scans
//     happen depends on the clock alone, and a snapshot needs no record
//     of the last one), every session idle longer than the timeout is
//     deleted.
//   - Then the operation's client: without a session, Seq 1 opens one and
//     any other Seq is answered ErrSessionExpired, not applied. With one,
//     a Seq above the last is applied; the last Seq gets the recorded
//     result; a lower Seq gets ErrStaleRequest. Any of these refreshes
//     LastActive.
//
// Sessions from before the log had a clock (a snapshot or log of an older
// raftlab, whose entries have no LeaderTime) have LastActive 0; when the
// clock first moves from 0 they are all counted active at that instant,
// rather than expired at once.

// advanceClock moves the log clock to t if t is later, and expires the
// sessions idle longer than the timeout when the clock crosses a scan
// point.
func (sm *stateMachine) advanceClock(t int64) {
	if t <= sm.LogClock {
		return
	}
	prev := sm.LogClock
	sm.LogClock = t
	if prev == 0 {
		for id, s := range sm.Sessions {
			s.LastActive = t
			sm.Sessions[id] = s
		}
		return
	}
	if sm.sessionTimeout <= 0 {
		return
	}
	interval := int64(max(sm.sessionTimeout/expiryScans, 1))
	if prev/interval == t/interval {
		return
	}
	for id, s := range sm.Sessions {
		if time.Duration(t-s.LastActive) > sm.sessionTimeout {
			delete(sm.Sessions, id)
		}
	}
}

// answered reports the answer the duplicate table alone gives a request
// (clientId, seq): the recorded result if it is a retry of the client's
// last request, ErrStaleRequest if it is older. ok is false when the
// request must go through the log: a new request, or a client with no
// session here (only the log can tell whether its session expired, or is
// not applied here yet). KVServer.submit answers from it early; apply
// uses the same rule.
func (sm *stateMachine) answered(clientId, seq int64) (value string, err Err, ok bool) {
	s, exists := sm.Sessions[clientId]
	switch {
	case !exists || seq > s.Seq:
		return "", "", false
	case seq == s.Seq:
		return s.Value, s.Err, true
	default:
		return "", ErrStaleRequest, true
	}
}
