package raft

import (
	"bytes"
	"reflect"
	"testing"

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
	before := rf.log.enc.Bytes()
	rf.log.append(Entry{Term: 1, Command: 100})
	rf.persist()
	after := rf.log.enc.Bytes()
	if !bytes.HasPrefix(after, before) || len(after)-len(before) > 32 {
		t.Fatalf("appending one entry rewrote the encoding: %d -> %d bytes", len(before), len(after))
	}
}

func TestReadPersistRejectsBadState(t *testing.T) {
	good := newBareRaft(3)
	good.currentTerm, good.votedFor = 3, 1
	good.log = mkLog(0, 0, 1, 2, 3)
	good.persist()
	state := good.persister.ReadRaftState()

	bad := map[string][]byte{
		"no header":          []byte("hello, world"),
		"short":              state[:3],
		"cut header":         state[:5],
		"cut log":            state[:len(state)-2],
		"vote out of range":  append(append([]byte("RFT1"), 6, 20, 0, 0), state[8:]...),
		"term goes back":     append(append([]byte("RFT1"), 2, 0, 0, 0), state[8:]...),
		"snapshot term zero": append([]byte("RFT1"), 6, 0, 4, 0),
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
}

// A peer whose storage is corrupt must not panic, must not take part, and
// must leave the bytes where they are.
func TestMakeWithCorruptStateStaysDown(t *testing.T) {
	net := labrpc.MakeNetwork()
	defer net.Cleanup()
	end := net.MakeEnd("corrupt-0")
	ps := MakePersister()
	garbage := []byte("RFT1\xff\xff\xff")
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
