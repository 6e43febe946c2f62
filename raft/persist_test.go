package raft

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"raftlab/labgob"
	"raftlab/labrpc"
)

func newBareRaft(n int) *Raft {
	return &Raft{peers: make([]*labrpc.ClientEnd, n), persister: MakePersister(), votedFor: -1, log: newLog(0, 0, nil)}
}

func TestPersistRoundTrip(t *testing.T) {
	rf := newBareRaft(3)
	rf.currentTerm, rf.votedFor = 7, 2
	rf.log = mkLog(4, 3, 3, 5, 7)
	rf.snapshot = []byte("snap")
	rf.persist()
	rf.log.append(Entry{Term: 7, Command: "after"}) // an append persisted incrementally
	rf.persist()

	back := newBareRaft(3)
	if err := back.readPersist(rf.persister.ReadRaftState(), rf.persister.ReadSnapshot()); err != nil {
		t.Fatal(err)
	}
	if back.currentTerm != 7 || back.votedFor != 2 || string(back.snapshot) != "snap" ||
		back.log.snapshotIndex != 4 || back.log.snapshotTerm != 3 || !reflect.DeepEqual(back.log.entries, rf.log.entries) {
		t.Fatalf("restored term %d vote %d snap %q log %d/%d %v; want 7 2 snap 4/3 %v", back.currentTerm, back.votedFor,
			back.snapshot, back.log.snapshotIndex, back.log.snapshotTerm, back.log.entries, rf.log.entries)
	}
}

// The cost of a save after an append must not include re-encoding the log:
// the log's encoding only grows by the new entry.
func TestPersistAppendIsIncremental(t *testing.T) {
	rf := newBareRaft(3)
	rf.currentTerm = 1
	for i := 0; i < 100; i++ {
		rf.log.append(Entry{Term: 1, Command: i})
	}
	rf.persist()
	before := append([]byte(nil), rf.state.buf.Bytes()[headerSize:]...)
	rf.log.append(Entry{Term: 1, Command: 100})
	rf.persist()
	after := rf.state.buf.Bytes()[headerSize:]
	if !bytes.HasPrefix(after, before) || len(after)-len(before) > 32 {
		t.Fatalf("appending one entry rewrote the encoding: %d -> %d bytes", len(before), len(after))
	}
}

