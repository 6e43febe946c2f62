package raft

import (
	"sync"
	"testing"
	"time"

	"raftlab/labrpc"
)

// handCluster makes a cluster of len(link.servers) peers (3 if link has
// none yet) whose calls cross link, each with the Persister persister(i)
// gives (an empty one if persister is nil) and an applyCh of its own. The
// peers are killed when the test ends.
func handCluster(t *testing.T, link *slowLink, persister func(i int) *Persister) ([]*Raft, []chan ApplyMsg) {
	t.Helper()
	const n = 3
	link.servers = make([]*labrpc.Server, n)
	if link.cut == nil {
		link.cut = map[int]bool{}
	}
	rafts := make([]*Raft, n)
	applied := make([]chan ApplyMsg, n)
	for i := range n {
		var ends []*labrpc.ClientEnd
		for j := range n {
			ends = append(ends, labrpc.MakeRemoteEnd(slowEnd{link, i, j}))
		}
		applied[i] = make(chan ApplyMsg, 1000)
		ps := MakePersister()
		if persister != nil {
			ps = persister(i)
		}
		rafts[i] = Make(ends, i, ps, applied[i])
		link.mu.Lock()
		link.servers[i] = labrpc.MakeServer()
		link.servers[i].AddService(labrpc.MakeService(rafts[i]))
		link.mu.Unlock()
	}
	t.Cleanup(func() {
		for _, rf := range rafts {
			rf.Kill()
		}
	})
	return rafts, applied
}

// awaitLeader waits for one of rafts to lead, and returns its index.
func awaitLeader(t *testing.T, rafts []*Raft) int {
	t.Helper()
	leader := -1
	pollUntil(t, 10*time.Second, "a leader", func() bool {
		for i, rf := range rafts {
			if _, ok := rf.GetState(); ok {
				leader = i
				return true
			}
		}
		return false
	})
	return leader
}

// slowLink carries calls between the peers of a handCluster: to a peer
// that is cut off, or from it, nothing arrives; InstallSnapshot calls to
// the slow peer take delay each, and it counts them, and how many were in
// flight at once.
type slowLink struct {
	slow  int
	delay time.Duration

	mu          sync.Mutex
	servers     []*labrpc.Server
	cut         map[int]bool
	snapCalls   int
	inflight    int
	maxInflight int
}

type slowEnd struct {
	l        *slowLink
	from, to int
}

func (e slowEnd) Call(svcMeth string, args []byte) ([]byte, bool) {
	l := e.l
	l.mu.Lock()
	if l.cut[e.from] || l.cut[e.to] || l.servers[e.to] == nil {
		l.mu.Unlock()
		time.Sleep(5 * time.Millisecond) // a lost request: the caller learns nothing for a while
		return nil, false
	}
	srv := l.servers[e.to]
	counted := e.to == l.slow && svcMeth == "Raft.InstallSnapshot"
	if counted {
		l.snapCalls++
		l.inflight++
		l.maxInflight = max(l.maxInflight, l.inflight)
	}
	l.mu.Unlock()
	if counted {
		time.Sleep(l.delay) // the slow link of the test
		defer func() {
			l.mu.Lock()
			l.inflight--
			l.mu.Unlock()
		}()
	}
	return srv.Dispatch(svcMeth, args)
}
