package raft

import (
	"testing"
	"time"

	"raftlab/labrpc"
)

// Each test's debug lines count from when its network was made, not from
// the first line of the process, so a second test in one go test run does
// not start at thousands of milliseconds.
func TestDebugClockStartsWithTheNetwork(t *testing.T) {
	before := time.Now()
	first := labrpc.MakeNetwork()
	defer first.Cleanup()
	between := time.Now()
	second := labrpc.MakeNetwork()
	defer second.Cleanup()
	after := time.Now()
	// Each network's time lies within the bracket of its making.
	for _, c := range []struct {
		net       *labrpc.Network
		from, til time.Time
	}{{first, before, between}, {second, between, after}} {
		end := c.net.MakeEnd("end")
		made := end.NetworkMade()
		if made.Before(c.from) || made.After(c.til) {
			t.Fatalf("network made between %v and %v says it was made at %v", c.from, c.til, made)
		}
		rf := &Raft{peers: []*labrpc.ClientEnd{end}, me: 0}
		if got := rf.debugClock(); !got.Equal(made) {
			t.Fatalf("debug clock %v, want the network's %v", got, made)
		}
	}
	// A peer whose end has no network falls back to the process clock.
	debugOn()
	rf := &Raft{peers: []*labrpc.ClientEnd{nil}, me: 0}
	if got := rf.debugClock(); !got.Equal(debug.start) {
		t.Fatalf("debug clock %v without a network, want the process's %v", got, debug.start)
	}
}
