package kvraft

// Sessions that expire, end to end: Clerks and raw RPCs on the labrpc
// harness, with a session timeout short enough for a test.
//
// It uses only names and signatures that the course's config.go also has,
// so it compiles with a course harness dropped in; it reads raftlab's
// internals (sessionTimeout, kv.sm), so the student copy leaves it out.

import (
	"maps"
	"slices"
	"testing"
	"time"

	"raftlab/labrpc"
)

// shortSessions makes the servers started from now on expire sessions
// idle longer than d, until the test ends.
func shortSessions(t *testing.T, d time.Duration) {
	old := sessionTimeout
	sessionTimeout = d
	t.Cleanup(func() { sessionTimeout = old })
}

// rawClient sends requests as a client of its own, numbered as the test
// says, on its own ends to every server, starting with the one that
// answered last, and returns the first answer other than ErrWrongLeader
// or a lost call. (Going to the server that answered last matters: a
// follower answers from its own applied state, which may not have the
// client's last request yet.)
type rawClient struct {
	t      *testing.T
	net    *labrpc.Network
	ends   []*labrpc.ClientEnd
	id     int64
	leader int
}

func newRawClient(t *testing.T, net *labrpc.Network, n int, id int64, name string) *rawClient {
	c := &rawClient{t: t, net: net, id: id}
	for j := range n {
		endname := name + "-" + string(rune('a'+j))
		c.ends = append(c.ends, net.MakeEnd(endname))
		net.Connect(endname, j)
		net.Enable(endname, true)
	}
	return c
}

func (c *rawClient) putAppend(key, value string, seq int64) Err {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for k := range c.ends {
			s := (c.leader + k) % len(c.ends)
			args := PutAppendArgs{Key: key, Value: value, Append: true, ClientId: c.id, Seq: seq}
			var reply PutAppendReply
			if c.ends[s].Call("KVServer.PutAppend", &args, &reply) && reply.Err != ErrWrongLeader {
				c.leader = s
				return reply.Err
			}
		}
		time.Sleep(roundPause)
	}
	c.t.Fatalf("client %d, Append seq %d: no server answered within 10s; seed %d (rerun with %s=%d)", c.id, seq, c.net.Seed(), labrpc.SeedEnv, c.net.Seed())
	return ""
}

// Reference: the Raft dissertation, §6.3. A client idle longer than the
// session timeout is answered ErrSessionExpired, and its request is not
// applied; an older request than its last is answered ErrStaleRequest; a
// Clerk idle as long starts a new session and its operation takes effect
// once; every server holds the same sessions at the same index.
func TestSessionExpiresEndToEnd(t *testing.T) {
	const timeout = time.Second
	shortSessions(t, timeout)
	const nservers = 3
	cfg := make_config(t, nservers, false, -1)
	defer cfg.cleanup()
	cfg.begin("Test: sessions expire through the log, and are answered clearly")
	seed := cfg.net.Seed()
	ck := cfg.makeClient(cfg.All())
	raw := newRawClient(t, cfg.net, nservers, 1<<50, "session-raw")

	for _, step := range []struct {
		value string
		seq   int64
		want  Err
	}{
		{"a", 1, OK},
		{"b", 2, OK},
		{"stale", 1, ErrStaleRequest}, // an old copy of request 1
		{"b", 2, OK},                  // a retry of the last: the recorded result
	} {
		if err := raw.putAppend("k", step.value, step.seq); err != step.want {
			t.Fatalf("raw client, Append %q seq %d: %s, want %s; seed %d", step.value, step.seq, err, step.want, seed)
		}
	}
	ck.Put("c", "1")
	before := ck.clientId
	if v := ck.Get("k"); v != "ab" {
		t.Fatalf("Get(k) = %q, want ab; seed %d", v, seed)
	}

	time.Sleep(timeout + timeout/2) // both clients idle longer than the timeout

	if err := raw.putAppend("k", "late", 3); err != ErrSessionExpired {
		t.Fatalf("raw client idle %v (timeout %v), Append seq 3: %s, want ErrSessionExpired; seed %d", timeout+timeout/2, timeout, err, seed)
	}
	ck.Append("c", "2") // the Clerk's session expired too: it starts another
	if ck.clientId == before {
		t.Fatalf("the Clerk kept client id %d after its session expired; seed %d", before, seed)
	}
	if v := ck.Get("c"); v != "12" {
		t.Fatalf("Get(c) = %q, want 12: the Clerk's Append in its new session applied once; seed %d", v, seed)
	}
	if v := ck.Get("k"); v != "ab" {
		t.Fatalf("Get(k) = %q, want ab: the expired session's request was applied; seed %d", v, seed)
	}

	// Every server, at the same index, holds the same sessions: the
	// Clerk's new one only.
	type view struct {
		index    int
		clock    int64
		sessions []int64
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var views []view
		cfg.mu.Lock()
		kvs := slices.Clone(cfg.kvservers)
		cfg.mu.Unlock()
		for _, kv := range kvs {
			kv.mu.Lock()
			views = append(views, view{kv.sm.LastApplied, kv.sm.LogClock, slices.Sorted(maps.Keys(kv.sm.Sessions))})
			kv.mu.Unlock()
		}
		same := true
		for _, v := range views[1:] {
			same = same && v.index == views[0].index
		}
		if same {
			for i, v := range views {
				if v.clock != views[0].clock || !slices.Equal(v.sessions, views[0].sessions) {
					t.Fatalf("at index %d, server %d has log clock %d and sessions %v, server 0 %d and %v; seed %d",
						v.index, i, v.clock, v.sessions, views[0].clock, views[0].sessions, seed)
				}
			}
			if want := []int64{ck.clientId}; !slices.Equal(views[0].sessions, want) {
				t.Fatalf("sessions %v, want only the Clerk's new one %v; seed %d", views[0].sessions, want, seed)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("servers at indexes %v after 5s, want all at one; seed %d", views, seed)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cfg.end()
}
