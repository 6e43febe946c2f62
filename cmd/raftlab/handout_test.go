package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// raftlab handout writes the student copy from the module it runs in; the
// copy itself is tested in internal/handout (it vets, its 3A tests fail,
// and pass with the solution put back).
func TestHandoutCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lab")
	var stdout, stderr strings.Builder
	if code := run([]string{"handout", "-vet=false", "-o", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("raftlab handout: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"handout: " + dir, "skeleton files: [README.md", "raft/raft.go", "paths left out: [cluster/ cmd/", "next: cd " + dir} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, p := range []string{"raft/raft.go", "raft/test_test.go", "kvraft/client.go", "labrpc/network.go", "test_harness.go"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s is not in the handout: %v", p, err)
		}
	}
	for _, p := range []string{"raft/election.go", "cluster", "cmd"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			t.Errorf("%s is in the handout", p)
		}
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"handout"}, 2, "-o DIR is required"},
		{[]string{"handout", "-o", dir, "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"handout", "-o", t.TempDir(), "-src", os.TempDir()}, 2, "not inside raftlab's module"},
		{[]string{"handout", "-vet=false", "-o", dir}, 1, "is not empty"},
		{[]string{"handout", "-vet=false", "-o", filepath.Join(t.TempDir(), "x"), "-src", dir}, 1, "reading the handout manifest"},
	} {
		var stdout, stderr strings.Builder
		code := run(c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("raftlab %v: exit %d, stderr %q; want exit %d with %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}

// The grader catches what it exists for, on the real lab: the handout's
// skeleton scores nothing in 3A; a test edited to pass scores in the
// student's own copy but not with -fresh; and raftlab's own code, graded
// with -fresh, scores every point.
func TestGradeHandout(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a handout and grades its 3A tests twice")
	}
	dir := filepath.Join(t.TempDir(), "lab")
	var stdout, stderr strings.Builder
	if code := run([]string{"handout", "-vet=false", "-o", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("raftlab handout: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	out, errOut, code := runGradeCmd(t, 4*time.Minute, "-n", "1", "-p", "4", "-parts", "3A", dir)
	if code != 1 {
		t.Fatalf("grading the skeleton: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	wantLines(t, "the skeleton's report", out,
		`^Part 3A \(\./raft\): 0\.00 of 15\.00 points$`,
		`^  TestInitialElection3A +1 +1 +0 .* 0\.00 / 3\.75 +FAIL`,
		`^TOTAL 0\.00 of 15\.00 points; 0 of 4 tests passed; FAIL$`,
		`^  replay: RAFTLAB_SEED=-?\d+ go test -timeout 2m0s -count=1 -v -run '\^TestInitialElection3A\$' \./raft$`,
		`expected one leader among the connected peers within 5s, got none`)

	// A student who makes a test pass by editing it gets its points from
	// their own copy, and none with -fresh, which grades only their code
	// in a fresh handout.
	testFile := filepath.Join(dir, "raft", "test_test.go")
	src, err := os.ReadFile(testFile)
	if err != nil {
		t.Fatal(err)
	}
	const head = "func TestInitialElection3A(t *testing.T) {\n"
	if !strings.Contains(string(src), head) {
		t.Fatalf("%s has no %q", testFile, head)
	}
	writeFile(t, testFile, []byte(strings.Replace(string(src), head, head+"\treturn\n", 1)))
	out, errOut, code = runGradeCmd(t, 4*time.Minute, "-n", "1", "-p", "4", "-parts", "3A", dir)
	if code != 1 {
		t.Fatalf("grading the edited copy: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	wantLines(t, "the edited copy's report", out, `^Part 3A \(\./raft\): 3\.75 of 15\.00 points$`)
	out, errOut, code = runGradeCmd(t, 4*time.Minute, "-n", "1", "-p", "4", "-parts", "3A", "-fresh", dir)
	if code != 1 {
		t.Fatalf("grading the edited copy -fresh: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	wantLines(t, "the edited copy's report with -fresh", out, `^Part 3A \(\./raft\): 0\.00 of 15\.00 points$`)
	wantLines(t, "stderr with -fresh", errOut, `^raftlab grade: -fresh: .*lab's .*raft/raft\.go, .* in a fresh handout at `)
	// A failed grade keeps the fresh handout, for the replay lines.
	kept := regexp.MustCompile(`(?m)^the fresh handout graded stays at (\S+), for the replay lines`).FindStringSubmatch(out)
	if kept == nil {
		t.Errorf("the report does not say where the fresh handout stays:\n%s", out)
	} else if _, err := os.Stat(filepath.Join(kept[1], "raft", "test_test.go")); err != nil {
		t.Errorf("the fresh handout is not at %s: %v", kept[1], err)
	} else {
		os.RemoveAll(filepath.Dir(kept[1]))
	}

	// raftlab's own code, in a fresh handout, scores every point; a grade
	// that passed leaves no fresh handout behind.
	out, errOut, code = runGradeCmd(t, 4*time.Minute, "-n", "1", "-p", "4", "-parts", "3A", "-fresh", "../..")
	if code != 0 {
		t.Fatalf("grading raftlab's own code -fresh: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if m := regexp.MustCompile(`(?m)in a fresh handout at (\S+)$`).FindStringSubmatch(errOut); m == nil {
		t.Errorf("stderr does not say where the fresh handout is:\n%s", errOut)
	} else if _, err := os.Stat(m[1]); err == nil {
		t.Errorf("the fresh handout %s is still there after a grade that passed", m[1])
		os.RemoveAll(filepath.Dir(m[1]))
	}
	wantLines(t, "the solution's report", out,
		`^Part 3A \(\./raft\): 15\.00 of 15\.00 points$`,
		`^TOTAL 15\.00 of 15\.00 points; 4 of 4 tests passed; PASS$`)
}
