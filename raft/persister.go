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
	saves     uint64 // counts saves, so that saveAppend can tell nobody else saved
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
	ps.save(raftstate, snapshot)
}

// save is Save, returning the number of saves made so far.
func (ps *Persister) save(raftstate []byte, snapshot []byte) uint64 {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.raftstate = reuse(ps.raftstate, raftstate)
	ps.snapshot = reuse(ps.snapshot, snapshot)
	ps.saves++
	return ps.saves
}

// saveAppend is the incremental save of this package's Raft, whose state
// only grows at the end between compactions: keeping the first keep bytes of
// the saved state, it overwrites the start of it with header and appends
// tail, leaving the snapshot as it is. That costs the new bytes, not the
// whole state. It does nothing and returns false unless the last save was
// the caller's own, numbered since; the caller then saves in full.
func (ps *Persister) saveAppend(since uint64, header []byte, keep int, tail []byte) (uint64, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.saves != since || keep > len(ps.raftstate) || len(header) > keep {
		return 0, false
	}
	ps.raftstate = append(ps.raftstate[:keep], tail...)
	copy(ps.raftstate, header)
	ps.saves++
	return ps.saves, true
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