// header builds a persisted-state header with the given fields.
func header(term, votedFor, snapIndex, snapTerm int) []byte {
	b := append([]byte(nil), persistMagic[:]...)
	for _, v := range []int{term, votedFor, snapIndex, snapTerm} {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	return b
}

func TestReadPersistRejectsBadState(t *testing.T) {
	good := newBareRaft(3)
	good.currentTerm, good.votedFor = 3, 1
	good.log = mkLog(0, 0, 1, 2, 3)
	good.persist()
	state := good.persister.ReadRaftState()
	entries := state[headerSize:]

	bad := map[string][]byte{
		"no header":                []byte("hello, world"),
		"short":                    state[:3],
		"cut header":               state[:headerSize-1],
		"cut log":                  state[:len(state)-2],
		"old format":               append([]byte("RFT1"), state[4:]...),
		"vote out of range":        append(header(3, 10, 0, 0), entries...),
		"negative term":            append(header(-1, 0, 0, 0), entries...),
		"term goes back":           append(header(1, 0, 0, 0), entries...),
		"snapshot term zero":       header(3, 0, 4, 0),
		"snapshot from the future": header(3, 0, 4, 9),
	}
	for name, data := range bad {
		t.Run(name, func(t *testing.T) {
			rf := newBareRaft(3)
			if err := rf.readPersist(data, nil); err == nil {
				t.Fatalf("readPersist(%q) accepted bad state", data)
			}
			if rf.currentTerm != 0 || rf.votedFor != -1 || rf.log.lastIndex() != 0 {
				t.Fatalf("a failed readPersist changed the peer: term %d vote %d last %d",
					rf.currentTerm, rf.votedFor, rf.log.lastIndex())
			}
		})
	}
	// And the good one is read back.
	rf := newBareRaft(3)
	if err := rf.readPersist(state, nil); err != nil || rf.currentTerm != 3 || rf.votedFor != 1 || rf.log.lastIndex() != 3 {
		t.Fatalf("good state: err %v term %d vote %d last %d", err, rf.currentTerm, rf.votedFor, rf.log.lastIndex())
	}
}

// A peer whose storage is corrupt must not panic, must not take part, and
// must leave the bytes where they are.
func TestMakeWithCorruptStateStaysDown(t *testing.T) {
	net := labrpc.MakeNetwork()
	defer net.Cleanup()
	end := net.MakeEnd("corrupt-0")
	ps := MakePersister()
	garbage := []byte("RFT2\xff\xff\xff")
	ps.Save(garbage, []byte("snap"))
	rf := Make([]*labrpc.ClientEnd{end}, 0, ps, make(chan ApplyMsg))
	if _, isLeader := rf.GetState(); isLeader {
		t.Fatal("a peer with corrupt state claims leadership")
	}
	if _, _, ok := rf.Start(1); ok {
		t.Fatal("a peer with corrupt state accepted a command")
	}
	rf.Kill()
	if !bytes.Equal(ps.ReadRaftState(), garbage) || string(ps.ReadSnapshot()) != "snap" {
		t.Fatal("the corrupt state was overwritten")
	}
}

// Whatever mix of appends, term changes, truncations, compactions and
// foreign saves came before, what is persisted reads back as the peer's
// state, and plain appends are saved incrementally.
func TestIncrementalPersistReadsBack(t *testing.T) {
	rf := newBareRaft(3)
	check := func(step string) {
		t.Helper()
		back := newBareRaft(3)
		if err := back.readPersist(rf.persister.ReadRaftState(), rf.persister.ReadSnapshot()); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if back.currentTerm != rf.currentTerm || back.votedFor != rf.votedFor ||
			back.log.snapshotIndex != rf.log.snapshotIndex || back.log.snapshotTerm != rf.log.snapshotTerm ||
			!reflect.DeepEqual(back.log.entries, rf.log.entries) || string(back.snapshot) != string(rf.snapshot) {
			t.Fatalf("%s: read back term %d vote %d snap %d/%d %q entries %v; peer has %d %d %d/%d %q %v", step,
				back.currentTerm, back.votedFor, back.log.snapshotIndex, back.log.snapshotTerm, back.snapshot, back.log.entries,
				rf.currentTerm, rf.votedFor, rf.log.snapshotIndex, rf.log.snapshotTerm, rf.snapshot, rf.log.entries)
		}
	}
	rf.currentTerm = 1
	rf.log.append(Entry{1, "a"}, Entry{1, 2})
	rf.persist()
	check("first save")
	full := rf.state.saved.saves

	rf.log.append(Entry{1, "c"})
	rf.persist()
	check("append")
	if rf.state.builds != 1 || rf.state.saved.saves != full+1 {
		t.Fatalf("an append was not saved incrementally: %d builds, %+v", rf.state.builds, rf.state.saved)
	}
	rf.currentTerm, rf.votedFor = 3, 2
	rf.persist()
	check("term and vote")

	rf.log.truncateFrom(2)
	rf.log.append(Entry{3, []byte("new")})
	rf.persist()
	check("truncate and append")

	rf.log.compact(2, 3, nil)
	rf.snapshot = []byte("snapshot-2")
	rf.persist()
	check("compaction")

	rf.persister.Save([]byte("foreign"), nil) // someone else wrote: the next save must be whole
	rf.log.append(Entry{3, 7})
	rf.persist()
	check("after a foreign save")
}

// The encoding must always decode to the log itself, whatever sequence of
// appends, truncations, compactions and replacements produced it.
func TestStateEncoderFollowsTheLog(t *testing.T) {
	var s stateEncoder
	l := mkLog(0, 0)
	check := func(step string) {
		t.Helper()
		s.follow(l)
		got, err := decodeEntries(labgob.NewDecoder(bytes.NewReader(s.buf.Bytes()[headerSize:])))
		if err != nil {
			t.Fatalf("%s: decode: %v", step, err)
		}
		if len(got) != len(l.entries) || (len(got) > 0 && !reflect.DeepEqual(got, l.entries)) {
			t.Fatalf("%s: encoding decodes to %v, log holds %v", step, got, l.entries)
		}
	}
	check("empty")
	l.append(Entry{1, 10}, Entry{1, "x"})
	check("append")
	l.append(Entry{2, 30})
	check("append again")
	l.truncateFrom(2)
	check("truncate")
	l.append(Entry{3, []byte("bytes")}, Entry{3, 40})
	check("append after truncate")
	l.truncateFrom(3)
	l.append(Entry{4, 1}, Entry{4, 2}) // as long as before the truncation
	check("truncate and append back to the same length")
	l.compact(2, 3, nil)
	check("compact")
	l.append(Entry{4, 50})
	check("append after compact")
	l = mkLog(2, 3, 4) // a new log, same snapshot, one entry fewer
	check("replaced log")
	l.append(Entry{4, 60}, Entry{4, 70})
	check("append to the replaced log")
}

// A new log mutation must not slip past the saved state: after any change,
// persistLog saves, and with nothing changed it does not.
func TestPersistLogSeesEveryChange(t *testing.T) {
	rf := newBareRaft(3)
	rf.currentTerm = 4
	saves := func() uint64 { return rf.state.saved.saves }
	steps := []struct {
		name   string
		change func()
	}{
		{"append", func() { rf.log.append(Entry{4, "a"}, Entry{4, "b"}) }},
		{"truncate", func() { rf.log.truncateFrom(2) }},
		{"truncate and append back", func() { rf.log.truncateFrom(2); rf.log.append(Entry{4, "c"}) }},
		{"compact", func() { rf.log.compact(1, 4, nil) }},
	}
	for _, st := range steps {
		st.change()
		before := saves()
		rf.persistLog()
		if saves() == before {
			t.Fatalf("after %s, persistLog did not save", st.name)
		}
		before = saves()
		rf.persistLog()
		if saves() != before {
			t.Fatalf("after %s, a second persistLog saved again with nothing changed", st.name)
		}
		back := newBareRaft(3)
		if err := back.readPersist(rf.persister.ReadRaftState(), nil); err != nil ||
			!reflect.DeepEqual(back.log.entries, rf.log.entries) || back.log.snapshotIndex != rf.log.snapshotIndex {
			t.Fatalf("after %s: read back %v (snapshot %d), err %v; peer has %v (snapshot %d)", st.name,
				back.log.entries, back.log.snapshotIndex, err, rf.log.entries, rf.log.snapshotIndex)
		}
	}
}

func TestDecodeEntriesRejectsGarbage(t *testing.T) {
	var s stateEncoder
	s.follow(mkLog(0, 0, 1, 1, 2))
	good := append([]byte(nil), s.buf.Bytes()[headerSize:]...)
	for name, data := range map[string][]byte{
		"truncated": good[:len(good)-3],
		"garbage":   []byte("definitely not a gob stream"),
	} {
		if _, err := decodeEntries(labgob.NewDecoder(bytes.NewReader(data))); err == nil {
			t.Errorf("%s: decodeEntries returned no error", name)
		}
	}
}

// A command whose type was never registered panics from persist.go, naming
// the type and the index.
func TestUnregisteredCommandPanicsWithItsType(t *testing.T) {
	type notRegistered struct{ X func() }
	rf := newBareRaft(3)
	rf.currentTerm = 1
	rf.log.append(Entry{1, notRegistered{}})
	defer func() {
		msg := fmt.Sprint(recover())
		if !strings.Contains(msg, "notRegistered") || !strings.Contains(msg, "index 1") {
			t.Fatalf("panic %q does not name the type and the index", msg)
		}
	}()
	rf.persist()
}

// A changeable peer persists RFT3: the snapshot's configuration, and
// configuration entries in the log; both come back, and bad ones are
// refused.
func TestPersistConfiguration(t *testing.T) {
	newMember := func() *Raft {
		rf := &Raft{persister: MakePersister(), votedFor: -1, log: newLog(0, 0, nil), dial: func(Server) *labrpc.ClientEnd { return nil }}
		rf.state.withConfig = true
		return rf
	}
	rf := newMember()
	rf.currentTerm = 3
	snapCfg := Configuration{Servers: []Server{{ID: 0, Addr: "a"}, {ID: 2, Addr: "c"}}}
	rf.log = mkLog(4, 2, 3)
	rf.log.snapshotConfig = &snapCfg
	rf.log.append(Entry{Term: 3, Command: Configuration{Servers: []Server{{ID: 0, Addr: "a"}, {ID: 2, Addr: "c"}, {ID: 7, Addr: "h", Learner: true}}}})
	rf.persist()
	back := newMember()
	if err := back.readPersist(rf.persister.ReadRaftState(), nil); err != nil {
		t.Fatal(err)
	}
	if back.log.snapshotConfig == nil || !slices.Equal(back.log.snapshotConfig.Servers, snapCfg.Servers) {
		t.Fatalf("snapshot configuration %v, want %v", back.log.snapshotConfig, snapCfg)
	}
	got, index, ok := back.log.lastConfig(back.log.firstIndex())
	if !ok || index != 6 || got.String() != "{0 2 7L}" {
		t.Fatalf("last configuration %v at %d (%v), want {0 2 7L} at 6", got, index, ok)
	}

	bad := newMember()
	bad.currentTerm = 1
	bad.log.append(Entry{Term: 1, Command: Configuration{Servers: []Server{{ID: 2}, {ID: 1}}}})
	bad.persist()
	if err := newMember().readPersist(bad.persister.ReadRaftState(), nil); err == nil {
		t.Fatal("a persisted configuration with unsorted ids was accepted")
	}
}
