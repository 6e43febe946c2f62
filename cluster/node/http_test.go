package node

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every node serves every request: a follower forwards to the leader.
func TestKeyValueThroughEveryNode(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/a", "one")
	for i := range 3 {
		c.get(i, "a", "one")
	}
	c.must(1, http.StatusNoContent, "POST", "/kv/a", "+two")
	c.must(2, http.StatusNoContent, "POST", "/kv/a", "+three")
	for i := range 3 {
		c.get(i, "a", "one+two+three")
	}
	c.must(2, http.StatusNoContent, "PUT", "/kv/dir/with%20space", "v")
	c.get(0, "dir/with%20space", "v")
	c.must(1, http.StatusNoContent, "DELETE", "/kv/a", "")
	for i := range 3 {
		c.must(i, http.StatusNotFound, "GET", "/kv/a", "")
		c.must(i, http.StatusNotFound, "GET", "/kv/never-written", "")
	}
	c.must(0, http.StatusNoContent, "PUT", "/kv/empty", "")
	c.get(1, "empty", "")
}

func TestBadInputGets4xx(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	long := strings.Repeat("k", MaxKey+1)
	cases := []struct {
		name, method, path, body string
		header                   []string
		want                     int
	}{
		{"empty key", "PUT", "/kv/", "v", nil, http.StatusBadRequest},
		{"empty key get", "GET", "/kv/", "", nil, http.StatusBadRequest},
		{"long key", "GET", "/kv/" + long, "", nil, http.StatusBadRequest},
		{"body too large", "PUT", "/kv/big", strings.Repeat("x", MaxValue+1), nil, http.StatusRequestEntityTooLarge},
		{"unknown method", "PATCH", "/kv/a", "v", nil, http.StatusMethodNotAllowed},
		{"unknown path", "GET", "/nothing", "", nil, http.StatusNotFound},
		{"status by POST", "POST", "/status", "", nil, http.StatusMethodNotAllowed},
		{"Client-Id alone", "PUT", "/kv/a", "v", []string{"Client-Id", "5"}, http.StatusBadRequest},
		{"Request-Seq alone", "PUT", "/kv/a", "v", []string{"Request-Seq", "5"}, http.StatusBadRequest},
		{"Client-Id not a number", "PUT", "/kv/a", "v", []string{"Client-Id", "x5", "Request-Seq", "1"}, http.StatusBadRequest},
		{"Client-Id zero", "PUT", "/kv/a", "v", []string{"Client-Id", "0", "Request-Seq", "1"}, http.StatusBadRequest},
		{"Request-Seq zero", "PUT", "/kv/a", "v", []string{"Client-Id", "5", "Request-Seq", "0"}, http.StatusBadRequest},
		{"Request-Seq overflow", "PUT", "/kv/a", "v", []string{"Client-Id", "5", "Request-Seq", "99999999999999999999"}, http.StatusBadRequest},
	}
	for _, tc := range cases {
		code, body := c.do(1, tc.method, tc.path, tc.body, tc.header...)
		if code != tc.want {
			t.Errorf("%s: %s %s: status %d (%q), want %d", tc.name, tc.method, tc.path[:min(len(tc.path), 40)], code, body, tc.want)
		}
		if body = strings.TrimSuffix(body, "\n"); body == "" || strings.Contains(body, "\n") {
			t.Errorf("%s: reason %q, want one line", tc.name, body)
		}
	}
	// The cluster still works after all that.
	c.must(1, http.StatusNoContent, "PUT", "/kv/a", "fine")
	c.get(0, "a", "fine")
}

func (c *cluster) status(i int) Status {
	c.t.Helper()
	var st Status
	body := c.must(i, http.StatusOK, "GET", "/status", "")
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		c.t.Fatalf("node %d: /status %q: %v", i, body, err)
	}
	return st
}

