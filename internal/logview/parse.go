package logview

// What a line of a log is: a raft debug line taken apart, or one of the
// kinds of text around them. Parsing never fails: what is not a debug line
// is text of some kind.

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind says what a line is, and so how it is shown.
type Kind uint8

const (
	Text   Kind = iota // anything not recognised below
	Debug              // a raft debug line: <ms> <TOPIC> S<peer> T<term> <message>
	Header             // the runner's "# rerun: ...", "# seed: ...", "# result: ..."
	Test               // go test's own lines (=== RUN) and a test's output (indented t.Log lines, "Test (3A): ...")
	Pass               // --- PASS, --- SKIP, PASS, ok
	Fail               // --- FAIL, FAIL, "# result: FAIL ..."
	Panic              // panic:, fatal error:, a goroutine dump, a race report, and the stack lines that follow
	Node               // a cluster node's own log line (package log or log/slog)
)

var kindNames = [...]string{"text", "debug", "header", "test", "pass", "fail", "panic", "node"}

// String returns the kind's name, also its CSS class in the HTML page.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind" + strconv.Itoa(int(k))
}

// Line is one line of a log.
type Line struct {
	Kind Kind
	// Node is the id in the "[id] " prefix that raftlab up puts before each
	// line of a node, "" when the line has none.
	Node string
	// Text is the line as shown: after Clean, without the node prefix.
	Text string
	// Cut is how many bytes were dropped from a line longer than MaxLine.
	Cut int64

	// The fields of a Debug line; zero for the other kinds.
	Time  int64  // milliseconds, the first field
	Topic string // VOTE, LEADER, ...: [A-Z][A-Z0-9_]*
	Peer  int    // S<peer>
	Term  int64  // T<term>
	Msg   string // the rest of the line, possibly empty
}

// Limits on the fields of a debug line, so that a number that only looks
// like one (a 40-digit run in junk) is text, not an overflow or a column
// for peer 10^18.
const (
	maxTimeDigits  = 15
	maxTopicLen    = 16
	maxPeerDigits  = 6
	maxTermDigits  = 15
	maxNodeIDChars = 6
)

// Parser classifies lines one after another. It keeps one bit of state:
// whether it is inside a goroutine dump or race report, whose stack lines
// would otherwise look like test output. The zero value is ready to use.
type Parser struct {
	inTrace bool
}

// Parse classifies one line, already cleaned (see Clean).
func (p *Parser) Parse(s string) Line {
	l := Line{Text: s}
	if id, rest, ok := cutNodePrefix(s); ok {
		l.Node, l.Text = id, rest
	}
	if parseDebug(l.Text, &l) {
		l.Kind = Debug
		return l
	}
	l.Kind = p.classify(l.Text)
	return l
}

// classify returns the kind of a line that is not a debug line.
func (p *Parser) classify(s string) Kind {
	switch {
	case strings.HasPrefix(s, "# result: FAIL"), strings.HasPrefix(s, "# result: STOPPED"):
		p.inTrace = false
		return Fail
	case strings.HasPrefix(s, "#"):
		p.inTrace = false
		return Header
	case strings.HasPrefix(s, "--- FAIL"), s == "FAIL", strings.HasPrefix(s, "FAIL\t"), strings.HasPrefix(s, "FAIL "):
		p.inTrace = false
		return Fail
	case strings.HasPrefix(s, "--- PASS"), strings.HasPrefix(s, "--- SKIP"), s == "PASS", strings.HasPrefix(s, "ok  "):
		p.inTrace = false
		return Pass
	case strings.HasPrefix(s, "=== "):
		p.inTrace = false
		return Test
	case p.inTrace && s == raceRule:
		// The race detector closes its report with the rule it opened
		// it with.
		p.inTrace = false
		return Panic
	case isTraceStart(s):
		p.inTrace = true
		return Panic
	case isNodeLog(s):
		p.inTrace = false
		return Node
	case p.inTrace:
		return Panic
	case strings.HasPrefix(s, "    "), strings.HasPrefix(s, "Test ("), strings.HasPrefix(s, "  ... "):
		return Test
	}
	return Text
}

// raceRule opens and closes a race detector's report.
const raceRule = "=================="

