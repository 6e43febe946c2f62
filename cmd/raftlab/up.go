package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"raftlab/cluster/node"
	"raftlab/cluster/ui"
)

// clusterFile, in up's -dir, records the cluster's members and ports so
// that a second up resumes the same cluster on the same addresses.
const clusterFile = "cluster.json"

// stopDeadline is how long up waits for its nodes after SIGTERM before it
// kills them.
const stopDeadline = 10 * time.Second

// readyWait bounds how long up waits for its nodes' HTTP APIs before it
// prints their addresses.
const readyWait = 5 * time.Second

// cluster is what clusterFile holds: the first members, those added
// since (up -add) and those removed (up -remove), never started again.
type cluster struct {
	Peers   []string       `json:"peers"` // the first members' peer (net/rpc) addresses, by id
	HTTP    []string       `json:"http"`  // their HTTP API addresses, by id
	Joined  []joinedMember `json:"joined,omitempty"`
	Removed []int          `json:"removed,omitempty"`
}

// joinedMember is a member added by up -add.
type joinedMember struct {
	ID   int    `json:"id"`
	Peer string `json:"peer"`
	HTTP string `json:"http"`
}

// member is one member of a cluster, first or joined.
type member struct {
	id         int
	peer, http string
	joined     bool
}

// members lists every member not removed, first ones first.
func (c cluster) members() []member {
	var ms []member
	for i := range c.Peers {
		ms = append(ms, member{id: i, peer: c.Peers[i], http: c.HTTP[i]})
	}
	for _, j := range c.Joined {
		ms = append(ms, member{id: j.ID, peer: j.Peer, http: j.HTTP, joined: true})
	}
	return slices.DeleteFunc(ms, func(m member) bool { return slices.Contains(c.Removed, m.id) })
}

// nextID is the id for a new member: above every id the cluster ever had.
func (c cluster) nextID() int {
	id := len(c.Peers)
	for _, j := range c.Joined {
		id = max(id, j.ID+1)
	}
	return id
}

