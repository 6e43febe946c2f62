//go:build raftlab_bugs

package raft

import "raftlab/internal/bugs"

// bugOn reports whether the deliberate bug name (raftlab/internal/bugs)
// is on, in a test build with the raftlab_bugs tag.
func bugOn(name string) bool { return bugs.On(name) }

func init() {
	if snapshotBeforeLastChunk != bugs.SnapshotBeforeLastChunk {
		panic("raft: the deliberate bug's name " + snapshotBeforeLastChunk + " is not internal/bugs' " + bugs.SnapshotBeforeLastChunk)
	}
}
