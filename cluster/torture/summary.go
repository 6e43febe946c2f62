package torture

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"raftlab/linearizability"
)

// report is everything a run found, for the summary and the HTML page.
type report struct {
	cfg       Config
	res       *Result
	ops       []op
	workEnd   time.Duration
	faults    []fault
	mon       *monitor
	snaps     *snapWatch // in a run with big values
	m         *members
	loss      writeLoss
	info      linearizability.LinearizationInfo
	checkTook time.Duration
	torn      int  // torn records the members said they dropped
	keepDir   bool // the data directory stays after the run
}

var kindNames = map[uint8]string{linearizability.KvGet: "get", linearizability.KvPut: "put", linearizability.KvAppend: "append"}

// summary is the text printed at the end of a run: one line per aspect.
func (r *report) summary() string {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "  %-12s %s\n", label, fmt.Sprintf(format, args...))
	}
	cfg := r.cfg
	fmt.Fprintf(&b, "raftlab torture: %d nodes, %d clients, %d keys, %v, seed %d, faults %s\n",
		cfg.Nodes, cfg.Clients, cfg.Keys, cfg.Duration, cfg.Seed, faultList(cfg.Faults))

	okBy := map[uint8]int{}
	ok, unknown := 0, 0
	var lat []time.Duration
	for _, o := range r.ops {
		if o.final {
			continue
		}
		if o.unknown {
			unknown++
			continue
		}
		ok++
		okBy[o.kind]++
		lat = append(lat, o.ret-o.call)
	}
	rate := 0.0
	if r.workEnd > 0 {
		rate = float64(ok) / r.workEnd.Seconds()
	}
	line("operations", "%d ok (%d get, %d put, %d append), %d unknown outcome; %.1f ok/s; then %d final reads",
		ok, okBy[linearizability.KvGet], okBy[linearizability.KvPut], okBy[linearizability.KvAppend], unknown, rate, cfg.Keys)
	if cfg.MaxValue > 0 {
		line("values", "%s", r.bigValues())
	}
	slices.Sort(lat)
	pct := func(p float64) string {
		if len(lat) == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", float64(lat[min(len(lat)-1, int(p*float64(len(lat))))])/1e6)
	}
	line("latency ms", "p50 %s  p90 %s  p99 %s  max %s (ok operations, retries included)", pct(0.5), pct(0.9), pct(0.99), pct(1))
	line("faults", "%s", r.faultCounts())
	if slices.Contains(cfg.Faults, Membership) {
		added, removed, failed := r.changes()
		line("membership", "%s added, %d removed, %s failed; configuration at the end %v",
			plural(added, "member"), removed, plural(failed, "change"), r.m.current())
	}
	_, maxTerm := r.mon.timelines()
	leaders := "at most one leader in each term"
	if d := r.mon.doubleLeaders(); len(d) > 0 {
		leaders = "TWO LEADERS IN ONE TERM: " + strings.Join(d, "; ")
	}
	if r.snaps != nil {
		line("snapshots", "%s", r.snaps.summary())
	}
	line("elections", "%d terms seen with a leader (highest term %d); %s", r.mon.elections(), maxTerm, leaders)
	resent := 0
	for _, o := range r.ops {
		if o.resent {
			resent++
		}
	}
	line("writes", "%d acknowledged (%d sent again after their answer): %d lost, %d applied twice, %d values never written%s",
		okBy[linearizability.KvAppend]+okBy[linearizability.KvPut], resent, len(r.loss.lost), len(r.loss.twice), len(r.loss.phantom), missingNote(r.loss.missing))
	line("check", "%s: %d keys, %d operations, %.1fs", r.res.Verdict, len(r.info.Partitions), len(r.ops), r.checkTook.Seconds())
	if r.res.Pass {
		line("verdict", "PASS: linearizable, no acknowledged write lost")
	} else {
		line("verdict", "FAIL")
		for _, why := range r.res.Reasons {
			line("", "- %s", why)
		}
	}
	line("stopped", "%s", r.res.Stopped)
	line("replay", "%s", r.replay())
	if r.cfg.Out != "" {
		line("report", "%s", r.reportPath())
	}
	if r.keepDir {
		line("data", "%s (node-N.log: each member's log)", r.cfg.Dir)
	}
	return b.String()
}

