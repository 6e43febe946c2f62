//go:build !raftlab_bugs

package bugs

// On reports whether the bug name is on: never, in a build without the
// raftlab_bugs tag.
func On(name string) bool { return false }

// Built reports whether this binary was built with the raftlab_bugs tag.
const Built = false

// Active lists the bugs that are on: none.
func Active() []string { return nil }
