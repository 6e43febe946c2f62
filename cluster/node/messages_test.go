package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"raftlab/labgob"
	"raftlab/raft"
)

// GET /status?log=N shows the last terms of the log, as many as asked and
// the log holds, ending at the node's last index; bad values are a 400.
func TestStatusLogTail(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	for i := range 3 {
		c.must(0, http.StatusNoContent, "PUT", "/kv/k", fmt.Sprint(i))
	}
	ld := c.leader()
	var st Status
	if err := json.Unmarshal([]byte(c.must(ld, http.StatusOK, "GET", "/status?log=2", "")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.LogTerms) != 2 || st.LogFirst < 2 || st.LogTerms[1] > st.Term || st.LogTerms[0] < 1 {
		t.Fatalf("leader %d: /status?log=2 gave log_first %d, log_terms %v (term %d); want two terms of entries after 3 puts", ld, st.LogFirst, st.LogTerms, st.Term)
	}
	if st.LogFirst+len(st.LogTerms)-1 < st.CommitIndex {
		t.Errorf("leader %d: log tail ends at %d, before commit index %d", ld, st.LogFirst+len(st.LogTerms)-1, st.CommitIndex)
	}
	if st := c.status(ld); st.LogTerms != nil {
		t.Errorf("plain /status carries log terms %v", st.LogTerms)
	}
	for _, q := range []string{"log=-1", "log=x", "log=", "log=1001", "log=99999999999999999999"} {
		if code, body := c.do(ld, "GET", "/status?"+q, ""); code != http.StatusBadRequest || !strings.Contains(body, "log=") {
			t.Errorf("GET /status?%s: %d %q, want 400 naming log=", q, code, body)
		}
	}
}

// GET /messages shows the Raft RPCs the node sent: the leader's
// heartbeats and entries to both others, in its term; since filters by
// time, and bad values are a 400.
func TestMessagesShowsSentRPCs(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/k", "v")
	ld := c.leader()
	term := c.status(ld).Term
	// Unwatched, the nodes note nothing (sending pays no decode).
	for i, n := range c.nodes {
		if got := n.peers.sent.since(time.Time{}); len(got) != 0 {
			t.Fatalf("node %d noted %d RPCs before anyone asked for /messages", i, len(got))
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ms Messages
		if err := json.Unmarshal([]byte(c.must(ld, http.StatusOK, "GET", "/messages", "")), &ms); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, m := range ms.Messages {
			if m.From != ld || m.To == ld || m.To < -1 || m.To > 2 || m.TimeMs > ms.NowMs {
				t.Fatalf("leader %d: message %+v (now %d)", ld, m, ms.NowMs)
			}
			if m.Term == term {
				seen[fmt.Sprintf("%s to %d", m.Kind, m.To)] = true
			}
		}
		ok := true
		for _, o := range others(3, ld) {
			ok = ok && seen[fmt.Sprintf("Heartbeat to %d", o)]
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leader %d, term %d: /messages has not got heartbeats to both others within 5 s: %v", ld, term, seen)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var later Messages
	future := time.Now().Add(time.Hour).UnixMilli()
	if err := json.Unmarshal([]byte(c.must(ld, http.StatusOK, "GET", fmt.Sprintf("/messages?since=%d", future), "")), &later); err != nil {
		t.Fatal(err)
	}
	if len(later.Messages) != 0 {
		t.Errorf("/messages?since=an hour ahead gave %d messages, want none", len(later.Messages))
	}
	for _, q := range []string{"since=-1", "since=x", "since=", "since=1e3"} {
		if code, body := c.do(ld, "GET", "/messages?"+q, ""); code != http.StatusBadRequest || !strings.Contains(body, "since=") {
			t.Errorf("GET /messages?%s: %d %q, want 400 naming since=", q, code, body)
		}
	}
}

// A GET /messages keeps the ring noting for MessageWatch, no longer.
func TestMessageRingWatch(t *testing.T) {
	var r messageRing
	if r.watched() {
		t.Fatal("a new ring is watched")
	}
	r.watch()
	if !r.watched() {
		t.Fatal("not watched right after watch()")
	}
	r.watchedUntil.Store(time.Now().Add(-time.Millisecond).UnixNano())
	if r.watched() {
		t.Fatal("still watched after MessageWatch has passed")
	}
}

// RPCs that the fault control drops are shown dropped: the leader's
// heartbeats to the member it drops, and not those to the other.
func TestMessagesShowDropped(t *testing.T) {
	c := newClusterWith(t, 3, 0, 0, true)
	ld := c.leader()
	cut, kept := (ld+1)%3, (ld+2)%3
	c.must(ld, http.StatusOK, "PUT", "/faults", fmt.Sprintf(`{"drop":[%d]}`, cut))
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ms Messages
		if err := json.Unmarshal([]byte(c.must(ld, http.StatusOK, "GET", "/messages", "")), &ms); err != nil {
			t.Fatal(err)
		}
		var droppedToCut, deliveredToKept bool
		for _, m := range ms.Messages {
			if m.To == kept && m.Dropped {
				t.Fatalf("leader %d: a message to %d, which it does not drop, shown dropped: %+v", ld, kept, m)
			}
			droppedToCut = droppedToCut || m.To == cut && m.Dropped && m.Kind == "Heartbeat"
			deliveredToKept = deliveredToKept || m.To == kept && m.Kind == "Heartbeat"
		}
		if droppedToCut && deliveredToKept {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leader %d dropping %d: within 5 s /messages showed dropped heartbeats to it %v, heartbeats to %d %v", ld, cut, droppedToCut, kept, deliveredToKept)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func others(n, skip int) []int {
	var ids []int
	for i := range n {
		if i != skip {
			ids = append(ids, i)
		}
	}
	return ids
}

// describe reads each kind of Raft RPC's args as labrpc encodes them, and
// the ring keeps only the last MessageRing, oldest first.
func TestMessageRing(t *testing.T) {
	enc := func(args any) []byte {
		var b bytes.Buffer
		if err := labgob.NewEncoder(&b).Encode(args); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	labgob.Register("")
	for _, tc := range []struct {
		method  string
		args    any
		kind    string
		term    int
		entries int
	}{
		{"RequestVote", raft.RequestVoteArgs{Term: 3}, "RequestVote", 3, 0},
		{"RequestVote", raft.RequestVoteArgs{Term: 4, PreVote: true}, "PreVote", 4, 0},
		{"AppendEntries", raft.AppendEntriesArgs{Term: 5}, "Heartbeat", 5, 0},
		{"AppendEntries", raft.AppendEntriesArgs{Term: 6, Entries: []raft.Entry{{Term: 6, Command: "x"}, {Term: 6, Command: "y"}}}, "AppendEntries", 6, 2},
		{"InstallSnapshot", raft.InstallSnapshotArgs{Term: 7, Data: []byte("snap")}, "InstallSnapshot", 7, 0},
	} {
		m, ok := describe(tc.method, enc(tc.args))
		if !ok || m.kind != tc.kind || m.term != tc.term || m.entries != tc.entries {
			t.Errorf("describe(%s, %+v) = %+v, %v; want %s term %d entries %d", tc.method, tc.args, m, ok, tc.kind, tc.term, tc.entries)
		}
	}
	if _, ok := describe("AppendEntries", []byte("not gob")); ok {
		t.Errorf("describe of garbage succeeded")
	}
	if _, ok := describe("Get", enc(raft.RequestVoteArgs{Term: 1})); ok {
		t.Errorf("describe of a method that is not Raft's succeeded")
	}

	var r messageRing
	t0 := time.Now()
	for i := range MessageRing + 10 {
		r.add(sent{time: t0.Add(time.Duration(i) * time.Millisecond), term: i})
	}
	all := r.since(time.Time{})
	if len(all) != MessageRing || all[0].term != 10 || all[len(all)-1].term != MessageRing+9 {
		t.Fatalf("ring after %d adds: %d kept, terms %d..%d; want the last %d", MessageRing+10, len(all), all[0].term, all[len(all)-1].term, MessageRing)
	}
	if got := r.since(t0.Add(time.Duration(MessageRing+5) * time.Millisecond)); len(got) != 5 {
		t.Errorf("since the 5th last: %d messages, want 5", len(got))
	}
}
