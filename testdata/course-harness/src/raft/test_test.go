package raft

// A stand-in for the 6.5840 (2024) course's raft/test_test.go, written for
// raftlab's test of scripts/use-course-harness; it is not the course's code.
// It declares the course's package-level names (RaftElectionTimeout,
// MAXLOGSIZE, internalChurn, snapcommon) and a few of its test names, and
// runs short versions of their checks.

import (
	"math/rand"
	"testing"
	"time"
)

const RaftElectionTimeout = 1000 * time.Millisecond

const MAXLOGSIZE = 2000

func TestInitialElection3A(t *testing.T) {
	cfg := make_config(t, 3, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3A): initial election")
	cfg.checkOneLeader()
	cfg.end()
}

func TestReElection3A(t *testing.T) {
	cfg := make_config(t, 3, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3A): election after network failure")
	leader1 := cfg.checkOneLeader()
	cfg.disconnect(leader1)
	if leader2 := cfg.checkOneLeader(); leader2 == leader1 {
		t.Fatalf("disconnected peer %d is still the only leader", leader1)
	}
	cfg.connect(leader1)
	cfg.checkOneLeader()
	cfg.end()
}

func TestBasicAgree3B(t *testing.T) {
	cfg := make_config(t, 3, false, false)
	defer cfg.cleanup()
	cfg.begin("Test (3B): basic agreement")
	for index := 1; index <= 3; index++ {
		if got := cfg.one(index*100, 3, false); got != index {
			t.Fatalf("got index %v but expected %v", got, index)
		}
	}
	cfg.end()
}

func internalChurn(t *testing.T, unreliable bool) {
	cfg := make_config(t, 3, unreliable, false)
	defer cfg.cleanup()
	cfg.begin("Test (3C): churn")
	for i := 0; i < 3; i++ {
		follower := (cfg.checkOneLeader() + 1) % 3
		cfg.disconnect(follower)
		cfg.one(rand.Int(), 2, true)
		cfg.connect(follower)
	}
	cfg.one(rand.Int(), 3, true)
	cfg.end()
}

func TestReliableChurn3C(t *testing.T) { internalChurn(t, false) }

func snapcommon(t *testing.T, name string, disconnect bool, reliable bool, crash bool) {
	cfg := make_config(t, 3, !reliable, true)
	defer cfg.cleanup()
	cfg.begin(name)
	for i := 0; i < 2*SnapShotInterval+1; i++ {
		cfg.one(rand.Int(), 3, true)
	}
	for i, p := range cfg.saved {
		if p.SnapshotSize() == 0 || p.RaftStateSize() >= MAXLOGSIZE {
			t.Fatalf("peer %d: snapshot of %d bytes, log of %d; want a snapshot and a log under %d bytes",
				i, p.SnapshotSize(), p.RaftStateSize(), MAXLOGSIZE)
		}
	}
	cfg.end()
}

func TestSnapshotBasic3D(t *testing.T) {
	snapcommon(t, "Test (3D): snapshots basic", false, true, false)
}
