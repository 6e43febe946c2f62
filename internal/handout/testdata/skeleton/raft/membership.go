package raft

// Membership changes: an extension beyond the course's labs, in no graded
// part. The tests named TestMembership... fail until you do it. Read the
// dissertation's §4.1 (one server at a time), and §4.2.1 on catching up
// new servers as non-voting learners, before you start. Server and
// Configuration, the values a configuration is made of, are in
// configuration.go.

import (
	"errors"

	"raftlab/labrpc"
)

// errNotDone is what the skeleton's AddServer and RemoveServer answer.
var errNotDone = errors.New("raft: membership changes are not written yet (raft/membership.go)")

// Errors of AddServer and RemoveServer. ErrNotLeader and
// ErrChangeInProgress are temporary: the caller retries.
var (
	ErrFixedConfiguration = errors.New("raft: this peer was made by Make, with the fixed configuration of its peers; membership changes need MakeMember")
	ErrNotLeader          = errors.New("raft: not the leader")
	ErrChangeInProgress   = errors.New("raft: a configuration change is in progress (an entry not yet committed, or a learner catching up)")
	ErrIDInUse            = errors.New("raft: a member with this id and another address exists")
	ErrLastVoter          = errors.New("raft: cannot remove the last voter")
	ErrBadServer          = errors.New("raft: server id out of range")
)

// Options makes a peer whose configuration can change (MakeMember).
type Options struct {
	// Servers is the configuration to start with when the persister holds
	// none; empty for a server about to be added, which waits for a leader
	// to send it the log.
	Servers []Server
	// Dial returns an end that reaches a member.
	Dial func(Server) *labrpc.ClientEnd
}

// MakeMember creates a peer whose configuration can change by AddServer
// and RemoveServer; me is its server id. Otherwise it is Make.
func MakeMember(me int, persister *Persister, applyCh chan ApplyMsg, opts Options) *Raft {
	rf := &Raft{persister: persister, me: me, applyCh: applyCh}
	// Your code here (membership).
	return rf
}

// AddServer asks the leader to add server id, reached at addr, first as a
// learner and, once it has caught up, as a voter. It returns the index and
// term of the configuration entry it appended.
func (rf *Raft) AddServer(id int, addr string) (index int, term int, err error) {
	// Your code here (membership).
	return -1, 0, errNotDone
}

// RemoveServer asks the leader to remove server id, and returns the index
// and term of the configuration entry it appended.
func (rf *Raft) RemoveServer(id int) (index int, term int, err error) {
	// Your code here (membership).
	return -1, 0, errNotDone
}

// Configuration returns the peer's current configuration (the latest in
// its log), the index of its entry (0 for the initial one) and whether this
// peer knows it committed.
func (rf *Raft) Configuration() (cfg Configuration, index int, committed bool) {
	// Your code here (membership).
	return Configuration{}, 0, false
}
