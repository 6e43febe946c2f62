package raft

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// DebugEnv names the environment variable that turns the debug log on
// (RAFTLAB_DEBUG=1). The log goes to stderr, one line per event:
//
//	<ms since start> <TOPIC> S<peer> T<term> <message>
//
// where the milliseconds count from when the peer's labrpc network was
// made: in the course-shaped harnesses, when the test started, so each test
// of a go test process starts near 0. For example "000412 VOTE S2 T3
// granted vote to S0". Topics: TIMER, VOTE,
// LEADER, TERM, APPEND, COMMIT, APPLY, PERSIST, SNAPSHOT, DROP, CONFIG. The fixed
// layout lets a pretty-printer split the first four fields with a single
// strings.Fields call.
const DebugEnv = "RAFTLAB_DEBUG"

type topic string

const (
	tTimer    topic = "TIMER"
	tVote     topic = "VOTE"
	tLeader   topic = "LEADER"
	tTerm     topic = "TERM"
	tAppend   topic = "APPEND"
	tCommit   topic = "COMMIT"
	tApply    topic = "APPLY"
	tPersist  topic = "PERSIST"
	tSnapshot topic = "SNAPSHOT"
	tDrop     topic = "DROP"
	tConfig   topic = "CONFIG"
)

var debug = struct {
	once  sync.Once
	on    bool
	start time.Time  // when debugOn first ran: the clock of a peer with no network
	mu    sync.Mutex // orders whole lines from many peers
}{}

func debugOn() bool {
	debug.once.Do(func() {
		v := os.Getenv(DebugEnv)
		debug.on = v != "" && v != "0" && !strings.EqualFold(v, "false")
		debug.start = time.Now()
	})
	return debug.on
}

// debugClock returns the time zero of a peer's debug lines: when its
// network was made, which is when a test's make_config started it, so each
// test's lines count from 0 even when go test runs several in one process.
// It reads only rf.me and rf.peers, fixed at Make. A peer made by
// MakeMember counts from when the debug log was first used.
func (rf *Raft) debugClock() time.Time {
	if rf.me >= 0 && rf.me < len(rf.peers) {
		if t := rf.peers[rf.me].NetworkMade(); !t.IsZero() {
			return t
		}
	}
	return debug.start
}

// eventHook, if not nil, is called by every dlog, whether the debug log is
// on or not, with rf.mu held, before the line is formatted (if it is). The
// test harness sets it, once, before any peer is made, to see each role
// and term as it happens (the failure timeline); it is nil otherwise, so
// it costs a load and a branch.
var eventHook func(rf *Raft, t topic)

// dlog writes one debug line for this peer. Caller holds rf.mu (for the term).
func (rf *Raft) dlog(t topic, format string, args ...any) {
	if eventHook != nil {
		eventHook(rf, t)
	}
	if !debugOn() {
		return
	}
	ms := time.Since(rf.debugClock()).Milliseconds()
	line := fmt.Sprintf("%06d %s S%d T%d %s\n", ms, t, rf.me, rf.currentTerm, fmt.Sprintf(format, args...))
	debug.mu.Lock()
	defer debug.mu.Unlock()
	os.Stderr.WriteString(line)
}
