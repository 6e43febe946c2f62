package raft

import (
	"fmt"
	"math"
	"testing"
	"time"

	"raftlab/labrpc"
)

// handlerPeer makes peer 0 of a 3-peer group whose ends lead nowhere, so its
// handlers can be driven directly. Its own elections fail harmlessly.
func handlerPeer(t *testing.T, persister *Persister) (*Raft, chan ApplyMsg) {
	t.Helper()
	net := labrpc.MakeNetwork()
	var ends []*labrpc.ClientEnd
	for j := 0; j < 3; j++ {
		ends = append(ends, net.MakeEnd(fmt.Sprintf("%s-%d", t.Name(), j)))
	}
	applyCh := make(chan ApplyMsg, 100)
	rf := Make(ends, 0, persister, applyCh)
	t.Cleanup(func() { rf.Kill(); net.Cleanup() })
	return rf, applyCh
}

func entries(terms ...int) []Entry {
	var es []Entry
	for k, t := range terms {
		es = append(es, Entry{Term: t, Command: 100 + k})
	}
	return es
}

func appendEntries(rf *Raft, args AppendEntriesArgs) AppendEntriesReply {
	var reply AppendEntriesReply
	rf.AppendEntries(&args, &reply)
	return reply
}

func TestAppendEntriesMalformedIsRejectedWithoutInformation(t *testing.T) {
	rf, _ := handlerPeer(t, MakePersister())
	for _, args := range []AppendEntriesArgs{
		{Term: 5, LeaderId: 7},                                                                 // no such leader
		{Term: 5, LeaderId: 1, PrevLogIndex: -3},                                               // negative index
		{Term: 5, LeaderId: 1, Entries: entries(6)},                                            // entry from the future
		{Term: 5, LeaderId: 1, PrevLogTerm: 3, Entries: entries(2)},                            // terms going back
		{Term: 5, LeaderId: 1, LeaderCommit: -1},                                               // negative commit
		{Term: -5, LeaderId: 1},                                                                // negative term
		{Term: 5, LeaderId: 1, PrevLogIndex: 1 << 50, PrevLogTerm: 5},                          // beyond any log
		{Term: 5, LeaderId: 1, PrevLogIndex: math.MaxInt, PrevLogTerm: 5, Entries: entries(5)}, // would overflow
	} {
		if reply := appendEntries(rf, args); reply.Success || reply.XLen != 0 {
			t.Errorf("%+v: got %+v, want a rejection with no log information", args, reply)
		}
	}
	rf.mu.Lock()
	if rf.currentTerm >= 5 || rf.commitIndex != 0 || rf.log.lastIndex() != 0 {
		t.Fatalf("malformed requests changed the peer: term %d commit %d last %d",
			rf.currentTerm, rf.commitIndex, rf.log.lastIndex())
	}
	rf.mu.Unlock()

	// Absurd but well formed: a consistency rejection, not a crash.
	reply := appendEntries(rf, AppendEntriesArgs{Term: 5, LeaderId: 1, PrevLogIndex: 1 << 39, PrevLogTerm: 5, LeaderCommit: 1 << 40})
	if reply.Success || reply.XTerm != -1 || reply.XLen != 1 {
		t.Fatalf("prev index 2^39: got %+v, want XTerm -1 XLen 1", reply)
	}
	var is InstallSnapshotReply
	rf.InstallSnapshot(&InstallSnapshotArgs{Term: 5, LeaderId: 1, LastIncludedIndex: math.MaxInt, LastIncludedTerm: 5}, &is)
	if is.Installed {
		t.Fatal("a snapshot at index MaxInt was installed")
	}
}