// runUp starts (or resumes) a local cluster of node processes and stops
// them on SIGINT or SIGTERM; with -add it starts new members of the
// cluster in -dir, and with -remove it removes one.
func runUp(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	n := fs.Int("n", 3, "number of nodes (a new cluster only)")
	dir := fs.String("dir", "raftlab-data", "the cluster's directory: cluster.json and a data directory per node")
	basePort := fs.Int("base-port", 8000, "HTTP on ports P..P+n-1, peers on P+n..P+2n-1; 0 picks any free ports (a new cluster only)")
	add := fs.Int("add", 0, "start this many new members of the running cluster in -dir, each joining it (raftlab node -join), and run them until Ctrl-C")
	remove := fs.Int("remove", -1, "remove member `ID` from the running cluster in -dir (DELETE /members/ID), stop its process and exit")
	withUI := fs.Bool("ui", false, "serve the live cluster page (cluster/ui): roles, logs, messages, kill/restart/partition/heal buttons and a put/get box; turns on the nodes' fault control")
	uiAddr := fs.String("ui-addr", "127.0.0.1:0", "the page's `address` with -ui (loopback only; port 0 picks one)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftlab up [-n 3] [-dir DIR] [-base-port P] [-ui [-ui-addr 127.0.0.1:0]]\n       raftlab up -add K [-dir DIR]\n       raftlab up -remove ID [-dir DIR]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fs.NArg() > 0:
		return usageErr(stderr, "up", "unexpected argument %q", fs.Arg(0))
	case *n < 1 || *n > 99:
		return usageErr(stderr, "up", "-n %d: want 1 to 99 nodes", *n)
	case *basePort < 0 || *basePort+2**n-1 > 65535:
		return usageErr(stderr, "up", "-base-port %d: ports out of range", *basePort)
	case set["add"] && (*add < 1 || *add > 9):
		return usageErr(stderr, "up", "-add %d: want 1 to 9 new members", *add)
	case set["remove"] && (*remove < 0 || *remove > node.MaxMemberID):
		return usageErr(stderr, "up", "-remove %d: want a member id", *remove)
	case set["add"] && set["remove"]:
		return usageErr(stderr, "up", "-add and -remove together: one change at a time")
	case (set["add"] || set["remove"]) && (*withUI || set["ui-addr"]):
		return usageErr(stderr, "up", "-ui goes with the cluster up starts, not with -add or -remove")
	case set["ui-addr"] && !*withUI:
		return usageErr(stderr, "up", "-ui-addr without -ui")
	case (set["add"] || set["remove"]) && (set["n"] || set["base-port"]):
		return usageErr(stderr, "up", "-n and -base-port make a new cluster; -add and -remove change the one in -dir")
	}
	if set["remove"] {
		return upRemove(*dir, *remove, stdout, stderr)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("up: finding this executable: %w", err)
	}
	var c cluster
	var run []member
	if set["add"] {
		if c, err = loadCluster(*dir); err != nil {
			return err
		}
		if run, err = addMembers(*dir, &c, *add); err != nil {
			return err
		}
	} else {
		var resumed bool
		if c, resumed, err = loadOrCreate(*dir, *n, *basePort); err != nil {
			return err
		}
		run = c.members()
		if resumed {
			fmt.Fprintf(stdout, "resuming the %d-node cluster in %s (its %s; -n and -base-port apply to a new cluster only)\n",
				len(run), *dir, clusterFile)
		}
		if len(run) == 0 {
			return fmt.Errorf("up: every member of the cluster in %s was removed", *dir)
		}
	}

	var uiLn net.Listener
	if *withUI {
		// Listen before the nodes start: a bad -ui-addr stops up at once.
		if uiLn, err = ui.Listen(*uiAddr); err != nil {
			return usageErr(stderr, "up", "-ui-addr: %v", err)
		}
		defer uiLn.Close()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	t := &procTable{self: self, dir: *dir, stderr: stderr, run: run, procs: make([]*nodeProc, len(run)),
		exits: make(chan exitNote), quit: make(chan struct{})}
	for _, m := range run {
		args := []string{"node", "-id", strconv.Itoa(m.id)}
		if m.joined {
			args = append(args, "-join", "http://"+joinVia(c, m.id), "-addr", m.peer)
		} else {
			args = append(args, "-peers", strings.Join(c.Peers, ","))
		}
		args = append(args, "-http", m.http, "-dir", filepath.Join(*dir, strconv.Itoa(m.id)))
		if *withUI {
			// The page's partition and heal buttons need the nodes' fault
			// control; it is on in this mode only.
			args = append(args, "-faults", "{}")
		}
		t.args = append(t.args, args)
	}
	for i := range run {
		t.mu.Lock()
		err := t.start(i)
		t.mu.Unlock()
		if err != nil {
			t.stopAll()
			return err
		}
	}

	// The banner invites requests: print it once every node answers (or
	// after readyWait, in case one cannot start: its log says why).
	var httpAddrs []string
	for _, m := range run {
		httpAddrs = append(httpAddrs, m.http)
	}
	waitReady(httpAddrs, readyWait)
	if set["add"] {
		waitVoters(run, joinWait, stdout)
		fmt.Fprintf(stdout, "raftlab: %d new members of the cluster in %s\n", len(run), *dir)
	} else {
		fmt.Fprintf(stdout, "raftlab: %d nodes, data in %s\n", len(run), *dir)
	}
	var urls []string
	for _, m := range run {
		fmt.Fprintf(stdout, "  node %d: http://%s (peer %s)\n", m.id, m.http, m.peer)
	}
	for _, m := range c.members() {
		urls = append(urls, "http://"+m.http)
	}
	if !set["add"] {
		fmt.Fprintf(stdout, "try:\n  curl -X PUT -d hello %s/kv/greeting\n  curl %s/kv/greeting\n", urls[0], urls[len(urls)-1])
	}
	if strings.Join(urls, ",") != DefaultNodes {
		fmt.Fprintf(stdout, "  export RAFTLAB_NODES=%s   # for raftlab kv and raftlab status\n", strings.Join(urls, ","))
	}
	var uiSrv *http.Server
	uiDone := make(chan struct{})
	if *withUI {
		var nodes []ui.Node
		for _, m := range run {
			nodes = append(nodes, ui.Node{ID: m.id, URL: "http://" + m.http})
		}
		uiSrv = ui.New(uiLn.Addr().String(), nodes, t).HTTPServer()
		go func() {
			defer close(uiDone)
			if err := uiSrv.Serve(uiLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				fmt.Fprintf(stderr, "up: the page's server stopped: %v\n", err)
			}
		}()
		fmt.Fprintf(stdout, "ui: http://%s/\n", uiLn.Addr())
	} else {
		close(uiDone)
	}
	if set["add"] {
		fmt.Fprintln(stdout, "Ctrl-C stops these nodes (they stay members; raftlab up -remove ID removes one); their data stays in", *dir)
	} else {
		fmt.Fprintln(stdout, "Ctrl-C stops the cluster; its data stays in", *dir)
	}

	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(stderr, "up: stopping: %v\n", context.Cause(ctx))
			if uiSrv != nil {
				uiSrv.Close()
			}
			<-uiDone
			t.stopAll()
			removePids(*dir, run)
			return nil
		case e := <-t.exits:
			id := run[e.i].id
			removePid(*dir, id, e.p.cmd.Process.Pid)
			removed := false
			if now, lerr := loadCluster(*dir); lerr == nil && slices.Contains(now.Removed, id) {
				removed = true
				fmt.Fprintf(stderr, "up: node %d was removed from the cluster (up -remove) and has stopped\n", id)
			}
			live := t.live()
			if live == 0 && !*withUI {
				if removed {
					return nil
				}
				return fmt.Errorf("up: every node has exited, node %d last (%v)", id, e.p.err)
			}
			if !removed {
				// A crashed member is what Raft tolerates: the others keep
				// serving, and the operator restarts it when they choose.
				how := shellJoin(e.p.cmd.Args)
				if *withUI {
					how += " (or the page's restart button)"
				}
				fmt.Fprintf(stderr, "up: node %d exited (%v); the others keep running; to restart it: %s\n", id, e.p.err, how)
			}
			if live == 0 {
				fmt.Fprintln(stderr, "up: every node is down; restart them from the page, or Ctrl-C to stop up")
			}
		}
	}
}

