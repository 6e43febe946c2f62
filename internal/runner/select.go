package runner

// Selection: which packages to build (from package patterns, via go list) and
// which of their tests to run (from part, name and regexp patterns).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// pkg is one package with tests.
type pkg struct {
	importPath string
	dir        string   // absolute directory; runs start here
	rel        string   // "./raft": how go test names it from the working directory
	key        string   // "raft": prefix of its log file names
	viewer     bool     // its module has the log viewer (cmd/raftlab logs)
	binary     string   // compiled test binary, set by buildAll
	tests      []string // test names from the binary's -test.list, set by buildAll
}

// testCase is one test of one package: the unit that is run -n times.
type testCase struct {
	pkg  *pkg
	name string
	part string // "3A", or "-" when the name has no trailing digit+capital
}

var partRE = regexp.MustCompile(`^[0-9][A-Z]$`)

// IsPart reports whether s names a lab part: a digit and a capital, 3A.
func IsPart(s string) bool { return partRE.MatchString(s) }

// PartOf returns the lab part a test belongs to: the trailing digit and
// capital of its name (TestBasic4B is in 4B). ok is false for a name
// without one. The grader (internal/grade) reads parts by this rule too.
func PartOf(name string) (part string, ok bool) {
	if n := len(name); n >= 2 && IsPart(name[n-2:]) {
		return name[n-2:], true
	}
	return "", false
}

// partOf is PartOf with "-" for no part, as the runner's tables show it.
func partOf(name string) string {
	if part, ok := PartOf(name); ok {
		return part
	}
	return "-"
}

// isPackagePattern reports whether a command-line pattern names packages
// rather than tests. Test names never contain "/".
func isPackagePattern(p string) bool {
	return strings.Contains(p, "/") || p == "." || p == ".."
}

// listedPackage is the part of `go list -json` output the runner reads.
type listedPackage struct {
	Dir          string
	ImportPath   string
	Name         string
	TestGoFiles  []string
	XTestGoFiles []string
	Module       *struct{ Dir string }
	Error        *struct{ Err string }
}

// goList runs `go list -e -json pattern` and decodes its stream of packages.
func goList(ctx context.Context, pattern string) ([]listedPackage, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "list", "-e", "-json", pattern)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list %s: %v\n%s", pattern, err, stderr.Bytes())
	}
	var out []listedPackage
	dec := json.NewDecoder(&stdout)
	for {
		var lp listedPackage
		if err := dec.Decode(&lp); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list %s: decoding its output: %v", pattern, err)
		}
		out = append(out, lp)
	}
}

// selectPackages returns the packages with tests that the package patterns
// name, or by default those of ./... except the runner's own, sorted by
// directory. A named pattern that matches no package with tests is a usage
// error.
func selectPackages(ctx context.Context, patterns []string) ([]*pkg, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	var listed []listedPackage
	if named := packagePatterns(patterns); len(named) > 0 {
		listed, err = namedPackages(ctx, named)
	} else {
		listed, err = defaultPackages(ctx)
	}
	if err != nil {
		return nil, err
	}
	byPath := map[string]*pkg{}
	for _, lp := range listed {
		if byPath[lp.ImportPath] == nil {
			byPath[lp.ImportPath] = newPkg(wd, lp)
		}
	}
	pkgs := make([]*pkg, 0, len(byPath))
	for _, p := range byPath {
		pkgs = append(pkgs, p)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].rel < pkgs[j].rel })
	return pkgs, nil
}

// packagePatterns returns the patterns that name packages.
func packagePatterns(patterns []string) []string {
	var named []string
	for _, p := range patterns {
		if isPackagePattern(p) {
			named = append(named, p)
		}
	}
	return named
}

// runnerPackage is this package's import path: like the command at the
// module root, it is left out of the default set (its tests are the
// runner's, not the lab's) and run only when named.
var runnerPackage = reflect.TypeFor[Config]().PkgPath()

// defaultPackages returns the packages with tests in ./... (go list skips
// testdata/), except the runner's own: the command at the module root and
// this package.
func defaultPackages(ctx context.Context) ([]listedPackage, error) {
	listed, err := goList(ctx, "./...")
	if err != nil {
		return nil, err
	}
	var out []listedPackage
	for _, lp := range listed {
		isEntry := lp.Name == "main" && lp.Module != nil && lp.Module.Dir == lp.Dir
		if hasTests(lp) && !isEntry && lp.ImportPath != runnerPackage {
			out = append(out, lp)
		}
	}
	if len(out) == 0 {
		return nil, usagef("no package with tests in ./...")
	}
	return out, nil
}

