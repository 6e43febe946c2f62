package raft

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"raftlab/labrpc"
)

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

// A course harness declares these names in its config.go and test_test.go;
// if a non-test file of ours declared one too, the harness would not compile.
var courseHarnessNames = []string{"config", "make_config", "randstring", "makeSeed", "ncpu_once",
	"RaftElectionTimeout", "MAXLOGSIZE", "SnapShotInterval", "internalChurn", "snapcommon"}

func TestNoCourseHarnessNamesOutsideTests(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for ident := range f.Scope.Objects {
			if slices.Contains(courseHarnessNames, ident) {
				t.Errorf("%s declares %s, which a course harness declares too", name, ident)
			}
		}
	}
}

// Only the three RPC handlers may have the shape labrpc registers as a
// handler; any other would be callable over the network.
func TestOnlyRPCHandlersLookLikeHandlers(t *testing.T) {
	want := []string{"AppendEntries", "InstallSnapshot", "RequestVote"}
	var got []string
	typ := reflect.TypeFor[*Raft]()
	for i := 0; i < typ.NumMethod(); i++ {
		m := typ.Method(i)
		if m.Type.NumIn() == 3 && m.Type.In(2).Kind() == reflect.Pointer && m.Type.NumOut() == 0 {
			got = append(got, m.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("methods of *Raft shaped like RPC handlers: %v, want %v", got, want)
	}
}
