package main

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bad command lines exit 2 with one line saying what is wrong, never a panic.
func TestBadFlagsExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage:"},
		{[]string{"frob"}, `unknown command "frob"`},
		{[]string{"node", "-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"node", "-id", "x"}, `invalid value "x" for flag -id`},
		{[]string{"node", "-http", "127.0.0.1:0", "-dir", "d"}, "-peers (a new cluster) or -join"},
		{[]string{"node", "-id", "3", "-peers", "a:1,b:2,c:3", "-http", "127.0.0.1:0", "-dir", "d"}, "-id 3 is not an index into the 3 peers"},
		{[]string{"node", "-id", "0", "-peers", "a:1", "-dir", "d"}, "-http is required"},
		{[]string{"node", "-id", "0", "-peers", "a:1", "-http", "127.0.0.1:0"}, "-dir is required"},
		{[]string{"node", "-id", "0", "-peers", "a:1,,c:3", "-http", "127.0.0.1:0", "-dir", "d"}, "-peers: address 1 is empty"},
		{[]string{"node", "-id", "0", "-peers", "a:1", "-http", "127.0.0.1:0", "-dir", "d", "-max-raft-state", "-5"}, "-max-raft-state -5"},
		{[]string{"kv"}, "missing operation"},
		{[]string{"kv", "frob", "k"}, `unknown operation "frob"`},
		{[]string{"kv", "put", "k"}, "put takes KEY and VALUE"},
		{[]string{"kv", "get", "k", "v"}, "get takes KEY"},
		{[]string{"kv", "get", ""}, "empty key"},
		{[]string{"kv", "get", "k", "-nodes", ","}, "no node URLs"},
		{[]string{"status", "extra"}, `unexpected argument "extra"`},
		{[]string{"up", "-n", "0"}, "-n 0"},
		{[]string{"up", "-base-port", "65535"}, "ports out of range"},
		{[]string{"bench", "-c", "0"}, "-c 0: want 1 to 10000 clients"},
		{[]string{"bench", "-d", "0s"}, "-d 0s"},
		{[]string{"bench", "-reads", "1.5"}, "-reads 1.5"},
		{[]string{"bench", "-keys", "0"}, "-keys 0"},
		{[]string{"bench", "-value", "-1"}, "-value -1"},
		{[]string{"bench", "extra"}, `unexpected argument "extra"`},
		{[]string{"bench", "-nodes", ","}, "no node URLs"},
		{[]string{"node", "-id", "0", "-peers", "a:1,b:2", "-http", "127.0.0.1:0", "-dir", "d", "-faults", `{"drop":[0]}`}, "-faults: faults: drop names member 0"},
		{[]string{"node", "-id", "0", "-peers", "a:1", "-http", "127.0.0.1:0", "-dir", "d", "-faults", "{"}, "-faults: faults: unexpected EOF"},
		{[]string{"node", "-id", "3", "-peers", "a:1", "-join", "http://a:2", "-http", "127.0.0.1:0", "-dir", "d"}, "-peers and -join together"},
		{[]string{"node", "-id", "3", "-join", "http://a:2", "-http", "127.0.0.1:0", "-dir", "d"}, "-join needs -addr"},
		{[]string{"node", "-id", "0", "-peers", "a:1", "-addr", "a:1", "-http", "127.0.0.1:0", "-dir", "d"}, "-addr goes with -join"},
		{[]string{"node", "-id", "-2", "-join", "http://a:2", "-addr", "a:1", "-http", "127.0.0.1:0", "-dir", "d"}, "-id -2: want 0 to"},
		{[]string{"up", "-add", "0"}, "-add 0: want 1 to 9"},
		{[]string{"up", "-add", "1", "-remove", "2"}, "one change at a time"},
		{[]string{"up", "-add", "1", "-n", "5"}, "-n and -base-port make a new cluster"},
		{[]string{"up", "-remove", "-1"}, "-remove -1"},
		{[]string{"remove"}, "want one member ID"},
		{[]string{"remove", "1", "2"}, "want one member ID"},
		{[]string{"remove", "x"}, `member ID "x"`},
		{[]string{"remove", "1", "-nodes", ","}, "no node URLs"},
		{[]string{"torture", "-n", "2"}, "2 nodes: want 3 to 9"},
		{[]string{"torture", "-faults", "kill,fire"}, `unknown fault "fire"`},
		{[]string{"torture", "-duration", "0s"}, "duration 0s"},
		{[]string{"torture", "-max-down", "4"}, "max down 4"},
		{[]string{"torture", "-clients", "0"}, "0 clients"},
		{[]string{"torture", "-rate", "-3"}, "rate -3"},
		{[]string{"torture", "extra"}, `unexpected argument "extra"`},
	} {
		stdout, stderr, code := raftlab(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "panic") {
			t.Errorf("raftlab %q: exit %d, stderr %q, stdout %q; want exit 2 and a message with %q",
				tc.args, code, stderr, stdout, tc.want)
		}
		if tc.args != nil && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("raftlab %q: stderr has more than one line: %q", tc.args, stderr)
		}
	}
}

