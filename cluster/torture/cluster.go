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
	"slices"
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

// maxAdds bounds how many members a run adds (the membership fault): each
// takes a slot, an id above the first Nodes, with ports of its own.
const maxAdds = 32

// members runs the cluster's node processes: it starts, kills, pauses and
// restarts them, puts faults on their links and disks through each one's
// fault control (node -faults, PUT /faults), and adds and removes members
// (POST and DELETE /members). Slots 0 to Nodes-1 are the first members;
// an added member takes the next slot. peers[id] and http[id] are set
// before id is handed out and never change.
type members struct {
	cfg    Config
	clock  *clock
	peers  []string // peer addresses, by id
	http   []string // HTTP base URLs, by id
	client *http.Client

	mu         sync.Mutex
	used       int           // slots handed out: ids 0 to used-1
	voters     []int         // the configuration, as the run last saw it change: sorted ids
	retired    []bool        // removed from the configuration and stopped, by id
	lingering  []bool        // removed from the configuration but still running, by id
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
	slots := cfg.Nodes + maxAdds
	m := &members{cfg: cfg, clock: clk, used: cfg.Nodes, retired: make([]bool, slots), lingering: make([]bool, slots), procs: make([]*proc, slots),
		dirs: make([]string, slots), faults: make([]node.Faults, slots),
		http: make([]string, slots), peers: make([]string, slots)}
	for i := range cfg.Nodes {
		m.http[i] = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[i]))
		m.peers[i] = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[cfg.Nodes+i]))
		m.voters = append(m.voters, i)
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
	args := []string{"node", "-id", strconv.Itoa(id)}
	if id < m.cfg.Nodes {
		args = append(args, "-peers", strings.Join(m.peers[:m.cfg.Nodes], ","))
	} else {
		// An added member joins (again, after a restart: the cluster
		// answers at once if it is a voter) through another member.
		args = append(args, "-join", m.http[m.other(id)], "-addr", m.peers[id])
	}
	cmd := exec.Command(m.cfg.Binary, append(args,
		"-http", strings.TrimPrefix(m.http[id], "http://"),
		"-dir", dir,
		"-max-raft-state", strconv.Itoa(m.cfg.MaxRaftState),
		"-faults", string(faults))...)
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

// current returns the configuration's voters, as the run last saw it change.
func (m *members) current() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.voters)
}

// live returns every member handed out and not retired: the members of
// the configuration, and one being added or removed.
func (m *members) live() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []int
	for id := range m.used {
		if !m.retired[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// slotsUsed is how many ids have been handed out.
func (m *members) slotsUsed() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used
}

// wasRetired reports whether member id was removed (or never joined) and
// stopped.
func (m *members) wasRetired(id int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.retired[id]
}

// url is member id's HTTP base URL.
func (m *members) url(id int) string { return m.http[id] }

// other is a voter other than id (the first), for a member to join through.
func (m *members) other(id int) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.voters {
		if v != id {
			return v
		}
	}
	return 0
}

// newSlot hands out the next id, with ports of its own, for a member to
// add; false when maxAdds are used.
func (m *members) newSlot() (int, error) {
	ports, err := freePorts(2)
	if err != nil {
		return -1, fmt.Errorf("choosing ports: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.used == len(m.procs) {
		return -1, fmt.Errorf("all %d slots for added members are used", maxAdds)
	}
	id := m.used
	m.http[id] = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	m.peers[id] = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	m.used++
	return id, nil
}

// setVoters records the configuration after a change.
func (m *members) setVoters(ids []int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range m.voters {
		if !slices.Contains(ids, id) && !m.retired[id] {
			m.lingering[id] = true
		}
	}
	m.voters = sorted(ids)
}

// reachable returns the members a client may send to: the configuration's
// voters, and the members removed from it that still run. A client whose
// list of members is out of date still talks to a removed one, and what
// that member answers must be as linearizable as the rest.
func (m *members) reachable() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := slices.Clone(m.voters)
	for id, l := range m.lingering {
		if l {
			ids = append(ids, id)
		}
	}
	return ids
}

