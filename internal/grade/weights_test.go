package grade

import (
	"math"
	"strings"
	"testing"
)

func TestDefaultWeightsAddUpTo100(t *testing.T) {
	w := DefaultWeights()
	parts, err := ParseParts(DefaultParts, w)
	if err != nil {
		t.Fatalf("ParseParts(%q): %v", DefaultParts, err)
	}
	var sum float64
	for _, p := range parts {
		sum += w.Parts[p]
	}
	if sum != 100 || len(parts) != 6 || w.Source != "default" {
		t.Errorf("default weighting: %d parts worth %g (source %q), want 6 worth 100 (\"default\")", len(parts), sum, w.Source)
	}
}

func TestParseWeightsOverrides(t *testing.T) {
	in := `# a course's weighting
3A 20   # more for elections

3C 30
TestFigure8Unreliable3C 4
TestBackup3B 2.5
5A 10
`
	w, err := ParseWeights(strings.NewReader(in), "w.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"3A": 20, "3B": 25, "3C": 30, "3D": 15, "4A": 15, "4B": 10, "5A": 10}
	for p, pts := range want {
		if w.Parts[p] != pts {
			t.Errorf("part %s: %g points, want %g", p, w.Parts[p], pts)
		}
	}
	if w.Tests["TestFigure8Unreliable3C"] != 4 || w.Tests["TestBackup3B"] != 2.5 || len(w.Tests) != 2 {
		t.Errorf("test points %v, want TestFigure8Unreliable3C 4 and TestBackup3B 2.5", w.Tests)
	}
	if w.Source != "w.txt" {
		t.Errorf("source %q, want w.txt", w.Source)
	}
}

func TestParseWeightsErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"3A 20\n3A\n", "w.txt:2: want PART POINTS"},
		{"3A 20 5\n", "w.txt:1: want PART POINTS"},
		{"\n# x\n3A twenty\n", `w.txt:3: 3A: points "twenty"`},
		{"3A -1\n", `w.txt:1: 3A: points "-1": want a number, 0 or more`},
		{"3A NaN\n", `w.txt:1: 3A: points "NaN"`},
		{"3A 1\n3B 2\n3A 3\n", "w.txt:3: 3A given twice (first on line 1)"},
		{"raft 3\n", `w.txt:1: "raft" is neither a part`},
		{"TestBasic 3\n", `w.txt:1: "TestBasic" is neither a part`},
		{"3a 3\n", `w.txt:1: "3a" is neither a part`},
		{"TestX5A 3\n", `w.txt:1: TestX5A: part 5A has no points`},
		{"TestX3A 10\nTestY3A 6\n", "the tests of part 3A given points of their own add up to 16, more than the part's 15"},
	} {
		_, err := ParseWeights(strings.NewReader(tc.in), "w.txt")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseWeights(%q): error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

func TestParseParts(t *testing.T) {
	w := DefaultWeights()
	got, err := ParseParts(" 3B,3A ,4B", w)
	if err != nil || strings.Join(got, ",") != "3A,3B,4B" {
		t.Errorf("ParseParts: %v, %v; want [3A 3B 4B] sorted", got, err)
	}
	w.Parts["5A"] = 10
	w.Parts["4C"] = 10
	for _, tc := range []struct{ in, want string }{
		{"", "an empty part"},
		{"3A,,3B", "an empty part"},
		{"3a", `"3a" is not a part`},
		{"raft", `"raft" is not a part`},
		{"3A,3A", "3A given twice"},
		{"3E", "part 3E has no points"},
		{"5A", "no package holds lab 5's tests"},
	} {
		if _, err := ParseParts(tc.in, w); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseParts(%q): error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
	if got, err := ParseParts("4C", w); err != nil || got[0] != "4C" {
		t.Errorf("ParseParts(4C) with 4C given points: %v, %v", got, err)
	}
}

func TestTestPointsSplit(t *testing.T) {
	w := DefaultWeights()
	tests := []string{"TestA3B", "TestB3B", "TestC3B"}
	pts, missing := testPoints("3B", tests, w)
	for _, tt := range tests {
		if math.Abs(pts[tt]-25.0/3) > 1e-9 {
			t.Errorf("%s: %g points, want 25/3 (3B's 25 shared by 3)", tt, pts[tt])
		}
	}
	if len(missing) != 0 {
		t.Errorf("missing %v, want none", missing)
	}

	w.Tests["TestA3B"] = 5
	w.Tests["TestGone3B"] = 4
	w.Tests["TestOther3C"] = 7 // another part's: no effect on 3B
	pts, missing = testPoints("3B", tests, w)
	if pts["TestA3B"] != 5 || pts["TestGone3B"] != 4 || pts["TestB3B"] != 8 || pts["TestC3B"] != 8 {
		t.Errorf("points %v, want TestA3B 5, TestGone3B 4, and the 16 left shared: TestB3B 8, TestC3B 8", pts)
	}
	if len(missing) != 1 || missing[0] != "TestGone3B" {
		t.Errorf("missing %v, want [TestGone3B]", missing)
	}
}