// raftlab kv and raftlab status against 3 node processes: writes and
// reads through a follower, a missing key, a node that is down.
func TestKVAndStatusThroughFollower(t *testing.T) {
	c := newCluster(t, 3)
	leader := c.waitLeader(0, 1, 2)
	follower := (leader + 1) % 3
	nodes := "-nodes=" + c.http[follower]

	if _, stderr, code := raftlab(t, "kv", "put", "greeting", "hello", nodes); code != 0 {
		t.Fatalf("kv put through follower %d: exit %d: %s", follower, code, stderr)
	}
	if _, stderr, code := raftlab(t, "kv", "append", "greeting", " world", nodes); code != 0 {
		t.Fatalf("kv append through follower %d: exit %d: %s", follower, code, stderr)
	}
	stdout, stderr, code := raftlab(t, "kv", "get", "greeting", nodes)
	if code != 0 || stdout != "hello world\n" {
		t.Fatalf("kv get through follower %d: exit %d, stdout %q, stderr %q; want \"hello world\\n\"", follower, code, stdout, stderr)
	}
	// The leader serves the same value (the write went through the log).
	if v, status, err := c.get(leader, "greeting"); err != nil || status != 200 || v != "hello world" {
		t.Fatalf("GET at leader %d: %q %d %v; want \"hello world\" 200", leader, v, status, err)
	}
	if _, stderr, code := raftlab(t, "kv", "delete", "greeting", nodes); code != 0 {
		t.Fatalf("kv delete: exit %d: %s", code, stderr)
	}
	_, stderr, code = raftlab(t, "kv", "get", "greeting", nodes)
	if code != 1 || !strings.Contains(stderr, "404") || !strings.Contains(stderr, "no such key") {
		t.Fatalf("kv get of a deleted key: exit %d, stderr %q; want exit 1 and the 404's reason", code, stderr)
	}

	// A node that does not answer is skipped by kv and reported by status.
	c.procs[follower].kill()
	all := "-nodes=" + strings.Join(c.http, ",")
	order := "-nodes=" + c.http[follower] + "," + c.http[leader]
	if _, stderr, code := raftlab(t, "kv", "put", "k", "v", order); code != 0 {
		t.Fatalf("kv put with the first node down: exit %d: %s", code, stderr)
	}
	stdout, stderr, code = raftlab(t, "status", all)
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, stderr)
	}
	t.Logf("raftlab status with node %d down:\n%s", follower, stdout)
	table, config, _ := strings.Cut(strings.TrimSpace(stdout), "\n\n")
	lines := strings.Split(table, "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "LOG ENTRIES") {
		t.Fatalf("status: want a header and 3 rows, got:\n%s", stdout)
	}
	if want := fmt.Sprintf("(as node %d, the leader, sees it)", leader); !strings.Contains(config, want) || strings.Count(config, " voter ") != 3 {
		t.Errorf("status's configuration: want 3 voters %s, got:\n%s", want, config)
	}
	if got := lines[1+follower]; !strings.Contains(got, "unreachable") {
		t.Errorf("status row of the killed node %d: %q; want unreachable", follower, got)
	}
	if got := lines[1+leader]; !strings.Contains(got, " leader ") {
		t.Errorf("status row of leader %d: %q; want role leader", leader, got)
	}
}

