package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The persisted Raft state is a small header followed by the log's gob
// stream (see raftLog):
//
//	"RFT1" currentTerm votedFor snapshotIndex snapshotTerm  (varints)
//	entries after the snapshot, one gob value each
//
// The header is rewritten on every save; the log's encoding is kept by the
// log and only grows by the new entries, so a save after an append costs
// the new entries' encoding and memory copies, not a re-encoding of the log.
// The snapshot is saved with the state in the same Persister.Save call.

var persistMagic = []byte("RFT1")

// persist saves the persistent state (Figure 2) and the snapshot, together.
// Caller holds rf.mu.
func (rf *Raft) persist() {
	entries := rf.log.encoded()
	buf := make([]byte, 0, len(persistMagic)+4*binary.MaxVarintLen64+len(entries))
	buf = append(buf, persistMagic...)
	for _, v := range []int{rf.currentTerm, rf.votedFor, rf.log.snapshotIndex, rf.log.snapshotTerm} {
		buf = binary.AppendVarint(buf, int64(v))
	}
	buf = append(buf, entries...)
	rf.persister.Save(buf, rf.snapshot)
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
	if len(state) < len(persistMagic) || string(state[:len(persistMagic)]) != string(persistMagic) {
		return errors.New("persisted state does not start with the RFT1 header")
	}
	rest := state[len(persistMagic):]
	var fields [4]int
	for k := range fields {
		v, n := binary.Varint(rest)
		if n <= 0 {
			return fmt.Errorf("persisted header field %d is truncated or malformed", k)
		}
		fields[k], rest = int(v), rest[n:]
	}
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
