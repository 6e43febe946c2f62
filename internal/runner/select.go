package main

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

// partOf returns the lab part a test belongs to: the trailing digit and
// capital of its name (TestBasic4B is in 4B), or "-".
func partOf(name string) string {
	if n := len(name); n >= 2 && partRE.MatchString(name[n-2:]) {
		return name[n-2:]
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
// name, or by default those of ./... except the runner itself. A named
// pattern that matches no package with tests is a usage error.
func selectPackages(ctx context.Context, patterns []string) ([]*pkg, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	var pkgPatterns []string
	for _, p := range patterns {
		if isPackagePattern(p) {
			pkgPatterns = append(pkgPatterns, p)
		}
	}
	byPath := map[string]*pkg{}
	add := func(lp listedPackage) {
		if byPath[lp.ImportPath] == nil {
			byPath[lp.ImportPath] = newPkg(wd, lp)
		}
	}
	if len(pkgPatterns) == 0 {
		listed, err := goList(ctx, "./...")
		if err != nil {
			return nil, err
		}
		for _, lp := range listed {
			isRunner := lp.Name == "main" && lp.Module != nil && lp.Module.Dir == lp.Dir
			if hasTests(lp) && !isRunner {
				add(lp)
			}
		}
	}
	for _, p := range pkgPatterns {
		listed, err := goList(ctx, p)
		if err != nil {
			return nil, err
		}
		found := false
		for _, lp := range listed {
			if hasTests(lp) {
				add(lp)
				found = true
			} else if lp.Error != nil && len(listed) == 1 {
				return nil, usagef("package pattern %s: %s", p, lp.Error.Err)
			}
		}
		if !found {
			return nil, usagef("package pattern %s: matches no package with tests", p)
		}
	}
	if len(byPath) == 0 {
		return nil, usagef("no package with tests in ./...")
	}
	pkgs := make([]*pkg, 0, len(byPath))
	for _, p := range byPath {
		pkgs = append(pkgs, p)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].rel < pkgs[j].rel })
	return pkgs, nil
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
	return &pkg{importPath: lp.ImportPath, dir: lp.Dir, rel: rel, key: key}
}

// selectTests returns the tests of pkgs that the non-package patterns select
// (all of them when there is none), sorted by package, part and name.
// A pattern that selects nothing, or a bad regexp, is a usage error.
func selectTests(pkgs []*pkg, patterns []string) ([]testCase, error) {
	var all []testCase
	exists := map[string]bool{}
	for _, p := range pkgs {
		for _, name := range p.tests {
			all = append(all, testCase{pkg: p, name: name, part: partOf(name)})
			exists[name] = true
		}
	}
	var matchers []func(testCase) bool
	var names []string
	for _, pat := range patterns {
		if isPackagePattern(pat) {
			continue
		}
		var m func(testCase) bool
		switch {
		case partRE.MatchString(pat):
			m = func(tc testCase) bool { return tc.part == pat }
		case exists[pat]:
			m = func(tc testCase) bool { return tc.name == pat }
		default:
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, usagef("pattern %q is neither a part, a test name nor a valid regexp: %v", pat, err)
			}
			m = func(tc testCase) bool { return re.MatchString(tc.name) }
		}
		matchers = append(matchers, m)
		names = append(names, pat)
	}

	var selected []testCase
	hits := make([]int, len(matchers))
	for _, tc := range all {
		chosen := len(matchers) == 0
		for i, m := range matchers {
			if m(tc) {
				hits[i]++
				chosen = true
			}
		}
		if chosen {
			selected = append(selected, tc)
		}
	}
	for i, n := range hits {
		if n == 0 {
			return nil, usagef("pattern %q matches no test in %s", names[i], pkgList(pkgs))
		}
	}
	if len(selected) == 0 {
		return nil, usagef("no tests in %s", pkgList(pkgs))
	}
	sortTests(selected)
	return selected, nil
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
