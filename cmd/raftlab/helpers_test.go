package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"raftlab/cluster/node"
)

// bin is the raftlab binary, built once by TestMain.
var bin string

// buildRace says to build bin with -race (set under go test -race).
var buildRace bool

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "raftlab-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "raftlab")
	args := []string{"build", "-o", bin}
	if buildRace {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building raftlab: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a raftlab process started by a test.
type proc struct {
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{} // closed once Wait has returned
	err    error         // Wait's result, once done is closed
}

// start starts bin with args; t.Cleanup kills it (if it still runs) and
// logs its stderr if the test failed.
func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return startEnv(t, name, nil, args...)
}

// startEnv is start with env added to the process's environment.
func startEnv(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.Env = append(childEnv(), env...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if strings.Contains(p.stderr.String(), "DATA RACE") {
			t.Errorf("%s reported a data race", name)
		}
		if t.Failed() {
			t.Logf("%s's stderr:\n%s", name, p.stderr.String())
		}
	})
	return p
}

// kill is kill -9, then waits for the process to be gone.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// wait waits up to d for the process to exit and returns its exit status.
func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("process %v still running after %v", p.cmd.Args, d)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("process %v: %v", p.cmd.Args, p.err)
	}
	return 0
}

// raftlab runs bin with args to completion (20 s at most) and returns its
// stdout, stderr and exit status.
func raftlab(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return raftlabWithin(t, 20*time.Second, args...)
}

// raftlabWithin is raftlab with a limit of its own: past it the process
// gets SIGTERM (a command passes it on to its children, as grade does to
// the runner), SIGKILL 15 s later, and the test fails.
func raftlabWithin(t *testing.T, limit time.Duration, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = childEnv()
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("raftlab %v: still running after %v\nstdout:\n%s\nstderr:\n%s", args, limit, &stdout, &stderr)
	case errors.As(err, &ee):
		return stdout.String(), stderr.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("raftlab %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), 0
}

// childEnv is the environment of a process the tests start: without
// RAFTLAB_NODES and RAFTLAB_SECRET from the caller's, and, for a binary
// built with -race, without the race runtime's 1 s sleep at exit (a race
// still fails the test: exit status 66, or DATA RACE on a node's stderr).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RAFTLAB_") && !strings.HasPrefix(kv, "GORACE=") {
			env = append(env, kv)
		}
	}
	return append(env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
}

// testCluster is n raftlab node processes on loopback in temp dirs.
type testCluster struct {
	t     *testing.T
	peers []string
	http  []string // URLs
	dirs  []string
	procs []*proc
	extra [][]string // more arguments for each node's command line
	env   [][]string // more environment for each node
}

func newCluster(t *testing.T, n int) *testCluster {
	t.Helper()
	return newClusterWith(t, n, nil, nil)
}

// newClusterWith is newCluster with more arguments and environment for
// each node (extra[i], env[i]; either may be shorter than n).
func newClusterWith(t *testing.T, n int, extra, env [][]string) *testCluster {
	t.Helper()
	ports, err := freePorts(2 * n)
	if err != nil {
		t.Fatal(err)
	}
	c := &testCluster{t: t, procs: make([]*proc, n), extra: extra, env: env}
	root := t.TempDir()
	for i := range n {
		c.http = append(c.http, "http://127.0.0.1:"+strconv.Itoa(ports[i]))
		c.peers = append(c.peers, "127.0.0.1:"+strconv.Itoa(ports[n+i]))
		c.dirs = append(c.dirs, filepath.Join(root, strconv.Itoa(i)))
	}
	for i := range n {
		c.start(i)
	}
	return c
}

// start starts node i on its ports and dir (again, after a kill).
func (c *testCluster) start(i int) {
	c.t.Helper()
	args := []string{"node", "-id", strconv.Itoa(i),
		"-peers", strings.Join(c.peers, ","), "-http", strings.TrimPrefix(c.http[i], "http://"), "-dir", c.dirs[i]}
	var env []string
	if i < len(c.extra) {
		args = append(args, c.extra[i]...)
	}
	if i < len(c.env) {
		env = c.env[i]
	}
	c.procs[i] = startEnv(c.t, fmt.Sprintf("node %d", i), env, args...)
}

// status asks node i for its /status.
func (c *testCluster) status(i int) (node.Status, error) {
	return fetchStatus(c.http[i])
}

// waitLeader waits up to 10 s for one of the nodes in live to report
// itself leader, and returns its id.
func (c *testCluster) waitLeader(live ...int) int {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last []string
	for time.Now().Before(deadline) {
		last = last[:0]
		for _, i := range live {
			st, err := c.status(i)
			if err == nil && st.Role == "leader" {
				return i
			}
			last = append(last, fmt.Sprintf("node %d: %+v %v", i, st, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("no leader among nodes %v within 10 s; last seen: %v", live, last)
	return -1
}

// get reads key through node i's HTTP API.
func (c *testCluster) get(i int, key string) (string, int, error) {
	client := &http.Client{Timeout: attemptTimeout}
	resp, err := client.Get(c.http[i] + "/kv/" + key)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return b.String(), resp.StatusCode, nil
}

// others is every id in 0..n-1 but skip.
func others(n, skip int) []int {
	var ids []int
	for i := range n {
		if i != skip {
			ids = append(ids, i)
		}
	}
	return ids
}
