package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// upURLs waits up to 10 s for up's banner and returns the nodes' URLs.
func upURLs(t *testing.T, p *proc, n int) []string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^  node (\d+): (http://\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindAllStringSubmatch(p.stdout.String(), -1); len(m) == n && strings.Contains(p.stdout.String(), "Ctrl-C") {
			var urls []string
			for _, s := range m {
				urls = append(urls, s[2])
			}
			return urls
		}
		if time.Now().After(deadline) {
			t.Fatalf("up printed no %d node URLs within 10 s; stdout:\n%s\nstderr:\n%s", n, p.stdout, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killStrays kill -9s any process whose command line mentions dir: the
// nodes of an up that a failed test could not stop.
func killStrays(t *testing.T, dir string) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), dir) && strings.Contains(string(b), bin) {
			t.Logf("killing stray process %d: %q", pid, strings.ReplaceAll(string(b), "\x00", " "))
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// findNode returns the pid of the node with this id that an up in dir
// started.
func findNode(t *testing.T, dir string, id int) int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if args := strings.Split(string(b), "\x00"); len(args) > 3 && args[0] == bin && args[1] == "node" &&
			args[3] == strconv.Itoa(id) && strings.Contains(string(b), dir) {
			return pid
		}
	}
	t.Fatalf("no process of node %d of the cluster in %s", id, dir)
	return 0
}

// waitFor waits up to 10 s for out to contain want.
func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within 10 s in:\n%s", want, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// up starts 3 node processes, streams their logs with a prefix, keeps
// the others running when one is killed, stops them all on SIGINT keeping the data, and a second up resumes the same
// cluster on the same addresses.
func TestUpStopsAndResumes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	t.Cleanup(func() { killStrays(t, dir) })

	up := start(t, "up", "up", "-n", "3", "-dir", dir, "-base-port", "0")
	urls := upURLs(t, up, 3)
	nodes := "-nodes=" + strings.Join(urls, ",")
	if _, stderr, code := raftlab(t, "kv", "put", "greeting", "hello", nodes); code != 0 {
		t.Fatalf("kv put: exit %d: %s", code, stderr)
	}
	// A node killed with kill -9 is reported with the command that
	// restarts it; the others keep serving.
	victim := findNode(t, dir, 0)
	syscall.Kill(victim, syscall.SIGKILL)
	waitFor(t, up.stderr, "up: node 0 exited (signal: killed); the others keep running; to restart it: "+bin+" node -id 0")
	if _, stderr, code := raftlab(t, "kv", "put", "after", "kill", nodes); code != 0 {
		t.Fatalf("kv put with node 0 killed: exit %d: %s", code, stderr)
	}
	up.cmd.Process.Signal(os.Interrupt)
	if code := up.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("up after SIGINT: exit %d; stderr:\n%s", code, up.stderr)
	}
	for i := 1; i < 3; i++ {
		want := "[" + strconv.Itoa(i) + "] "
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `.*node \d: stopped$`).MatchString(up.stderr.String()) {
			t.Errorf("up's stderr has no line %q...node %d: stopped; stderr:\n%s", want, i, up.stderr)
		}
	}
	for _, u := range urls {
		if _, err := fetchStatus(u); err == nil {
			t.Fatalf("%s still answers after up stopped", u)
		}
	}

	up2 := start(t, "second up", "up", "-dir", dir)
	urls2 := upURLs(t, up2, 3)
	if !strings.Contains(up2.stdout.String(), "resuming the 3-node cluster") {
		t.Errorf("second up does not say it resumes; stdout:\n%s", up2.stdout)
	}
	if strings.Join(urls2, ",") != strings.Join(urls, ",") {
		t.Fatalf("second up serves %v; the first served %v", urls2, urls)
	}
	stdout, stderr, code := raftlab(t, "kv", "get", "greeting", nodes)
	if code != 0 || stdout != "hello\n" {
		t.Fatalf("kv get after resuming: exit %d, stdout %q, stderr %q; want \"hello\\n\"", code, stdout, stderr)
	}
	stdout, stderr, code = raftlab(t, "kv", "get", "after", "-nodes="+urls[0])
	if code != 0 || stdout != "kill\n" {
		t.Fatalf("kv get after resuming: exit %d, stdout %q, stderr %q; want \"hello\\n\"", code, stdout, stderr)
	}
	up2.cmd.Process.Signal(syscall.SIGTERM)
	if code := up2.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("second up after SIGTERM: exit %d; stderr:\n%s", code, up2.stderr)
	}
}

// upStatus runs raftlab status and returns its output.
func upStatus(t *testing.T, nodes string) string {
	t.Helper()
	stdout, stderr, code := raftlab(t, "status", nodes)
	if code != 0 {
		t.Fatalf("raftlab status: exit %d: %s", code, stderr)
	}
	return stdout
}

