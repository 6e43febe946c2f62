package main

// The test of scripts/use-course-harness: on a copy of the repository, it
// installs the course-shaped fixture in testdata/course-harness/src, checks
// that the result vets and passes, undoes it, and checks that the copy is
// byte for byte what it was; and that bad input and a second install are
// refused without changing anything.

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const courseHarnessFixture = "testdata/course-harness/src"

// courseHarnessMoved is what the script must move aside with the fixture in
// place: our harness and tests (names and a file name shared with the
// course's), and the tests that fail by design next to a course harness.
var courseHarnessMoved = []string{
	"raft/config_test.go", "raft/test_test.go", "raft/membership_test.go", "raft/timeline_harness_test.go", "raft/timeline_test.go",
	"raft/api_test.go", "raft/leak_test.go",
	"kvraft/config_test.go", "kvraft/test_test.go", "kvraft/membership_test.go", "kvraft/timeline_harness_test.go",
	"kvraft/timeline_test.go", "kvraft/compat_test.go",
}

var courseHarnessCopied = []string{
	"raft/config.go", "raft/test_test.go", "kvraft/config.go", "kvraft/test_test.go",
}

func TestUseCourseHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the repository and compiles two packages")
	}
	for _, tool := range []string{"bash", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	if _, err := os.Stat(".course-harness-aside"); err == nil {
		t.Skip("a course harness is in place in this tree; run scripts/use-course-harness --undo first")
	}
	repo := t.TempDir()
	courseHarnessCopyRepo(t, repo)
	original := courseHarnessTreeSum(t, repo)

	// Bad input: a clear error, and nothing changed.
	bad := t.TempDir()
	mustWrite := func(rel, content string) {
		t.Helper()
		path := filepath.Join(bad, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fixtureFile := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(repo, courseHarnessFixture, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := os.Mkdir(filepath.Join(bad, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustWrite("half/raft/config.go", fixtureFile("raft/config.go"))
	mustWrite("unknown/raft/config.go", fixtureFile("raft/config.go"))
	mustWrite("unknown/raft/test_test.go", strings.Replace(fixtureFile("raft/test_test.go"),
		"import (\n", "import (\n\t\"6.5840/tester1\"\n", 1))
	mustWrite("root/src/raft/config.go", fixtureFile("raft/config.go"))
	mustWrite("root/src/raft/test_test.go", fixtureFile("raft/test_test.go"))
	mustWrite("wrongpkg/kvraft/config.go", fixtureFile("kvraft/config.go"))
	mustWrite("wrongpkg/kvraft/test_test.go", strings.Replace(fixtureFile("kvraft/test_test.go"),
		"package kvraft", "package raft", 1))
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: scripts/use-course-harness COURSE_SRC_DIR"},
		{[]string{"a", "b"}, 2, "usage:"},
		{[]string{"--force"}, 2, "unknown option --force"},
		{[]string{filepath.Join(bad, "missing")}, 2, "no such directory"},
		{[]string{filepath.Join(bad, "empty")}, 1, "has no course harness: expected raft/config.go and raft/test_test.go"},
		{[]string{filepath.Join(bad, "half")}, 1, "has config.go but no test_test.go"},
		{[]string{filepath.Join(bad, "unknown")}, 1, `raft/test_test.go:10: import "6.5840/tester1": raftlab has no such package`},
		{[]string{filepath.Join(bad, "root")}, 1, "did you mean " + filepath.Join(bad, "root", "src") + "?"},
		{[]string{filepath.Join(bad, "wrongpkg")}, 1, "test_test.go: package raft, want package kvraft"},
		{[]string{"--undo"}, 1, "no course harness is in place"},
	} {
		out, code := courseHarnessRun(t, repo, c.args...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("use-course-harness %q: exit %d, output:\n%s\nwant exit %d and output containing %q",
				c.args, code, out, c.code, c.want)
		}
		courseHarnessSameTree(t, repo, original, fmt.Sprintf("after use-course-harness %q", c.args))
	}

	// Install the fixture.
	out, code := courseHarnessRun(t, repo, courseHarnessFixture)
	if code != 0 {
		t.Fatalf("use-course-harness %s: exit %d, output:\n%s", courseHarnessFixture, code, out)
	}
	var moved, copied []string
	for _, m := range regexp.MustCompile(`(?m)^  (moved aside|copied in) +(\S+)`).FindAllStringSubmatch(out, -1) {
		if m[1] == "moved aside" {
			moved = append(moved, m[2])
		} else {
			copied = append(copied, m[2])
		}
	}
	if !slices.Equal(moved, courseHarnessMoved) || !slices.Equal(copied, courseHarnessCopied) {
		t.Errorf("moved aside %v and copied in %v; want %v and %v; output:\n%s",
			moved, copied, courseHarnessMoved, courseHarnessCopied, out)
	}
	for _, want := range []string{"go test -race ./raft", "one kvraft test at a time", "several GB",
		"undo: scripts/use-course-harness --undo"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	for _, rel := range courseHarnessMoved {
		if !slices.Contains(courseHarnessCopied, rel) {
			if _, err := os.Stat(filepath.Join(repo, rel)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s is still in place (stat: %v)", rel, err)
			}
		}
	}
	imports := regexp.MustCompile(`(?m)^\s*(\w+ )?"(6\.5840|raftlab)/[^"]*"`)
	var got []string
	for _, rel := range courseHarnessCopied {
		b, err := os.ReadFile(filepath.Join(repo, rel))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range imports.FindAllString(string(b), -1) {
			got = append(got, rel+": "+strings.TrimSpace(m))
		}
	}
	want := []string{
		`raft/config.go: "raftlab/labgob"`, `raft/config.go: "raftlab/labrpc"`,
		`kvraft/config.go: "raftlab/labrpc"`, `kvraft/config.go: "raftlab/raft"`,
		`kvraft/test_test.go: models "raftlab/linearizability"`,
		`kvraft/test_test.go: porcupine "raftlab/linearizability"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("imports of the copied files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	installed := courseHarnessTreeSum(t, repo)

	// A second install is refused and changes nothing.
	out, code = courseHarnessRun(t, repo, courseHarnessFixture)
	if code != 1 || !strings.Contains(out, "already in place") {
		t.Errorf("second install: exit %d, output:\n%s\nwant exit 1 and \"already in place\"", code, out)
	}
	courseHarnessSameTree(t, repo, installed, "after a second install")

	// The course-shaped harness vets and passes, with the tests of ours
	// that stay.
	courseHarnessGo(t, repo, "vet", "./raft", "./kvraft")
	out = courseHarnessGo(t, repo, "test", "-count=1", "-v", "./raft", "./kvraft")
	for _, test := range []string{"TestInitialElection3A", "TestBasicAgree3B", "TestSnapshotBasic3D",
		"TestBasic4A", "TestSnapshotRecover4B", "TestKillNoGoroutineLeak4B"} {
		if !strings.Contains(out, "--- PASS: "+test+" ") {
			t.Errorf("go test ./raft ./kvraft did not pass %s; output:\n%s", test, out)
		}
	}

	// Undo refuses to throw away an edited course file.
	edited := filepath.Join(repo, "raft", "config.go")
	if err := os.WriteFile(edited, []byte("package raft\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = courseHarnessRun(t, repo, "--undo")
	if code != 1 || !strings.Contains(out, "raft/config.go was edited since it was copied in") {
		t.Errorf("undo over an edited raft/config.go: exit %d, output:\n%s\nwant exit 1 and a refusal", code, out)
	}
	restore := exec.Command("cp", ".course-harness-aside/course/raft/config.go", "raft/config.go")
	restore.Dir = repo
	if b, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, b)
	}
	courseHarnessSameTree(t, repo, installed, "after the refused undo and the cp it suggests")

	out, code = courseHarnessRun(t, repo, "--undo")
	if code != 0 {
		t.Fatalf("--undo: exit %d, output:\n%s", code, out)
	}
	courseHarnessSameTree(t, repo, original, "after --undo")
}

// courseHarnessRun runs the copy's scripts/use-course-harness in repo and
// returns its output (stdout and stderr) and exit status.
func courseHarnessRun(t *testing.T, repo string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(repo, "scripts", "use-course-harness"), args...)
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("use-course-harness %q: %v", args, err)
	}
	return string(out), 0
}

// courseHarnessGo runs go with args in repo and returns its output; it
// fails the test if go fails.
func courseHarnessGo(t *testing.T, repo string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s with the course-shaped harness in place: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// courseHarnessCopyRepo copies the files git knows of (tracked, or untracked
// and not ignored), as they are in the working tree, into dst; without git,
// the working tree minus .git.
func courseHarnessCopyRepo(t *testing.T, dst string) {
	t.Helper()
	var files []string
	if out, err := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output(); err == nil {
		for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			if _, err := os.Lstat(f); err == nil { // not deleted in the working tree
				files = append(files, f)
			}
		}
	} else {
		err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == ".git" {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// courseHarnessTreeSum maps every file and directory under root to its
// mode and, for a file, the SHA-256 of its content.
func courseHarnessTreeSum(t *testing.T, root string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		sum := info.Mode().String()
		if d.Type().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		sums[rel] = sum
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// courseHarnessSameTree fails the test, naming every difference, if the
// tree under root is not what want describes.
func courseHarnessSameTree(t *testing.T, root string, want map[string]string, when string) {
	t.Helper()
	got := courseHarnessTreeSum(t, root)
	var diff bytes.Buffer
	for path, w := range want {
		if g, ok := got[path]; !ok {
			fmt.Fprintf(&diff, "  %s: missing\n", path)
		} else if g != w {
			fmt.Fprintf(&diff, "  %s: changed (%s, was %s)\n", path, g, w)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			fmt.Fprintf(&diff, "  %s: new\n", path)
		}
	}
	if diff.Len() > 0 {
		t.Fatalf("the copy of the repository changed %s:\n%s", when, diff.String())
	}
}