// namedPackages returns the packages with tests that each of the package
// patterns matches; a pattern that matches none is a usage error naming it.
func namedPackages(ctx context.Context, patterns []string) ([]listedPackage, error) {
	var out []listedPackage
	for _, p := range patterns {
		listed, err := goList(ctx, p)
		if err != nil {
			return nil, err
		}
		found := false
		for _, lp := range listed {
			if hasTests(lp) {
				out = append(out, lp)
				found = true
			} else if lp.Error != nil && len(listed) == 1 {
				return nil, usagef("package pattern %s: %s", p, lp.Error.Err)
			}
		}
		if !found {
			return nil, usagef("package pattern %s: matches no package with tests", p)
		}
	}
	return out, nil
}

func hasTests(lp listedPackage) bool {
	return len(lp.TestGoFiles)+len(lp.XTestGoFiles) > 0
}

func newPkg(wd string, lp listedPackage) *pkg {
	rel, err := filepath.Rel(wd, lp.Dir)
	if err != nil {
		rel = lp.Dir
	}
	rel = filepath.ToSlash(rel)
	key := strings.NewReplacer("/", "_", "..", "up").Replace(rel)
	if rel == "." {
		key = "main"
	} else if !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel) {
		rel = "./" + rel
	}
	return &pkg{importPath: lp.ImportPath, dir: lp.Dir, rel: rel, key: key, viewer: hasViewer(lp)}
}

// viewerSource is the log viewer's file in a module that has it: raftlab
// itself, not the student copy `raftlab handout` writes.
const viewerSource = "cmd/raftlab/logs.go"

// hasViewer reports whether lp's module has the log viewer, so that its
// logs' headers can say how to read them with it.
func hasViewer(lp listedPackage) bool {
	if lp.Module == nil {
		return false
	}
	_, err := os.Stat(filepath.Join(lp.Module.Dir, filepath.FromSlash(viewerSource)))
	return err == nil
}

// selectTests returns the tests of pkgs that the non-package patterns select
// (all of them when there is none), sorted by package, part and name.
// A pattern that selects nothing, or a bad regexp, is a usage error.
func selectTests(pkgs []*pkg, patterns []string) ([]testCase, error) {
	var all []testCase
	for _, p := range pkgs {
		for _, name := range p.tests {
			all = append(all, testCase{pkg: p, name: name, part: partOf(name)})
		}
	}
	matchers, err := testMatchers(all, patterns)
	if err != nil {
		return nil, err
	}
	var selected []testCase
	for _, tc := range all {
		chosen := len(matchers) == 0
		for i := range matchers {
			if matchers[i].match(tc) {
				matchers[i].hits++
				chosen = true
			}
		}
		if chosen {
			selected = append(selected, tc)
		}
	}
	for _, m := range matchers {
		if m.hits == 0 {
			return nil, usagef("pattern %q matches no test in %s", m.pattern, pkgList(pkgs))
		}
	}
	if len(selected) == 0 {
		return nil, usagef("no tests in %s", pkgList(pkgs))
	}
	sortTests(selected)
	return selected, nil
}

// testMatcher is one test pattern of the command line, and how many tests
// it has selected.
type testMatcher struct {
	pattern string
	match   func(testCase) bool
	hits    int
}

// testMatchers returns a matcher for each pattern that does not name
// packages: a part, else the exact name of one of tests, else a regexp.
func testMatchers(tests []testCase, patterns []string) ([]testMatcher, error) {
	exists := map[string]bool{}
	for _, tc := range tests {
		exists[tc.name] = true
	}
	var matchers []testMatcher
	for _, pat := range patterns {
		if isPackagePattern(pat) {
			continue
		}
		m := testMatcher{pattern: pat}
		switch {
		case partRE.MatchString(pat):
			m.match = func(tc testCase) bool { return tc.part == pat }
		case exists[pat]:
			m.match = func(tc testCase) bool { return tc.name == pat }
		default:
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, usagef("pattern %q is neither a part, a test name nor a valid regexp: %v", pat, err)
			}
			m.match = func(tc testCase) bool { return re.MatchString(tc.name) }
		}
		matchers = append(matchers, m)
	}
	return matchers, nil
}

func pkgList(pkgs []*pkg) string {
	rels := make([]string, len(pkgs))
	for i, p := range pkgs {
		rels[i] = p.rel
	}
	return strings.Join(rels, " ")
}

// sortTests orders tests by package, then part, then name: the order of the
// table and of -list.
func sortTests(tests []testCase) {
	sort.SliceStable(tests, func(i, j int) bool {
		a, b := tests[i], tests[j]
		if a.pkg.rel != b.pkg.rel {
			return a.pkg.rel < b.pkg.rel
		}
		if a.part != b.part {
			return a.part < b.part
		}
		return a.name < b.name
	})
}