// kill -9 of the leader during concurrent writes: every acknowledged write
// is readable afterwards, the cluster serves again within 2 s, and the
// killed node restarted on its dir catches up.
func TestKillLeaderDuringWrites(t *testing.T) {
	c := newCluster(t, 3)
	leader := c.waitLeader(0, 1, 2)
	survivors := others(3, leader)
	var survivorURLs []string
	for _, i := range survivors {
		survivorURLs = append(survivorURLs, c.http[i])
	}

	// Writers put distinct keys through the survivors (followers, which
	// forward to the leader); a write counts once it got a 2xx.
	const writers = 4
	ws := startWriters(writers, survivorURLs)
	ws.waitAcked(t, 100)

	c.procs[leader].kill()
	killed := time.Now()
	// Failover: from the kill to the first write, started after it, that
	// is acknowledged.
	var failover time.Duration
	for {
		if _, err := doKV(survivorURLs, http.MethodPut, "after-kill", "1"); err == nil {
			failover = time.Since(killed)
			break
		}
		if time.Since(killed) > 10*time.Second {
			t.Fatalf("no write acknowledged within 10 s of killing leader %d", leader)
		}
	}
	t.Logf("leader %d killed with kill -9: a write was acknowledged again after %v", leader, failover)
	if failover > 2*time.Second {
		t.Errorf("failover took %v; want at most 2 s", failover)
	}
	ws.waitAcked(t, 50) // writes through the new leader too
	acked := ws.end()
	c.checkAcked(survivors[0], acked)
	t.Logf("%d acknowledged writes from %d writers, all readable", len(acked), writers)

	// The killed node, restarted on its dir, catches up with the others.
	c.start(leader)
	c.waitApplied(leader, survivors[0])
	if v, status, err := c.get(leader, "after-kill"); err != nil || status != 200 || v != "1" {
		t.Fatalf("GET after-kill through restarted node %d: %q %d %v", leader, v, status, err)
	}
}

// A node stops on SIGTERM through Close, saying why, with exit status 0;
// one that cannot start says why in its last line and exits 1.
func TestNodeStopsAndFailsCleanly(t *testing.T) {
	c := newCluster(t, 1)
	c.waitLeader(0)
	p := c.procs[0]
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("node after SIGTERM: exit %d; stderr:\n%s", code, p.stderr)
	}
	for _, want := range []string{"node 0: stopping: terminated signal received", "node 0: stopped"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("node's stderr has no %q:\n%s", want, p.stderr)
		}
	}

	// Its HTTP port taken by another listener: Start fails.
	ln, err := net.Listen("tcp", strings.TrimPrefix(c.http[0], "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c.start(0)
	p = c.procs[0]
	if code := p.wait(t, 10*time.Second); code != 1 {
		t.Fatalf("node on a busy HTTP port: exit %d; want 1; stderr:\n%s", code, p.stderr)
	}
	lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "raftlab: node 0: HTTP listener:") || !strings.Contains(last, "address already in use") {
		t.Fatalf("node on a busy HTTP port: last line %q; want raftlab: node 0: HTTP listener: ... address already in use", last)
	}
}

// The cluster secret comes from -secret or $RAFTLAB_SECRET: node 0 has it
// from the environment, node 1 from the flag, node 2 a wrong one. Writes
// commit only if 0 and 1 talk, so only if the environment was read; node 2
// is refused.
func TestSecretFromFlagOrEnvironment(t *testing.T) {
	c := newClusterWith(t, 3,
		[][]string{nil, {"-secret", "s3cret"}, {"-secret", "wrong"}},
		[][]string{{"RAFTLAB_SECRET=s3cret"}})
	leader := c.waitLeader(0, 1)
	if _, err := doKV([]string{c.http[leader]}, http.MethodPut, "k", "v"); err != nil {
		t.Fatalf("put at leader %d with nodes 0 and 1 sharing the secret: %v", leader, err)
	}
	if v, status, err := c.get((leader+1)%2, "k"); err != nil || status != 200 || v != "v" {
		t.Fatalf("get at node %d: %q %d %v", (leader+1)%2, v, status, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(c.procs[0].stderr.String()+c.procs[1].stderr.String(), "secret") {
		if time.Now().After(deadline) {
			t.Fatalf("no log line about node 2's wrong secret at nodes 0 and 1 within 5 s:\n%s\n%s",
				c.procs[0].stderr, c.procs[1].stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
