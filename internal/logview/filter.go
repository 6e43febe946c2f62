package logview

// Which lines are shown: filters on the fields of debug lines, and the
// parsing of the command line's filter flags.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter selects lines. A debug line is kept when it passes every filter
// that is set; the other lines are kept unless DebugOnly. The zero Filter
// keeps everything.
type Filter struct {
	Peers     []int    // only these peers' debug lines; nil: every peer
	Topics    []string // only these topics; nil: every topic
	Hide      []string // not these topics
	Terms     Range    // only terms in this range
	Time      Range    // only times (ms, the first field) in this range
	DebugOnly bool     // drop every line that is not a debug line
}

// Range is an inclusive range of integers, each end optional. The zero
// Range holds every number.
type Range struct {
	Lo, Hi       int64
	HasLo, HasHi bool
}

// Contains reports whether v is in the range.
func (r Range) Contains(v int64) bool {
	return (!r.HasLo || v >= r.Lo) && (!r.HasHi || v <= r.Hi)
}

// Keep reports whether l is shown.
func (f *Filter) Keep(l Line) bool {
	if l.Kind != Debug {
		return !f.DebugOnly
	}
	if f.Peers != nil && !slices.Contains(f.Peers, l.Peer) {
		return false
	}
	if f.Topics != nil && !slices.Contains(f.Topics, l.Topic) {
		return false
	}
	if slices.Contains(f.Hide, l.Topic) {
		return false
	}
	return f.Terms.Contains(l.Term) && f.Time.Contains(l.Time)
}

// ParsePeers parses a -peers value: peer numbers separated by commas,
// each optionally written S<n> ("0,2" or "S0,S2"). It returns them sorted,
// without duplicates.
func ParsePeers(s string) ([]int, error) {
	var peers []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		num := strings.TrimPrefix(strings.TrimPrefix(f, "S"), "s")
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || len(num) > maxPeerDigits {
			return nil, fmt.Errorf("%q is not a peer number (want e.g. 0,2)", f)
		}
		peers = append(peers, n)
	}
	slices.Sort(peers)
	return slices.Compact(peers), nil
}

// ParseTopics parses a -topics value: topics separated by commas, each one
// shown, or hidden if it starts with '-' ("VOTE,LEADER", "-APPEND,-PERSIST").
// Case does not matter. show is nil when no topic is named without '-'.
func ParseTopics(s string) (show, hide []string, err error) {
	for _, f := range strings.Split(s, ",") {
		f = strings.ToUpper(strings.TrimSpace(f))
		name, hidden := strings.CutPrefix(f, "-")
		if !isTopic(name) {
			return nil, nil, fmt.Errorf("%q is not a topic (want e.g. VOTE,LEADER or -APPEND)", f)
		}
		if hidden {
			hide = append(hide, name)
		} else {
			show = append(show, name)
		}
	}
	return show, hide, nil
}

// ParseTerms parses a -terms value: "3-7", "3-" (3 and later), "-7" (up to
// 7) or "5" (only 5).
func ParseTerms(s string) (Range, error) {
	var r Range
	lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
	if !isRange {
		hi = lo
	}
	bad := fmt.Errorf("%q is not a term range (want e.g. 3-7, 3-, -7 or 5)", s)
	if lo == "" && hi == "" {
		return r, bad
	}
	var err error
	if lo != "" {
		if r.Lo, err = strconv.ParseInt(lo, 10, 64); err != nil || r.Lo < 0 {
			return Range{}, bad
		}
		r.HasLo = true
	}
	if hi != "" {
		if r.Hi, err = strconv.ParseInt(hi, 10, 64); err != nil || r.Hi < 0 {
			return Range{}, bad
		}
		r.HasHi = true
	}
	if r.HasLo && r.HasHi && r.Lo > r.Hi {
		return Range{}, fmt.Errorf("term range %q is empty: %d > %d", s, r.Lo, r.Hi)
	}
	return r, nil
}

// ParseMillis parses a -from or -to value, a time as the first field of a
// debug line counts it: milliseconds ("1500", "001500") or a Go duration
// ("1.5s", "2m").
func ParseMillis(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%q: a time is not negative", s)
		}
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a time (want milliseconds, e.g. 1500, or a duration, e.g. 1.5s)", s)
	}
	return int64(d / time.Millisecond), nil
}

// TimeRange makes the Range of -from and -to, either "" for no bound.
func TimeRange(from, to string) (Range, error) {
	var r Range
	var err error
	if from != "" {
		if r.Lo, err = ParseMillis(from); err != nil {
			return Range{}, fmt.Errorf("-from: %w", err)
		}
		r.HasLo = true
	}
	if to != "" {
		if r.Hi, err = ParseMillis(to); err != nil {
			return Range{}, fmt.Errorf("-to: %w", err)
		}
		r.HasHi = true
	}
	if r.HasLo && r.HasHi && r.Lo > r.Hi {
		return Range{}, fmt.Errorf("-from %s is after -to %s", from, to)
	}
	return r, nil
}

// describe returns the filter in the command's words ("peers 0,2; terms
// 3-7"), "" for the zero Filter.
func (f *Filter) describe() string {
	var parts []string
	if f.Peers != nil {
		var ps []string
		for _, p := range f.Peers {
			ps = append(ps, strconv.Itoa(p))
		}
		parts = append(parts, "peers "+strings.Join(ps, ","))
	}
	if f.Topics != nil {
		parts = append(parts, "topics "+strings.Join(f.Topics, ","))
	}
	if f.Hide != nil {
		parts = append(parts, "hiding "+strings.Join(f.Hide, ","))
	}
	if s := f.Terms.String(); s != "" {
		parts = append(parts, "terms "+s)
	}
	if s := f.Time.String(); s != "" {
		parts = append(parts, "ms "+s)
	}
	if f.DebugOnly {
		parts = append(parts, "debug lines only")
	}
	return strings.Join(parts, "; ")
}

// String returns the range as ParseTerms reads it ("3-7", "3-", "-7",
// "5"), "" for the zero Range.
func (r Range) String() string {
	switch {
	case r.HasLo && r.HasHi && r.Lo == r.Hi:
		return strconv.FormatInt(r.Lo, 10)
	case r.HasLo && r.HasHi:
		return strconv.FormatInt(r.Lo, 10) + "-" + strconv.FormatInt(r.Hi, 10)
	case r.HasLo:
		return strconv.FormatInt(r.Lo, 10) + "-"
	case r.HasHi:
		return "-" + strconv.FormatInt(r.Hi, 10)
	}
	return ""
}
