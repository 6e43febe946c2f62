// Package logview shows raftlab's debug logs the way dslogs does: a column
// per Raft peer, the time and topic at the left, a colour per topic, and
// everything that is not a debug line across the full width so that it
// stands out. It is the library behind `raftlab logs`.
//
// # What it reads
//
// Any text, a line at a time. A debug line, as raft/debug.go writes it with
// RAFTLAB_DEBUG=1:
//
//	000265 VOTE S2 T1 granted vote to S0
//	<ms>   <TOPIC> S<peer> T<term> <message>
//
// is taken apart (Line.Time, Topic, Peer, Term, Msg). Around the debug
// lines, in the logs it is meant for (go test -v output, a failure log the
// runner kept, raftlab up's output), the other lines are classified for
// their colour only (Kind): the runner's "# rerun: ..." header and
// "# result: ..." footer, go test's "=== RUN", "--- PASS"/"--- FAIL",
// "ok"/"FAIL" and a test's indented output, a panic, a goroutine dump or a
// race report with the stack lines after it, and a cluster node's own log
// lines (package log, or log/slog's text handler). raftlab up's "[id] "
// prefix is taken off (Line.Node) and the rest classified the same way.
//
// Parsing never fails. A line that starts like a debug line but is
// malformed (a field missing, a peer "Sx", a 40-digit number) is text.
// Every line goes through Clean: control characters (an ANSI escape
// sequence's ESC among them) become a visible \xNN, bytes that are not
// UTF-8 become U+FFFD, tabs become spaces, so nothing in a log can steer
// the terminal. A line longer than MaxLine (64 KiB) keeps its first
// MaxLine bytes and a note of how many were cut: binary junk with no
// newline costs 64 KiB of memory, not its size. A last line without a
// newline is a line.
//
// # API
//
//	rd := NewReader(r); for l, ok := rd.Next(); ok; l, ok = rd.Next() { ... }; rd.Err()
//	peers, err := ScanPeers(r)                // the peers of r's debug lines, sorted, at most MaxColumns
//	v := View{Peers: peers, Filter: f, Width: 120, Color: true, Title: "x.log"}
//	err = v.WriteText(w, r)                   // the terminal view
//	err = v.WriteHTML(w, r)                   // the same as one self-contained page
//	f.Peers, err = ParsePeers("0,2")          // and ParseTopics, ParseTerms, TimeRange: the flags
//
// A View is given its columns: a debug line of a peer in View.Peers goes
// in that peer's column, any other debug line across the full width. The
// caller chooses: ScanPeers over the whole log first (two passes over a
// file; memory is the set of peers, not the log), or peers named by the
// user, and then WriteText streams, a line in, a line out, flushing
// whenever the input has nothing more buffered, so a pipe from a running
// test shows as it comes.
//
// The Filter drops debug lines by peer, topic (shown or hidden), term
// range and time range (the first field, in ms); the other lines stay
// unless DebugOnly.
//
// # The text view
//
//	time    topic    S0                             S1                             S2
//	000265  VOTE                                    T1 granted vote to S0
//	000265  LEADER   T1 leader with 2 votes, log
//	                 through 0
//	--- FAIL: TestInitialElection3A (2.41s)
//
// A gutter of 17 columns (time, topic), then the Width left divided
// equally among the peers (at least 12 each: with many peers, rows grow
// wider than the terminal rather than unreadable). A message is the term
// and the text, word-wrapped within its column; a word longer than the
// column is split. Width counts runes: East Asian wide characters are
// counted as one column and misalign their row. With Color, ANSI SGR
// colours: the topic and message in the topic's colour (known topics
// fixed, others by a hash of the name), failures bold red, panics red,
// passes green, the runner's header cyan, go test's lines bold.
//
// # The page
//
// WriteHTML writes a table: a column each for time and topic, then one per
// peer, equal widths, text wrapped by the browser; the header row naming
// the peers sticks to the top of the window as the log scrolls; rows in
// their topic's colour, full-width lines tinted by kind (failures red,
// passes green). Everything from the log is escaped with html.EscapeString;
// the page has inline CSS only, no script, and no link, font or image
// from anywhere.
//
// Files: parse.go (Line, Kind, Parser, Clean), read.go (Reader), filter.go
// (Filter and the flags' parsers), view.go (View, ScanPeers, colours),
// text.go (WriteText, wrapping), html.go (WriteHTML), term_*.go (the
// terminal's width).
package logview
