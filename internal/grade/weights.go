package grade

// Points: the default weighting, the -weights file that overrides it, the
// -parts list, and which package holds a part's tests.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"raftlab/internal/runner"
)

// DefaultParts is the -parts default: every part of labs 3 and 4.
const DefaultParts = "3A,3B,3C,3D,4A,4B"

// defaultPoints is each part's share of 100 (doc.go says why).
var defaultPoints = map[string]float64{
	"3A": 15, "3B": 25, "3C": 20, "3D": 15, "4A": 15, "4B": 10,
}

// partTest reports whether name is a test of a part, and which: a Test
// whose name ends in a part, by the runner's rule (runner.PartOf).
func partTest(name string) (part string, ok bool) {
	if !strings.HasPrefix(name, "Test") {
		return "", false
	}
	return runner.PartOf(name)
}

// isPartTest reports whether name is a test of a part.
func isPartTest(name string) bool {
	_, ok := partTest(name)
	return ok
}

// partOf returns the part of a test that partTest accepted.
func partOf(test string) string {
	part, _ := runner.PartOf(test)
	return part
}

// Weights says how many points each part is worth, and which tests have
// points of their own within their part; the other tests of a part share
// what is left of its points equally.
type Weights struct {
	Parts  map[string]float64 // part ("3A") -> its points
	Tests  map[string]float64 // test name -> its own points within its part
	Source string             // "default", or the file the overrides came from
}

// DefaultWeights returns the default weighting: 3A 15, 3B 25, 3C 20, 3D 15,
// 4A 15, 4B 10, every test of a part worth the same.
func DefaultWeights() Weights {
	w := Weights{Parts: map[string]float64{}, Tests: map[string]float64{}, Source: "default"}
	for p, pts := range defaultPoints {
		w.Parts[p] = pts
	}
	return w
}

// ReadWeights reads a weights file (see ParseWeights).
func ReadWeights(path string) (Weights, error) {
	f, err := os.Open(path)
	if err != nil {
		return Weights{}, err
	}
	defer f.Close()
	return ParseWeights(f, path)
}

// ParseWeights returns the default weighting overridden by the lines of r,
// which is named name in errors. A line is "PART POINTS" (3A 20) or "TEST
// POINTS" (TestFigure8Unreliable3C 4); "#" starts a comment; blank lines
// are skipped. Points are a number, 0 or more (2.5 is fine). A name given
// twice, a test whose part has no points, or tests of a part given more
// points together than the part has, are errors naming the line.
func ParseWeights(r io.Reader, name string) (Weights, error) {
	w := DefaultWeights()
	w.Source = name
	seen := map[string]int{} // name -> line it was given on
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", name, n, fmt.Sprintf(format, args...))
		}
		if len(f) != 2 {
			return Weights{}, bad("want PART POINTS or TEST POINTS (3A 20, TestBackup3B 4), got %q", strings.TrimSpace(line))
		}
		key := f[0]
		pts, err := strconv.ParseFloat(f[1], 64)
		if err != nil || math.IsNaN(pts) || math.IsInf(pts, 0) || pts < 0 {
			return Weights{}, bad("%s: points %q: want a number, 0 or more", key, f[1])
		}
		if first, ok := seen[key]; ok {
			return Weights{}, bad("%s given twice (first on line %d)", key, first)
		}
		seen[key] = n
		switch {
		case runner.IsPart(key):
			w.Parts[key] = pts
		case isPartTest(key):
			w.Tests[key] = pts
		default:
			return Weights{}, bad("%q is neither a part (3A) nor a test whose name ends in one (TestBackup3B)", key)
		}
	}
	if err := sc.Err(); err != nil {
		return Weights{}, fmt.Errorf("%s: %w", name, err)
	}
	// Checked once every line is in: a part's line may come after its tests'.
	sums := map[string]float64{}
	for _, test := range sortedKeys(w.Tests) {
		part := partOf(test)
		if _, ok := w.Parts[part]; !ok {
			return Weights{}, fmt.Errorf("%s:%d: %s: part %s has no points (add a line \"%s POINTS\")", name, seen[test], test, part, part)
		}
		sums[part] += w.Tests[test]
	}
	for _, part := range sortedKeys(sums) {
		if sums[part] > w.Parts[part]+1e-9 {
			return Weights{}, fmt.Errorf("%s: the tests of part %s given points of their own add up to %g, more than the part's %g", name, part, sums[part], w.Parts[part])
		}
	}
	return w, nil
}

// ParseParts parses the -parts list (3A,3B): parts that w gives points and
// a package holds, each once. They come back sorted.
func ParseParts(s string, w Weights) ([]string, error) {
	var parts []string
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return nil, errors.New("an empty part: want a list like 3A,3B")
		case !runner.IsPart(p):
			return nil, fmt.Errorf("%q is not a part: want a digit and a capital letter, like 3A", p)
		case seen[p]:
			return nil, fmt.Errorf("%s given twice", p)
		case PackageOf(p) == "":
			return nil, fmt.Errorf("part %s: no package holds lab %c's tests (lab 3 is ./raft, lab 4 ./kvraft)", p, p[0])
		}
		if _, ok := w.Parts[p]; !ok {
			return nil, fmt.Errorf("part %s has no points: give it some in a -weights file (a line \"%s 10\")", p, p)
		}
		seen[p] = true
		parts = append(parts, p)
	}
	sort.Strings(parts)
	return parts, nil
}

// PackageOf returns the package, as the runner names it, that holds the
// tests of part (a lab's number and a letter): ./raft for lab 3, ./kvraft
// for lab 4; "" for any other lab.
func PackageOf(part string) string {
	switch part[0] {
	case '3':
		return "./raft"
	case '4':
		return "./kvraft"
	}
	return ""
}

// testPoints returns the points of each of tests, all of part: those w
// names get their own; the others share what is left of the part's points
// equally. missing are the tests w names for this part that are not among
// tests (they score 0, but keep their points in the part's total).
func testPoints(part string, tests []string, w Weights) (points map[string]float64, missing []string) {
	points = map[string]float64{}
	left := w.Parts[part]
	present := map[string]bool{}
	for _, t := range tests {
		present[t] = true
	}
	for _, t := range sortedKeys(w.Tests) {
		if partOf(t) != part {
			continue
		}
		points[t] = w.Tests[t]
		left -= w.Tests[t]
		if !present[t] {
			missing = append(missing, t)
		}
	}
	var shared []string
	for _, t := range tests {
		if _, own := points[t]; !own {
			shared = append(shared, t)
		}
	}
	for _, t := range shared {
		points[t] = max(left, 0) / float64(len(shared))
	}
	return points, missing
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