// retire stops member id, removed from the configuration (or never added):
// SIGTERM, an expected exit, and SIGKILL after stopWait. It is not started
// again, and the monitor stops asking it.
func (m *members) retire(id int) {
	m.mu.Lock()
	m.retired[id] = true
	m.lingering[id] = false
	p := m.procs[id]
	m.mu.Unlock()
	if p == nil {
		return
	}
	m.signal(id, syscall.SIGCONT)
	m.signal(id, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopWait):
		m.cfg.Logf("torture: node %d did not stop within %v of SIGTERM: killing it", id, stopWait)
		m.signal(id, syscall.SIGKILL)
		<-p.done
	}
	m.mu.Lock()
	m.procs[id] = nil
	m.mu.Unlock()
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
	err := m.getJSON(ctx, id, "/status", &st)
	return st, err
}

// membersView asks member id for its GET /members.
func (m *members) membersView(ctx context.Context, id int) (node.Members, error) {
	var v node.Members
	err := m.getJSON(ctx, id, "/members", &v)
	return v, err
}

// getJSON GETs path from member id and decodes the 200 answer into v.
func (m *members) getJSON(ctx context.Context, id int, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.http[id]+path, nil)
	if err != nil {
		return err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(v)
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

// changeTimeout bounds a membership change the run makes: a node's own
// deadline (node.MemberChangeTimeout) and some.
const changeTimeout = node.MemberChangeTimeout + 10*time.Second

// removeMember asks the cluster to remove id (DELETE /members/id) through
// the other voters in turn until one says it is done, or changeTimeout
// passes. It returns the voters of the configuration after the change.
func (m *members) removeMember(ctx context.Context, id int) ([]int, error) {
	client := &http.Client{Transport: m.client.Transport, Timeout: node.MemberChangeTimeout + 5*time.Second}
	deadline := time.Now().Add(changeTimeout)
	last := "no voter tried"
	for k := 0; time.Now().Before(deadline); k++ {
		via := m.current()
		via = slices.DeleteFunc(via, func(v int) bool { return v == id })
		if len(via) == 0 {
			return nil, errors.New("no other voter to ask")
		}
		at := via[k%len(via)]
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, fmt.Sprintf("%s/members/%d", m.http[at], id), nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			last = fmt.Sprintf("node %d: %v", at, err)
			if !wait(ctx, 200*time.Millisecond) {
				break
			}
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			var v node.Members
			if err := json.Unmarshal(b, &v); err != nil {
				return nil, fmt.Errorf("node %d's answer: %v", at, err)
			}
			return votersOf(v), nil
		case http.StatusServiceUnavailable:
			last = fmt.Sprintf("node %d: %s", at, strings.TrimSpace(string(b)))
			if !wait(ctx, 200*time.Millisecond) {
				return nil, fmt.Errorf("not done (last: %s)", last)
			}
		default:
			return nil, fmt.Errorf("node %d refused: %s: %s", at, resp.Status, strings.TrimSpace(string(b)))
		}
	}
	return nil, fmt.Errorf("not done within %v (last: %s)", changeTimeout, last)
}

// awaitVoter waits until member id's own view shows it a voter of a
// committed configuration (its join done), or changeTimeout passes. It
// returns that configuration's voters.
func (m *members) awaitVoter(ctx context.Context, id int) ([]int, error) {
	deadline := time.Now().Add(changeTimeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		v, err := m.membersView(ctx, id)
		if err == nil && v.Committed && slices.Contains(votersOf(v), id) {
			return votersOf(v), nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("configuration %v at %d, committed %v", v.Members, v.Index, v.Committed)
		}
		if !wait(ctx, sampleEvery) {
			break
		}
	}
	return nil, fmt.Errorf("node %d is no voter within %v (last: %s)", id, changeTimeout, last)
}

func votersOf(v node.Members) []int {
	var ids []int
	for _, s := range v.Members {
		if !s.Learner {
			ids = append(ids, s.ID)
		}
	}
	return sorted(ids)
}

// exits returns the members' exits the run did not ask for.
func (m *members) exits() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.unexpected...)
}
