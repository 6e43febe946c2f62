package raft

import "raftlab/labrpc"

// The course API of package raft, pinned to its exact signatures, so that a
// course harness dropped into this package keeps compiling.
var (
	_ func([]*labrpc.ClientEnd, int, *Persister, chan ApplyMsg) *Raft = Make
	_ func(*Raft) (int, bool)                                         = (*Raft).GetState
	_ func(*Raft, interface{}) (int, int, bool)                       = (*Raft).Start
	_ func(*Raft)                                                     = (*Raft).Kill
	_ func(*Raft, int, []byte)                                        = (*Raft).Snapshot
	_ func(*Raft, *RequestVoteArgs, *RequestVoteReply)                = (*Raft).RequestVote
	_ func(*Raft, *AppendEntriesArgs, *AppendEntriesReply)            = (*Raft).AppendEntries
	_ func(*Raft, *InstallSnapshotArgs, *InstallSnapshotReply)        = (*Raft).InstallSnapshot

	_ func() *Persister                = MakePersister
	_ *Persister                       = &Persister{}
	_ func(*Persister) *Persister      = (*Persister).Copy
	_ func(*Persister) []byte          = (*Persister).ReadRaftState
	_ func(*Persister) int             = (*Persister).RaftStateSize
	_ func(*Persister, []byte, []byte) = (*Persister).Save
	_ func(*Persister) []byte          = (*Persister).ReadSnapshot
	_ func(*Persister) int             = (*Persister).SnapshotSize

	_ = ApplyMsg{CommandValid: true, Command: nil, CommandIndex: 0,
		SnapshotValid: true, Snapshot: nil, SnapshotTerm: 0, SnapshotIndex: 0}
)
