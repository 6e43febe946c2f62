//go:build !raftlab_bugs

package raft

// bugOn reports whether a deliberate bug of raftlab's torture tests
// (raftlab/internal/bugs) is on: never, in a build without the
// raftlab_bugs tag, and then raft imports nothing of raftlab's but labgob
// and labrpc (a student's copy builds it alone).
func bugOn(name string) bool { return false }