// procTable is up's node processes: each started, restarted (the page's
// restart button), killed (its kill button) and stopped through it. It is
// the page's ui.Processes.
type procTable struct {
	self, dir string
	stderr    io.Writer
	logMu     sync.Mutex // one log line at a time on stderr
	copying   sync.WaitGroup
	exits     chan exitNote // a process has exited; unread once quit is closed
	quit      chan struct{} // closed by stopAll

	mu       sync.Mutex
	run      []member
	args     [][]string  // each node's command line
	procs    []*nodeProc // nil until started
	stopping bool        // stopAll has begun: nothing starts again
}

// nodeProc is one run of a node's process.
type nodeProc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once Wait has returned
	err  error         // Wait's result, once done is closed
}

func (p *nodeProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

type exitNote struct {
	i int
	p *nodeProc
}

// start starts node i's process, copying its log lines to stderr with a
// prefix. Caller holds t.mu.
func (t *procTable) start(i int) error {
	id := t.run[i].id
	cmd := exec.Command(t.self, t.args[i]...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	// Ctrl-C in a terminal signals the whole foreground group; up
	// stops its nodes itself, in order, so they get their own group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("up: starting node %d: %w", id, err)
	}
	p := &nodeProc{cmd: cmd, done: make(chan struct{})}
	t.procs[i] = p
	writePid(t.dir, id, cmd.Process.Pid)
	prefix := fmt.Sprintf("[%d] ", id)
	t.copying.Add(1)
	go func() {
		defer t.copying.Done()
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			t.logMu.Lock()
			fmt.Fprintf(t.stderr, "%s%s\n", prefix, sc.Text())
			t.logMu.Unlock()
		}
		p.err = cmd.Wait()
		close(p.done)
		select {
		case t.exits <- exitNote{i, p}:
		case <-t.quit:
		}
	}()
	return nil
}

