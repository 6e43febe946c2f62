package torture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"raftlab/cluster/disk"
	"raftlab/cluster/node"
)

// stopWait is how long the end of a run waits for a member to stop after
// SIGTERM before it kills it.
const stopWait = 10 * time.Second

// controlTimeout bounds each request the run makes to a member's /faults
// or /status.
const controlTimeout = time.Second

// members runs the cluster's node processes: it starts, kills, pauses and
// restarts them, and puts faults on their links and disks through each
// one's fault control (node -faults, PUT /faults).
type members struct {
	cfg    Config
	clock  *clock
	peers  []string // peer addresses, by id
	http   []string // HTTP base URLs, by id
	client *http.Client

	mu         sync.Mutex
	procs      []*proc       // running, by id; nil while down
	dirs       []string      // the data directory each member last ran on
	faults     []node.Faults // in force on each member; a restart starts with them
	unexpected []string      // members that exited without being told to
	torn       int           // restarts on a torn copy, to number the copies
}

// proc is one incarnation of a member's process.
type proc struct {
	id       int
	cmd      *exec.Cmd
	done     chan struct{} // closed once the process has been waited for
	expected bool          // the run killed or stopped it; guarded by members.mu
}

// newMembers chooses loopback ports for n members.
func newMembers(cfg Config, clk *clock) (*members, error) {
	ports, err := freePorts(2 * cfg.Nodes)
	if err != nil {
		return nil, fmt.Errorf("choosing ports: %w", err)
	}
	m := &members{cfg: cfg, clock: clk, procs: make([]*proc, cfg.Nodes), dirs: make([]string, cfg.Nodes), faults: make([]node.Faults, cfg.Nodes)}
	for i := range cfg.Nodes {
		m.http = append(m.http, "http://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[i])))
		m.peers = append(m.peers, net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[cfg.Nodes+i])))
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	m.client = &http.Client{Transport: tr, Timeout: controlTimeout}
	return m, nil
}

// freePorts asks the kernel for k distinct free loopback ports.
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

// dataDir is member id's first data directory.
func (m *members) dataDir(id int) string {
	return filepath.Join(m.cfg.Dir, fmt.Sprintf("node-%d", id))
}

// logPath is where every incarnation of member id writes its log.
func (m *members) logPath(id int) string {
	return filepath.Join(m.cfg.Dir, fmt.Sprintf("node-%d.log", id))
}

// start starts member id on dir, with the faults in force on it.
func (m *members) start(id int, dir string) error {
	m.mu.Lock()
	faults, err := json.Marshal(m.faults[id])
	m.mu.Unlock()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(m.logPath(id), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(m.cfg.Binary, "node",
		"-id", strconv.Itoa(id),
		"-peers", strings.Join(m.peers, ","),
		"-http", strings.TrimPrefix(m.http[id], "http://"),
		"-dir", dir,
		"-max-raft-state", strconv.Itoa(m.cfg.MaxRaftState),
		"-faults", string(faults))
	cmd.Env = append(os.Environ(), m.cfg.Env...)
	// A group of its own, so that a Ctrl-C meant for the run does not
	// stop the members behind its back (the run stops them in order);
	// killed with the run if the run is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting node %d: %w", id, err)
	}
	p := &proc{id: id, cmd: cmd, done: make(chan struct{})}
	m.mu.Lock()
	m.procs[id] = p
	m.dirs[id] = dir
	m.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logf.Close()
		m.mu.Lock()
		// Expected only if it ended the way the run asked: a signal, or a
		// clean exit after SIGTERM. A crash just before a kill still counts.
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		expected := p.expected && (ws.Signaled() || cmd.ProcessState.ExitCode() == 0)
		if !expected {
			m.unexpected = append(m.unexpected, fmt.Sprintf("node %d exited by itself at %s (%v); its log: %s", id, m.clock.now(), err, m.logPath(id)))
		}
		m.mu.Unlock()
		if !expected {
			m.cfg.Logf("torture: node %d exited by itself (%v); see %s", id, err, m.logPath(id))
		}
		close(p.done)
	}()
	return nil
}

