package raft

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"raftlab/labgob"
)

// Everything about what a peer persists, and how, is in this file.
//
// The persisted Raft state is a fixed-width header followed by the log's
// gob stream:
//
//	"RFT2"  currentTerm votedFor snapshotIndex snapshotTerm  (int64, big-endian)
//	entries after the snapshot, one gob value each
//
// A peer made by MakeMember writes "RFT3" instead, and its gob stream starts
// with one more value: the Configuration in force at snapshotIndex (the
// snapshot's, or the initial one). Configuration entries are entries like
// any other, whose Command is a Configuration. Either kind is read by either
// peer.
//
// The snapshot is saved with the state in the same Persister call.
//
// Saves are incremental. stateEncoder keeps the state's bytes, header room
// included, in one buffer that only grows by the new entries' encodings
// while the log only grows; a save writes the header into it and hands the
// Persister only the bytes added since the last save (Persister.saveAppend).
// A save after an append so costs the new entries' encoding and their copy,
// not the whole log's. A gob stream sends each type's definition once,
// before its first value, so cutting it in the middle could lose
// definitions that later values rely on: after a truncation or compaction
// (rare; the log's epoch says so) the stream is rebuilt in one pass, and
// saved whole.

var (
	persistMagic       = [4]byte{'R', 'F', 'T', '2'}
	persistMagicConfig = [4]byte{'R', 'F', 'T', '3'}
)

const headerSize = len(persistMagic) + 4*8

// persistentHeader is Figure 2's persistent state bar the log, and where
// the log starts (Figure 13).
type persistentHeader struct {
	currentTerm   int
	votedFor      int
	snapshotIndex int
	snapshotTerm  int
}

func (h persistentHeader) fields() [4]int {
	return [4]int{h.currentTerm, h.votedFor, h.snapshotIndex, h.snapshotTerm}
}

// stateEncoder keeps a peer's persisted state encoded, and knows what of it
// the Persister already holds. It follows the log by looking at it: entries
// past those it encoded were appended; a different epoch or snapshot index
// means the log was rewritten.
type stateEncoder struct {
	buf     bytes.Buffer // headerSize bytes of room, then the entries' gob stream
	encoder *labgob.LabEncoder
	log     *raftLog // the log the stream was built from; nil before the first build
	epoch   uint64   // its epoch then
	base    int      // the log's snapshotIndex when the stream was built
	count   int      // entries encoded: indexes base+1 .. base+count
	// ends[k] is where the encoding of entry base+1+k ends in buf, and
	// first where the first one starts: the entries' sizes, for the byte
	// budget of an AppendEntries (batchEnd).
	ends   []int
	first  int
	builds int // times the stream was (re)built: bytes once written may have changed
	// withConfig: the stream starts with the snapshot's configuration
	// (RFT3). Set once, before the first save.
	withConfig bool
	initial    Configuration // recorded when the log has no snapshotConfig

	saved savedState
}

// savedState is what the encoder last saved. If the stream was not rebuilt
// since, and nobody else saved to the Persister, the saved bytes are a
// prefix of the stream (bar the header), and only the bytes after them need
// saving. A compaction (the only time the snapshot changes) always rebuilds
// the stream, so an incremental save never needs to touch the snapshot.
type savedState struct {
	saves  uint64 // the Persister's save count after our last save; 0: none yet
	builds int    // the encoder's build count at our last save
	length int    // bytes of state saved
	count  int    // entries saved
}

