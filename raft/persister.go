package raft

import "sync"

// Persister holds a peer's Raft state and snapshot across simulated crashes,
// as the course's Persister does. The test harness gives a restarted peer a
// Copy of its crashed predecessor's Persister, so nothing the dead peer does
// afterwards can reach the new one.
//
// It is safe for concurrent use, and it hands out and keeps copies: no caller
// can alias its state. The zero value is an empty, usable Persister.
type Persister struct {
	mu        sync.Mutex
	raftstate []byte
	snapshot  []byte
}

// MakePersister returns an empty Persister.
func MakePersister() *Persister {
	return &Persister{}
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

// Copy returns a new Persister holding the same state and snapshot.
func (ps *Persister) Copy() *Persister {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return &Persister{raftstate: clone(ps.raftstate), snapshot: clone(ps.snapshot)}
}

// ReadRaftState returns a copy of the saved Raft state.
func (ps *Persister) ReadRaftState() []byte {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return clone(ps.raftstate)
}

// RaftStateSize returns the size in bytes of the saved Raft state.
func (ps *Persister) RaftStateSize() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.raftstate)
}

// Save stores the Raft state and the snapshot together, as one atomic step:
// no reader ever sees one without the other. A nil snapshot is saved as nil,
// as the course's Persister does. Save copies both into buffers it keeps and
// reuses (it never hands them out), so a save is one memory copy and, once
// the buffers have grown, no allocation.
func (ps *Persister) Save(raftstate []byte, snapshot []byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.raftstate = reuse(ps.raftstate, raftstate)
	ps.snapshot = reuse(ps.snapshot, snapshot)
}

// reuse copies src into dst's storage when it fits, keeping nil as nil.
func reuse(dst, src []byte) []byte {
	if src == nil {
		return nil
	}
	return append(dst[:0], src...)
}

// ReadSnapshot returns a copy of the saved snapshot.
func (ps *Persister) ReadSnapshot() []byte {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return clone(ps.snapshot)
}

// SnapshotSize returns the size in bytes of the saved snapshot.
func (ps *Persister) SnapshotSize() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.snapshot)
}
