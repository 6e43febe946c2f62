package node

import (
	"bytes"
	"sync"
	"sync/atomic"
	"time"

	"raftlab/cluster/disk"
	"raftlab/internal/bugs"
	"raftlab/raft"
)

// lazyFlush is how long the deliberate bug ack-before-fsync keeps saves
// in memory before it writes them.
const lazyFlush = 300 * time.Millisecond

// storage is the node's raft.Storage: the disk Store, with its size kept
// where /status can read it while Raft writes (a Store is not safe for
// concurrent use), and a close that later writes see as an error rather
// than a closed file.
type storage struct {
	mu     sync.Mutex // serializes the Store's calls; the Persister already does, Close does not
	store  *disk.Store
	closed bool
	size   atomic.Int64 // store.Size() after the last call
	delay  atomic.Int64 // injected fault: a time.Duration each save takes longer

	// The deliberate bug ack-before-fsync (internal/bugs), nil otherwise:
	// saves acknowledged but not yet written, and the flusher's end.
	pending []func() error
	stop    chan struct{}
	flushed chan struct{}
}

// The node's storage stages snapshots, so Raft writes them without its lock.
var _ raft.SnapshotStager = (*storage)(nil)

func newStorage(s *disk.Store) *storage {
	st := &storage{store: s}
	st.size.Store(s.Size())
	if bugs.On(bugs.AckBeforeFsync) {
		st.stop, st.flushed = make(chan struct{}), make(chan struct{})
		go st.flusher()
	}
	return st
}

// setDelay makes every later save take d longer (fault injection: a slow
// disk).
func (s *storage) setDelay(d time.Duration) { s.delay.Store(int64(d)) }

// slow waits out the injected delay. Caller holds s.mu, as a slow fsync
// would hold up the saves behind it.
func (s *storage) slow() {
	if d := time.Duration(s.delay.Load()); d > 0 {
		time.Sleep(d)
	}
}

func (s *storage) Save(raftstate, snapshot []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errStorageClosed
	}
	if s.stop != nil {
		raftstate, snapshot := bytes.Clone(raftstate), bytes.Clone(snapshot)
		s.pending = append(s.pending, func() error { return s.store.Save(raftstate, snapshot) })
		return nil
	}
	err := s.store.Save(raftstate, snapshot)
	s.size.Store(s.store.Size())
	s.slow()
	return err
}

func (s *storage) Append(header []byte, keep int, tail []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errStorageClosed
	}
	if s.stop != nil {
		header, tail := bytes.Clone(header), bytes.Clone(tail)
		s.pending = append(s.pending, func() error { return s.store.Append(header, keep, tail) })
		return nil
	}
	err := s.store.Append(header, keep, tail)
	s.size.Store(s.store.Size())
	s.slow()
	return err
}

// StageSnapshot writes a snapshot aside (raft.SnapshotStager): the slow
// part of saving a big one, which Raft does without its lock. It does not
// take s.mu, so the appends of the peer go on meanwhile; the Store allows
// it beside its other calls. The deliberate bug's lazy writes do not
// apply to it: what it stages is not acknowledged until SaveStaged.
func (s *storage) StageSnapshot(snapshot []byte) (any, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, errStorageClosed
	}
	return s.store.StageSnapshot(snapshot)
}

// SaveStaged saves the state with a staged snapshot, or (staged nil)
// with the one the store holds.
func (s *storage) SaveStaged(raftstate []byte, staged any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errStorageClosed
	}
	if s.stop != nil {
		raftstate := bytes.Clone(raftstate)
		s.pending = append(s.pending, func() error { return s.store.SaveStaged(raftstate, staged) })
		return nil
	}
	err := s.store.SaveStaged(raftstate, staged)
	s.size.Store(s.store.Size())
	s.slow()
	return err
}

// DropStaged removes a staged snapshot that will not be saved; after
// Close it leaves it (the next Open removes it), so that a late drop can
// never touch the files of a store opened again on the same directory.
func (s *storage) DropStaged(staged any) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if !closed {
		s.store.DropStaged(staged)
	}
}

// flusher writes the saves the bug acknowledged early, lazyFlush after
// they were made, until Close.
func (s *storage) flusher() {
	defer close(s.flushed)
	t := time.NewTicker(lazyFlush)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.mu.Lock()
			s.flush()
			s.mu.Unlock()
		case <-s.stop:
			return
		}
	}
}

// flush writes the pending saves. Caller holds s.mu.
func (s *storage) flush() {
	for _, f := range s.pending {
		f() // the bug: no one is told if a late write fails
	}
	s.pending = nil
	s.size.Store(s.store.Size())
}

// Size is the bytes the store holds on disk.
func (s *storage) Size() int64 { return s.size.Load() }

func (s *storage) Close() error {
	if s.stop != nil {
		s.mu.Lock()
		stopped := s.closed
		s.mu.Unlock()
		if !stopped {
			close(s.stop)
			<-s.flushed
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.flush()
	s.closed = true
	return s.store.Close()
}
