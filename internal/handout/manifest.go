package handout

// The manifest: what the student copy leaves out or replaces.

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"strings"
)

// A verb says what becomes of a path in the student copy.
type verb string

const (
	keep     verb = "keep"     // copied unchanged (support code the student is given)
	skeleton verb = "skeleton" // replaced by the file of the same path under the skeleton directory
	omit     verb = "omit"     // left out; a path ending in "/" leaves out a directory
)

// entry is one line of the manifest.
type entry struct {
	verb   verb
	path   string // slash-separated, relative to the module root; "dir/" for a directory
	reason string
	line   int
}

// manifest is the parsed manifest, by path.
type manifest struct {
	entries []entry
	byPath  map[string]entry
}

// parseManifest reads a manifest: one entry a line, "VERB PATH REASON",
// with # comments and blank lines ignored. Every entry needs a reason, so
// that whoever reads the manifest learns why a file is handed out as it is.
func parseManifest(r io.Reader, name string) (*manifest, error) {
	m := &manifest{byPath: map[string]entry{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want VERB PATH REASON, got %q", name, n, line)
		}
		e := entry{verb: verb(fields[0]), path: fields[1], reason: strings.Join(fields[2:], " "), line: n}
		switch e.verb {
		case keep, skeleton, omit:
		default:
			return nil, fmt.Errorf("%s:%d: unknown verb %q: want keep, skeleton or omit", name, n, fields[0])
		}
		dir := strings.HasSuffix(e.path, "/")
		clean := path.Clean(e.path)
		if clean != strings.TrimSuffix(e.path, "/") || path.IsAbs(clean) || clean == "." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("%s:%d: %q is not a clean path inside the module", name, n, e.path)
		}
		if dir && e.verb != omit {
			return nil, fmt.Errorf("%s:%d: only omit takes a directory (%s)", name, n, e.path)
		}
		if prev, ok := m.byPath[e.path]; ok {
			return nil, fmt.Errorf("%s:%d: %s is already in the manifest, at line %d", name, n, e.path, prev.line)
		}
		m.entries = append(m.entries, e)
		m.byPath[e.path] = e
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return m, nil
}

// lookup returns the entry that decides the file or directory at rel (a
// slash-separated path): its own, or the omitted directory it lies in.
func (m *manifest) lookup(rel string) (entry, bool) {
	if e, ok := m.byPath[rel]; ok {
		return e, true
	}
	for p := rel; ; {
		i := strings.LastIndex(p, "/")
		if i < 0 {
			return entry{}, false
		}
		p = p[:i]
		if e, ok := m.byPath[p+"/"]; ok {
			return e, true
		}
	}
}
