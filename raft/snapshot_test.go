package raft

import (
	"bytes"
	"hash/crc32"
	"sync"
	"testing"
	"time"
)

// whole makes args carry its Data as a whole snapshot in one chunk.
func whole(args InstallSnapshotArgs) *InstallSnapshotArgs {
	args.Offset, args.Size, args.Done = 0, len(args.Data), true
	args.Checksum = crc32.Checksum(args.Data, castagnoli)
	return &args
}

// chunk is the chunk of data at [off, off+n) as a leader of term sends it,
// for a snapshot through index 3 (term 2).
func chunk(term int, data []byte, off, n int) *InstallSnapshotArgs {
	n = min(n, len(data)-off)
	return &InstallSnapshotArgs{Term: term, LeaderId: 1, LastIncludedIndex: 3, LastIncludedTerm: 2,
		Offset: off, Data: data[off : off+n], Done: off+n == len(data), Size: len(data),
		Checksum: crc32.Checksum(data, castagnoli)}
}

func installChunk(rf *Raft, args *InstallSnapshotArgs) InstallSnapshotReply {
	var reply InstallSnapshotReply
	rf.InstallSnapshot(args, &reply)
	return reply
}

func noApply(t *testing.T, applyCh chan ApplyMsg, what string) {
	t.Helper()
	select {
	case m := <-applyCh:
		t.Fatalf("%s: applied %+v before the last chunk", what, m)
	case <-time.After(50 * time.Millisecond):
	}
}

// Figure 13: chunks are taken only in order, and the snapshot is installed
// (persisted and delivered) only once the last chunk arrived whole.
func TestInstallSnapshotChunks(t *testing.T) {
	ps := MakePersister()
	rf, applyCh := handlerPeer(t, ps)
	data := bytes.Repeat([]byte("0123456789"), 100) // 1000 bytes, in chunks of 300

	// In order, with a gap and duplicates: each answered with the offset
	// the follower holds, nothing installed.
	for _, step := range []struct {
		what       string
		off, after int
	}{
		{"first chunk", 0, 300},
		{"chunk past a gap", 600, 300},
		{"a late copy of the first chunk (a duplicate)", 0, 300},
		{"second chunk", 300, 600},
		{"second chunk twice", 300, 600},
		{"third chunk", 600, 900},
	} {
		if r := installChunk(rf, chunk(2, data, step.off, 300)); r.Installed || r.Offset != step.after {
			t.Fatalf("%s: %+v, want offset %d, not installed", step.what, r, step.after)
		}
	}
	noApply(t, applyCh, "three chunks of four")
	if ps.SnapshotSize() != 0 {
		t.Fatalf("a snapshot of %d bytes persisted before its last chunk", ps.SnapshotSize())
	}
	if r := installChunk(rf, chunk(2, data, 900, 300)); !r.Installed {
		t.Fatalf("last chunk: %+v, want installed", r)
	}
	if m := <-applyCh; !m.SnapshotValid || m.SnapshotIndex != 3 || !bytes.Equal(m.Snapshot, data) {
		t.Fatalf("applied %+v, want the snapshot through 3", m)
	}
	if !bytes.Equal(ps.ReadSnapshot(), data) {
		t.Fatal("the persisted snapshot is not the one sent")
	}
}

// A snapshot whose bytes do not match its checksum is dropped, and the
// leader is told to start again.
func TestInstallSnapshotBadChecksum(t *testing.T) {
	ps := MakePersister()
	rf, applyCh := handlerPeer(t, ps)
	data := bytes.Repeat([]byte("abc"), 100)
	installChunk(rf, chunk(2, data, 0, 200))
	last := chunk(2, data, 200, 200)
	last.Data = bytes.Clone(last.Data)
	last.Data[5] ^= 1
	if r := installChunk(rf, last); r.Installed || r.Offset != 0 {
		t.Fatalf("damaged last chunk: %+v, want offset 0, not installed", r)
	}
	noApply(t, applyCh, "a damaged snapshot")
	if ps.SnapshotSize() != 0 {
		t.Fatal("a damaged snapshot was persisted")
	}
	// The leader starts again from 0; the whole snapshot goes in.
	installChunk(rf, chunk(2, data, 0, 200))
	if r := installChunk(rf, chunk(2, data, 200, 200)); !r.Installed {
		t.Fatalf("resent snapshot: %+v, want installed", r)
	}
}

