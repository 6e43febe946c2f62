package raft

import (
	"testing"
	"time"
)

// Pre-vote and CheckQuorum (dissertation §9.6; doc.go). The course's tests
// cover elections themselves; these cover what the two add.

func requestVote(rf *Raft, args RequestVoteArgs) RequestVoteReply {
	var reply RequestVoteReply
	rf.RequestVote(&args, &reply)
	return reply
}

// A pre-vote is granted only for a newer term, to an up-to-date log, by a
// peer that has not heard from a leader within leaderLease; and answering
// one changes nothing on the peer.
func TestPreVoteAnswersWithoutChangingAnything(t *testing.T) {
	rf, _ := handlerPeer(t, MakePersister())
	appendEntries(rf, AppendEntriesArgs{Term: 3, LeaderId: 1, Entries: entries(1, 3)}) // log 2/3, leader heard now
	upToDate := RequestVoteArgs{Term: 4, CandidateId: 2, LastLogIndex: 2, LastLogTerm: 3, PreVote: true}

	if reply := requestVote(rf, upToDate); reply.VoteGranted || reply.Term != 3 {
		t.Fatalf("pre-vote within the leader's lease: granted %v, term %d; want refused in term 3", reply.VoteGranted, reply.Term)
	}

	rf.mu.Lock()
	rf.leaderContact = time.Now().Add(-leaderLease) // the leader went quiet
	deadline, vote := rf.electionDeadline, rf.votedFor
	rf.mu.Unlock()
	cases := []struct {
		name string
		args RequestVoteArgs
		want bool
	}{
		{"up to date, newer term", upToDate, true},
		{"same term", RequestVoteArgs{Term: 3, CandidateId: 2, LastLogIndex: 2, LastLogTerm: 3, PreVote: true}, false},
		{"shorter log", RequestVoteArgs{Term: 4, CandidateId: 2, LastLogIndex: 1, LastLogTerm: 3, PreVote: true}, false},
		{"older last term", RequestVoteArgs{Term: 9, CandidateId: 2, LastLogIndex: 7, LastLogTerm: 2, PreVote: true}, false},
		{"far newer term", RequestVoteArgs{Term: 9, CandidateId: 1, LastLogIndex: 2, LastLogTerm: 3, PreVote: true}, true},
		{"malformed", RequestVoteArgs{Term: 9, CandidateId: 7, LastLogIndex: 2, LastLogTerm: 3, PreVote: true}, false},
	}
	for _, c := range cases {
		if reply := requestVote(rf, c.args); reply.VoteGranted != c.want || reply.Term != 3 {
			t.Errorf("%s: pre-vote %+v granted %v in term %d; want %v in term 3", c.name, c.args, reply.VoteGranted, reply.Term, c.want)
		}
	}
	rf.mu.Lock()
	term, gotVote, gotDeadline := rf.currentTerm, rf.votedFor, rf.electionDeadline
	rf.mu.Unlock()
	if term != 3 || gotVote != vote || !gotDeadline.Equal(deadline) {
		t.Fatalf("pre-votes changed the peer: term %d vote %d deadline moved %v; want term 3 vote %d, unmoved",
			term, gotVote, gotDeadline.Sub(deadline), vote)
	}
	// A real vote in term 4 is still free to go to anyone.
	if reply := requestVote(rf, RequestVoteArgs{Term: 4, CandidateId: 1, LastLogIndex: 2, LastLogTerm: 3}); !reply.VoteGranted {
		t.Fatal("after granting pre-votes, the peer refused a real vote in the next term")
	}
}

