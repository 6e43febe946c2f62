package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"raftlab/cluster/ui"
)

// uiState reads the page's /api/state.
func uiState(t *testing.T, base string) (ui.State, error) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(base + "api/state")
	if err != nil {
		return ui.State{}, err
	}
	defer resp.Body.Close()
	var st ui.State
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %sapi/state: %s %s", base, resp.Status, b)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// waitUILeader waits up to 20 s for /api/state to show a leader other
// than not, whose own status says it leads, and returns the state.
func waitUILeader(t *testing.T, base string, not int) ui.State {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := uiState(t, base)
		if err == nil && st.Leader >= 0 && st.Leader != not && st.Nodes[st.Leader].Role == "leader" {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page's state shows no leader (other than %d) within 20 s; last: %+v (%v)", not, st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// uiPost POSTs an action to the page's API as the page does (its Origin,
// JSON) and returns the status and body.
func uiPost(t *testing.T, base, path, body, origin string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s%s: %v", base, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// up -ui on a real 3-node cluster: the page's state shows the leader with
// its log and the messages it sends; a kill of the leader through the
// page's API (with the page's Origin; without it, nothing happens) ends
// that process, the state shows it down and another node leading; a
// restart brings it back as a follower.
func TestUpUIServesState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	t.Cleanup(func() { killStrays(t, dir) })
	up := start(t, "up -ui", "up", "-n", "3", "-dir", dir, "-base-port", "0", "-ui")
	upURLs(t, up, 3)
	base := uiURL(t, up)
	origin := strings.TrimSuffix(base, "/")

	st := waitUILeader(t, base, -1)
	old := st.Leader
	if len(st.Nodes) != 3 {
		t.Fatalf("state has %d nodes, want 3: %+v", len(st.Nodes), st)
	}
	if s := st.Nodes[old].Status; s == nil || len(s.LogTerms) == 0 || s.LogFirst+len(s.LogTerms)-1 < s.CommitIndex {
		t.Errorf("leader %d's status in the state has no log tail up to its commit index: %+v", old, s)
	}
	heartbeats := 0
	for _, m := range st.Messages {
		if m.From == old && m.Kind == "Heartbeat" {
			heartbeats++
		}
	}
	if heartbeats == 0 {
		t.Errorf("state's messages show no heartbeat from leader %d: %+v", old, st.Messages)
	}

	body := `{"node":` + strconv.Itoa(old) + `}`
	if code, got := uiPost(t, base, "api/kill", body, "http://evil.example"); code != http.StatusForbidden {
		t.Fatalf("a kill from another origin: %d %q, want 403", code, got)
	}
	if code, got := uiPost(t, base, "api/kill", body, origin); code != http.StatusOK {
		t.Fatalf("kill of leader %d through the page's API: %d %q", old, code, got)
	}
	waitFor(t, up.stderr, "up: node "+strconv.Itoa(old)+" exited (signal: killed)")
	if strings.Count(up.stderr.String(), "exited (signal: killed)") != 1 {
		t.Errorf("more than one node killed; stderr:\n%s", up.stderr)
	}
	st = waitUILeader(t, base, old)
	if st.Nodes[old].Role != "down" {
		t.Errorf("killed node %d shows role %q, want down", old, st.Nodes[old].Role)
	}
	if code, got := uiPost(t, base, "api/kill", body, origin); code != http.StatusConflict {
		t.Errorf("a second kill of node %d: %d %q, want 409", old, code, got)
	}

	if code, got := uiPost(t, base, "api/restart", body, origin); code != http.StatusOK {
		t.Fatalf("restart of node %d: %d %q", old, code, got)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := uiState(t, base)
		if err == nil && st.Nodes[old].Role == "follower" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("restarted node %d is not a follower within 20 s: %+v (%v)", old, st.Nodes[old], err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	up.cmd.Process.Signal(syscall.SIGTERM)
	if code := up.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("up -ui after SIGTERM: exit %d; stderr:\n%s", code, up.stderr)
	}
	if _, err := os.Stat(pidFile(dir, old)); err == nil {
		t.Errorf("node %d's pid file outlives up", old)
	}
}

// -ui's flags: -ui-addr must be loopback and goes with -ui, which goes
// with a cluster up starts.
func TestUpUIFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-ui", "-ui-addr", "0.0.0.0:0"}, "loopback"},
		{[]string{"-ui-addr", "127.0.0.1:0"}, "-ui-addr without -ui"},
		{[]string{"-ui", "-remove", "1"}, "-ui goes with"},
	} {
		_, stderr, code := raftlab(t, append([]string{"up", "-dir", dir}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("up %v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