// follow brings the stream up to date with the log.
func (s *stateEncoder) follow(l *raftLog) {
	if s.log != l || s.epoch != l.epoch || s.base != l.snapshotIndex || s.count > len(l.entries) {
		s.buf.Reset()
		s.buf.Write(make([]byte, headerSize))
		s.encoder = labgob.NewEncoder(&s.buf)
		s.log, s.epoch, s.base, s.count = l, l.epoch, l.snapshotIndex, 0
		s.builds++
		if s.withConfig {
			cfg := s.initial
			if l.snapshotConfig != nil {
				cfg = *l.snapshotConfig
			}
			if err := s.encoder.Encode(&cfg); err != nil {
				panic(fmt.Sprintf("raft: peer %d cannot encode its configuration %v: %v", l.peer, cfg, err))
			}
		}
		s.ends, s.first = s.ends[:0], s.buf.Len()
	}
	for ; s.count < len(l.entries); s.count++ {
		if err := s.encoder.Encode(&l.entries[s.count]); err != nil {
			panic(fmt.Sprintf("raft: peer %d cannot encode the command of type %T at index %d: %v (register it with labgob.Register)",
				l.peer, l.entries[s.count].Command, l.snapshotIndex+1+s.count, err))
		}
		s.ends = append(s.ends, s.buf.Len())
	}
}

// batchEnd returns the end (exclusive) of the longest run of entries from
// index from, before to, whose encodings add up to at most budget bytes;
// always at least one entry, so that an entry larger than the budget still
// moves (alone). The stream must follow the log (follow) and hold from..to-1.
func (s *stateEncoder) batchEnd(from, to, budget int) int {
	if to <= from+1 {
		return to
	}
	k := from - s.base - 1
	start := s.first
	if k > 0 {
		start = s.ends[k-1]
	}
	end := from + 1
	for ; end < to && s.ends[end-s.base-1]-start <= budget; end++ {
	}
	return end
}

// holds reports whether the last save has every entry of the log.
func (s *stateEncoder) holds(l *raftLog) bool {
	return s.saved.saves != 0 && s.saved.builds == s.builds &&
		s.log == l && s.epoch == l.epoch && s.base == l.snapshotIndex && s.saved.count == len(l.entries)
}

// encode brings the stream up to date with the log and writes h into its
// header, and returns the whole state's bytes.
func (s *stateEncoder) encode(h persistentHeader, l *raftLog) []byte {
	s.follow(l)
	buf := s.buf.Bytes()
	if s.withConfig {
		copy(buf, persistMagicConfig[:])
	} else {
		copy(buf, persistMagic[:])
	}
	for k, v := range h.fields() {
		binary.BigEndian.PutUint64(buf[len(persistMagic)+8*k:], uint64(v))
	}
	return buf
}

// saveStaged persists h and the log, with a new snapshot already staged
// (Persister.stageSnapshot), in full. It returns the size of the state.
func (s *stateEncoder) saveStaged(p *Persister, h persistentHeader, l *raftLog, staged *stagedSnapshot) int {
	buf := s.encode(h, l)
	s.saved.saves = p.saveStaged(buf, staged)
	s.saved.builds, s.saved.length, s.saved.count = s.builds, len(buf), s.count
	return len(buf)
}

// save persists h, the log and the snapshot, incrementally when it can. It
// returns the size of the state saved.
func (s *stateEncoder) save(p *Persister, h persistentHeader, l *raftLog, snapshot []byte) int {
	buf := s.encode(h, l)
	ok := false
	if prev := s.saved; prev.saves != 0 && prev.builds == s.builds && prev.length <= len(buf) {
		s.saved.saves, ok = p.saveAppend(prev.saves, buf[:headerSize], prev.length, buf[prev.length:])
	}
	if !ok {
		s.saved.saves = p.save(buf, snapshot)
	}
	s.saved.builds, s.saved.length, s.saved.count = s.builds, len(buf), s.count
	return len(buf)
}

