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
	c.must(0, http.StatusNoContent, "POST", "/kv/log", "x", id...) // a late duplicate of seq 1
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
