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
	first := labrpc.MakeNetwork()
	defer first.Cleanup()
	time.Sleep(20 * time.Millisecond) // two networks made at different times
	second := labrpc.MakeNetwork()
	defer second.Cleanup()
	for _, net := range []*labrpc.Network{first, second} {
		end := net.MakeEnd("end")
		rf := &Raft{peers: []*labrpc.ClientEnd{end}, me: 0}
		if got, want := rf.debugClock(), end.NetworkMade(); !got.Equal(want) || want.IsZero() {
			t.Fatalf("debug clock %v, want the network's birth %v", got, want)
		}
	}
	if first.MakeEnd("x").NetworkMade().Equal(second.MakeEnd("x").NetworkMade()) {
		t.Fatal("two networks made 20 ms apart report the same time")
	}
	// A peer whose end has no network falls back to the process clock.
	debugOn()
	rf := &Raft{peers: []*labrpc.ClientEnd{nil}, me: 0}
	if got := rf.debugClock(); !got.Equal(debug.start) {
		t.Fatalf("debug clock %v without a network, want the process's %v", got, debug.start)
	}
}
