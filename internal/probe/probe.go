// Package probe asks a Raft peer for its state without hanging on it: a
// helper of the raft and kvraft test harnesses, which cannot share _test.go
// code, kept here so there is one copy. Nothing outside tests uses it.
//
// State calls GetState in a goroutine and gives up after the time given, so
// a deadlocked peer shows up in a failure message ("UNRESPONSIVE") instead
// of hanging the test that is describing it. A peer that never answers
// keeps that goroutine blocked; the test is failing by then anyway.
package probe

import "time"

// Peer is what State needs of a peer: raft.Raft's GetState.
type Peer interface {
	GetState() (term int, isLeader bool)
}

// State returns p's term and whether it believes it leads, with ok true; or
// ok false if GetState has not returned within giveUp.
func State(p Peer, giveUp time.Duration) (term int, leader bool, ok bool) {
	type state struct {
		term   int
		leader bool
	}
	ch := make(chan state, 1) // buffered: a late answer does not block the goroutine
	go func() {
		term, leader := p.GetState()
		ch <- state{term, leader}
	}()
	timer := time.NewTimer(giveUp)
	defer timer.Stop()
	select {
	case s := <-ch:
		return s.term, s.leader, true
	case <-timer.C:
		return 0, false, false
	}
}
