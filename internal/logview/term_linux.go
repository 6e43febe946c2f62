package logview

// The terminal's questions, asked with ioctl: is f one, and how wide.

import (
	"os"
	"syscall"
	"unsafe"
)

// IsTerminal reports whether f is a terminal (TCGETS succeeds: /dev/null,
// a character device too, is not one).
func IsTerminal(f *os.File) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(syscall.TCGETS), uintptr(unsafe.Pointer(&t)))
	return errno == 0
}

// TerminalWidth returns the width in columns of the terminal f is, false
// if f is not a terminal or does not know its size (TIOCGWINSZ).
func TerminalWidth(f *os.File) (int, bool) {
	var ws struct{ Row, Col, X, Y uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(syscall.TIOCGWINSZ), uintptr(unsafe.Pointer(&ws)))
	if errno != 0 || ws.Col == 0 {
		return 0, false
	}
	return int(ws.Col), true
}