// index is the slot of member id. Caller holds t.mu.
func (t *procTable) index(id int) (int, error) {
	i := slices.IndexFunc(t.run, func(m member) bool { return m.id == id })
	if i < 0 {
		return -1, fmt.Errorf("node %d is not one this up runs", id)
	}
	return i, nil
}

// Kill ends node id's process with SIGKILL.
func (t *procTable) Kill(id int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, err := t.index(id)
	if err != nil {
		return err
	}
	if p := t.procs[i]; p == nil || !p.running() {
		return fmt.Errorf("node %d is not running", id)
	}
	if err := t.procs[i].cmd.Process.Kill(); err != nil {
		return fmt.Errorf("node %d: %v", id, err)
	}
	return nil
}

// Restart starts node id's command again, once its process has exited.
func (t *procTable) Restart(id int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, err := t.index(id)
	switch {
	case err != nil:
		return err
	case t.stopping:
		return errors.New("up is stopping")
	case t.procs[i] != nil && t.procs[i].running():
		return fmt.Errorf("node %d is running (kill it first)", id)
	}
	fmt.Fprintf(t.stderr, "up: restarting node %d: %s\n", id, shellJoin(append([]string{t.self}, t.args[i]...)))
	return t.start(i)
}

// live counts the processes running.
func (t *procTable) live() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, p := range t.procs {
		if p != nil && p.running() {
			n++
		}
	}
	return n
}

// stopAll sends every running node SIGTERM, kills those still running
// after stopDeadline, and waits for their log lines.
func (t *procTable) stopAll() {
	t.mu.Lock()
	t.stopping = true
	procs := slices.Clone(t.procs)
	t.mu.Unlock()
	close(t.quit)
	for _, p := range procs {
		if p != nil {
			p.cmd.Process.Signal(syscall.SIGTERM) // an error means it has exited already
		}
	}
	deadline := time.After(stopDeadline)
	for i, p := range procs {
		if p == nil {
			continue
		}
		select {
		case <-p.done:
		case <-deadline:
			fmt.Fprintf(t.stderr, "up: node %d did not stop within %v: killing it\n", t.run[i].id, stopDeadline)
			p.cmd.Process.Kill()
			<-p.done
		}
	}
	t.copying.Wait()
}

// joinVia is the HTTP address a joined member joins through: the first
// other member.
func joinVia(c cluster, id int) string {
	for _, m := range c.members() {
		if m.id != id {
			return m.http
		}
	}
	return c.HTTP[0]
}

// joinWait bounds how long up -add waits for its new members to become
// voters before it prints their addresses anyway (their logs say why).
const joinWait = 60 * time.Second

