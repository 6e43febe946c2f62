package raft

import "fmt"

// Entry is one log entry: a command and the term in which a leader received it.
type Entry struct {
	Term    int
	Command any
}

// raftLog is the peer's log after its snapshot. All index arithmetic across
// the snapshot boundary lives here: every other file speaks in Raft indexes.
//
// The entry at index snapshotIndex is represented only by its term,
// snapshotTerm (index 0 with term 0 before any snapshot, a sentinel that
// matches every log). entries[k] holds index snapshotIndex+1+k.
//
// The log changes in two ways only: append adds entries at the end, and
// rewrite (under truncateFrom and compact) replaces what it holds and bumps
// epoch. Whoever keeps something derived from the log (persist.go keeps its
// encoding) extends it after an append and rebuilds it when epoch moved, so
// no change can slip past it unnoticed.
type raftLog struct {
	peer          int // whose log, for panic messages
	snapshotIndex int
	snapshotTerm  int
	entries       []Entry
	epoch         uint64 // counts rewrites: entries once held may have changed
	// snapshotConfig is the configuration in force at snapshotIndex, as
	// the snapshot recorded it; nil if none was (a fixed configuration,
	// or no snapshot and nothing persisted with one).
	snapshotConfig *Configuration
}

func newLog(snapshotIndex, snapshotTerm int, entries []Entry) *raftLog {
	return &raftLog{snapshotIndex: snapshotIndex, snapshotTerm: snapshotTerm, entries: entries}
}

// fail panics on a broken invariant: an index outside the log's range.
func (l *raftLog) fail(msg string) {
	panic(fmt.Sprintf("raft: peer %d: %s", l.peer, msg))
}

// firstIndex is the index of the first entry held (one past the snapshot).
func (l *raftLog) firstIndex() int { return l.snapshotIndex + 1 }

// lastIndex is the index of the last entry, or the snapshot's if none.
func (l *raftLog) lastIndex() int { return l.snapshotIndex + len(l.entries) }

// lastTerm is the term of the last entry, or the snapshot's if none.
func (l *raftLog) lastTerm() int { return l.term(l.lastIndex()) }

// has reports whether term(i) is known: snapshotIndex <= i <= lastIndex.
func (l *raftLog) has(i int) bool { return i >= l.snapshotIndex && i <= l.lastIndex() }

// term returns the term of the entry at index i, which must satisfy has(i).
func (l *raftLog) term(i int) int {
	if !l.has(i) {
		l.fail(fmt.Sprintf("raftLog.term(%d): outside [%d, %d]", i, l.snapshotIndex, l.lastIndex()))
	}
	if i == l.snapshotIndex {
		return l.snapshotTerm
	}
	return l.entries[i-l.snapshotIndex-1].Term
}

// entry returns the entry at index i, which must be after the snapshot.
func (l *raftLog) entry(i int) Entry {
	if i <= l.snapshotIndex || i > l.lastIndex() {
		l.fail(fmt.Sprintf("raftLog.entry(%d): outside [%d, %d]", i, l.firstIndex(), l.lastIndex()))
	}
	return l.entries[i-l.snapshotIndex-1]
}

// slice returns a copy of the entries at indexes [from, to).
func (l *raftLog) slice(from, to int) []Entry {
	if from <= l.snapshotIndex || to > l.lastIndex()+1 || from > to {
		l.fail(fmt.Sprintf("raftLog.slice(%d, %d): outside [%d, %d]", from, to, l.firstIndex(), l.lastIndex()+1))
	}
	out := make([]Entry, to-from)
	copy(out, l.entries[from-l.snapshotIndex-1:to-l.snapshotIndex-1])
	return out
}

// append adds entries at the end of the log.
func (l *raftLog) append(entries ...Entry) {
	l.entries = append(l.entries, entries...)
}

// rewrite replaces the log's contents: every change but an append at the
// end goes through here.
func (l *raftLog) rewrite(snapshotIndex, snapshotTerm int, entries []Entry) {
	l.snapshotIndex, l.snapshotTerm, l.entries = snapshotIndex, snapshotTerm, entries
	l.epoch++
}

// truncateFrom discards the entries at index i and after; i must be after
// the snapshot.
func (l *raftLog) truncateFrom(i int) {
	if i <= l.snapshotIndex || i > l.lastIndex()+1 {
		l.fail(fmt.Sprintf("raftLog.truncateFrom(%d): outside [%d, %d]", i, l.firstIndex(), l.lastIndex()+1))
	}
	k := i - l.snapshotIndex - 1
	clear(l.entries[k:]) // let the garbage collector have the commands
	l.rewrite(l.snapshotIndex, l.snapshotTerm, l.entries[:k])
}

// compact discards the log through index, which becomes the snapshot's last
// included index with the given term and configuration (nil: none
// recorded). Entries after index are kept if the
// log holds index with that term; otherwise the whole log is discarded, as
// it conflicts with (or falls short of) the snapshot.
func (l *raftLog) compact(index, term int, config *Configuration) {
	if index <= l.snapshotIndex {
		l.fail(fmt.Sprintf("raftLog.compact(%d): not past the snapshot at %d", index, l.snapshotIndex))
	}
	var rest []Entry
	if index <= l.lastIndex() && l.term(index) == term {
		rest = append([]Entry(nil), l.entries[index-l.snapshotIndex:]...)
	}
	l.snapshotConfig = config
	l.rewrite(index, term, rest)
}

// lastConfig returns the last configuration entry at index from or after,
// and its index; ok is false if there is none. from must be after the
// snapshot.
func (l *raftLog) lastConfig(from int) (cfg Configuration, index int, ok bool) {
	if from <= l.snapshotIndex {
		l.fail(fmt.Sprintf("raftLog.lastConfig(%d): not after the snapshot at %d", from, l.snapshotIndex))
	}
	for i := l.lastIndex(); i >= from; i-- {
		if c, ok := l.entries[i-l.snapshotIndex-1].Command.(Configuration); ok {
			return c, i, true
		}
	}
	return Configuration{}, 0, false
}

// firstIndexOfTerm returns the first index, at or after the snapshot, of the
// run of entries with the same term as the entry at i.
func (l *raftLog) firstIndexOfTerm(i int) int {
	t := l.term(i)
	for i > l.snapshotIndex && l.term(i-1) == t {
		i--
	}
	return i
}

// lastIndexOfTerm returns the last index holding term t, or -1 if the log
// (down to the snapshot) holds no entry of that term.
func (l *raftLog) lastIndexOfTerm(t int) int {
	for i := l.lastIndex(); i >= l.snapshotIndex; i-- {
		switch lt := l.term(i); {
		case lt == t:
			return i
		case lt < t:
			return -1 // terms only decrease going back
		}
	}
	return -1
}

// checkEntryTerms checks the rule every log obeys (§5.3): terms never
// decrease along the log, and none is past the term of whoever holds or
// sends it. entries start at index first, after an entry of term prev.
func checkEntryTerms(entries []Entry, first, prev, maxTerm int) error {
	for k, e := range entries {
		if e.Term < prev || e.Term > maxTerm {
			return fmt.Errorf("entry %d has term %d after term %d (current term %d)", first+k, e.Term, prev, maxTerm)
		}
		prev = e.Term
	}
	return nil
}
