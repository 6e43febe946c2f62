package raft

import (
	"fmt"
	"sync"
)

// Persister holds a peer's Raft state and snapshot across simulated crashes,
// as the course's Persister does. The test harness gives a restarted peer a
// Copy of its crashed predecessor's Persister, so nothing the dead peer does
// afterwards can reach the new one.
//
// It is safe for concurrent use, and it hands out and keeps copies: no caller
// can alias its state. The zero value is an empty, usable Persister that
// keeps everything in memory; NewPersister makes one that also writes
// through to durable Storage.
type Persister struct {
	mu        sync.Mutex
	raftstate []byte
	snapshot  []byte
	saves     uint64 // counts saves, so that saveAppend can tell nobody else saved
	storage   Storage
	fail      func(error)
}

// Storage is durable storage behind a Persister (NewPersister): a real
// cluster keeps a peer's state on disk across process crashes. Each method
// returns only once what it wrote is durable, and a crash at any instant
// leaves either the old contents or the new, never a mix.
type Storage interface {
	// Save replaces the Raft state and the snapshot, both at once.
	Save(raftstate, snapshot []byte) error
	// Append makes the Raft state its first keep bytes, with header
	// written over their start, followed by tail; the snapshot stays.
	Append(header []byte, keep int, tail []byte) error
}

// MakePersister returns an empty Persister.
func MakePersister() *Persister {
	return &Persister{}
}

// NewPersister returns a Persister holding raftstate and snapshot (what s
// holds, as the caller loaded it) that writes every save through to s
// before returning. If s fails, the Persister calls fail with the error,
// while still holding its lock, so nothing else is saved: a peer that
// cannot persist must not go on, since it could acknowledge what it would
// then forget. fail must not return (a node logs why it stops and exits);
// if it does, or is nil, the Persister panics with the error.
func NewPersister(s Storage, raftstate, snapshot []byte, fail func(error)) *Persister {
	return &Persister{raftstate: clone(raftstate), snapshot: clone(snapshot), storage: s, fail: fail}
}

// failed stops everything after s failed. Caller holds ps.mu.
func (ps *Persister) failed(err error) {
	err = fmt.Errorf("raft: Persister: writing to storage: %w", err)
	if ps.fail != nil {
		ps.fail(err)
	}
	panic(err)
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

// Copy returns a new Persister holding the same state and snapshot, in
// memory only (the test harness's crash and restart; never storage's).
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
	if ps.storage != nil {
		if err := ps.storage.Save(raftstate, snapshot); err != nil {
			ps.failed(err)
		}
	}
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
	if ps.storage != nil {
		if err := ps.storage.Append(header, keep, tail); err != nil {
			ps.failed(err)
		}
	}
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