// decodeState reads what save wrote, for server ids below idLimit; config
// is the snapshot's configuration, nil if none was recorded (RFT2). Bad
// bytes are an error.
func decodeState(state []byte, idLimit int) (h persistentHeader, config *Configuration, entries []Entry, err error) {
	if len(state) < headerSize || ([4]byte(state[:4]) != persistMagic && [4]byte(state[:4]) != persistMagicConfig) {
		return h, nil, nil, fmt.Errorf("persisted state of %d bytes does not start with a %d-byte RFT2 or RFT3 header", len(state), headerSize)
	}
	var f [4]int
	for k := range f {
		f[k] = int(int64(binary.BigEndian.Uint64(state[len(persistMagic)+8*k:])))
	}
	h = persistentHeader{currentTerm: f[0], votedFor: f[1], snapshotIndex: f[2], snapshotTerm: f[3]}
	if h.currentTerm < 0 || h.votedFor < -1 || h.votedFor >= idLimit || h.snapshotIndex < 0 || h.snapshotTerm < 0 ||
		h.snapshotTerm > h.currentTerm || (h.snapshotIndex == 0) != (h.snapshotTerm == 0) {
		return h, nil, nil, fmt.Errorf("persisted header is inconsistent: term %d votedFor %d snapshot %d/%d",
			h.currentTerm, h.votedFor, h.snapshotIndex, h.snapshotTerm)
	}
	dec := labgob.NewDecoder(bytes.NewReader(state[headerSize:]))
	if [4]byte(state[:4]) == persistMagicConfig {
		var c Configuration
		if err := dec.Decode(&c); err != nil {
			return h, nil, nil, fmt.Errorf("persisted snapshot configuration: %w", err)
		}
		if err := c.validate(); err != nil {
			return h, nil, nil, fmt.Errorf("persisted snapshot configuration: %w", err)
		}
		config = &c
	}
	entries, err = decodeEntries(dec)
	if err == nil {
		err = checkEntryTerms(entries, h.snapshotIndex+1, h.snapshotTerm, h.currentTerm)
	}
	if err == nil {
		err = checkConfigs(entries)
	}
	if err != nil {
		return h, nil, nil, fmt.Errorf("persisted log: %w", err)
	}
	return h, config, entries, nil
}

// decodeEntries reads the rest of a gob stream as entries.
func decodeEntries(dec *labgob.LabDecoder) ([]Entry, error) {
	var entries []Entry
	for {
		var e Entry
		switch err := dec.Decode(&e); {
		case errors.Is(err, io.EOF):
			return entries, nil
		case err != nil:
			return nil, fmt.Errorf("log entry %d: %w", len(entries)+1, err)
		}
		entries = append(entries, e)
	}
}

// persist saves the persistent state (Figure 2) and the snapshot, together.
// Caller holds rf.mu.
func (rf *Raft) persist() {
	n := rf.state.save(rf.persister, persistentHeader{rf.currentTerm, rf.votedFor, rf.log.snapshotIndex, rf.log.snapshotTerm},
		rf.log, rf.snapshot)
	rf.dlog(tPersist, "saved term %d vote %d log (%d, %d]: %d bytes, snapshot %d bytes",
		rf.currentTerm, rf.votedFor, rf.log.snapshotIndex, rf.log.lastIndex(), n, len(rf.snapshot))
}

// persistStaged is persist with a new snapshot, staged by
// Persister.stageSnapshot, that is rf.snapshot. Caller holds rf.mu.
func (rf *Raft) persistStaged(staged *stagedSnapshot) {
	n := rf.state.saveStaged(rf.persister, persistentHeader{rf.currentTerm, rf.votedFor, rf.log.snapshotIndex, rf.log.snapshotTerm},
		rf.log, staged)
	rf.dlog(tPersist, "saved term %d vote %d log (%d, %d]: %d bytes, new snapshot %d bytes",
		rf.currentTerm, rf.votedFor, rf.log.snapshotIndex, rf.log.lastIndex(), n, len(rf.snapshot))
}

// persistLog persists if the log changed since the last save (Start only
// appends in memory). Caller holds rf.mu.
func (rf *Raft) persistLog() {
	if !rf.state.holds(rf.log) {
		rf.persist()
	}
}

// readPersist restores what persist saved. Empty state means a fresh peer.
// Bad bytes are an error, and nothing is changed.
func (rf *Raft) readPersist(state, snapshot []byte) error {
	if len(state) == 0 {
		return nil
	}
	h, config, entries, err := decodeState(state, rf.idLimit())
	if err != nil {
		return err
	}
	rf.currentTerm, rf.votedFor = h.currentTerm, h.votedFor
	rf.log = newLog(h.snapshotIndex, h.snapshotTerm, entries)
	rf.log.snapshotConfig = config
	rf.snapshot = snapshot
	return nil
}
