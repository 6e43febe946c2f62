package handout

// Writing the student copy.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// The manifest and the skeleton, relative to the module root.
const (
	ManifestPath = "internal/handout/manifest.txt"
	SkeletonDir  = "internal/handout/testdata/skeleton"
)

// Summary says what Build did.
type Summary struct {
	Copied   int      // files copied unchanged
	Skeleton []string // files replaced by their skeleton
	Omitted  []string // files and directories left out, as the manifest names them
}

// Build writes the student copy of the module at src into dst, which must
// not exist or be empty. It first checks the manifest against the tree (see
// check) and writes nothing if it does not match.
func Build(src, dst string) (*Summary, error) {
	m, err := readManifest(src)
	if err != nil {
		return nil, err
	}
	return build(src, dst, m)
}

// build is Build with the manifest read.
func build(src, dst string, m *manifest) (*Summary, error) {
	if err := check(src, m); err != nil {
		return nil, err
	}
	ignore, err := readGitignore(src)
	if err != nil {
		return nil, err
	}
	if err := apart(src, dst); err != nil {
		return nil, err
	}
	made, err := emptyDir(dst)
	if err != nil {
		return nil, err
	}
	sum := &Summary{}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if hidden(d.Name()) || ignore.matches(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		key := rel
		if d.IsDir() {
			key += "/"
		}
		e, ok := m.lookup(key)
		switch {
		case ok && e.verb == omit:
			if e.path == key {
				sum.Omitted = append(sum.Omitted, key)
			}
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir():
			return nil // made by the first file copied into it: no empty directories
		case !d.Type().IsRegular():
			return fmt.Errorf("%s is not a regular file or directory: the handout copies only those", p)
		case ok && e.verb == skeleton:
			sum.Skeleton = append(sum.Skeleton, rel)
			return copyFile(filepath.Join(src, SkeletonDir, filepath.FromSlash(rel)), filepath.Join(dst, filepath.FromSlash(rel)))
		default:
			sum.Copied++
			return copyFile(p, filepath.Join(dst, filepath.FromSlash(rel)))
		}
	})
	if err != nil {
		// No half-written handout stays behind.
		if made {
			os.RemoveAll(dst)
		} else if ents, rerr := os.ReadDir(dst); rerr == nil {
			for _, e := range ents {
				os.RemoveAll(filepath.Join(dst, e.Name()))
			}
		}
		return nil, fmt.Errorf("writing the handout: %w", err)
	}
	return sum, nil
}

// readManifest reads and parses the module's manifest.
func readManifest(src string) (*manifest, error) {
	f, err := os.Open(filepath.Join(src, ManifestPath))
	if err != nil {
		return nil, fmt.Errorf("reading the handout manifest: %w (is %s raftlab's module root?)", err, src)
	}
	defer f.Close()
	return parseManifest(f, ManifestPath)
}

// check holds the manifest and the tree to each other, so that neither a
// new solution file nor a renamed one can slip into a handout unnoticed:
//   - every path the manifest names exists in the tree, and every
//     skeleton path has its skeleton file, and every skeleton file its
//     skeleton line;
//   - in a package that has skeleton files (raft, kvraft), every Go file
//     that is not a test is in the manifest: kept, replaced or left out.
//     Tests are kept unless the manifest leaves them out.
func check(src string, m *manifest) error {
	var errs []error
	skelPkgs := map[string]bool{}
	for _, e := range m.entries {
		if _, err := os.Stat(filepath.Join(src, filepath.FromSlash(e.path))); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s %s: not in the module (%v)", ManifestPath, e.line, e.verb, e.path, err))
		}
		if e.verb == skeleton {
			if _, err := os.Stat(filepath.Join(src, SkeletonDir, filepath.FromSlash(e.path))); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: skeleton %s: no skeleton file (%v)", ManifestPath, e.line, e.path, err))
			}
			if strings.HasSuffix(e.path, ".go") {
				skelPkgs[path.Dir(e.path)] = true
			}
		}
	}
	skelRoot := filepath.Join(src, SkeletonDir)
	err := filepath.WalkDir(skelRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(skelRoot, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if e, ok := m.byPath[rel]; !ok || e.verb != skeleton {
			errs = append(errs, fmt.Errorf("%s/%s has no line \"skeleton %s\" in %s", SkeletonDir, rel, rel, ManifestPath))
		}
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("reading the skeleton: %w", err))
	}
	pkgs := slices.Sorted(func(yield func(string) bool) {
		for p := range skelPkgs {
			if !yield(p) {
				return
			}
		}
	})
	for _, pkg := range pkgs {
		names, err := filepath.Glob(filepath.Join(src, filepath.FromSlash(pkg), "*.go"))
		if err != nil {
			return err
		}
		for _, n := range names {
			rel := pkg + "/" + filepath.Base(n)
			if strings.HasSuffix(rel, "_test.go") {
				continue
			}
			if _, ok := m.lookup(rel); !ok {
				errs = append(errs, fmt.Errorf("%s is not in %s: say whether a student gets it as is (keep), as a skeleton (skeleton) or not at all (omit)", rel, ManifestPath))
			}
		}
	}
	return errors.Join(errs...)
}

// apart refuses a dst inside src: the copy would copy itself, deeper each
// time. (A src inside dst is refused anyway: dst is not empty.)
func apart(src, dst string) error {
	s, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	d, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	if s, err = filepath.EvalSymlinks(s); err != nil {
		return err
	}
	// dst may not exist yet: resolve its nearest existing ancestor.
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(d); err == nil {
			d = filepath.Join(r, rest)
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		rest = filepath.Join(filepath.Base(d), rest)
		d = parent
	}
	inside := func(a, b string) bool { // a is b or below it
		rel, err := filepath.Rel(b, a)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	if inside(d, s) {
		return fmt.Errorf("%s is inside the module %s: write the handout outside it", dst, s)
	}
	return nil
}

// emptyDir makes dir if it does not exist (made), and refuses one that
// has anything in it: a handout never mixes with older files.
func emptyDir(dir string) (made bool, err error) {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, os.MkdirAll(dir, 0o755)
	case err != nil:
		return false, err
	case len(ents) > 0:
		return false, fmt.Errorf("%s is not empty: give a new directory for the handout", dir)
	}
	return false, nil
}

// hidden: dot files and directories (.git, .ci) stay out of the copy,
// but for .gitignore.
func hidden(name string) bool {
	return strings.HasPrefix(name, ".") && name != ".gitignore"
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	info, err := os.Stat(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, data, info.Mode().Perm())
}

// FindModule returns the root of the raftlab module that dir is in: the
// nearest directory at or above dir with a go.mod that declares module
// raftlab.
func FindModule(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && f[1] == "raftlab" {
					return d, nil
				}
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("%s is not inside raftlab's module (no go.mod declaring module raftlab at or above it)", abs)
		}
		d = parent
	}
}