// A chunk of another snapshot, or from a leader of another term, than the
// one being collected restarts the transfer; a new leader starts afresh.
func TestInstallSnapshotFromAnotherLeader(t *testing.T) {
	ps := MakePersister()
	rf, applyCh := handlerPeer(t, ps)
	data := bytes.Repeat([]byte("xyz"), 100)
	installChunk(rf, chunk(2, data, 0, 100))
	if r := installChunk(rf, chunk(3, data, 100, 100)); r.Installed || r.Offset != 0 {
		t.Fatalf("a later leader's middle chunk: %+v, want offset 0", r)
	}
	other := bytes.Repeat([]byte("XYZ"), 100)
	installChunk(rf, chunk(3, other, 0, 100))
	if r := installChunk(rf, chunk(3, data, 100, 100)); r.Installed || r.Offset != 0 {
		t.Fatalf("a chunk of another snapshot: %+v, want offset 0", r)
	}
	installChunk(rf, chunk(3, other, 0, 100))
	installChunk(rf, chunk(3, other, 100, 100))
	if r := installChunk(rf, chunk(3, other, 200, 100)); !r.Installed {
		t.Fatalf("last chunk of term 3's snapshot: %+v, want installed", r)
	}
	if m := <-applyCh; !m.SnapshotValid || !bytes.Equal(m.Snapshot, other) {
		t.Fatalf("applied %+v, want term 3's snapshot", m)
	}
}

// Chunks that cannot fit the snapshot they name are malformed.
func TestInstallSnapshotMalformedChunks(t *testing.T) {
	rf, _ := handlerPeer(t, MakePersister())
	data := []byte("0123456789")
	for name, args := range map[string]*InstallSnapshotArgs{
		"past the size":       {Term: 2, LeaderId: 1, LastIncludedIndex: 3, LastIncludedTerm: 2, Offset: 8, Data: data[:5], Size: 10},
		"done before the end": {Term: 2, LeaderId: 1, LastIncludedIndex: 3, LastIncludedTerm: 2, Data: data[:5], Size: 10, Done: true},
		"not done at the end": {Term: 2, LeaderId: 1, LastIncludedIndex: 3, LastIncludedTerm: 2, Data: data, Size: 10},
		"negative offset":     {Term: 2, LeaderId: 1, LastIncludedIndex: 3, LastIncludedTerm: 2, Offset: -1, Data: data[:1], Size: 10},
		"negative size":       {Term: 2, LeaderId: 1, LastIncludedIndex: 3, LastIncludedTerm: 2, Size: -1, Done: true},
	} {
		if r := installChunk(rf, args); r.Installed {
			t.Errorf("%s: installed", name)
		}
	}
}

// withChunk makes snapshots travel in chunks of n bytes for the rest of
// the test.
func withChunk(t *testing.T, n int) {
	old := snapshotChunk.Swap(int64(n))
	t.Cleanup(func() { snapshotChunk.Store(old) })
}

// The course's snapshot tests again, with every snapshot split into many
// small chunks: install on a follower that was cut off, crashed, or both,
// over an unreliable network that loses and reorders chunks and replies.
func TestSnapshotInstallChunked3D(t *testing.T) {
	withChunk(t, 256)
	snapcommon(t, "Test (3D): install snapshots in chunks (disconnect)", true, true, false)
}

func TestSnapshotInstallChunkedUnCrash3D(t *testing.T) {
	withChunk(t, 256)
	snapcommon(t, "Test (3D): install snapshots in chunks (unreliable+crash)", false, false, true)
}