func TestStatusShowsOneLeader(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/a", "x") // a leader exists and has committed
	deadline := time.Now().Add(5 * time.Second)
	for {
		var sts []Status
		leaders, leader := 0, -1
		for i := range 3 {
			st := c.status(i)
			sts = append(sts, st)
			if st.ID != i {
				t.Fatalf("node %d: /status says id %d", i, st.ID)
			}
			if st.Role == "leader" {
				leaders++
				leader = i
			}
		}
		agree := leaders == 1
		for _, st := range sts {
			agree = agree && st.Term == sts[leader].Term && st.Applied >= 1 && st.CommitIndex >= st.Applied && st.DiskBytes > 0
		}
		if agree {
			if sts[leader].Leader != leader || sts[0].Leader != leader {
				t.Errorf("leader %d: /status leader fields %d (leader's) and %d (node 0's, which forwarded the write)",
					leader, sts[leader].Leader, sts[0].Leader)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no single leader with all nodes in its term and applied within 5 s: %+v", sts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A retried request with the same Client-Id and Request-Seq applies once.
func TestClientHeadersGiveExactlyOnce(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	id := []string{"Client-Id", "4242", "Request-Seq", "1"}
	c.must(0, http.StatusNoContent, "POST", "/kv/log", "x", id...)
	c.must(1, http.StatusNoContent, "POST", "/kv/log", "x", id...) // the retry, through another node
	c.get(2, "log", "x")
	id2 := []string{"Client-Id", "4242", "Request-Seq", "2"}
	c.must(2, http.StatusNoContent, "POST", "/kv/log", "y", id2...)
	c.must(0, http.StatusNoContent, "POST", "/kv/log", "y", id2...) // a retry of the last: its recorded result
	c.get(1, "log", "xy")
	// Requests without headers are never mistaken for duplicates.
	for range 3 {
		c.must(0, http.StatusNoContent, "POST", "/kv/plain", "z")
	}
	c.get(1, "plain", "zzz")
}

// Concurrent clients through every node: each one's appends all land, in
// its order.
func TestConcurrentAppends(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	const clients, appends = 8, 10
	errs := make(chan string, clients*appends)
	var wg sync.WaitGroup
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range appends {
				req, _ := http.NewRequest("POST", c.url((cl+k)%3, fmt.Sprintf("/kv/c%d", cl)), strings.NewReader(fmt.Sprintf("%d.", k)))
				resp, err := c.client.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					errs <- fmt.Sprintf("client %d append %d: status %d", cl, k, resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for cl := range clients {
		want := ""
		for k := range appends {
			want += fmt.Sprintf("%d.", k)
		}
		c.get(cl%3, fmt.Sprintf("c%d", cl), want)
	}
}

// An older request than a client's last (a late copy of its seq 1 after
// its seq 2) is refused with a 409 and changes nothing: it is not a retry
// of the last request, and gets no other request's answer. A client with
// no session (never seen, or expired) whose Request-Seq is not 1 gets a
// 409 of its own, and nothing is applied; a new Client-Id from 1 works.
func TestClientHeadersStaleOrExpired409(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	seq := func(id, n int) []string { return []string{"Client-Id", fmt.Sprint(id), "Request-Seq", fmt.Sprint(n)} }
	c.must(0, http.StatusNoContent, "POST", "/kv/log", "x", seq(4242, 1)...)
	c.must(1, http.StatusNoContent, "POST", "/kv/log", "y", seq(4242, 2)...)
	// A member answers a retry from its own applied state, where a
	// lagging one may not have seq 2 yet (and takes seq 1 for the last).
	c.waitApplied(3)
	oneLine := func(what, body, want string) {
		t.Helper()
		if body = strings.TrimSuffix(body, "\n"); !strings.Contains(body, want) || strings.Contains(body, "\n") {
			t.Errorf("%s: reason %q, want one line with %q", what, body, want)
		}
	}
	for i := range 3 { // at every node: forwarded, or answered by the leader
		for _, m := range []string{"POST", "PUT", "DELETE", "GET"} {
			oneLine(fmt.Sprintf("node %d: %s of seq 1 after seq 2", i, m), c.must(i, http.StatusConflict, m, "/kv/log", "stale", seq(4242, 1)...), "stale request")
		}
	}
	c.get(2, "log", "xy")

	// Never seen with Request-Seq 5, as after an expiry, or after a lost
	// Request-Seq 1.
	for i := range 3 {
		oneLine(fmt.Sprintf("node %d: seq 5 with no session", i), c.must(i, http.StatusConflict, "POST", "/kv/log", "lost", seq(777, 5)...), "session expired")
	}
	oneLine("GET with no session", c.must(0, http.StatusConflict, "GET", "/kv/log", "", seq(778, 2)...), "session expired")
	c.get(1, "log", "xy")
	c.must(2, http.StatusNoContent, "POST", "/kv/log", "z", seq(779, 1)...)
	c.must(0, http.StatusNoContent, "POST", "/kv/log", "w", seq(779, 2)...)
	c.get(1, "log", "xyzw")
}

// The node's own client ids (requests without Client-Id) whose sessions
// are gone (expired while the id sat in the pool, or its seq 1 lost to a
// timeout) start afresh: the request is applied once, under a new id
// from seq 1, not refused.
func TestInternalClientIdsRenewExpiredSessions(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/k", "a")
	// Every id of node 0's pool is now past a seq 1 kvraft never saw.
	f := c.nodes[0].fwd
	before := map[int64]bool{}
	var ids []*clientId
	for range poolSize {
		id := <-f.pool
		if id.seq <= 1 {
			id.seq = 41
		}
		before[id.id] = true
		ids = append(ids, id)
	}
	for _, id := range ids {
		f.pool <- id
	}
	// Three requests, each with the next id of the pool (a FIFO).
	c.must(0, http.StatusNoContent, "POST", "/kv/k", "b")
	c.must(0, http.StatusNoContent, "POST", "/kv/k", "c")
	c.get(0, "k", "abc")
	renewed := 0
	for range poolSize {
		id := <-f.pool
		if !before[id.id] {
			renewed++
			if id.seq != 1 {
				t.Errorf("renewed id %d at seq %d, want 1", id.id, id.seq)
			}
		}
		ids = append(ids, id)
	}
	for _, id := range ids[poolSize:] {
		f.pool <- id
	}
	if renewed != 3 {
		t.Errorf("%d of node 0's internal ids renewed by three requests, want 3", renewed)
	}
}

// waitApplied waits until the first n nodes have applied the same index.
func (c *cluster) waitApplied(n int) {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var applied []int
		for i := range n {
			applied = append(applied, c.status(i).Applied)
		}
		same := true
		for _, a := range applied {
			same = same && a == applied[0]
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("nodes at applied indexes %v after 5 s, want all at one", applied)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
