package grade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// reportGrade is testGrade's grade with TestFlaky3A's first failing run's
// log kept, and a part 4A whose package did not build.
func reportGrade(t *testing.T) (*Grade, string) {
	t.Helper()
	logDir := t.TempDir()
	logPath := filepath.Join(logDir, "raft_TestFlaky3A_run2.log")
	log := "# rerun: RAFTLAB_SEED=22 go test -count=1 -v -run '^TestFlaky3A$' ./raft\n# seed: 22\n\n=== RUN   TestFlaky3A\n    config_test.go:300: one(101) failed to reach agreement\n--- FAIL: TestFlaky3A (3.50s)\nFAIL\n\n# result: FAIL: exit status 1 (after 3.50s)\n"
	if err := os.WriteFile(logPath, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	g := testGrade(t, testConfig(), testDoc(t, logDir))
	g.Parts = append(g.Parts, failedPart("4A", "./kvraft", "./kvraft does not build:\n    kvraft/server.go:10:2: undefined: foo", DefaultWeights()))
	g.sum()
	return g, logPath
}

func TestWriteText(t *testing.T) {
	g, logPath := reportGrade(t)
	var b bytes.Buffer
	if err := WriteText(&b, g); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"raftlab grade /students/alice\n",
		"2026-03-01 12:00:00 UTC: 3 runs per test, limit 2m0s per run, 2 at once, weights default\n",
		"\nPart 3A (./raft): 7.50 of 15.00 points\n",
		"\nPart 3C (./raft): 20.00 of 20.00 points\n",
		"\nPart 3D (./raft): 0.00 of 15.00 points\n  not graded: no tests of part 3D in ./raft\n",
		"\nPart 4A (./kvraft): 0.00 of 15.00 points\n  not graded: ./kvraft does not build:\n      kvraft/server.go:10:2: undefined: foo\n",
		"\nTOTAL 27.50 of 90.00 points; 3 of 7 tests passed; FAIL\n",
		"\n--- TestFlaky3A (./raft, part 3A): 2 of 3 runs failed\n  run 2 failed after 3.50s, seed 22\n  replay: RAFTLAB_SEED=22 go test -count=1 -v -run '^TestFlaky3A$' ./raft\n",
		"  log: " + logPath + " (lines 4-9 of 9)\n    | === RUN   TestFlaky3A\n    |     config_test.go:300: one(101) failed to reach agreement\n    | --- FAIL: TestFlaky3A (3.50s)\n",
		"\n--- TestSlow3B (./raft, part 3B): slowest run took 130.00s, over the 2m0s limit\n  run 2 over the limit after 130.00s, seed 32\n",
		"  log: none kept (the run passed)\n",
		"\n--- TestHang3B (./raft, part 3B): timed out in 1 of 3 runs (limit 2m0s)\n  run 1 timed out after 120.02s, seed 41\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q\nreport:\n%s", want, out)
		}
	}
	for _, row := range []string{
		`(?m)^  TestOK3A +3 +0 +0 +2\.50 +7\.50 / 7\.50 +ok$`,
		`(?m)^  TestFlaky3A +3 +2 +0 +4\.00 +0\.00 / 7\.50 +FAIL: 2 of 3 runs failed$`,
		`(?m)^  TestHang3B +3 +1 +1 +120\.02 +0\.00 / 8\.33 +FAIL: timed out in 1 of 3 runs \(limit 2m0s\)$`,
		`(?m)^  TestShort3B +2 +0 +0 +1\.00 +0\.00 / 8\.33 +FAIL: ran 2 of 3 runs$`,
	} {
		if !regexp.MustCompile(row).MatchString(out) {
			t.Errorf("the report has no row matching %s\nreport:\n%s", row, out)
		}
	}
	for _, passing := range []string{"--- TestOK3A", "--- TestA3C", "--- TestShort3B"} {
		if strings.Contains(out, passing) {
			t.Errorf("the report shows a failing run for %s, which has none", strings.TrimPrefix(passing, "--- "))
		}
	}
}

func TestWriteTextAllPassed(t *testing.T) {
	cfg := testConfig()
	cfg.Parts = []string{"3C"}
	g := testGrade(t, cfg, testDoc(t, t.TempDir()))
	var b bytes.Buffer
	if err := WriteText(&b, g); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "\nTOTAL 20.00 of 20.00 points; 2 of 2 tests passed; PASS\n") || strings.Contains(out, "First failing run") {
		t.Errorf("a grade where all passed: want a PASS total and no failures\n%s", out)
	}
}

func TestWriteJSON(t *testing.T) {
	g, logPath := reportGrade(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, g); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Dir         string  `json:"dir"`
		Date        string  `json:"date"`
		RunsPerTest int     `json:"runs_per_test"`
		Timeout     string  `json:"timeout"`
		Points      float64 `json:"points"`
		Possible    float64 `json:"possible"`
		TestsPassed int     `json:"tests_passed"`
		Passed      bool    `json:"passed"`
		Parts       []struct {
			Part     string  `json:"part"`
			Points   float64 `json:"points"`
			Possible float64 `json:"possible"`
			Error    string  `json:"error"`
			Tests    []struct {
				Test         string          `json:"test"`
				Points       float64         `json:"points"`
				Possible     float64         `json:"possible"`
				FirstFailure json.RawMessage `json:"first_failure"`
			} `json:"tests"`
		} `json:"parts"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("grade.json does not parse: %v\n%s", err, b.Bytes())
	}
	if doc.Dir != "/students/alice" || doc.Date != "2026-03-01T12:00:00Z" || doc.RunsPerTest != 3 || doc.Timeout != "2m0s" {
		t.Errorf("header: %+v", doc)
	}
	if doc.Points != 27.5 || doc.Possible != 90 || doc.TestsPassed != 3 || doc.Passed {
		t.Errorf("totals %g of %g, %d passed, passed %v; want 27.5 of 90, 3, false", doc.Points, doc.Possible, doc.TestsPassed, doc.Passed)
	}
	if len(doc.Parts) != 5 || doc.Parts[4].Part != "4A" || doc.Parts[4].Error == "" || doc.Parts[4].Possible != 15 {
		t.Fatalf("parts: %+v, want 3A 3B 3C 3D and 4A with its build error, worth 15", doc.Parts)
	}
	got := string(doc.Parts[0].Tests[0].FirstFailure)
	want := fmt.Sprintf(`{"run":2,"seed":22,"outcome":"failed","seconds":3.5,"replay":"RAFTLAB_SEED=22 go test -count=1 -v -run '^TestFlaky3A$' ./raft","log":%q}`, logPath)
	var compact bytes.Buffer
	json.Compact(&compact, []byte(got))
	if compact.String() != want {
		t.Errorf("TestFlaky3A's first_failure:\n got %s\nwant %s", compact.String(), want)
	}
	if doc.Parts[0].Tests[1].FirstFailure != nil {
		t.Errorf("TestOK3A passed but has first_failure %s", doc.Parts[0].Tests[1].FirstFailure)
	}
}