// A peer cut off from the others cannot win a pre-vote, so its term stays
// where it was; when it rejoins it must not depose the healthy leader
// (§9.6). Without pre-vote its term grows with every timeout, and the first
// reply carrying that term deposes the leader.
func TestRejoiningPeerDoesNotDeposeLeader(t *testing.T) {
	c := newMiniCluster(t, 3)
	l := c.leader(t)
	term, _ := c.rafts[l].GetState()
	cut := (l + 1) % len(c.rafts)
	// A peer may still be in an older term when a leader is elected
	// without its vote: the follower to cut off learns the term first.
	pollUntil(t, 5*time.Second, "every peer in the leader's term", func() bool {
		return c.maxTerm() == term && c.minTerm() == term
	})
	c.setConnected(cut, false)
	// Long enough for six election timeouts of the lonely peer.
	alone := time.Now().Add(6 * electionTimeoutMax)
	for time.Now().Before(alone) {
		if got, _ := c.rafts[cut].GetState(); got != term {
			t.Fatalf("peer %d, cut off, moved from term %d to %d", cut, term, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.setConnected(cut, true)
	index, _, ok := c.rafts[l].Start("after the rejoin")
	if !ok {
		t.Fatalf("leader %d lost leadership while one follower was away", l)
	}
	c.mustApply(t, index) // the rejoined peer caught up
	settle := time.Now().Add(3 * electionTimeoutMax)
	for time.Now().Before(settle) {
		if got, ok := c.rafts[l].GetState(); !ok || got != term {
			t.Fatalf("leader %d of term %d is now leader=%v in term %d after peer %d rejoined", l, term, ok, got, cut)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A leader that can reach no majority steps down within quorumTimeout and
// a little (CheckQuorum), and the majority elects a leader of its own.
func TestLeaderCutOffStepsDown(t *testing.T) {
	c := newMiniCluster(t, 5)
	l := c.leader(t)
	term, _ := c.rafts[l].GetState()
	c.setConnected(l, false)
	took := pollUntil(t, quorumTimeout+time.Second, "the cut-off leader steps down", func() bool {
		_, ok := c.rafts[l].GetState()
		return !ok
	})
	if took < quorumTimeout-2*heartbeatInterval {
		t.Errorf("the leader stepped down %v after being cut off; a leader must keep its post for about %v", took, quorumTimeout)
	}
	if got, _ := c.rafts[l].GetState(); got != term {
		t.Errorf("the leader stepped down from term %d into term %d; stepping down must not change the term", term, got)
	}
	pollUntil(t, 5*time.Second, "a new leader among the majority", func() bool {
		for p, rf := range c.rafts {
			if got, ok := rf.GetState(); p != l && ok && got > term {
				return true
			}
		}
		return false
	})
}

// A leader that hears from a majority keeps leading, through many
// quorumTimeouts, on a reliable network with nothing to replicate.
func TestIdleLeaderKeepsLeading(t *testing.T) {
	c := newMiniCluster(t, 3)
	l := c.leader(t)
	term, _ := c.rafts[l].GetState()
	end := time.Now().Add(4 * quorumTimeout)
	for time.Now().Before(end) {
		if got, ok := c.rafts[l].GetState(); !ok || got != term {
			t.Fatalf("idle leader %d of term %d is now leader=%v in term %d", l, term, ok, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A pre-vote granted by a peer still in an older term counts: it answers
// for the term asked about. Here the leader is gone, peer a is a term
// ahead of peer b (its own election went unheard), and b's timer is held
// off, so only a can start rounds: without counting b's grants, no leader
// is ever elected.
func TestPreVoteGrantFromOlderTermCounts(t *testing.T) {
	c := newMiniCluster(t, 3)
	l := c.leader(t)
	c.setConnected(l, false)
	c.rafts[l].Kill()
	a, b := (l+1)%3, (l+2)%3
	c.rafts[b].mu.Lock()
	c.rafts[b].electionDeadline = time.Now().Add(time.Hour)
	c.rafts[b].mu.Unlock()
	c.rafts[a].mu.Lock()
	c.rafts[a].becomeFollower(c.rafts[a].currentTerm + 1) // persists
	c.rafts[a].mu.Unlock()
	pollUntil(t, 5*time.Second, "peer a, a term ahead, elected with peer b's pre-vote", func() bool {
		_, ok := c.rafts[a].GetState()
		return ok
	})
}
