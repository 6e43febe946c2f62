package transport

// The lab's own Raft, unchanged, over TCP: three peers, each with its own
// labrpc.Server served on its own loopback port and remote ends to the
// others, wired the way the course harness wires the simulated network.

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"raftlab/labrpc"
	"raftlab/raft"
)

// tcpPeer is one Raft peer of a tcpCluster and what it owns.
type tcpPeer struct {
	rf      *raft.Raft
	server  *Server   // serves its labrpc.Server
	clients []*Client // its ends' callers, one per peer
	stop    chan struct{}
	done    chan struct{} // closed when its applyCh reader ends
}

// tcpCluster is n Raft peers talking over the transport, with what each
// applied.
type tcpCluster struct {
	t     *testing.T
	peers []*tcpPeer

	mu      sync.Mutex
	applied [][]any // commands each peer applied, in index order from 1
}

func newTCPCluster(t *testing.T, n int) *tcpCluster {
	cl := &tcpCluster{t: t, applied: make([][]any, n)}
	cfg := Config{Logf: t.Logf}
	srvs := make([]*labrpc.Server, n)
	addrs := make([]string, n)
	for i := range n {
		srvs[i] = labrpc.MakeServer()
		s, err := Listen("127.0.0.1:0", srvs[i], cfg)
		if err != nil {
			t.Fatalf("peer %d: %v", i, err)
		}
		addrs[i] = s.Addr().String()
		cl.peers = append(cl.peers, &tcpPeer{server: s, stop: make(chan struct{}), done: make(chan struct{})})
	}
	for i, p := range cl.peers {
		ends := make([]*labrpc.ClientEnd, n)
		for j := range n {
			c, err := NewClient(addrs[j], cfg)
			if err != nil {
				t.Fatal(err)
			}
			p.clients = append(p.clients, c)
			ends[j] = labrpc.MakeRemoteEnd(c)
		}
		applyCh := make(chan raft.ApplyMsg, 64)
		p.rf = raft.Make(ends, i, raft.MakePersister(), applyCh)
		srvs[i].AddService(labrpc.MakeService(p.rf))
		go cl.read(i, applyCh)
	}
	t.Cleanup(func() {
		for i := range cl.peers {
			cl.crash(i)
		}
	})
	return cl
}

// read records what peer i applies, until the peer crashes.
func (cl *tcpCluster) read(i int, applyCh chan raft.ApplyMsg) {
	p := cl.peers[i]
	defer close(p.done)
	for {
		select {
		case m := <-applyCh:
			if !m.CommandValid {
				continue
			}
			cl.mu.Lock()
			if want := len(cl.applied[i]) + 1; m.CommandIndex != want {
				cl.t.Errorf("peer %d applied index %d, want %d", i, m.CommandIndex, want)
			}
			cl.applied[i] = append(cl.applied[i], m.Command)
			cl.mu.Unlock()
		case <-p.stop:
			return
		}
	}
}

// crash stops peer i as a process crash would: Raft killed, its port
// closed, its connections to the others closed. It may be called again.
func (cl *tcpCluster) crash(i int) {
	p := cl.peers[i]
	select {
	case <-p.stop:
		return
	default:
	}
	p.rf.Kill()
	for _, c := range p.clients {
		c.Close()
	}
	p.server.Close()
	close(p.stop)
	<-p.done
}

// leader waits for one of the live peers to lead in a term above minTerm,
// and returns it.
func (cl *tcpCluster) leader(live []int, minTerm int) (int, int) {
	cl.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, i := range live {
			if term, isLeader := cl.peers[i].rf.GetState(); isLeader && term > minTerm {
				return i, term
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	cl.t.Fatalf("no leader among peers %v in a term above %d within 10 s", live, minTerm)
	return -1, 0
}

// commit has cmd committed, as the course harness's one() does: it starts
// cmd at whichever live peer leads, and waits until every live peer has
// applied it at the index the leader gave it. If a change of leader lost
// the entry, it starts it again, for up to 10 s in all.
func (cl *tcpCluster) commit(live []int, cmd int) {
	cl.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		leader, _ := cl.leader(live, 0)
		index, _, ok := cl.peers[leader].rf.Start(cmd)
		if !ok {
			continue // deposed meanwhile
		}
		for attempt := time.Now(); time.Since(attempt) < 2*time.Second; time.Sleep(5 * time.Millisecond) {
			if cl.appliedEverywhere(live, index, cmd) {
				return
			}
		}
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	var got []string
	for _, i := range live {
		got = append(got, fmt.Sprintf("peer %d applied %v", i, cl.applied[i]))
	}
	cl.t.Fatalf("command %d not committed at every live peer within 10 s: %s", cmd, strings.Join(got, "; "))
}

// appliedEverywhere reports whether every live peer applied cmd at index.
// Peers that applied index must agree on what is there.
func (cl *tcpCluster) appliedEverywhere(live []int, index int, cmd int) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	all := true
	var first any
	for n, i := range live {
		if len(cl.applied[i]) < index {
			all = false
			continue
		}
		c := cl.applied[i][index-1]
		if n > 0 && first != nil && c != first {
			cl.t.Fatalf("peers applied different commands at index %d: %v and %v", index, first, c)
		}
		first = c
		if c != cmd {
			all = false
		}
	}
	return all
}

// TestRaftOverTCP: three Raft peers over the transport elect a leader and
// commit commands; after the leader crashes (its port closed), the other
// two elect a new one in a later term and go on committing, and agree on
// the whole log.
func TestRaftOverTCP(t *testing.T) {
	cl := newTCPCluster(t, 3)
	all := []int{0, 1, 2}
	for cmd := 100; cmd < 110; cmd++ {
		cl.commit(all, cmd)
	}
	leader, term := cl.leader(all, 0)

	cl.crash(leader)
	var live []int
	for _, i := range all {
		if i != leader {
			live = append(live, i)
		}
	}
	cl.leader(live, term) // a new leader, in a later term
	for cmd := 200; cmd < 205; cmd++ {
		cl.commit(live, cmd)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if a, b := cl.applied[live[0]], cl.applied[live[1]]; !slices.Equal(a, b) {
		t.Fatalf("the surviving peers applied different logs:\n%v\n%v", a, b)
	}
	// Each command once, in order (a command started again after a change
	// of leader may be there twice; that is Raft's contract, not a fault).
	var want, got []any
	for cmd := 100; cmd < 110; cmd++ {
		want = append(want, cmd)
	}
	for cmd := 200; cmd < 205; cmd++ {
		want = append(want, cmd)
	}
	for _, c := range cl.applied[live[0]] {
		if !slices.Contains(got, c) {
			got = append(got, c)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the survivors applied %v, want each of %v in order", cl.applied[live[0]], want)
	}
}
