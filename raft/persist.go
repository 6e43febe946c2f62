package raft

import (
	"encoding/binary"
	"fmt"
)

// The persisted Raft state is a fixed-width header followed by the log's
// gob stream (see raftLog):
//
//	"RFT2"  currentTerm votedFor snapshotIndex snapshotTerm  (int64, big-endian)
//	entries after the snapshot, one gob value each
//
// The log keeps its encoding, header room included, in one buffer that only
// grows by the new entries' encodings; persist writes the header into it and
// hands it to Persister.Save. A save after an append so costs the new
// entries' encoding and the Persister's one copy, not a re-encoding of the
// log. The snapshot is saved with the state in the same Save call.

var persistMagic = [4]byte{'R', 'F', 'T', '2'}

const headerSize = len(persistMagic) + 4*8

// savedState is what the peer last saved, for incremental saves: if the log's
// encoding was not rebuilt since, and nobody else saved to the Persister, the
// saved state is a prefix of the encoding (bar the header), and only the
// bytes after it need saving, with the new header. A compaction (the only
// time the snapshot changes) always rebuilds the encoding, so an
// incremental save never needs to touch the snapshot.
type savedState struct {
	saves    uint64 // the Persister's save count after our last save; 0: none yet
	rebuilds int    // the log's rebuild count at our last save
	length   int    // bytes of state saved
}

// persist saves the persistent state (Figure 2) and the snapshot, together.
// Caller holds rf.mu.
func (rf *Raft) persist() {
	buf := rf.log.encoded()
	copy(buf, persistMagic[:])
	for k, v := range []int{rf.currentTerm, rf.votedFor, rf.log.snapshotIndex, rf.log.snapshotTerm} {
		binary.BigEndian.PutUint64(buf[len(persistMagic)+8*k:], uint64(v))
	}
	ok := false
	if s := rf.saved; s.saves != 0 && s.rebuilds == rf.log.rebuilds && s.length <= len(buf) {
		rf.saved.saves, ok = rf.persister.saveAppend(s.saves, buf[:headerSize], s.length, buf[s.length:])
	}
	if !ok {
		rf.saved.saves = rf.persister.save(buf, rf.snapshot)
	}
	rf.saved.rebuilds, rf.saved.length = rf.log.rebuilds, len(buf)
	rf.logDirty = false
	rf.dlog(tPersist, "saved term %d vote %d log (%d, %d]: %d bytes, snapshot %d bytes",
		rf.currentTerm, rf.votedFor, rf.log.snapshotIndex, rf.log.lastIndex(), len(buf), len(rf.snapshot))
}

// persistIfDirty persists if entries were appended since the last save.
// Caller holds rf.mu.
func (rf *Raft) persistIfDirty() {
	if rf.logDirty {
		rf.persist()
	}
}

// readPersist restores what persist saved. Empty state means a fresh peer.
// Bad bytes are an error, and nothing is changed.
func (rf *Raft) readPersist(state, snapshot []byte) error {
	if len(state) == 0 {
		return nil
	}
	if len(state) < headerSize || [4]byte(state[:4]) != persistMagic {
		return fmt.Errorf("persisted state of %d bytes does not start with a %d-byte RFT2 header", len(state), headerSize)
	}
	var fields [4]int
	for k := range fields {
		fields[k] = int(int64(binary.BigEndian.Uint64(state[len(persistMagic)+8*k:])))
	}
	rest := state[headerSize:]
	term, votedFor, snapIndex, snapTerm := fields[0], fields[1], fields[2], fields[3]
	if term < 0 || votedFor < -1 || votedFor >= len(rf.peers) || snapIndex < 0 || snapTerm < 0 ||
		snapTerm > term || (snapIndex == 0) != (snapTerm == 0) {
		return fmt.Errorf("persisted header is inconsistent: term %d votedFor %d snapshot %d/%d",
			term, votedFor, snapIndex, snapTerm)
	}
	entries, err := decodeEntries(rest)
	if err != nil {
		return fmt.Errorf("persisted log: %w", err)
	}
	prev := snapTerm
	for k, e := range entries {
		if e.Term < prev || e.Term > term {
			return fmt.Errorf("persisted log: entry %d has term %d after %d (current term %d)",
				snapIndex+1+k, e.Term, prev, term)
		}
		prev = e.Term
	}
	rf.currentTerm, rf.votedFor = term, votedFor
	rf.log = newLog(snapIndex, snapTerm, entries)
	rf.snapshot = snapshot
	return nil
}