// waitVoters waits up to d for each new member's /status to show it a
// voter of a committed configuration, and says so.
func waitVoters(ms []member, d time.Duration, stdout io.Writer) {
	deadline := time.Now().Add(d)
	for _, m := range ms {
		for {
			st, err := fetchStatus("http://" + m.http)
			if err == nil && st.ConfigCommitted && slices.ContainsFunc(st.Members, func(x node.Member) bool { return x.ID == m.id && !x.Learner }) {
				fmt.Fprintf(stdout, "node %d is a voter: configuration %s at index %d\n", m.id, configLine(st.Members), st.ConfigIndex)
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(stdout, "node %d is not a voter after %v (its log says why)\n", m.id, d)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// addMembers chooses ids and ports for k new members of c, records them
// in dir's clusterFile, and returns them.
func addMembers(dir string, c *cluster, k int) ([]member, error) {
	top := 0
	for _, a := range append(append(slices.Clone(c.HTTP), c.Peers...), joinedAddrs(c.Joined)...) {
		if _, p, err := net.SplitHostPort(a); err == nil {
			if n, err := strconv.Atoi(p); err == nil {
				top = max(top, n)
			}
		}
	}
	// The ports after the cluster's highest, HTTP then peer for each new
	// member, skipping any that are taken.
	next := func() (string, error) {
		for top < 65535 {
			top++
			a := net.JoinHostPort("127.0.0.1", strconv.Itoa(top))
			if l, err := net.Listen("tcp", a); err == nil {
				l.Close()
				return a, nil
			}
		}
		return "", errors.New("up: no free port left above the cluster's")
	}
	var ms []member
	for range k {
		h, err := next()
		if err != nil {
			return nil, err
		}
		p, err := next()
		if err != nil {
			return nil, err
		}
		j := joinedMember{ID: c.nextID(), Peer: p, HTTP: h}
		c.Joined = append(c.Joined, j)
		ms = append(ms, member{id: j.ID, peer: j.Peer, http: j.HTTP, joined: true})
	}
	return ms, saveCluster(dir, *c)
}

func joinedAddrs(js []joinedMember) []string {
	var out []string
	for _, j := range js {
		out = append(out, j.HTTP, j.Peer)
	}
	return out
}

// removeTimeout bounds up -remove's DELETE through each member: the
// member gives up at node.MemberChangeTimeout.
const removeTimeout = node.MemberChangeTimeout + 5*time.Second

// upRemove removes member id from the cluster in dir, records it, and
// stops the member's process if an up of this dir runs it.
func upRemove(dir string, id int, stdout, stderr io.Writer) error {
	c, err := loadCluster(dir)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(c.members(), func(m member) bool { return m.id == id }) {
		return fmt.Errorf("up: %d is not a member of the cluster in %s (members: %v)", id, dir, memberIDs(c.members()))
	}
	// Ask the others first: the member being removed may be down.
	var urls []string
	for _, m := range c.members() {
		if m.id != id {
			urls = append(urls, "http://"+m.http)
		}
	}
	for _, m := range c.members() {
		if m.id == id {
			urls = append(urls, "http://"+m.http)
		}
	}
	view, err := removeMember(urls, id)
	if err != nil {
		return err
	}
	c.Removed = append(c.Removed, id)
	if err := saveCluster(dir, c); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "member %d removed: configuration %s at index %d\n", id, configLine(view.Members), view.Index)
	if pid, ok := readPid(dir, id); ok {
		if err := syscall.Kill(pid, syscall.SIGTERM); err == nil {
			fmt.Fprintf(stdout, "stopped its process (pid %d); its data stays in %s\n", pid, filepath.Join(dir, strconv.Itoa(id)))
		}
	}
	return nil
}

func memberIDs(ms []member) []int {
	var ids []int
	for _, m := range ms {
		ids = append(ids, m.id)
	}
	return ids
}

// Pid files: up records each node process it runs in dir, so that up
// -remove can stop a removed member's process.
func pidFile(dir string, id int) string { return filepath.Join(dir, fmt.Sprintf("node-%d.pid", id)) }

func writePid(dir string, id, pid int) {
	os.WriteFile(pidFile(dir, id), []byte(strconv.Itoa(pid)+"\n"), 0o644) // best effort: only -remove's stop uses it
}

// readPid returns the pid in id's pid file if that process is still a
// raftlab node on id's data directory (a pid file outlives a kill -9 of
// up, and pids are reused).
func readPid(dir string, id int) (int, bool) {
	b, err := os.ReadFile(pidFile(dir, id))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	args := strings.Split(string(cmdline), "\x00")
	if err != nil || len(args) < 2 || args[1] != "node" || !slices.Contains(args, filepath.Join(dir, strconv.Itoa(id))) {
		return 0, false
	}
	return pid, true
}

func removePid(dir string, id, pid int) {
	if b, err := os.ReadFile(pidFile(dir, id)); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(pid) {
		os.Remove(pidFile(dir, id))
	}
}

func removePids(dir string, ms []member) {
	for _, m := range ms {
		os.Remove(pidFile(dir, m.id))
	}
}

// shellJoin quotes args for a POSIX shell where they need it.
func shellJoin(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:,=") == "" {
			b.WriteString(a)
		} else {
			b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
		}
	}
	return b.String()
}

// waitReady waits up to d for every address in httpAddrs to answer
// /status.
func waitReady(httpAddrs []string, d time.Duration) {
	deadline := time.Now().Add(d)
	for _, a := range httpAddrs {
		for time.Now().Before(deadline) {
			if _, err := fetchStatus("http://" + a); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// loadOrCreate reads dir's clusterFile, or chooses ports for a new cluster
// of n nodes and writes them there.
func loadOrCreate(dir string, n, basePort int) (cluster, bool, error) {
	c, err := loadCluster(dir)
	if err == nil {
		return c, true, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return c, false, err
	}
	if basePort == 0 {
		ports, err := freePorts(2 * n)
		if err != nil {
			return c, false, fmt.Errorf("up: choosing ports: %w", err)
		}
		for i := range n {
			c.HTTP = append(c.HTTP, net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[i])))
			c.Peers = append(c.Peers, net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[n+i])))
		}
	} else {
		for i := range n {
			c.HTTP = append(c.HTTP, net.JoinHostPort("127.0.0.1", strconv.Itoa(basePort+i)))
			c.Peers = append(c.Peers, net.JoinHostPort("127.0.0.1", strconv.Itoa(basePort+n+i)))
		}
		for _, a := range append(append([]string{}, c.HTTP...), c.Peers...) {
			l, err := net.Listen("tcp", a)
			if err != nil {
				return c, false, fmt.Errorf("up: %s is taken (choose another -base-port, or 0 for any free ports): %v", a, err)
			}
			l.Close()
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, false, fmt.Errorf("up: %v", err)
	}
	return c, false, saveCluster(dir, c)
}

// loadCluster reads dir's clusterFile; an error wraps os.ErrNotExist if
// there is none.
func loadCluster(dir string) (cluster, error) {
	path := filepath.Join(dir, clusterFile)
	var c cluster
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, fmt.Errorf("up: no cluster in %s (no %s: raftlab up -dir %s starts one): %w", dir, clusterFile, dir, err)
	}
	if err != nil {
		return c, fmt.Errorf("up: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("up: %s: %v (remove it to start a new cluster)", path, err)
	}
	if len(c.Peers) == 0 || len(c.Peers) != len(c.HTTP) {
		return c, fmt.Errorf("up: %s: %d peers and %d HTTP addresses (remove it to start a new cluster)", path, len(c.Peers), len(c.HTTP))
	}
	ids := map[int]bool{}
	for i := range c.Peers {
		ids[i] = true
	}
	for _, j := range c.Joined {
		if ids[j.ID] || j.ID < 0 || j.ID > node.MaxMemberID || j.Peer == "" || j.HTTP == "" {
			return c, fmt.Errorf("up: %s: a joined member %+v with a bad or repeated id or an empty address (remove it to start a new cluster)", path, j)
		}
		ids[j.ID] = true
	}
	return c, nil
}

// saveCluster writes c to dir's clusterFile, atomically.
func saveCluster(dir string, c cluster) error {
	b, _ := json.MarshalIndent(c, "", "  ")
	path := filepath.Join(dir, clusterFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("up: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("up: %v", err)
	}
	return nil
}

// freePorts asks the kernel for k distinct free loopback ports. They are
// free when chosen; a port another process takes before the node binds it
// makes that node fail to start with a clear error.
func freePorts(k int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range k {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