// waitStatus waits up to 10 s for raftlab status to print want.
func waitStatus(t *testing.T, nodes, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := upStatus(t, nodes)
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("raftlab status never printed %q; last:\n%s", want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// statusLeader returns the member id raftlab status's configuration
// section names as the leader.
func statusLeader(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`as node (\d+), the leader, sees it`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("raftlab status names no leader:\n%s", out)
	}
	id, _ := strconv.Atoi(m[1])
	return id
}

// A running 3-node up grows to 5 with up -add 2 (real processes that join
// through -join), and shrinks back to 3 with up -remove: the leader first,
// then another; removed members' processes stop, the data stays readable,
// and a resumed up starts only the members left.
func TestUpAddAndRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	t.Cleanup(func() { killStrays(t, dir) })
	up := start(t, "up", "up", "-n", "3", "-dir", dir, "-base-port", "0")
	urls := upURLs(t, up, 3)
	if _, stderr, code := raftlab(t, "kv", "put", "greeting", "hello", "-nodes="+strings.Join(urls, ",")); code != 0 {
		t.Fatalf("kv put: exit %d: %s", code, stderr)
	}

	add := start(t, "up -add", "up", "-add", "2", "-dir", dir)
	added := upURLs(t, add, 2)
	for _, id := range []string{"3", "4"} {
		if !strings.Contains(add.stdout.String(), "node "+id+" is a voter") {
			t.Errorf("up -add does not say node %s is a voter; stdout:\n%s", id, add.stdout)
		}
	}
	all := append(slices.Clone(urls), added...)
	nodes := "-nodes=" + strings.Join(all, ",")
	out := waitStatus(t, nodes, "committed (as node")
	for _, id := range []string{"0", "1", "2", "3", "4"} {
		if !regexp.MustCompile(`(?m)^` + id + ` +127\.0\.0\.1:\d+ +voter`).MatchString(out) {
			t.Errorf("raftlab status shows no voter %s:\n%s", id, out)
		}
	}
	if stdout, stderr, code := raftlab(t, "kv", "get", "greeting", "-nodes="+added[1]); code != 0 || stdout != "hello\n" {
		t.Fatalf("kv get through the new node 4: exit %d, %q, %s", code, stdout, stderr)
	}

	leader := statusLeader(t, out)
	stdout, stderr, code := raftlab(t, "up", "-remove", strconv.Itoa(leader), "-dir", dir)
	if code != 0 || !strings.Contains(stdout, "member "+strconv.Itoa(leader)+" removed") || !strings.Contains(stdout, "stopped its process") {
		t.Fatalf("up -remove %d (the leader): exit %d, stdout %q, stderr %q", leader, code, stdout, stderr)
	}
	owner := up
	if leader >= 3 {
		owner = add
	}
	waitFor(t, owner.stderr, fmt.Sprintf("up: node %d was removed from the cluster (up -remove) and has stopped", leader))
	second := 1
	if leader == 1 {
		second = 0
	}
	if stdout, stderr, code := raftlab(t, "up", "-remove", strconv.Itoa(second), "-dir", dir); code != 0 {
		t.Fatalf("up -remove %d: exit %d, stdout %q, stderr %q", second, code, stdout, stderr)
	}
	out = waitStatus(t, nodes, "committed (as node")
	if n := len(regexp.MustCompile(`(?m)^\d+ +127\.0\.0\.1:\d+ +voter`).FindAllString(out, -1)); n != 3 {
		t.Errorf("raftlab status after two removals shows %d voters, want 3:\n%s", n, out)
	}
	if stdout, stderr, code := raftlab(t, "kv", "get", "greeting", nodes); code != 0 || stdout != "hello\n" {
		t.Fatalf("kv get after the removals: exit %d, %q, %s", code, stdout, stderr)
	}
	// raftlab remove of an id that is no member: done, nothing changes.
	if stdout, stderr, code := raftlab(t, "remove", "99", nodes); code != 0 || !strings.Contains(stdout, "member 99 removed") {
		t.Errorf("raftlab remove 99: exit %d, %q, %q", code, stdout, stderr)
	}
	if _, stderr, code := raftlab(t, "up", "-remove", strconv.Itoa(second), "-dir", dir); code != 1 || !strings.Contains(stderr, "not a member") {
		t.Errorf("up -remove of a removed member: exit %d, %q; want 1 and \"not a member\"", code, stderr)
	}

	for name, p := range map[string]*proc{"up": up, "up -add": add} {
		p.cmd.Process.Signal(os.Interrupt)
		if code := p.wait(t, 15*time.Second); code != 0 {
			t.Fatalf("%s after SIGINT: exit %d; stderr:\n%s", name, code, p.stderr)
		}
	}
	up2 := start(t, "resumed up", "up", "-dir", dir)
	upURLs(t, up2, 3)
	if !strings.Contains(up2.stdout.String(), "resuming the 3-node cluster") {
		t.Errorf("resumed up: stdout\n%s", up2.stdout)
	}
	if stdout, stderr, code := raftlab(t, "kv", "get", "greeting", nodes); code != 0 || stdout != "hello\n" {
		t.Fatalf("kv get after resuming: exit %d, %q, %s", code, stdout, stderr)
	}
	up2.cmd.Process.Signal(syscall.SIGTERM)
	if code := up2.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("resumed up after SIGTERM: exit %d; stderr:\n%s", code, up2.stderr)
	}
}
