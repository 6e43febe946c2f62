package runner

// Choosing packages and tests from the command line's patterns.

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestPartOf(t *testing.T) {
	for name, want := range map[string]string{
		"TestInitialElection3A":   "3A",
		"TestBasic4B":             "4B",
		"TestFigure8Unreliable3C": "3C",
		"TestHelper":              "-",
		"TestLower3a":             "-",
		"Test3":                   "-",
		"X":                       "-",
	} {
		if got := partOf(name); got != want {
			t.Errorf("partOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestIsPackagePattern(t *testing.T) {
	for pat, want := range map[string]bool{
		"./raft": true, "./...": true, ".": true, "..": true, "raftlab/raft": true,
		"./testdata/fixture": true, "3A": false, "TestBasic4B": false, "Figure8|Snap": false,
	} {
		if got := isPackagePattern(pat); got != want {
			t.Errorf("isPackagePattern(%q) = %v, want %v", pat, got, want)
		}
	}
}

// fakePkgs is two packages whose tests are listed out of order.
func fakePkgs() []*pkg {
	return []*pkg{
		{rel: "./raft", key: "raft", tests: []string{
			"TestFigure83C", "TestBasicAgree3B", "TestReElection3A",
			"TestInitialElection3A", "TestHelper", "TestBasicAgree3BX"}},
		{rel: "./kvraft", key: "kvraft", tests: []string{"TestSnapshot4B", "TestBasic4A"}},
	}
}

func names(tests []testCase) string {
	var s []string
	for _, tc := range tests {
		s = append(s, tc.pkg.key+"."+tc.name)
	}
	return strings.Join(s, " ")
}

func TestSelectTests(t *testing.T) {
	cases := []struct {
		patterns []string
		want     string
	}{
		{nil, "kvraft.TestBasic4A kvraft.TestSnapshot4B raft.TestBasicAgree3BX raft.TestHelper " +
			"raft.TestInitialElection3A raft.TestReElection3A raft.TestBasicAgree3B raft.TestFigure83C"},
		{[]string{"./raft", "./kvraft"}, "kvraft.TestBasic4A kvraft.TestSnapshot4B raft.TestBasicAgree3BX raft.TestHelper " +
			"raft.TestInitialElection3A raft.TestReElection3A raft.TestBasicAgree3B raft.TestFigure83C"},
		{[]string{"3A"}, "raft.TestInitialElection3A raft.TestReElection3A"},
		{[]string{"3A", "4B"}, "kvraft.TestSnapshot4B raft.TestInitialElection3A raft.TestReElection3A"},
		// An exact name is that test only, not a regexp that also
		// matches TestBasicAgree3BX.
		{[]string{"TestBasicAgree3B"}, "raft.TestBasicAgree3B"},
		// TestBasicAgree3BX has no part ("BX" is not one): it sorts first.
		{[]string{"Basic"}, "kvraft.TestBasic4A raft.TestBasicAgree3BX raft.TestBasicAgree3B"},
		{[]string{"Figure|Snapshot"}, "kvraft.TestSnapshot4B raft.TestFigure83C"},
		// A test matched twice is selected once.
		{[]string{"3A", "Election"}, "raft.TestInitialElection3A raft.TestReElection3A"},
	}
	for _, c := range cases {
		got, err := selectTests(fakePkgs(), c.patterns)
		if err != nil {
			t.Errorf("selectTests(%q): %v", c.patterns, err)
			continue
		}
		if names(got) != c.want {
			t.Errorf("selectTests(%q)\n got  %s\n want %s", c.patterns, names(got), c.want)
		}
	}
}

func TestSelectTestsErrors(t *testing.T) {
	cases := []struct {
		patterns []string
		mention  string // the error must name the pattern at fault
	}{
		{[]string{"3A", "5A"}, `"5A"`},
		{[]string{"NoSuchTest"}, `"NoSuchTest"`},
		{[]string{"Test(Basic"}, `"Test(Basic"`},
	}
	for _, c := range cases {
		_, err := selectTests(fakePkgs(), c.patterns)
		var ue UsageError
		if !errors.As(err, &ue) {
			t.Errorf("selectTests(%q) = %v, want a usage error", c.patterns, err)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("selectTests(%q) error %q does not name %s", c.patterns, err, c.mention)
		}
	}
	if _, err := selectTests([]*pkg{{rel: "./x"}}, nil); err == nil {
		t.Errorf("selectTests of a package without tests succeeded, want a usage error")
	}
}

// TestDefaultPackagesLeaveOutTheRunner checks the default package set, at
// the module root: the lab's packages, not the runner's own (the command at
// the root and this package), not testdata/.
func TestDefaultPackagesLeaveOutTheRunner(t *testing.T) {
	t.Chdir(moduleRoot(t))
	listed, err := defaultPackages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, lp := range listed {
		paths = append(paths, lp.ImportPath)
	}
	got := " " + strings.Join(paths, " ") + " "
	if !strings.Contains(got, " raftlab/raft ") {
		t.Errorf("default packages %v lack raftlab/raft", paths)
	}
	for _, own := range []string{"raftlab", runnerPackage, "raftlab/testdata/fixture"} {
		if strings.Contains(got, " "+own+" ") {
			t.Errorf("default packages %v include %s", paths, own)
		}
	}
	if runnerPackage != "raftlab/internal/runner" {
		t.Errorf("runnerPackage = %q, want raftlab/internal/runner", runnerPackage)
	}
}
