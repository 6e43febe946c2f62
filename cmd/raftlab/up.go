package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
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

// cluster is what clusterFile holds.
type cluster struct {
	Peers []string `json:"peers"` // peer (net/rpc) addresses, by id
	HTTP  []string `json:"http"`  // HTTP API addresses, by id
}

// runUp starts (or resumes) a local cluster of node processes and stops
// them on SIGINT or SIGTERM.
func runUp(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	n := fs.Int("n", 3, "number of nodes (a new cluster only)")
	dir := fs.String("dir", "raftlab-data", "the cluster's directory: cluster.json and a data directory per node")
	basePort := fs.Int("base-port", 8000, "HTTP on ports P..P+n-1, peers on P+n..P+2n-1; 0 picks any free ports (a new cluster only)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftlab up [-n 3] [-dir DIR] [-base-port P]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "up", "unexpected argument %q", fs.Arg(0))
	}
	if *n < 1 || *n > 99 {
		return usageErr(stderr, "up", "-n %d: want 1 to 99 nodes", *n)
	}
	if *basePort < 0 || *basePort+2**n-1 > 65535 {
		return usageErr(stderr, "up", "-base-port %d: ports out of range", *basePort)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("up: finding this executable: %w", err)
	}
	c, resumed, err := loadOrCreate(*dir, *n, *basePort)
	if err != nil {
		return err
	}
	if resumed {
		fmt.Fprintf(stdout, "resuming the %d-node cluster in %s (its %s; -n and -base-port apply to a new cluster only)\n",
			len(c.Peers), *dir, clusterFile)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var logMu sync.Mutex // one log line at a time on stderr
	procs := make([]*exec.Cmd, len(c.Peers))
	exited := make([]chan error, len(c.Peers))
	var copying sync.WaitGroup
	stopAll := func() {
		for _, p := range procs {
			if p != nil {
				p.Process.Signal(syscall.SIGTERM) // an error means it has exited already
			}
		}
		deadline := time.After(stopDeadline)
		for i, p := range procs {
			if p == nil {
				continue
			}
			select {
			case <-exited[i]:
			case <-deadline:
				fmt.Fprintf(stderr, "up: node %d did not stop within %v: killing it\n", i, stopDeadline)
				p.Process.Kill()
				<-exited[i]
			}
		}
		copying.Wait()
	}
	anyExit := make(chan int, len(c.Peers))
	for i := range c.Peers {
		cmd := exec.Command(self, "node", "-id", strconv.Itoa(i), "-peers", strings.Join(c.Peers, ","),
			"-http", c.HTTP[i], "-dir", filepath.Join(*dir, strconv.Itoa(i)))
		pipe, err := cmd.StderrPipe()
		if err != nil {
			stopAll()
			return err
		}
		// Ctrl-C in a terminal signals the whole foreground group; up
		// stops its nodes itself, in order, so they get their own group.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			stopAll()
			return fmt.Errorf("up: starting node %d: %w", i, err)
		}
		procs[i] = cmd
		exited[i] = make(chan error, 1)
		prefix := fmt.Sprintf("[%d] ", i)
		copying.Add(1)
		go func() {
			defer copying.Done()
			sc := bufio.NewScanner(pipe)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				logMu.Lock()
				fmt.Fprintf(stderr, "%s%s\n", prefix, sc.Text())
				logMu.Unlock()
			}
			exited[i] <- cmd.Wait()
			anyExit <- i
		}()
	}

	// The banner invites requests: print it once every node answers (or
	// after readyWait, in case one cannot start: its log says why).
	waitReady(c.HTTP, readyWait)
	fmt.Fprintf(stdout, "raftlab: %d nodes, data in %s\n", len(c.Peers), *dir)
	var urls []string
	for i, h := range c.HTTP {
		u := "http://" + h
		urls = append(urls, u)
		fmt.Fprintf(stdout, "  node %d: %s (peer %s)\n", i, u, c.Peers[i])
	}
	fmt.Fprintf(stdout, "try:\n  curl -X PUT -d hello %s/kv/greeting\n  curl %s/kv/greeting\n", urls[0], urls[len(urls)-1])
	if strings.Join(urls, ",") != DefaultNodes {
		fmt.Fprintf(stdout, "  export RAFTLAB_NODES=%s   # for raftlab kv and raftlab status\n", strings.Join(urls, ","))
	}
	fmt.Fprintln(stdout, "Ctrl-C stops the cluster; its data stays in", *dir)

	live := len(procs)
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(stderr, "up: stopping the cluster: %v\n", context.Cause(ctx))
			stopAll()
			return nil
		case i := <-anyExit:
			// The copier ran Wait; keep its result for stopAll.
			err := <-exited[i]
			exited[i] <- err
			live--
			if live == 0 {
				return fmt.Errorf("up: every node has exited, node %d last (%v)", i, err)
			}
			// A crashed member is what Raft tolerates: the others keep
			// serving, and the operator restarts it when they choose.
			fmt.Fprintf(stderr, "up: node %d exited (%v); the others keep running; to restart it: %s\n",
				i, err, shellJoin(procs[i].Args))
		}
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
	path := filepath.Join(dir, clusterFile)
	var c cluster
	b, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(b, &c); err != nil {
			return c, false, fmt.Errorf("up: %s: %v (remove it to start a new cluster)", path, err)
		}
		if len(c.Peers) == 0 || len(c.Peers) != len(c.HTTP) {
			return c, false, fmt.Errorf("up: %s: %d peers and %d HTTP addresses (remove it to start a new cluster)", path, len(c.Peers), len(c.HTTP))
		}
		return c, true, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return c, false, fmt.Errorf("up: %v", err)
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
	b, _ = json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return c, false, fmt.Errorf("up: %v", err)
	}
	return c, false, nil
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
