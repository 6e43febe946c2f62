package disk

import (
	"testing"
	"time"

	"raftlab/labrpc"
	"raftlab/raft"
)

// A Store is the storage of a Raft peer's Persister, and can stage a
// snapshot, so that the Persister writes a big one without the peer's lock
// and saves a state that keeps its snapshot without writing it again.
var (
	_ raft.Storage        = (*Store)(nil)
	_ raft.SnapshotStager = (*Store)(nil)
)

// A one-peer Raft on a disk store commits commands, is killed, and is made
// again from what Open reads back: it delivers the same commands in the same
// order, then goes on. The raft package is the lab's, unchanged: the store
// is behind its Persister.
func TestRaftRestartsFromDisk(t *testing.T) {
	dir := t.TempDir()
	const before = 20
	run := func(starts []int, wantDelivered []int) {
		t.Helper()
		s, state, snap, err := Open(dir, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		net := labrpc.MakeNetwork()
		defer net.Cleanup()
		applyCh := make(chan raft.ApplyMsg, 100)
		fail := func(err error) { panic(err) }
		rf := raft.Make([]*labrpc.ClientEnd{net.MakeEnd("self")}, 0, raft.NewPersister(s, state, snap, fail), applyCh)
		defer rf.Kill()
		deadline := time.Now().Add(10 * time.Second)
		for _, cmd := range starts {
			for {
				if _, _, ok := rf.Start(cmd); ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no leader within 10 s")
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		for i, want := range wantDelivered {
			select {
			case m := <-applyCh:
				if !m.CommandValid || m.CommandIndex != i+1 || m.Command != want {
					t.Fatalf("delivered %+v, want command %d at index %d", m, want, i+1)
				}
			case <-time.After(time.Until(deadline)):
				t.Fatalf("index %d not delivered within 10 s", i+1)
			}
		}
	}
	var first []int
	for i := range before {
		first = append(first, 100+i)
	}
	run(first, first)
	// Made again from disk: the old entries are committed once an entry of
	// the new term is (§5.4.2), and all are delivered again, in order.
	run([]int{999}, append(first, 999))
}
