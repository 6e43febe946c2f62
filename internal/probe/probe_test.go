package probe

import (
	"testing"
	"time"
)

// peer answers GetState with term and leader once release is closed (at
// once if release is nil).
type peer struct {
	term    int
	leader  bool
	release chan struct{}
}

func (p *peer) GetState() (int, bool) {
	if p.release != nil {
		<-p.release
	}
	return p.term, p.leader
}

func TestStateOfAnsweringPeer(t *testing.T) {
	term, leader, ok := State(&peer{term: 7, leader: true}, time.Second)
	if term != 7 || !leader || !ok {
		t.Fatalf("State of a peer leading term 7 = (%d, %v, %v), want (7, true, true)", term, leader, ok)
	}
}

// TestStateGivesUpOnBlockedPeer: the reason State exists. A peer whose
// GetState blocks (as a deadlocked one does) is reported as not answering
// after the time given, not waited on.
func TestStateGivesUpOnBlockedPeer(t *testing.T) {
	p := &peer{term: 3, release: make(chan struct{})}
	defer close(p.release) // lets the abandoned GetState return
	t0 := time.Now()
	term, leader, ok := State(p, 50*time.Millisecond)
	took := time.Since(t0)
	if ok || term != 0 || leader {
		t.Fatalf("State of a blocked peer = (%d, %v, %v), want (0, false, false)", term, leader, ok)
	}
	if took < 50*time.Millisecond || took > 5*time.Second {
		t.Fatalf("State of a blocked peer returned after %v, want about 50ms", took)
	}
}
