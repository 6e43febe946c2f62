package logview

import (
	"slices"
	"testing"
)

func TestParseFlags(t *testing.T) {
	if p, err := ParsePeers("2, S0,2,s1"); err != nil || !slices.Equal(p, []int{0, 1, 2}) {
		t.Errorf("ParsePeers = %v, %v; want [0 1 2]", p, err)
	}
	for _, bad := range []string{"", "x", "-1", "0,,1", "S", "1234567"} {
		if p, err := ParsePeers(bad); err == nil {
			t.Errorf("ParsePeers(%q) = %v, want an error", bad, p)
		}
	}
	show, hide, err := ParseTopics("vote,LEADER,-append")
	if err != nil || !slices.Equal(show, []string{"VOTE", "LEADER"}) || !slices.Equal(hide, []string{"APPEND"}) {
		t.Errorf("ParseTopics = %v, %v, %v", show, hide, err)
	}
	if show, hide, err := ParseTopics("-PERSIST"); err != nil || show != nil || !slices.Equal(hide, []string{"PERSIST"}) {
		t.Errorf("ParseTopics(-PERSIST) = %v, %v, %v; want nothing shown by name, PERSIST hidden", show, hide, err)
	}
	for _, bad := range []string{"", "VOTE,", "--VOTE", "VO TE", "<b>"} {
		if _, _, err := ParseTopics(bad); err == nil {
			t.Errorf("ParseTopics(%q): no error", bad)
		}
	}
	for _, c := range []struct {
		in   string
		want Range
	}{
		{"3-7", Range{Lo: 3, Hi: 7, HasLo: true, HasHi: true}},
		{"3-", Range{Lo: 3, HasLo: true}},
		{"-7", Range{Hi: 7, HasHi: true}},
		{"5", Range{Lo: 5, Hi: 5, HasLo: true, HasHi: true}},
	} {
		if got, err := ParseTerms(c.in); err != nil || got != c.want {
			t.Errorf("ParseTerms(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if got, _ := ParseTerms(c.in); got.String() != c.in {
			t.Errorf("ParseTerms(%q).String() = %q", c.in, got.String())
		}
	}
	for _, bad := range []string{"", "-", "7-3", "a-b", "3-x", "1-2-3", "--1"} {
		if r, err := ParseTerms(bad); err == nil {
			t.Errorf("ParseTerms(%q) = %+v, want an error", bad, r)
		}
	}
	for _, c := range []struct {
		in   string
		want int64
	}{{"1500", 1500}, {"001500", 1500}, {"1.5s", 1500}, {"2m", 120000}, {"250ms", 250}} {
		if got, err := ParseMillis(c.in); err != nil || got != c.want {
			t.Errorf("ParseMillis(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "-5", "1.5", "soon", "-1s"} {
		if got, err := ParseMillis(bad); err == nil {
			t.Errorf("ParseMillis(%q) = %d, want an error", bad, got)
		}
	}
	if _, err := TimeRange("2s", "1s"); err == nil {
		t.Errorf("TimeRange(2s, 1s): no error for an empty window")
	}
	if r, err := TimeRange("", "1s"); err != nil || r != (Range{Hi: 1000, HasHi: true}) {
		t.Errorf("TimeRange(\"\", 1s) = %+v, %v", r, err)
	}
}

func TestFilterKeep(t *testing.T) {
	debug := func(time int64, topic string, peer int, term int64) Line {
		return Line{Kind: Debug, Time: time, Topic: topic, Peer: peer, Term: term}
	}
	lines := []Line{
		debug(100, "VOTE", 0, 1), debug(200, "APPEND", 1, 2), debug(300, "LEADER", 2, 3),
		debug(400, "VOTE", 2, 5), debug(500, "APPEND", 0, 7),
		{Kind: Fail, Text: "--- FAIL: TestX"}, {Kind: Text, Text: "other"},
	}
	for _, c := range []struct {
		name string
		f    Filter
		want []int // indexes of lines kept
	}{
		{"zero", Filter{}, []int{0, 1, 2, 3, 4, 5, 6}},
		{"peers", Filter{Peers: []int{0, 2}}, []int{0, 2, 3, 4, 5, 6}},
		{"topics", Filter{Topics: []string{"VOTE", "LEADER"}}, []int{0, 2, 3, 5, 6}},
		{"hide", Filter{Hide: []string{"APPEND"}}, []int{0, 2, 3, 5, 6}},
		{"terms 2-5", Filter{Terms: Range{Lo: 2, Hi: 5, HasLo: true, HasHi: true}}, []int{1, 2, 3, 5, 6}},
		{"terms 5-", Filter{Terms: Range{Lo: 5, HasLo: true}}, []int{3, 4, 5, 6}},
		{"time -300", Filter{Time: Range{Hi: 300, HasHi: true}}, []int{0, 1, 2, 5, 6}},
		{"time 200-400 peer 2", Filter{Time: Range{Lo: 200, Hi: 400, HasLo: true, HasHi: true}, Peers: []int{2}}, []int{2, 3, 5, 6}},
		{"debug only", Filter{DebugOnly: true, Topics: []string{"VOTE"}}, []int{0, 3}},
	} {
		var got []int
		for i, l := range lines {
			if c.f.Keep(l) {
				got = append(got, i)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: kept %v, want %v", c.name, got, c.want)
		}
	}
	f := Filter{Peers: []int{0, 2}, Topics: []string{"VOTE"}, Hide: []string{"DROP"}, Terms: Range{Lo: 3, HasLo: true}, DebugOnly: true}
	if got, want := f.describe(), "peers 0,2; topics VOTE; hiding DROP; terms 3-; debug lines only"; got != want {
		t.Errorf("describe() = %q, want %q", got, want)
	}
}
