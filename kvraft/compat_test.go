package kvraft

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"raftlab/labrpc"
	"raftlab/raft"
)

// The course API of package kvraft, pinned to its exact signatures, so that
// a course harness dropped into this package keeps compiling.
var (
	_ func([]*labrpc.ClientEnd) *Clerk                               = MakeClerk
	_ func(*Clerk, string) string                                    = (*Clerk).Get
	_ func(*Clerk, string, string)                                   = (*Clerk).Put
	_ func(*Clerk, string, string)                                   = (*Clerk).Append
	_ func([]*labrpc.ClientEnd, int, *raft.Persister, int) *KVServer = StartKVServer
	_ func(*KVServer)                                                = (*KVServer).Kill
)

// A course harness registers labrpc.MakeService(kv.rf): the server must
// keep its Raft peer in a field rf of type *raft.Raft.
func TestKVServerKeepsRaftInFieldRf(t *testing.T) {
	f, ok := reflect.TypeFor[KVServer]().FieldByName("rf")
	if !ok {
		t.Fatalf("KVServer has no field rf; a course harness registers labrpc.MakeService(kv.rf)")
	}
	if want := reflect.TypeFor[*raft.Raft](); f.Type != want {
		t.Fatalf("KVServer.rf has type %v, want %v", f.Type, want)
	}
}

// A course harness declares these names in its config.go and test_test.go;
// if a non-test file of ours declared one too, the harness would not compile.
var courseHarnessNames = []string{
	"config", "make_config", "randstring", "makeSeed", "random_handles", "ncpu_once",
	"electionTimeout", "linearizabilityCheckTimeout", "OpLog", "t0",
	"Get", "Put", "Append", "check", "run_client", "spawn_clients_and_wait", "NextValue",
	"checkClntAppends", "checkConcurrentAppends", "partitioner", "GenericTest", "GenericTestSpeed",
}

// TestNoCourseHarnessNamesOutsideTests looks at package-level declarations
// only: methods (Clerk.Get) and fields live in their own namespaces and do
// not collide.
func TestNoCourseHarnessNamesOutsideTests(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, decl := range f.Decls {
			for _, ident := range declaredNames(decl) {
				if slices.Contains(courseHarnessNames, ident.Name) {
					t.Errorf("%s: %s declares %s, which a course harness declares too",
						fset.Position(ident.Pos()), name, ident.Name)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatalf("found no non-test .go files to check in the package directory")
	}
}

// declaredNames returns the package-level names a declaration introduces.
func declaredNames(decl ast.Decl) []*ast.Ident {
	var names []*ast.Ident
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			names = append(names, d.Name)
		}
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				names = append(names, s.Name)
			case *ast.ValueSpec:
				names = append(names, s.Names...)
			}
		}
	}
	return names
}
