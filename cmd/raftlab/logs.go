package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"raftlab/internal/logview"
)

// logsUsage is the logs command's usage line.
const logsUsage = "usage: raftlab logs [-peers 0,2] [-topics VOTE,-APPEND] [-terms 3-7] [-from T] [-to T] [-debug-only] [-width N] [-color auto|always|never] [-html FILE|-] [FILE|-]"

// runLogs shows a log of raftlab debug lines (a go test run with
// RAFTLAB_DEBUG=1, a runner's kept log, raftlab up's output) with a column
// per peer (internal/logview). The input is FILE, or stdin for "-" or no
// argument.
func runLogs(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	peers := fs.String("peers", "", "only these peers, a column each: `0,2` (default: every peer in the log)")
	topics := fs.String("topics", "", "only these topics, or with '-' all but these: `VOTE,LEADER` or -APPEND,-PERSIST")
	terms := fs.String("terms", "", "only these terms: `3-7`, 3-, -7 or 5")
	from := fs.String("from", "", "only debug lines at or after `T`: milliseconds as in the lines' first field (1500) or a duration (1.5s)")
	to := fs.String("to", "", "only debug lines at or before `T` (as -from)")
	debugOnly := fs.Bool("debug-only", false, "drop the lines that are not debug lines (test output, failures, node logs)")
	width := fs.Int("width", 0, "width of the output in `columns` (default: $COLUMNS, else the terminal's, else 120)")
	color := fs.String("color", "auto", "ANSI colours: `auto` (on a terminal, unless $NO_COLOR is set), always or never")
	htmlOut := fs.String("html", "", "write the view as one self-contained HTML page to `FILE` (- for stdout) instead of text")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), logsUsage)
		fmt.Fprintln(fs.Output(), "Shows raftlab's debug lines (RAFTLAB_DEBUG=1) from FILE, or stdin for - or none, with a column per peer: the time and topic at the left, the term and message in the peer's column, a colour per topic. Other lines (test output, failures, panics, node logs) go across the full width. Filters drop debug lines only. The columns are the peers of the whole log, so it is read twice (stdin first copied to a temporary file), memory bounded either way; with -peers it streams in one pass. Exit status 0: shown; 1: the input could not be read or the page written; 2: bad usage.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageErr(stderr, "logs", "one log at a time: unexpected argument %q", fs.Arg(1))
	}
	v := logview.View{Filter: logview.Filter{DebugOnly: *debugOnly}}
	var err error
	if *peers != "" {
		if v.Peers, err = logview.ParsePeers(*peers); err != nil {
			return usageErr(stderr, "logs", "-peers: %v", err)
		}
		v.Filter.Peers = v.Peers
	}
	if *topics != "" {
		if v.Filter.Topics, v.Filter.Hide, err = logview.ParseTopics(*topics); err != nil {
			return usageErr(stderr, "logs", "-topics: %v", err)
		}
	}
	if *terms != "" {
		if v.Filter.Terms, err = logview.ParseTerms(*terms); err != nil {
			return usageErr(stderr, "logs", "-terms: %v", err)
		}
	}
	if v.Filter.Time, err = logview.TimeRange(*from, *to); err != nil {
		return usageErr(stderr, "logs", "%v", err)
	}
	if *width < 0 || (*width > 0 && *width < 40) {
		return usageErr(stderr, "logs", "-width %d: want 40 or more (0: find it)", *width)
	}
	switch *color {
	case "auto", "always", "never":
		v.Color = useColor(*color, isTerminal(stdout), os.Getenv)
	default:
		return usageErr(stderr, "logs", "-color %q: want auto, always or never", *color)
	}
	v.Width = outputWidth(*width, stdout)

	name := fs.Arg(0)
	if name == "" && isTerminal(stdin) {
		return usageErr(stderr, "logs", "no log: give a FILE, or pipe one in")
	}
	// The columns are the peers seen in the whole log, read once for them
	// and again to show it, unless -peers names them: then the log streams
	// through in one pass (a pipe from a running test shows as it comes).
	in, cleanup, err := openLog(name, stdin, v.Peers == nil)
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	defer cleanup()
	v.Title = name
	if name == "" || name == "-" {
		v.Title = "stdin"
	}

	if v.Peers == nil {
		if v.Peers, err = logview.ScanPeers(in); err != nil {
			return fmt.Errorf("logs: reading %s: %w", v.Title, err)
		}
		if _, err := in.(io.Seeker).Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("logs: %w", err)
		}
	}

	if *htmlOut == "" {
		if err := v.WriteText(stdout, in); err != nil {
			return fmt.Errorf("logs: %s: %w", v.Title, err)
		}
		return nil
	}
	return writeHTML(&v, in, *htmlOut, stdout)
}

// writeHTML writes the page of v to path, or to stdout for "-".
func writeHTML(v *logview.View, in io.Reader, path string, stdout io.Writer) error {
	if path == "-" {
		if err := v.WriteHTML(stdout, in); err != nil {
			return fmt.Errorf("logs: %s: %w", v.Title, err)
		}
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	err = v.WriteHTML(f, in)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("logs: writing %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "raftlab logs: wrote %s\n", path)
	return nil
}

// openLog opens the log named (stdin for "" or "-"). With twice, the
// reader it returns is also an io.Seeker, to be read twice: a log that
// cannot be (a pipe) is first copied into a temporary file, so memory stays
// bounded however long the log is. cleanup closes what openLog opened and
// removes that file.
func openLog(name string, stdin io.Reader, twice bool) (r io.Reader, cleanup func(), err error) {
	cleanup = func() {}
	if name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, cleanup, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, cleanup, err
		}
		if fi.IsDir() {
			f.Close()
			return nil, cleanup, fmt.Errorf("%s is a directory, not a log", name)
		}
		if !twice || fi.Mode().IsRegular() {
			return f, func() { f.Close() }, nil
		}
		defer f.Close()
		stdin = f // a named pipe, /dev/stdin: read as a pipe
	}
	if !twice {
		return stdin, cleanup, nil
	}
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return f, cleanup, nil // stdin redirected from a file
		}
	}
	tmp, err := os.CreateTemp("", "raftlab-logs-*.log")
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	if _, err := io.Copy(tmp, stdin); err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("reading stdin: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, func() {}, err
	}
	return tmp, cleanup, nil
}

// useColor decides -color: always, never, or (auto) on a terminal unless
// $NO_COLOR is set to anything (no-color.org) or $TERM is dumb. getenv is
// os.Getenv.
func useColor(mode string, terminal bool, getenv func(string) string) bool {
	switch mode {
	case "always":
		return true
	case "auto":
		return terminal && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	}
	return false
}

// isTerminal reports whether f is a file that is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && logview.IsTerminal(file)
}

// outputWidth returns the width to lay the text out in: -width if given,
// else $COLUMNS, else the terminal's, else logview.DefaultWidth.
func outputWidth(flagWidth int, stdout io.Writer) int {
	if flagWidth > 0 {
		return flagWidth
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := stdout.(*os.File); ok {
		if n, ok := logview.TerminalWidth(f); ok {
			return n
		}
	}
	return logview.DefaultWidth
}