// §5.3: a follower truncates only at a real conflict, so a delayed, shorter
// AppendEntries cannot erase entries it already holds.
func TestAppendEntriesDelayedDoesNotTruncate(t *testing.T) {
	rf, _ := handlerPeer(t, MakePersister())
	if r := appendEntries(rf, AppendEntriesArgs{Term: 2, LeaderId: 1, Entries: entries(1, 2, 2)}); !r.Success {
		t.Fatalf("first append rejected: %+v", r)
	}
	if r := appendEntries(rf, AppendEntriesArgs{Term: 2, LeaderId: 1, Entries: entries(1)}); !r.Success {
		t.Fatalf("delayed append rejected: %+v", r)
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.log.lastIndex() != 3 {
		t.Fatalf("a delayed AppendEntries truncated the log to %d entries", rf.log.lastIndex())
	}
}

// §5.3 with the fast-backup fields: the conflicting term and its first
// index, or the log length when the log is too short.
func TestAppendEntriesRejectionSaysWhereToBackUp(t *testing.T) {
	rf, _ := handlerPeer(t, MakePersister())
	appendEntries(rf, AppendEntriesArgs{Term: 3, LeaderId: 1, Entries: entries(1, 2, 2, 2, 3)})

	r := appendEntries(rf, AppendEntriesArgs{Term: 4, LeaderId: 2, PrevLogIndex: 4, PrevLogTerm: 4})
	if r.Success || r.XTerm != 2 || r.XIndex != 2 || r.XLen != 6 {
		t.Fatalf("conflict at 4: got %+v, want XTerm 2 XIndex 2 XLen 6", r)
	}
	r = appendEntries(rf, AppendEntriesArgs{Term: 4, LeaderId: 2, PrevLogIndex: 9, PrevLogTerm: 4})
	if r.Success || r.XTerm != -1 || r.XLen != 6 {
		t.Fatalf("prev past the end: got %+v, want XTerm -1 XLen 6", r)
	}
	// A real conflict truncates and replaces.
	r = appendEntries(rf, AppendEntriesArgs{Term: 4, LeaderId: 2, PrevLogIndex: 1, PrevLogTerm: 1, Entries: entries(4), LeaderCommit: 2})
	if !r.Success {
		t.Fatalf("append after the match rejected: %+v", r)
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.log.lastIndex() != 2 || rf.log.term(2) != 4 || rf.commitIndex != 2 {
		t.Fatalf("log through %d, term(2) %d, commit %d; want 2, 4, 2", rf.log.lastIndex(), rf.log.term(2), rf.commitIndex)
	}
}

// §5.4.1: the up-to-date check compares the last term first, then the
// length; a longer log with an older last term loses.
func TestRequestVoteUpToDate(t *testing.T) {
	rf, _ := handlerPeer(t, MakePersister())
	appendEntries(rf, AppendEntriesArgs{Term: 3, LeaderId: 1, Entries: entries(1, 3)}) // last 2/3

	cases := []struct {
		args RequestVoteArgs
		want bool
	}{
		{RequestVoteArgs{Term: 4, CandidateId: 1, LastLogIndex: 10, LastLogTerm: 2}, false}, // longer, older term
		{RequestVoteArgs{Term: 5, CandidateId: 1, LastLogIndex: 1, LastLogTerm: 3}, false},  // same term, shorter
		{RequestVoteArgs{Term: 6, CandidateId: 2, LastLogIndex: 1, LastLogTerm: 4}, true},   // newer term, shorter
		{RequestVoteArgs{Term: 6, CandidateId: 1, LastLogIndex: 5, LastLogTerm: 4}, false},  // already voted in 6
		{RequestVoteArgs{Term: 6, CandidateId: 2, LastLogIndex: 1, LastLogTerm: 4}, true},   // same candidate again
		{RequestVoteArgs{Term: 5, CandidateId: 1, LastLogIndex: 9, LastLogTerm: 9}, false},  // older term
	}
	for _, c := range cases {
		var reply RequestVoteReply
		rf.RequestVote(&c.args, &reply)
		if reply.VoteGranted != c.want {
			t.Errorf("RequestVote(%+v) granted %v, want %v", c.args, reply.VoteGranted, c.want)
		}
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.currentTerm != 6 || rf.votedFor != 2 {
		t.Fatalf("term %d votedFor %d, want 6 and 2", rf.currentTerm, rf.votedFor)
	}
}

func TestInstallSnapshotOrderAndStaleness(t *testing.T) {
	ps := MakePersister()
	rf, applyCh := handlerPeer(t, ps)
	appendEntries(rf, AppendEntriesArgs{Term: 2, LeaderId: 1, Entries: entries(1, 1, 2, 2), LeaderCommit: 2})
	for i := 1; i <= 2; i++ {
		if m := <-applyCh; !m.CommandValid || m.CommandIndex != i {
			t.Fatalf("applied %+v, want command %d", m, i)
		}
	}
	var reply InstallSnapshotReply
	rf.InstallSnapshot(whole(InstallSnapshotArgs{Term: 2, LeaderId: 1, LastIncludedIndex: 2, LastIncludedTerm: 1, Data: []byte("old")}), &reply)
	if !reply.Installed {
		t.Fatal("a snapshot already covered by the commit index should count as installed")
	}
	rf.InstallSnapshot(whole(InstallSnapshotArgs{Term: 2, LeaderId: 1, LastIncludedIndex: 3, LastIncludedTerm: 2, Data: []byte("s3")}), &reply)
	if m := <-applyCh; !m.SnapshotValid || m.SnapshotIndex != 3 || string(m.Snapshot) != "s3" {
		t.Fatalf("applied %+v, want snapshot through 3", m)
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.log.snapshotIndex != 3 || rf.log.lastIndex() != 4 || rf.commitIndex != 3 || string(ps.ReadSnapshot()) != "s3" {
		t.Fatalf("after install: snapshot %d last %d commit %d persisted %q; want 3 4 3 s3",
			rf.log.snapshotIndex, rf.log.lastIndex(), rf.commitIndex, ps.ReadSnapshot())
	}
}

func TestKilledPeerAnswersNothing(t *testing.T) {
	rf, _ := handlerPeer(t, MakePersister())
	rf.Kill()
	ae := appendEntries(rf, AppendEntriesArgs{Term: 3, LeaderId: 1, Entries: entries(1)})
	var is InstallSnapshotReply
	rf.InstallSnapshot(&InstallSnapshotArgs{Term: 3, LeaderId: 1, LastIncludedIndex: 5, LastIncludedTerm: 2}, &is)
	var rv RequestVoteReply
	rf.RequestVote(&RequestVoteArgs{Term: 3, CandidateId: 1}, &rv)
	if ae.Success || ae.XLen != 0 || is.Installed || rv.VoteGranted {
		t.Fatalf("a killed peer answered: %+v %+v %+v", ae, is, rv)
	}
}

// A group of one is its own majority: it must elect itself and commit alone.
func TestSinglePeerElectsItselfAndCommits(t *testing.T) {
	net := labrpc.MakeNetwork()
	end := net.MakeEnd("single-0")
	applyCh := make(chan ApplyMsg, 10)
	rf := Make([]*labrpc.ClientEnd{end}, 0, MakePersister(), applyCh)
	defer func() { rf.Kill(); net.Cleanup() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, isLeader := rf.GetState(); isLeader {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a single peer did not elect itself within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	index, _, ok := rf.Start("only")
	if !ok || index != 1 {
		t.Fatalf("Start = %d, %v; want 1, true", index, ok)
	}
	select {
	case m := <-applyCh:
		if !m.CommandValid || m.CommandIndex != 1 || m.Command != "only" {
			t.Fatalf("applied %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a single peer did not commit its own command within 5 s")
	}
}
