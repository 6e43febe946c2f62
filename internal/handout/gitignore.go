package handout

// The module's .gitignore, read so that what a working tree holds beside
// its sources (kept test logs, a built binary, a cluster's data) stays out
// of a handout.

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// gitignore holds the patterns of a root .gitignore, in the forms raftlab's
// uses: "/name" and "/dir/" anchored at the root, and a pattern without a
// slash ("*.test") matched against every name. A pattern ending in "/"
// matches directories only.
type gitignore []string

func readGitignore(root string) (gitignore, error) {
	f, err := os.Open(filepath.Join(root, ".gitignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var g gitignore
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") || strings.Contains(line, "**") || strings.Contains(line, `\`) {
			return nil, fmt.Errorf(".gitignore: %q: the handout reads only plain patterns (/name, /dir/, *.ext), not !, ** or escapes", line)
		}
		g = append(g, line)
	}
	return g, sc.Err()
}

// matches reports whether the file or directory at rel (slash-separated,
// from the root) is ignored.
func (g gitignore) matches(rel string, dir bool) bool {
	for _, pat := range g {
		dirOnly := strings.HasSuffix(pat, "/")
		pat = strings.TrimSuffix(pat, "/")
		if dirOnly && !dir {
			continue
		}
		var ok bool
		if strings.HasPrefix(pat, "/") {
			ok, _ = path.Match(strings.TrimPrefix(pat, "/"), rel)
		} else if !strings.Contains(pat, "/") {
			ok, _ = path.Match(pat, path.Base(rel))
		} else {
			ok, _ = path.Match(pat, rel)
		}
		if ok {
			return true
		}
	}
	return false
}