// A follower behind the leader's snapshot on a slow link gets it one chunk
// at a time: never two InstallSnapshots at once, no chunk sent twice, and
// heartbeats flowing meanwhile (no election while it lasts).
func TestSnapshotOneTransferAtATime(t *testing.T) {
	withChunk(t, 1000)
	link := &slowLink{slow: 2, delay: 150 * time.Millisecond, cut: map[int]bool{2: true}}
	rafts, applied := handCluster(t, link, nil)
	leader := awaitLeader(t, rafts[:2])
	const cmds = 20
	for c := range cmds {
		if _, _, ok := rafts[leader].Start(c); !ok {
			t.Fatalf("S%d lost leadership", leader)
		}
	}
	snap := bytes.Repeat([]byte("s"), 10_000) // 10 chunks
	for i := range 2 {
		for k := 1; k <= cmds; k++ {
			select {
			case m := <-applied[i]:
				if m.CommandIndex != k {
					t.Fatalf("S%d applied %+v, want index %d", i, m, k)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("S%d did not apply index %d", i, k)
			}
		}
		rafts[i].Snapshot(cmds, snap)
	}
	term, _ := rafts[leader].GetState()

	link.mu.Lock()
	link.cut[2] = false
	link.mu.Unlock()
	t0 := time.Now()
	select {
	case m := <-applied[2]:
		if !m.SnapshotValid || m.SnapshotIndex != cmds || !bytes.Equal(m.Snapshot, snap) {
			t.Fatalf("S2 applied %+v, want the snapshot through %d", m, cmds)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("S2 did not get the snapshot within 20 s")
	}
	took := time.Since(t0)
	link.mu.Lock()
	calls, most := link.snapCalls, link.maxInflight
	link.mu.Unlock()
	t.Logf("snapshot of %d bytes in chunks of %d: %d InstallSnapshot calls, at most %d at once, %v",
		len(snap), snapshotChunk.Load(), calls, most, took.Round(time.Millisecond))
	if most != 1 {
		t.Errorf("%d InstallSnapshot calls in flight at once to S2, want 1", most)
	}
	if calls != 10 {
		t.Errorf("%d InstallSnapshot calls to S2 on a reliable link, want 10 (one per chunk)", calls)
	}
	for i, rf := range rafts {
		if tm, _ := rf.GetState(); tm != term {
			t.Errorf("S%d is in term %d after the transfer, want %d: heartbeats must flow while it lasts", i, tm, term)
		}
	}
}

// stagingStorage is a Storage and SnapshotStager whose staging is slow, as
// writing a big snapshot to disk is, and which counts what it was asked.
type stagingStorage struct {
	delay time.Duration

	mu                  sync.Mutex
	staged, savedStaged int
	fullSaves           int // Saves after a staged one: the snapshot written again
}

func (s *stagingStorage) Save(raftstate, snapshot []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.savedStaged > 0 {
		s.fullSaves++ // the snapshot written again
	}
	return nil
}

func (s *stagingStorage) Append(header []byte, keep int, tail []byte) error { return nil }

func (s *stagingStorage) StageSnapshot(snapshot []byte) (any, error) {
	time.Sleep(s.delay) // the slow write of the test
	s.mu.Lock()
	defer s.mu.Unlock()
	s.staged++
	return s.staged, nil
}

func (s *stagingStorage) SaveStaged(raftstate []byte, staged any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if staged != nil {
		s.savedStaged++
	}
	return nil
}

func (s *stagingStorage) DropStaged(any) {}

// Writing a snapshot to disk does not hold the peer's lock: while the
// leader's storage takes a second and a half to stage it, the leader
// answers GetState at once, heartbeats flow (nobody's term moves) and new
// entries commit; afterwards the snapshot is saved staged, and later saves
// keep it instead of writing it again.
func TestSnapshotWriteDoesNotStopHeartbeats(t *testing.T) {
	const n = 3
	stores := make([]*stagingStorage, n)
	rafts, applied := handCluster(t, &slowLink{slow: -1}, func(i int) *Persister {
		stores[i] = &stagingStorage{delay: 1500 * time.Millisecond}
		return NewPersister(stores[i], nil, nil, nil)
	})
	ld := awaitLeader(t, rafts)
	term, _ := rafts[ld].GetState()
	rafts[ld].Start(1)
	if m := <-applied[ld]; m.CommandIndex != 1 {
		t.Fatalf("S%d applied %+v, want index 1", ld, m)
	}
	done := make(chan struct{})
	go func() {
		rafts[ld].Snapshot(1, []byte("snapshot through 1"))
		close(done)
	}()
	t0 := time.Now()
	for k := 2; time.Since(t0) < time.Second; k++ {
		c0 := time.Now()
		if _, _, ok := rafts[ld].Start(k); !ok {
			t.Fatalf("S%d lost leadership while its snapshot was written", ld)
		}
		if d := time.Since(c0); d > 50*time.Millisecond {
			t.Fatalf("Start took %v while the snapshot was written: the lock is held", d)
		}
		select {
		case m := <-applied[ld]:
			if m.CommandIndex != k {
				t.Fatalf("S%d applied %+v, want index %d", ld, m, k)
			}
		case <-time.After(time.Second):
			t.Fatalf("index %d did not commit within a second while the snapshot was written", k)
		}
		time.Sleep(50 * time.Millisecond)
	}
	<-done
	for i, rf := range rafts {
		if tm, _ := rf.GetState(); tm != term {
			t.Errorf("S%d in term %d after the snapshot was written, want %d", i, tm, term)
		}
	}
	rafts[ld].Start("after")
	pollUntil(t, 5*time.Second, "a save after the snapshot", func() bool {
		s := stores[ld]
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.savedStaged == 1
	})
	if st := rafts[ld].Status(); st.SnapshotIndex != 1 {
		t.Errorf("S%d snapshot index %d, want 1", ld, st.SnapshotIndex)
	}
	s := stores[ld]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staged != 1 || s.savedStaged != 1 || s.fullSaves != 0 {
		t.Errorf("S%d's storage: %d staged, %d saved staged, %d full saves after; want 1, 1, 0", ld, s.staged, s.savedStaged, s.fullSaves)
	}
}
