package handout

// A student's submission in a fresh handout: what the grader grades with
// -fresh, so that nothing of the student's copy but their own code counts.

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Submission writes a fresh handout of the module at src into dst (as
// Build) and puts the student's code from the copy at student in place of
// the skeleton: in each package with skeleton files (raft, kvraft), the
// handout's Go files that are not tests are removed and the student's are
// copied in. Everything else (the tests, the harnesses, labrpc, the
// checker, the runner) stays as the handout has it, whatever the student's
// copy holds. It returns the files it took from the student.
func Submission(src, student, dst string) ([]string, error) {
	m, err := readManifest(src)
	if err != nil {
		return nil, err
	}
	var pkgs []string
	for _, e := range m.entries {
		if e.verb == skeleton && strings.HasSuffix(e.path, ".go") && !slices.Contains(pkgs, path.Dir(e.path)) {
			pkgs = append(pkgs, path.Dir(e.path))
		}
	}
	if _, err := build(src, dst, m); err != nil {
		return nil, err
	}
	var taken []string
	for _, pkg := range pkgs {
		theirs, err := goFiles(filepath.Join(student, filepath.FromSlash(pkg)))
		if err != nil {
			return nil, fmt.Errorf("the student's %s: %w", pkg, err)
		}
		if len(theirs) == 0 {
			return nil, fmt.Errorf("the student's copy %s has no Go files in %s", student, pkg)
		}
		ours, err := goFiles(filepath.Join(dst, filepath.FromSlash(pkg)))
		if err != nil {
			return nil, err
		}
		for _, f := range ours {
			if err := os.Remove(f); err != nil {
				return nil, err
			}
		}
		for _, f := range theirs {
			to := filepath.Join(dst, filepath.FromSlash(pkg), filepath.Base(f))
			if err := copyFile(f, to); err != nil {
				return nil, err
			}
			taken = append(taken, pkg+"/"+filepath.Base(f))
		}
	}
	return taken, nil
}

// goFiles lists the regular .go files of dir that are not tests.
func goFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range ents {
		name := e.Name()
		if e.Type().IsRegular() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			files = append(files, filepath.Join(dir, name))
		}
	}
	return files, nil
}
