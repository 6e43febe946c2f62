package handout

// The handout of this module itself: it compiles and vets clean, the 3A
// tests fail on the skeleton, and pass with raftlab's raft put back.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// moduleRoot returns the root of raftlab's module, this test's.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := FindModule(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// goCmd runs the go command in dir, bounded by d, and returns its
// combined output.
func goCmd(t *testing.T, dir string, d time.Duration, env []string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("go %s in %s: still running after %v:\n%s", strings.Join(args, " "), dir, d, out)
	}
	return out, err
}

// testEvent is a line of go test -json.
type testEvent struct {
	Action string
	Test   string
	Output string
}

// run3A runs the part-3A tests of dir's raft package and returns which
// tests passed and failed, and the whole output.
func run3A(t *testing.T, dir string, env []string) (passed, failed []string, output string, err error) {
	t.Helper()
	out, err := goCmd(t, dir, 4*time.Minute, env, "test", "-count=1", "-json", "-timeout", "3m", "-run", "3A$", "./raft")
	var text strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev testEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			text.WriteString(sc.Text() + "\n") // the go command's own words: a build failure
			continue
		}
		text.WriteString(ev.Output)
		switch {
		case ev.Test == "":
		case ev.Action == "pass":
			passed = append(passed, ev.Test)
		case ev.Action == "fail":
			failed = append(failed, ev.Test)
		}
	}
	return passed, failed, text.String(), err
}

func TestHandoutOfThisModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a copy of the module and runs its 3A tests twice (about a minute)")
	}
	src := moduleRoot(t)
	dst := filepath.Join(t.TempDir(), "lab")
	sum, err := Build(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("handout in %s: %d files copied, %d from the skeleton, %d paths left out", dst, sum.Copied, len(sum.Skeleton), len(sum.Omitted))

	// What the manifest leaves out is out; the skeleton is the skeleton.
	m, err := readManifest(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.entries {
		data, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(e.path)))
		switch e.verb {
		case omit:
			if _, err := os.Stat(filepath.Join(dst, filepath.FromSlash(e.path))); err == nil {
				t.Errorf("%s is in the handout; the manifest leaves it out", e.path)
			}
		case skeleton:
			want, _ := os.ReadFile(filepath.Join(src, SkeletonDir, filepath.FromSlash(e.path)))
			if err != nil || !bytes.Equal(data, want) {
				t.Errorf("%s in the handout is not its skeleton (%v)", e.path, err)
			}
		case keep:
			want, _ := os.ReadFile(filepath.Join(src, filepath.FromSlash(e.path)))
			if err != nil || !bytes.Equal(data, want) {
				t.Errorf("%s in the handout is not raftlab's (%v)", e.path, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "raft", "test_test.go")); err != nil {
		t.Errorf("the raft tests are not in the handout: %v", err)
	}

	// It compiles, tests and all, and vet is clean.
	if out, err := goCmd(t, dst, 5*time.Minute, nil, "vet", "./..."); err != nil {
		t.Fatalf("go vet ./... on the handout: %v\n%s", err, out)
	}

	// On the skeleton, every 3A test fails, as a failure of its own: none
	// hangs past go test's limit, none panics and takes the others down.
	env := []string{"RAFTLAB_TIMELINE_DIR=" + t.TempDir()}
	list, err := goCmd(t, src, time.Minute, nil, "test", "-list", "3A$", "./raft")
	if err != nil {
		t.Fatalf("go test -list 3A$ ./raft: %v\n%s", err, list)
	}
	var tests3A []string
	for _, l := range strings.Fields(string(list)) {
		if strings.HasPrefix(l, "Test") {
			tests3A = append(tests3A, l)
		}
	}
	slices.Sort(tests3A)
	if len(tests3A) < 3 {
		t.Fatalf("raftlab has %d part-3A tests (%v); want the course's at least", len(tests3A), tests3A)
	}
	passed, failed, out, err := run3A(t, dst, env)
	slices.Sort(failed)
	if err == nil || len(passed) > 0 || !slices.Equal(failed, tests3A) {
		t.Fatalf("3A on the skeleton: passed %v, failed %v (err %v); want every one of %v failed:\n%s", passed, failed, err, tests3A, out)
	}
	if strings.Contains(out, "panic:") || strings.Contains(out, "test timed out") {
		t.Fatalf("3A on the skeleton panicked or timed out instead of failing:\n%s", out)
	}

	// raftlab's own code in place of the skeleton (a Submission of this
	// module's files) passes them. Its kvraft needs internal/bugs, which a
	// handout leaves out, but 3A builds raft alone.
	sol := filepath.Join(t.TempDir(), "solution")
	taken, err := Submission(src, src, sol)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(taken, "raft/election.go") {
		t.Fatalf("the submission took %v, not raftlab's raft/election.go", taken)
	}
	passed, failed, out, err = run3A(t, sol, env)
	slices.Sort(passed)
	if err != nil || len(failed) > 0 || !slices.Equal(passed, tests3A) {
		t.Fatalf("3A with raftlab's raft put back: passed %v, failed %v (err %v); want all of %v passed:\n%s", passed, failed, err, tests3A, out)
	}
}
