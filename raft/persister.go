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
	// shared: snapshot is the caller's immutable slice (saveStaged), not
	// a buffer of the Persister's own to reuse.
	shared  bool
	storage Storage
	fail    func(error)
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

// SnapshotStager is what a Storage may also offer, so that a big snapshot
// is written to disk without the Raft peer's lock held (heartbeats and
// votes go on meanwhile), and so that a save that keeps the snapshot does
// not write it again. Raft stages a new snapshot first (slow: its bytes
// written and synced aside), then, under its lock, saves its state with
// it (quick).
type SnapshotStager interface {
	// StageSnapshot writes snapshot durably aside, changing nothing the
	// storage holds, and returns a handle for SaveStaged or DropStaged.
	// It may run at the same time as the other methods.
	StageSnapshot(snapshot []byte) (staged any, err error)
	// SaveStaged is Save(raftstate, snapshot) with the staged snapshot,
	// or, with staged nil, with the snapshot the storage holds now: only
	// the state is written.
	SaveStaged(raftstate []byte, staged any) error
	// DropStaged removes a staged snapshot that will not be saved.
	DropStaged(staged any)
}

// stagedSnapshot is a snapshot on its way to being saved (stageSnapshot).
type stagedSnapshot struct {
	data   []byte
	staged any // the storage's handle; nil without a SnapshotStager
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
//
// The Persister takes snapshot as it is (a big one is not copied): the
// caller must not change it afterwards.
func NewPersister(s Storage, raftstate, snapshot []byte, fail func(error)) *Persister {
	return &Persister{raftstate: clone(raftstate), snapshot: snapshot, shared: true, storage: s, fail: fail}
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
	sg, staging := ps.storage.(SnapshotStager)
	keep := ps.shared && sameSlice(snapshot, ps.snapshot) && (ps.storage == nil || staging)
	ps.raftstate = reuse(ps.raftstate, raftstate)
	switch {
	case keep:
		// The snapshot saved by saveStaged, unchanged: the storage holds it.
	case ps.shared:
		ps.snapshot, ps.shared = clone(snapshot), false // never write into the caller's slice
	default:
		ps.snapshot = reuse(ps.snapshot, snapshot)
	}
	ps.saves++
	if ps.storage != nil {
		var err error
		if keep {
			err = sg.SaveStaged(raftstate, nil)
		} else {
			err = ps.storage.Save(raftstate, snapshot)
		}
		if err != nil {
			ps.failed(err)
		}
	}
	return ps.saves
}

// sameSlice reports whether a and b are the same bytes in memory.
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
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

// stageSnapshot makes snapshot durable aside, when the storage can, without
// ps.mu: the slow part of saving a big snapshot, which the caller does
// without its own locks. The Persister keeps the slice itself once it is
// saved (saveStaged): the caller must never change it. A failure is
// returned, not fatal: staging changes nothing durable and acknowledges
// nothing (and it may fail because the storage closed after a Kill); the
// caller drops the snapshot.
func (ps *Persister) stageSnapshot(snapshot []byte) (*stagedSnapshot, error) {
	st := &stagedSnapshot{data: snapshot}
	if sg, ok := ps.storage.(SnapshotStager); ok {
		staged, err := sg.StageSnapshot(snapshot)
		if err != nil {
			return nil, fmt.Errorf("raft: Persister: staging a snapshot of %d bytes: %w", len(snapshot), err)
		}
		st.staged = staged
	}
	return st, nil
}

// sharedSnapshot returns the saved snapshot itself, not a copy, for the
// Raft peer that keeps it as its own (immutable) snapshot: a later save of
// the same slice then keeps what the storage holds instead of writing it
// again.
func (ps *Persister) sharedSnapshot() []byte {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.shared = true
	return ps.snapshot
}

// dropStaged forgets a staged snapshot that will not be saved.
func (ps *Persister) dropStaged(st *stagedSnapshot) {
	if sg, ok := ps.storage.(SnapshotStager); ok && st.staged != nil {
		sg.DropStaged(st.staged)
	}
}

// saveStaged is save with a staged snapshot: the state is copied, the
// snapshot kept as the slice it is (immutable), and the storage writes
// only the state. It returns the number of saves made so far.
func (ps *Persister) saveStaged(raftstate []byte, st *stagedSnapshot) uint64 {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.raftstate = reuse(ps.raftstate, raftstate)
	ps.snapshot = st.data
	ps.shared = true
	ps.saves++
	if ps.storage != nil {
		var err error
		if sg, ok := ps.storage.(SnapshotStager); ok {
			err = sg.SaveStaged(raftstate, st.staged)
		} else {
			err = ps.storage.Save(raftstate, st.data)
		}
		if err != nil {
			ps.failed(err)
		}
	}
	return ps.saves
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
