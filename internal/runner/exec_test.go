package runner

// One run's pieces: the rerun line, the log directory, the peak RSS.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckLogDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "a", "b")
	if err := checkLogDir(missing); err != nil {
		t.Errorf("checkLogDir(%s) (missing, under a directory): %v", missing, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Errorf("checkLogDir created %s (Stat: %v); the log directory is made only when a log is kept", filepath.Join(dir, "a"), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("checkLogDir left files behind in %s: %v", dir, entries)
	}
	for _, bad := range []string{file, filepath.Join(file, "logs")} {
		if err := checkLogDir(bad); err == nil || !strings.Contains(err.Error(), "not a directory") {
			t.Errorf("checkLogDir(%s) = %v, want an error saying %s is not a directory", bad, err, file)
		}
	}
}

func TestPeakRSSWithoutProcess(t *testing.T) {
	if got := peakRSS(nil); got != 0 {
		t.Errorf("peakRSS(nil) = %d, want 0 (unknown)", got)
	}
}

func TestRerunCommand(t *testing.T) {
	tc := testCase{pkg: &pkg{rel: "./raft"}, name: "TestX3A", part: "3A"}
	cfg := Config{Race: true, Timeout: 10 * time.Minute}
	want := "RAFTLAB_SEED=123 go test -race -count=1 -v -run '^TestX3A$' ./raft"
	if got := rerunCommand(cfg, tc, 123); got != want {
		t.Errorf("rerunCommand = %q, want %q", got, want)
	}
	cfg = Config{Verbose: true, Timeout: 30 * time.Second}
	want = "RAFTLAB_SEED=-5 RAFTLAB_DEBUG=1 go test -timeout 30s -count=1 -v -run '^TestX3A$' ./raft"
	if got := rerunCommand(cfg, tc, -5); got != want {
		t.Errorf("rerunCommand = %q, want %q", got, want)
	}
}

func TestReadCommand(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"test-logs/raft_TestX3A_run1.log", "go run ./cmd/raftlab logs test-logs/raft_TestX3A_run1.log"},
		{"/tmp/my logs/x.log", "go run ./cmd/raftlab logs '/tmp/my logs/x.log'"},
		{"it's.log", `go run ./cmd/raftlab logs 'it'\''s.log'`},
	} {
		if got := readCommand(c.path); got != c.want {
			t.Errorf("readCommand(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}

// The header names the file the log will be kept in: the next free name
// when an earlier batch's log has the first one.
func TestLogHeaderNamesWhereItIsKept(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "raft_TestX3A_run1.log")
	if got := freeLogPath(first); got != first {
		t.Errorf("freeLogPath in an empty directory = %q, want %q", got, first)
	}
	if err := os.WriteFile(first, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "raft_TestX3A_run1.2.log")
	if got := freeLogPath(first); got != second {
		t.Errorf("freeLogPath with %s taken = %q, want %q", first, got, second)
	}
	var b strings.Builder
	tc := testCase{pkg: &pkg{rel: "./raft", viewer: true}, name: "TestX3A", part: "3A"}
	writeLogHeader(&b, Config{Runs: 1, Timeout: 10 * time.Minute}, tc, 1, 7, second)
	want := "\n# read it: go run ./cmd/raftlab logs " + second + "\n\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("header:\n%s\nwant it to end with %q", b.String(), want)
	}
	// A module without the viewer (a student copy) gets no read-it line.
	b.Reset()
	tc.pkg.viewer = false
	writeLogHeader(&b, Config{Runs: 1, Timeout: 10 * time.Minute}, tc, 1, 7, second)
	if strings.Contains(b.String(), "# read it:") || !strings.HasSuffix(b.String(), "\n\n") {
		t.Errorf("header without a viewer:\n%s\nwant no read-it line, and a blank line at the end", b.String())
	}
}
