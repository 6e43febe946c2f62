package transport

// The seam holds: raft and kvraft know nothing of sockets. All the
// networking of a cluster is here, behind labrpc's ends and servers.

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// module is this repository's module path; repoRoot its directory, from
// this package's.
const (
	module   = "raftlab"
	repoRoot = "../.."
)

// TestRaftAndKVRaftImportNoNet: the non-test files of raft and kvraft, and
// of every package of this module they import, directly or not, import
// neither net nor any package under it (net/rpc, net/http, ...).
func TestRaftAndKVRaftImportNoNet(t *testing.T) {
	seen := map[string]bool{}
	var visit func(pkg string, via []string)
	visit = func(pkg string, via []string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		imports := nonTestImports(t, pkg)
		if len(imports) == 0 && (pkg == module+"/raft" || pkg == module+"/kvraft") {
			t.Fatalf("found no imports in %s: is the test looking in the right directory?", pkg)
		}
		chain := append(via, pkg)
		for _, imp := range imports {
			if imp == "net" || strings.HasPrefix(imp, "net/") {
				t.Errorf("%s imports %s", strings.Join(chain, " -> "), imp)
			}
			if strings.HasPrefix(imp, module+"/") {
				visit(imp, chain)
			}
		}
	}
	visit(module+"/raft", nil)
	visit(module+"/kvraft", nil)
	if !slices.Contains(nonTestImports(t, module+"/cluster/transport"), "net") {
		t.Errorf("the transport imports net, and nonTestImports does not see it")
	}
	for _, must := range []string{"raft", "kvraft", "labrpc", "labgob"} {
		if !seen[module+"/"+must] {
			t.Errorf("the walk never reached %s/%s; it looked at %v", module, must, seen)
		}
	}
}

// nonTestImports returns the import paths of pkg's non-test .go files.
func nonTestImports(t *testing.T, pkg string) []string {
	t.Helper()
	dir := filepath.Join(repoRoot, strings.TrimPrefix(pkg, module+"/"))
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var imports []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatalf("%s: import %s: %v", name, imp.Path.Value, err)
			}
			imports = append(imports, path)
		}
	}
	return imports
}