// startAll starts every member on its first data directory.
func (m *members) startAll() error {
	for id := range m.cfg.Nodes {
		if err := m.start(id, m.dataDir(id)); err != nil {
			return err
		}
	}
	return nil
}

// signal sends sig to member id's running process, marking it as expected
// to exit when sig ends it.
func (m *members) signal(id int, sig syscall.Signal) (*proc, error) {
	m.mu.Lock()
	p := m.procs[id]
	if p == nil {
		m.mu.Unlock()
		return nil, fmt.Errorf("node %d is not running", id)
	}
	switch sig {
	case syscall.SIGKILL, syscall.SIGTERM:
		p.expected = true
	}
	m.mu.Unlock()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return p, fmt.Errorf("signal %v to node %d: %w", sig, id, err)
	}
	return p, nil
}

// kill kills member id with SIGKILL and waits until it is gone.
func (m *members) kill(id int) error {
	p, err := m.signal(id, syscall.SIGKILL)
	if err != nil {
		return err
	}
	<-p.done
	m.mu.Lock()
	m.procs[id] = nil
	m.mu.Unlock()
	return nil
}

// restart starts member id again on the data directory it last ran on.
func (m *members) restart(id int) error {
	m.mu.Lock()
	dir := m.dirs[id]
	m.mu.Unlock()
	return m.start(id, dir)
}

// tornCopy makes a copy of member id's data directory, which must be
// down, with its wal cut mid-record (disk.TornCopy), and makes it the
// directory the member restarts on. It returns the copy's path and how
// many bytes of a record it holds past the last whole one.
func (m *members) tornCopy(id int, cut int) (string, int, error) {
	m.mu.Lock()
	m.torn++
	src := m.dirs[id]
	dst := filepath.Join(m.cfg.Dir, fmt.Sprintf("node-%d.torn-%d", id, m.torn))
	m.mu.Unlock()
	n, err := disk.TornCopy(src, dst, cut)
	if err != nil {
		return "", 0, err
	}
	m.mu.Lock()
	m.dirs[id] = dst
	m.mu.Unlock()
	return dst, n, nil
}

// pause and resume stop and continue member id with SIGSTOP and SIGCONT.
func (m *members) pause(id int) error  { _, err := m.signal(id, syscall.SIGSTOP); return err }
func (m *members) resume(id int) error { _, err := m.signal(id, syscall.SIGCONT); return err }

// setFaults puts f on member id: through its PUT /faults if it runs, and
// in any case on its next start.
func (m *members) setFaults(ctx context.Context, id int, f node.Faults) error {
	m.mu.Lock()
	m.faults[id] = f
	running := m.procs[id] != nil
	m.mu.Unlock()
	if !running {
		return nil
	}
	b, _ := json.Marshal(f) // ints only
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, m.http[id]+"/faults", bytes.NewReader(b))
	if err != nil {
		return err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return fmt.Errorf("faults on node %d: %w", id, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("faults on node %d: %s: %s", id, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// status asks member id for its /status.
func (m *members) status(ctx context.Context, id int) (node.Status, error) {
	var st node.Status
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.http[id]+"/status", nil)
	if err != nil {
		return st, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("status %s", resp.Status)
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&st)
	return st, err
}

// stopAll ends every member: SIGCONT for those paused, SIGTERM, and
// SIGKILL for any still running after stopWait.
func (m *members) stopAll() {
	m.mu.Lock()
	procs := append([]*proc(nil), m.procs...)
	m.mu.Unlock()
	for _, p := range procs {
		if p == nil {
			continue
		}
		m.signal(p.id, syscall.SIGCONT)
		m.signal(p.id, syscall.SIGTERM)
	}
	deadline := time.NewTimer(stopWait)
	defer deadline.Stop()
	expired := false
	for _, p := range procs {
		if p == nil {
			continue
		}
		if !expired {
			select {
			case <-p.done:
				continue
			case <-deadline.C:
				expired = true
			}
		}
		select {
		case <-p.done:
		default:
			m.cfg.Logf("torture: node %d did not stop within %v of SIGTERM: killing it", p.id, stopWait)
			m.signal(p.id, syscall.SIGKILL)
			<-p.done
		}
	}
}

// exits returns the members' exits the run did not ask for.
func (m *members) exits() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.unexpected...)
}