// isTraceStart reports whether s opens a panic, a fatal error, a goroutine
// dump (SIGQUIT, a test timeout) or a race report.
func isTraceStart(s string) bool {
	for _, p := range []string{"panic: ", "fatal error: ", "WARNING: DATA RACE", "SIGQUIT: quit", "[signal ", "panic(", raceRule} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	// goroutine 7 [running]:
	if rest, ok := strings.CutPrefix(s, "goroutine "); ok {
		n := digits(rest)
		return n > 0 && strings.HasPrefix(rest[n:], " [")
	}
	return false
}

// isNodeLog reports whether s is a cluster node's own log line: package
// log's "2006/01/02 15:04:05[.000000] message" or log/slog's text handler
// ("time=... level=INFO msg=...").
func isNodeLog(s string) bool {
	if strings.HasPrefix(s, "time=") || strings.HasPrefix(s, "level=") {
		return strings.Contains(s, "msg=")
	}
	// 2006/01/02 15:04:05
	const layout = "dddd/dd/dd dd:dd:dd"
	if len(s) < len(layout) {
		return false
	}
	for i := 0; i < len(layout); i++ {
		if layout[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != layout[i] {
			return false
		}
	}
	return true
}

// cutNodePrefix splits "[id] rest", the prefix raftlab up gives a node's
// lines.
func cutNodePrefix(s string) (id, rest string, ok bool) {
	if !strings.HasPrefix(s, "[") {
		return "", s, false
	}
	end := strings.Index(s, "] ")
	if end < 2 || end > 1+maxNodeIDChars {
		return "", s, false
	}
	id = s[1:end]
	if digits(id) != len(id) {
		return "", s, false
	}
	return id, s[end+2:], true
}

// parseDebug fills in l's debug fields if s is a well-formed debug line:
//
//	<digits> <TOPIC> S<digits> T<digits>[ <message>]
//
// one space between the fields, as raft/debug.go writes them.
func parseDebug(s string, l *Line) bool {
	t, rest, ok := strings.Cut(s, " ")
	if !ok || len(t) == 0 || len(t) > maxTimeDigits || digits(t) != len(t) {
		return false
	}
	topic, rest, ok := strings.Cut(rest, " ")
	if !ok || !isTopic(topic) {
		return false
	}
	peer, rest, ok := strings.Cut(rest, " ")
	if !ok || len(peer) < 2 || len(peer) > 1+maxPeerDigits || peer[0] != 'S' || digits(peer[1:]) != len(peer)-1 {
		return false
	}
	term, msg, _ := strings.Cut(rest, " ")
	if len(term) < 2 || len(term) > 1+maxTermDigits || term[0] != 'T' || digits(term[1:]) != len(term)-1 {
		return false
	}
	// The lengths above keep every number in range.
	l.Time, _ = strconv.ParseInt(t, 10, 64)
	l.Topic = topic
	l.Peer, _ = strconv.Atoi(peer[1:])
	l.Term, _ = strconv.ParseInt(term[1:], 10, 64)
	l.Msg = msg
	return true
}

// isTopic reports whether s looks like a debug topic: [A-Z][A-Z0-9_]*, at
// most maxTopicLen bytes.
func isTopic(s string) bool {
	if len(s) == 0 || len(s) > maxTopicLen || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// digits returns how many ASCII digits s starts with.
func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// tabWidth is where tab stops are when Clean expands tabs.
const tabWidth = 8

// Clean turns one raw line (without its newline) into text that is safe to
// print and to measure: a trailing carriage return goes, tabs become spaces
// up to the next multiple of tabWidth, other control characters (an
// escape sequence's ESC among them) become a visible \xNN, and bytes that
// are not UTF-8 become U+FFFD. Afterwards every rune is one column wide,
// except East Asian wide characters, which the viewer counts as one.
func Clean(b []byte) string {
	b = trimCR(b)
	var sb strings.Builder
	sb.Grow(len(b))
	col := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1:
			sb.WriteRune(utf8.RuneError)
			col++
		case r == '\t':
			for n := tabWidth - col%tabWidth; n > 0; n-- {
				sb.WriteByte(' ')
				col++
			}
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			const hex = "0123456789abcdef"
			sb.WriteString(`\x`)
			sb.WriteByte(hex[r>>4&0xf])
			sb.WriteByte(hex[r&0xf])
			col += 4
		default:
			sb.Write(b[:size])
			col++
		}
		b = b[size:]
	}
	return sb.String()
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
