package runner

// End-to-end tests: the command at the module root (test_harness.go, with
// this package inside it), built once and run against testdata/fixture from
// the module root, as a user runs it. This file is their harness; the tests
// are in e2e_*_test.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixture is the package of tests with known outcomes, as named from the
// module root.
const fixture = "./testdata/fixture"

var (
	rootOnce sync.Once
	rootDir  string // the module root, where the command runs
	rootErr  error

	entryOnce sync.Once
	entryPath string // the built command
	entryDir  string // the temporary directory it is built into
	entryErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if entryDir != "" {
		os.RemoveAll(entryDir)
	}
	os.Exit(code)
}

// moduleRoot returns the directory of the main module's go.mod. Tests run
// in this package's directory; the command runs at the module root.
func moduleRoot(t *testing.T) string {
	t.Helper()
	rootOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		gomod := strings.TrimSpace(string(out))
		switch {
		case err != nil:
			rootErr = fmt.Errorf("go env GOMOD: %v", err)
		case gomod == "" || gomod == os.DevNull:
			rootErr = errors.New("go env GOMOD: not in a module")
		default:
			rootDir = filepath.Dir(gomod)
		}
	})
	if rootErr != nil {
		t.Fatal(rootErr)
	}
	return rootDir
}

// entryBinary builds the command once for all end-to-end tests.
func entryBinary(t *testing.T) string {
	t.Helper()
	root := moduleRoot(t)
	entryOnce.Do(func() {
		if entryDir, entryErr = os.MkdirTemp("", "raftlab-runner-test-"); entryErr != nil {
			return
		}
		entryPath = filepath.Join(entryDir, "raftlab")
		build := exec.Command("go", "build", "-o", entryPath, ".")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			entryErr = fmt.Errorf("go build . in %s: %v\n%s", root, err, out)
		}
	})
	if entryErr != nil {
		t.Fatal(entryErr)
	}
	return entryPath
}

// entryCommand returns the command, to be run at the module root with args
// and extra environment.
func entryCommand(t *testing.T, ctx context.Context, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, entryBinary(t), args...)
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// invocation is one finished run of the command.
type invocation struct {
	status         int
	stdout, stderr string
}

// runEntry runs the command with args and extra environment, giving up
// after limit.
func runEntry(t *testing.T, limit time.Duration, env []string, args ...string) invocation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := entryCommand(t, ctx, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("runner %q still running after %v\nstdout:\n%s\nstderr:\n%s", args, limit, &stdout, &stderr)
	}
	r := invocation{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.status = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("runner %q: %v", args, err)
	}
	return r
}

// wantStatus fails the test unless r exited with status.
func wantStatus(t *testing.T, r invocation, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.status, status, r.stdout, r.stderr)
	}
}

// tableRow matches the closing-table row of a test and captures runs and
// fails.
func tableRow(test string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\./testdata/fixture +` + test + ` +(\d+) +(\d+)`)
}

func wantRow(t *testing.T, out, test string, runs, fails int) {
	t.Helper()
	m := tableRow(test).FindStringSubmatch(out)
	if m == nil {
		t.Errorf("no table row for %s in:\n%s", test, out)
		return
	}
	if m[1] != strconv.Itoa(runs) || m[2] != strconv.Itoa(fails) {
		t.Errorf("%s: runs %s fails %s, want %d and %d; output:\n%s", test, m[1], m[2], runs, fails, out)
	}
}

// keptLogs returns the names of the files in dir, or nil if there is no
// dir.
func keptLogs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// readJSON returns the -json document written to path.
func readJSON(t *testing.T, path string) (jsonDoc, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc jsonDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("-json output: %v\n%s", err, data)
	}
	return doc, data
}
