package main

import (
	"os"
	"path/filepath"
	"regexp"
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
