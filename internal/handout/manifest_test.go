package handout

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestParseManifest(t *testing.T) {
	m, err := parseManifest(strings.NewReader(`# comment

keep     raft/persister.go   given
skeleton raft/raft.go        the peer
omit     cluster/            the cluster
`), "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.entries) != 3 {
		t.Fatalf("%d entries, want 3", len(m.entries))
	}
	for rel, want := range map[string]verb{
		"raft/persister.go": keep, "raft/raft.go": skeleton,
		"cluster/": omit, "cluster/node/node.go": omit, "cluster/node/": omit,
	} {
		if e, ok := m.lookup(rel); !ok || e.verb != want {
			t.Errorf("lookup(%q) = %v %v, want %v", rel, e.verb, ok, want)
		}
	}
	for _, rel := range []string{"raft/log.go", "clusterx/a.go", "raft/"} {
		if e, ok := m.lookup(rel); ok {
			t.Errorf("lookup(%q) = %v, want nothing", rel, e)
		}
	}
}

func TestParseManifestRejects(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"keep raft/a.go", "m:1: want VERB PATH REASON"},
		{"\n\ndrop raft/a.go because", `m:3: unknown verb "drop"`},
		{"keep ../x.go outside", "not a clean path"},
		{"keep /etc/passwd absolute", "not a clean path"},
		{"keep raft//a.go doubled", "not a clean path"},
		{"keep . the root", "not a clean path"},
		{"keep cluster/ a directory", "only omit takes a directory"},
		{"keep a.go one\nomit a.go two", "m:2: a.go is already in the manifest, at line 1"},
	} {
		_, err := parseManifest(strings.NewReader(c.text), "m")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseManifest(%q) = %v, want an error with %q", c.text, err, c.want)
		}
	}
}

func TestGitignoreRefusesWhatItCannotRead(t *testing.T) {
	for _, pat := range []string{"!keep.log", "**/x", `\#name`} {
		root := t.TempDir()
		writeTree(t, root, map[string]string{".gitignore": "*.log\n" + pat + "\n"})
		if _, err := readGitignore(root); err == nil || !strings.Contains(err.Error(), "plain patterns") {
			t.Errorf("readGitignore with %q: %v, want it refused", pat, err)
		}
	}
}

func TestGitignore(t *testing.T) {
	g := gitignore{"/raftlab", "/test-logs/", "*.test", "/data/*.bin"}
	for _, c := range []struct {
		rel  string
		dir  bool
		want bool
	}{
		{"raftlab", false, true},
		{"cmd/raftlab", true, false},
		{"test-logs", true, true},
		{"test-logs", false, false}, // a directory pattern
		{"raft/raft.test", false, true},
		{"data/x.bin", false, true},
		{"raft/raft.go", false, false},
	} {
		if got := g.matches(c.rel, c.dir); got != c.want {
			t.Errorf("matches(%q, dir %v) = %v, want %v", c.rel, c.dir, got, c.want)
		}
	}
}

// writeTree writes files (path -> content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A small module: Build copies, replaces and leaves out as the manifest
// says, and refuses a manifest that does not match the tree.
func TestBuildSmallModule(t *testing.T) {
	good := map[string]string{
		"go.mod":                        "module x\n",
		".gitignore":                    "/test-logs/\n*.test\n",
		ManifestPath:                    "skeleton raft/raft.go the peer\nkeep raft/persister.go given\nomit raft/log.go solution\nomit raft/log_test.go internal\nomit cluster/ not for students\nomit internal/handout/ the tool\n",
		SkeletonDir + "/raft/raft.go":   "package raft // skeleton\n",
		"raft/raft.go":                  "package raft // solution\n",
		"raft/persister.go":             "package raft // given\n",
		"raft/log.go":                   "package raft // log\n",
		"raft/log_test.go":              "package raft\n",
		"raft/test_test.go":             "package raft\n",
		"cluster/node/node.go":          "package node\n",
		"test-logs/raft_TestX_run1.log": "log\n",
		"raft/raft.test":                "binary\n",
		".git/HEAD":                     "ref\n",
	}
	src := t.TempDir()
	writeTree(t, src, good)
	dst := filepath.Join(t.TempDir(), "handout")
	sum, err := Build(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{
		"go.mod": "module x\n", ".gitignore": "/test-logs/\n*.test\n",
		"raft/raft.go": "package raft // skeleton\n", "raft/persister.go": "package raft // given\n",
		"raft/test_test.go": "package raft\n",
	} {
		got, err := os.ReadFile(filepath.Join(dst, p))
		if err != nil || string(got) != want {
			t.Errorf("%s in the handout: %q, %v; want %q", p, got, err, want)
		}
	}
	for _, p := range []string{"raft/log.go", "raft/log_test.go", "cluster", "internal", "test-logs", "raft/raft.test", ".git"} {
		if _, err := os.Stat(filepath.Join(dst, p)); err == nil {
			t.Errorf("%s is in the handout", p)
		}
	}
	if sum.Copied != 4 || len(sum.Skeleton) != 1 || len(sum.Omitted) != 4 {
		t.Errorf("summary %+v: want 4 copied, 1 skeleton, 4 omitted", sum)
	}
	for _, inside := range []string{filepath.Join(src, "lab"), filepath.Join(src, "raft", "lab"), src} {
		if _, err := Build(src, inside); err == nil || !strings.Contains(err.Error(), "inside the module") {
			t.Errorf("Build into %s: %v, want it refused as inside the module", inside, err)
		}
	}
	if _, err := os.Stat(filepath.Join(src, "lab")); err == nil {
		t.Errorf("a refused Build made %s", filepath.Join(src, "lab"))
	}
	if _, err := Build(src, dst); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second Build into the same directory: %v, want it refused as not empty", err)
	}

	// A file the handout cannot copy (a FIFO) stops it, and nothing of it
	// stays behind.
	fifoSrc := t.TempDir()
	writeTree(t, fifoSrc, good)
	if err := syscall.Mkfifo(filepath.Join(fifoSrc, "raft", "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifoDst := filepath.Join(t.TempDir(), "handout")
	if _, err := Build(fifoSrc, fifoDst); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Build of a tree with a FIFO: %v, want it refused", err)
	}
	if _, err := os.Stat(fifoDst); err == nil {
		t.Errorf("a failed Build left %s behind", fifoDst)
	}

	for _, c := range []struct {
		name   string
		change map[string]string
		drop   string
		want   string
	}{
		{"a new solution file", map[string]string{"raft/election.go": "package raft\n"}, "",
			"raft/election.go is not in internal/handout/manifest.txt"},
		{"a stale entry", nil, "raft/log.go", "omit raft/log.go: not in the module"},
		{"a skeleton without its file", nil, SkeletonDir + "/raft/raft.go", "skeleton raft/raft.go: no skeleton file"},
		{"a skeleton file without its line", map[string]string{SkeletonDir + "/raft/rpc.go": "package raft\n", "raft/rpc.go": "package raft\n"}, "",
			`has no line "skeleton raft/rpc.go"`},
	} {
		src := t.TempDir()
		writeTree(t, src, good)
		writeTree(t, src, c.change)
		if c.drop != "" {
			os.Remove(filepath.Join(src, filepath.FromSlash(c.drop)))
		}
		dst := filepath.Join(t.TempDir(), "handout")
		_, err := Build(src, dst)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Build = %v, want an error with %q", c.name, err, c.want)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Errorf("%s: Build wrote %s before refusing", c.name, dst)
		}
	}
}
