package node

import (
	"sync"
	"sync/atomic"

	"raftlab/cluster/disk"
)

// storage is the node's raft.Storage: the disk Store, with its size kept
// where /status can read it while Raft writes (a Store is not safe for
// concurrent use), and a close that later writes see as an error rather
// than a closed file.
type storage struct {
	mu     sync.Mutex // serializes the Store's calls; the Persister already does, Close does not
	store  *disk.Store
	closed bool
	size   atomic.Int64 // store.Size() after the last call
}

func newStorage(s *disk.Store) *storage {
	st := &storage{store: s}
	st.size.Store(s.Size())
	return st
}

func (s *storage) Save(raftstate, snapshot []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errStorageClosed
	}
	err := s.store.Save(raftstate, snapshot)
	s.size.Store(s.store.Size())
	return err
}

func (s *storage) Append(header []byte, keep int, tail []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errStorageClosed
	}
	err := s.store.Append(header, keep, tail)
	s.size.Store(s.store.Size())
	return err
}

// Size is the bytes the store holds on disk.
func (s *storage) Size() int64 { return s.size.Load() }

func (s *storage) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.store.Close()
}
