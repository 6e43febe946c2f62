//go:build !linux

package logview

import "os"

// IsTerminal reports whether f is a character device: outside Linux the
// viewer does not ask the terminal itself, so /dev/null counts as one.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// TerminalWidth returns false: outside Linux the width comes from $COLUMNS
// or -width (else DefaultWidth).
func TerminalWidth(f *os.File) (int, bool) { return 0, false }
