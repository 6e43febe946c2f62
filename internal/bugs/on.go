//go:build raftlab_bugs

package bugs

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Built reports whether this binary was built with the raftlab_bugs tag.
const Built = true

// on holds the bugs named in $RAFTLAB_BUGS, read once at start.
var on = func() map[string]bool {
	m := map[string]bool{}
	v := os.Getenv("RAFTLAB_BUGS")
	if v == "" {
		return m
	}
	for _, name := range strings.Split(v, ",") {
		if !slices.Contains(Names, name) {
			fmt.Fprintf(os.Stderr, "raftlab: $RAFTLAB_BUGS names %q, not a bug; the bugs are %s\n", name, strings.Join(Names, ", "))
			os.Exit(2)
		}
		m[name] = true
	}
	return m
}()

// On reports whether the bug name is on: named in $RAFTLAB_BUGS.
func On(name string) bool { return on[name] }

// Active lists the bugs that are on, in the order of Names.
func Active() []string {
	var a []string
	for _, n := range Names {
		if on[n] {
			a = append(a, n)
		}
	}
	return a
}
