package logview

// What text and HTML share: the View, the peers that become columns, and
// the colour of each topic.

import (
	"hash/fnv"
	"io"
	"slices"
)

// View is how a log is shown.
type View struct {
	// Peers are the columns, in order: a debug line of one of them goes in
	// its column; a debug line of any other peer is shown across the full
	// width, as its raw text. See ScanPeers.
	Peers  []int
	Filter Filter
	Width  int    // text: the terminal's width in columns (minimum minWidth)
	Color  bool   // text: ANSI colours
	Title  string // HTML: what the page shows, the file's name
}

// MaxColumns bounds the number of peer columns ScanPeers returns, so a
// junk file with a thousand "S<n>" fields gets no thousand columns.
const MaxColumns = 32

// ScanPeers reads r to its end and returns the peers of its debug lines,
// sorted; the MaxColumns lowest if there are more. Memory: the set of
// peers, not the log.
func ScanPeers(r io.Reader) ([]int, error) {
	seen := map[int]bool{}
	rd := NewReader(r)
	for {
		l, ok := rd.Next()
		if !ok {
			break
		}
		if l.Kind == Debug {
			seen[l.Peer] = true
		}
	}
	peers := make([]int, 0, len(seen))
	for p := range seen {
		peers = append(peers, p)
	}
	slices.Sort(peers)
	if len(peers) > MaxColumns {
		peers = peers[:MaxColumns]
	}
	return peers, rd.Err()
}

// inColumn reports whether l is shown in a peer's column.
func (v *View) inColumn(l Line) bool {
	return l.Kind == Debug && v.column(l.Peer) >= 0
}

// column returns the column index of peer, or -1 if it has none.
func (v *View) column(peer int) int {
	return slices.Index(v.Peers, peer)
}

// A colour: the ANSI SGR parameters for a terminal and the CSS colour for
// the page.
type colour struct {
	sgr string
	css string
}

// topicColours are the colours of raft's topics (raft/debug.go). The
// routine ones (TIMER, PERSIST, DROP) are quiet, the ones that change who
// leads loud.
var topicColours = map[string]colour{
	"TIMER":    {"90", "#8a8a8a"},
	"VOTE":     {"36", "#0a8a9a"},
	"LEADER":   {"1;33", "#b07800"},
	"TERM":     {"32", "#2e8b2e"},
	"APPEND":   {"34", "#3060c0"},
	"COMMIT":   {"35", "#a030a0"},
	"APPLY":    {"95", "#c050d0"},
	"PERSIST":  {"2", "#9a9a9a"},
	"SNAPSHOT": {"94", "#4c7ee8"},
	"DROP":     {"2;31", "#c07070"},
	"CONFIG":   {"1;32", "#208040"},
}

// otherColours are given to other topics (a harness's own, a fixture's) by
// a hash of the name, so a topic keeps its colour from run to run.
var otherColours = []colour{
	{"33", "#9a7000"}, {"96", "#168a8a"}, {"92", "#40a040"}, {"93", "#a09000"},
	{"94", "#4c7ee8"}, {"95", "#c050d0"}, {"36", "#0a8a9a"}, {"35", "#a030a0"},
}

func topicColour(topic string) colour {
	if c, ok := topicColours[topic]; ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(topic))
	return otherColours[h.Sum32()%uint32(len(otherColours))]
}

// kindColours are the colours of the lines across the full width.
var kindColours = map[Kind]colour{
	Header: {"36", "#0a6a7a"},
	Test:   {"1", "#000000"},
	Pass:   {"1;32", "#207020"},
	Fail:   {"1;31", "#c00000"},
	Panic:  {"31", "#b00000"},
	Node:   {"", "#404040"},
	Text:   {"", "#000000"},
}
