package raft

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"raftlab/labrpc"
)

// recordingStorage is a Storage and SnapshotStager that records what it
// was asked.
type recordingStorage struct {
	mu               sync.Mutex
	fullSnapshotSave []int // len(snapshot) of every Save with a non-empty snapshot
	stagedSaves      int
}

func (s *recordingStorage) Save(raftstate, snapshot []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(snapshot) > 0 {
		s.fullSnapshotSave = append(s.fullSnapshotSave, len(snapshot))
	}
	return nil
}
func (s *recordingStorage) Append(header []byte, keep int, tail []byte) error { return nil }
func (s *recordingStorage) StageSnapshot(snapshot []byte) (any, error)        { return 1, nil }
func (s *recordingStorage) SaveStaged(raftstate []byte, staged any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stagedSaves++
	return nil
}
func (s *recordingStorage) DropStaged(any) {}

// After a restart, a full save of the Raft state (here for a new term)
// keeps the snapshot the storage holds: it must not write the whole
// snapshot again, under rf.mu.
func TestRestartKeepsTheStoredSnapshot(t *testing.T) {
	// First incarnation: install a 1 MB snapshot through index 3.
	ps := MakePersister()
	rf, _ := handlerPeer(t, ps)
	data := bytes.Repeat([]byte("x"), 1<<20)
	if r := installChunk(rf, whole(InstallSnapshotArgs{Term: 2, LeaderId: 1, LastIncludedIndex: 3, LastIncludedTerm: 2, Data: data})); !r.Installed {
		t.Fatalf("install: %+v", r)
	}
	rf.Kill()

	// Second incarnation, on durable storage that holds the same state and snapshot.
	st := &recordingStorage{}
	ps2 := NewPersister(st, ps.ReadRaftState(), ps.ReadSnapshot(), nil)
	net := labrpc.MakeNetwork()
	defer net.Cleanup()
	var ends []*labrpc.ClientEnd
	for j := 0; j < 3; j++ {
		ends = append(ends, net.MakeEnd(fmt.Sprintf("%s-%d", t.Name(), j)))
	}
	rf2 := Make(ends, 0, ps2, make(chan ApplyMsg, 100))
	defer rf2.Kill()
	// A heartbeat of a new term: becomeFollower persists the new term.
	appendEntries(rf2, AppendEntriesArgs{Term: 3, LeaderId: 1, PrevLogIndex: 3, PrevLogTerm: 2, LeaderCommit: 3})
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.fullSnapshotSave) > 0 {
		t.Errorf("after restart, a term change rewrote the %d-byte snapshot %d time(s) with Storage.Save (under rf.mu); the storage already held it",
			st.fullSnapshotSave[0], len(st.fullSnapshotSave))
	}
}

// A chunk whose round trip takes longer than chunkTimeout (600 ms here: a
// 1 MiB chunk at under 2 MB/s) is abandoned and sent again, with a longer
// wait each time; the follower takes a late copy as a duplicate; the
// transfer ends. (With a fixed wait it never did: found by review.)
func TestSnapshotOverASlowLink(t *testing.T) {
	withChunk(t, 1000)
	link := &slowLink{slow: 2, delay: 600 * time.Millisecond, cut: map[int]bool{2: true}}
	rafts, applied := handCluster(t, link, nil)
	leader := awaitLeader(t, rafts[:2])
	const cmds = 5
	for c := range cmds {
		rafts[leader].Start(c)
	}
	snap := bytes.Repeat([]byte("s"), 3000) // 3 chunks
	for i := range 2 {
		for k := 1; k <= cmds; k++ {
			select {
			case <-applied[i]:
			case <-time.After(10 * time.Second):
				t.Fatalf("S%d did not apply index %d", i, k)
			}
		}
		rafts[i].Snapshot(cmds, snap)
	}
	link.mu.Lock()
	link.cut[2] = false
	link.mu.Unlock()
	select {
	case m := <-applied[2]:
		t.Logf("S2 applied %+v", m.SnapshotIndex)
	case <-time.After(20 * time.Second):
		link.mu.Lock()
		d := link.snapCalls
		link.mu.Unlock()
		t.Errorf("S2 did not get a 3-chunk snapshot in 20 s over a link where a chunk takes %v (chunkTimeout %v): %d chunks delivered to it",
			link.delay, chunkTimeout, d)
	}
}
