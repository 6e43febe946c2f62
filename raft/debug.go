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
// for example "000412 VOTE S2 T3 granted vote to S0". Topics: TIMER, VOTE,
// LEADER, TERM, APPEND, COMMIT, APPLY, PERSIST, SNAPSHOT, DROP. The fixed
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
)

var debug = struct {
	once  sync.Once
	on    bool
	start time.Time
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

// dlog writes one debug line for this peer. Caller holds rf.mu (for the term).
func (rf *Raft) dlog(t topic, format string, args ...any) {
	if !debugOn() {
		return
	}
	ms := time.Since(debug.start).Milliseconds()
	line := fmt.Sprintf("%06d %s S%d T%d %s\n", ms, t, rf.me, rf.currentTerm, fmt.Sprintf(format, args...))
	debug.mu.Lock()
	defer debug.mu.Unlock()
	os.Stderr.WriteString(line)
}