// bigValues says how many bytes the big values moved: the acknowledged
// puts' values, and what the gets read (final reads included), each read
// checked whole.
func (r *report) bigValues() string {
	var puts, written, read int
	for _, o := range r.ops {
		switch {
		case o.unknown:
		case o.kind == linearizability.KvPut:
			puts++
			written += o.size
		case o.kind == linearizability.KvGet:
			read += o.size
		}
	}
	perSecond := func(n int) string {
		if r.workEnd <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", float64(n)/1e6/r.workEnd.Seconds())
	}
	return fmt.Sprintf("puts of 1 to %d bytes: %d acknowledged, %.1f MB (%s MB/s); gets read %.1f MB (%s MB/s), every byte checked",
		r.cfg.MaxValue, puts, float64(written)/1e6, perSecond(written), float64(read)/1e6, perSecond(read))
}

// changes counts the membership changes made and failed.
func (r *report) changes() (added, removed, failed int) {
	for _, f := range r.faults {
		switch {
		case f.kind != Membership:
		case f.failed:
			failed++
		case strings.HasPrefix(f.detail, "add "):
			added++
		default:
			removed++
		}
	}
	return added, removed, failed
}

func missingNote(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return fmt.Sprintf("; no final read of %s", strings.Join(keys, ", "))
}

// faultCounts says how many faults of each kind were injected.
func (r *report) faultCounts() string {
	if len(r.faults) == 0 {
		return "none"
	}
	var parts []string
	for _, kind := range Kinds {
		n, nodes := 0, 0
		shapes := map[string]int{}
		for _, f := range r.faults {
			if f.kind != kind {
				continue
			}
			n++
			nodes += len(f.nodes)
			shapes[shapeOf(f)]++
		}
		if n == 0 {
			continue
		}
		s := fmt.Sprintf("%s %d", kind, n)
		switch kind {
		case Kill, Pause:
			s += fmt.Sprintf(" (%d nodes)", nodes)
		case Partition, Disk:
			var names []string
			for name := range shapes {
				names = append(names, name)
			}
			sort.Strings(names)
			var ds []string
			for _, name := range names {
				ds = append(ds, fmt.Sprintf("%s %d", name, shapes[name]))
			}
			if kind == Disk {
				ds = append(ds, fmt.Sprintf("%d torn records dropped on restart", r.torn))
			}
			s += " (" + strings.Join(ds, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("%d: %s", len(r.faults), strings.Join(parts, ", "))
}

// shapeOf names a partition's or a disk fault's variant.
func shapeOf(f fault) string {
	switch {
	case f.kind == Partition:
		return strings.Fields(f.detail)[0]
	case f.kind == Disk && strings.HasPrefix(f.detail, "fsync"):
		return "fsync delay"
	case f.kind == Disk:
		return "torn restart"
	}
	return f.kind
}

// replay is the command line that runs the same schedule again.
func (r *report) replay() string {
	c := r.cfg
	s := fmt.Sprintf("raftlab torture -n %d -clients %d -keys %d -duration %v -seed %d -faults %s -rate %g",
		c.Nodes, c.Clients, c.Keys, c.Duration, c.Seed, faultList(c.Faults), c.Rate)
	if c.MaxDown != (c.Nodes-1)/2 {
		s += fmt.Sprintf(" -max-down %d", c.MaxDown)
	}
	if c.MaxRaftState != DefaultMaxRaftState {
		s += fmt.Sprintf(" -max-raft-state %d", c.MaxRaftState)
	}
	if c.MaxValue > 0 {
		s += fmt.Sprintf(" -max-value %d", c.MaxValue)
	}
	return s
}

// plural is n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
