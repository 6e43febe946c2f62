package node

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// members reads node i's GET /members.
func (c *cluster) members(i int) Members {
	c.t.Helper()
	var m Members
	body := c.must(i, http.StatusOK, "GET", "/members", "")
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		c.t.Fatalf("node %d: /members %q: %v", i, body, err)
	}
	return m
}

// waitJoined waits for n's join to succeed.
func (c *cluster) waitJoined(id int) {
	c.t.Helper()
	select {
	case err := <-c.nodes[id].Joined():
		if err != nil {
			c.t.Fatalf("node %d did not join: %v", id, err)
		}
	case <-time.After(MemberChangeTimeout + 10*time.Second):
		c.t.Fatalf("node %d: no join outcome within %v", id, MemberChangeTimeout+10*time.Second)
	}
}

// voterIDs is "0 1 3" for a configuration of voters 0, 1, 3; a learner
// shows as "3L".
func voterIDs(m Members) string {
	s := formatMembers(m.Members)
	return s[1 : len(s)-1]
}

// waitConfig waits until node i's configuration in use is want, committed.
func (c *cluster) waitConfig(i int, want string) Members {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := c.members(i)
		if m.Committed && voterIDs(m) == want {
			return m
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("node %d: configuration %v (committed %v), want [%s] committed", i, formatMembers(m.Members), m.Committed, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A 3-node cluster grows to 5 with two new members joining through
// different nodes, while its data stays readable through every member; it
// shrinks back to 3 by removing the leader and another member; the removed
// ones are stopped and the rest serve on.
func TestMembersGrowAndShrink(t *testing.T) {
	c := newCluster(t, 3, 0, 2000) // small snapshots: the new members catch up from one
	for k := range 30 {
		c.must(k%3, http.StatusNoContent, "PUT", fmt.Sprintf("/kv/k%d", k), strings.Repeat("v", 100))
	}
	c.join(3, 0)
	c.waitJoined(3)
	c.join(4, 2)
	c.waitJoined(4)
	for i := range 5 {
		c.waitConfig(i, "0 1 2 3 4")
	}
	l := c.leader()
	m := c.members(l)
	for _, mem := range m.Members {
		if mem.MatchIndex < 0 || mem.Addr != c.peers[mem.ID] {
			t.Errorf("leader %d shows member %+v: want its address %s and a match index", l, mem, c.peers[mem.ID])
		}
	}
	if st := c.status(l); len(st.Members) != 5 || !st.ConfigCommitted || st.ConfigIndex != m.Index {
		t.Errorf("leader's /status: members %v, config index %d committed %v; /members says index %d", st.Members, st.ConfigIndex, st.ConfigCommitted, m.Index)
	}
	// The new members serve the data written before they came.
	c.get(3, "k0", strings.Repeat("v", 100))
	c.get(4, "k29", strings.Repeat("v", 100))
	c.must(4, http.StatusNoContent, "PUT", "/kv/new", "5")

	// Remove the leader, through another member.
	via := (l + 1) % 5
	body := c.must(via, http.StatusOK, "DELETE", fmt.Sprintf("/members/%d", l), "")
	var done Members
	if err := json.Unmarshal([]byte(body), &done); err != nil || !done.Committed || len(done.Members) != 4 {
		t.Fatalf("DELETE /members/%d: %q, %v; want a committed configuration of 4", l, body, err)
	}
	c.stop(l)
	rest := []int{}
	for i := range 5 {
		if i != l {
			rest = append(rest, i)
		}
	}
	second := rest[0]
	c.must(rest[1], http.StatusOK, "DELETE", fmt.Sprintf("/members/%d", second), "")
	c.stop(second)
	want := strings.Trim(fmt.Sprint(rest[1:]), "[]")
	for _, i := range rest[1:] {
		c.waitConfig(i, want)
	}
	c.must(rest[1], http.StatusNoContent, "POST", "/kv/new", "+")
	for _, i := range rest[1:] {
		c.get(i, "new", "5+")
		c.get(i, "k7", strings.Repeat("v", 100))
	}
	// Removing a member that is gone already is done at once.
	c.must(rest[2], http.StatusOK, "DELETE", fmt.Sprintf("/members/%d", second), "")
}

// A member that joined restarts from its directory with Join again: the
// cluster answers at once that it is a voter, and it serves.
func TestMembersJoinedNodeRestarts(t *testing.T) {
	c := newCluster(t, 3, 0, 0)
	c.must(0, http.StatusNoContent, "PUT", "/kv/a", "1")
	c.join(3, 1)
	c.waitJoined(3)
	c.stop(3)
	c.must(0, http.StatusNoContent, "POST", "/kv/a", "2")
	c.start(3)
	c.waitJoined(3)
	c.waitConfig(3, "0 1 2 3")
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, got := c.do(3, "GET", "/kv/a", "")
		if code == http.StatusOK && got == "12" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted member reads a = %d %q, want 12", code, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Bad membership requests get a 4xx with a reason and change nothing.
func TestMembersBadRequests(t *testing.T) {
	c := newCluster(t, 1, 0, 0)
	for _, body := range []string{``, `{`, `[]`, `{"addr":"127.0.0.1:1"}`, `{"id":-1,"addr":"127.0.0.1:1"}`,
		`{"id":2000000,"addr":"127.0.0.1:1"}`, `{"id":1}`, `{"id":1,"addr":"nohost"}`, `{"id":1,"addr":"127.0.0.1:1","x":1}`,
		`{"id":1,"addr":"127.0.0.1:1"} {}`, `{"id":"1","addr":"127.0.0.1:1"}`} {
		if code, got := c.do(0, "POST", "/members", body); code != http.StatusBadRequest {
			t.Errorf("POST /members %q: %d %q, want 400", body, code, got)
		}
	}
	for _, id := range []string{"x", "-1", "2000000", "1.5"} {
		if code, got := c.do(0, "DELETE", "/members/"+id, ""); code != http.StatusBadRequest {
			t.Errorf("DELETE /members/%s: %d %q, want 400", id, code, got)
		}
	}
	c.leader()
	before := c.waitConfig(0, "0") // a leader appends its configuration again: index 1
	if code, got := c.do(0, "DELETE", "/members/0", ""); code != http.StatusConflict || !strings.Contains(got, "last voter") {
		t.Errorf("DELETE the last voter: %d %q, want 409", code, got)
	}
	if code, got := c.do(0, "POST", "/members", fmt.Sprintf(`{"id":0,"addr":"127.0.0.1:1"}`)); code != http.StatusConflict || !strings.Contains(got, c.peers[0]) {
		t.Errorf("POST member 0 at another address: %d %q, want 409 naming its address", code, got)
	}
	// Removing a member that never was one: done, nothing changes.
	c.must(0, http.StatusOK, "DELETE", "/members/9", "")
	if m := c.waitConfig(0, "0"); m.Index != before.Index {
		t.Errorf("configuration index %d after refused and empty changes, want %d as before", m.Index, before.Index)
	}
	// A join the cluster refuses ends with the reason on Joined: member 1
	// joins, then another node asks to be member 1 at another address.
	c.join(1, 0)
	c.waitJoined(1)
	other, err := Start(Config{ID: 1, Join: c.url(0, ""), Addr: freeAddrs(t, 1)[0], HTTP: "127.0.0.1:0", Dir: t.TempDir(), Logf: c.logf})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	select {
	case err := <-other.Joined():
		if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), c.peers[1]) {
			t.Errorf("joining as member 1 at another address: %v, want a 409 refusal naming member 1's address", err)
		}
	case <-time.After(MemberChangeTimeout + 10*time.Second):
		t.Fatalf("no join outcome")
	}
	c.waitConfig(0, "0 1")
}
