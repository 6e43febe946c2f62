package runner

// End to end: the table's memory column, usage errors, -list.

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPeakRSSOfARun checks the MAX RSS column and max_rss_bytes against
// TestMemory1C, which touches 64 MiB: at least that, and not so much more
// that a wrong unit could hide.
func TestPeakRSSOfARun(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "results.json")
	r := runEntry(t, 2*time.Minute, nil, "-n", "2", "-json", jsonPath, "-o", t.TempDir(), fixture, "TestMemory1C", "TestPass1A")
	wantStatus(t, r, 0)
	if !regexp.MustCompile(`(?m)^PACKAGE +TEST +RUNS +FAILS +MEAN±SD S +MAX S +MAX RSS MiB$`).MatchString(r.stdout) {
		t.Errorf("no MAX RSS MiB column in the table:\n%s", r.stdout)
	}
	rss := func(test string) float64 {
		m := regexp.MustCompile(`(?m)^\./testdata/fixture +` + test + ` +2 +0 +[0-9.]+ ± [0-9.]+ +[0-9.]+ +([0-9.]+)$`).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no table row for %s with a MAX RSS figure in:\n%s", test, r.stdout)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	const touched = 64 // MiB, memoryMiB in the fixture
	if mem, pass := rss("TestMemory1C"), rss("TestPass1A"); mem < touched || mem > touched+256 || pass <= 0 || pass >= mem {
		t.Errorf("MAX RSS MiB: TestMemory1C %.1f (touches %d MiB), TestPass1A %.1f; want %d <= the first <= %d and 0 < the second < the first",
			mem, touched, pass, touched, touched+256)
	}

	doc, data := readJSON(t, jsonPath)
	for _, test := range doc.Tests {
		var most int64
		for _, run := range doc.Runs {
			if run.Test == test.Test {
				if run.MaxRSSBytes <= 0 {
					t.Errorf("-json run %d of %s: max_rss_bytes %d, want > 0", run.Run, run.Test, run.MaxRSSBytes)
				}
				most = max(most, run.MaxRSSBytes)
			}
		}
		if test.MaxRSSBytes != most {
			t.Errorf("-json test %s: max_rss_bytes %d, want the largest of its runs', %d", test.Test, test.MaxRSSBytes, most)
		}
		if test.Test == "TestMemory1C" && test.MaxRSSBytes < touched<<20 {
			t.Errorf("-json: TestMemory1C max_rss_bytes %d, less than the %d MiB it touched", test.MaxRSSBytes, touched)
		}
	}
	if !strings.Contains(string(data), `"max_rss_bytes":`) {
		t.Errorf("-json has no max_rss_bytes:\n%s", data)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cases := []struct {
		args    []string
		mention string
	}{
		{[]string{"-n", "0", fixture}, "-n must be at least 1"},
		{[]string{fixture, "9Z"}, `"9Z"`},
		{[]string{fixture, "TestPass1A", "NoSuchTest"}, `"NoSuchTest"`},
		{[]string{fixture, "Test(Pass"}, `"Test(Pass"`},
		{[]string{"./no/such/dir"}, "./no/such/dir"},
		{[]string{"-timeout", "5", fixture}, "a duration needs a unit"},
		{[]string{fixture, "TestPass1A", "-n", "2"}, "flags go before patterns"},
		{[]string{"-o", "go.mod", fixture}, "go.mod is not a directory"},
	}
	for _, c := range cases {
		r := runEntry(t, time.Minute, nil, append([]string{"-o", t.TempDir()}, c.args...)...)
		if r.status != 2 || !strings.Contains(r.stderr, c.mention) {
			t.Errorf("runner %q: exit status %d, stderr %q; want 2 and a message naming %s",
				c.args, r.status, r.stderr, c.mention)
		}
	}
}

func TestListGroupsFixture(t *testing.T) {
	r := runEntry(t, time.Minute, nil, "-list", fixture)
	want := "./testdata/fixture (raftlab/testdata/fixture)\n  1A\n    TestFail1A\n    TestPass1A\n  1B\n    TestHang1B\n  1C\n    TestMemory1C\n"
	if r.status != 0 || r.stdout != want {
		t.Errorf("-list: exit status %d, output:\n%s\nwant 0 and:\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}
