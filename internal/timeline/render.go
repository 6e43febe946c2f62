package timeline

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Geometry of the drawing, in px.
const (
	labelW   = 150 // the column of row names
	laneH    = 64  // a peer's lane
	rowH     = 22  // a network or client row
	axisH    = 28
	minSpanW = 1.5 // no span is drawn narrower: short candidacies stay visible
)

var roleColor = map[string]string{
	Follower:     "#cfd8e3",
	PreCandidate: "#f7e3a1",
	Candidate:    "#f2b35e",
	Leader:       "#4c9f5b",
}

var sideColor = []string{"#6a8fd8", "#d8876a", "#9a6ad8", "#6ad8c4"}

// WriteFile renders the page into a new file in dir (EnvDir, or the OS
// temp directory's raftlab-timelines, if dir is "") named after the test,
// and returns its path.
func (r *Recorder) WriteFile(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv(EnvDir)
	}
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "raftlab-timelines")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("timeline: %w", err)
	}
	name := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, r.title)
	f, err := os.CreateTemp(dir, name+"-*.html")
	if err != nil {
		return "", fmt.Errorf("timeline: %w", err)
	}
	err = f.Chmod(0o644) // a page to share, not a secret (CreateTemp makes 0600)
	if err == nil {
		err = r.WriteHTML(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("timeline: write %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// WriteHTML renders the page to w.
func (r *Recorder) WriteHTML(w io.Writer) error {
	var b bytes.Buffer
	r.render(&b)
	_, err := w.Write(b.Bytes())
	return err
}

func classAttr(class string) string {
	if class == "" {
		return ""
	}
	return ` class="` + class + `"`
}

func esc(s string) string { return html.EscapeString(s) }

func secs(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

// page is what render draws from: a copy of the Recorder's state and the
// scale of the time axis.
type page struct {
	*Recorder
	end   time.Duration
	plotW float64
}

func (p *page) x(at time.Duration) float64 {
	at = min(max(at, 0), p.end)
	return labelW + float64(at)/float64(p.end)*p.plotW
}

func (p *page) rect(b *bytes.Buffer, from, to time.Duration, y, h float64, fill, class, label, tip string) {
	x0, x1 := p.x(from), p.x(to)
	w := max(x1-x0, minSpanW)
	fmt.Fprintf(b, `<g><title>%s</title><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"%s/>`,
		esc(tip), x0, y, w, h, fill, classAttr(class))
	if label != "" && w > float64(7*len(label)+4) {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" class="in">%s</text>`, x0+3, y+h/2+4, esc(label))
	}
	b.WriteString("</g>\n")
}

func (r *Recorder) render(b *bytes.Buffer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.end
	if end == 0 {
		end = r.now()
	}
	for _, f := range r.fails {
		end = max(end, f.at)
	}
	end = max(end, time.Millisecond)
	// About 1 px per 20 ms, within reason: a 2 s test is 1000 px wide, a
	// 120 s one 6000 px (the page scrolls).
	plotW := min(max(float64(end.Milliseconds())/20, 1000), 6000)
	p := &page{Recorder: r, end: end, plotW: plotW}

	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>timeline: %s</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
pre { background: #fff3f3; border-left: 4px solid #c0392b; padding: .5em 1em; white-space: pre-wrap; }
.scroll { overflow-x: auto; border: 1px solid #ddd; }
svg text { font: 11px monospace; fill: #222; }
svg text.in { fill: #111; }
svg text.name { font-weight: bold; font-size: 12px; }
svg text.fail { fill: #c0392b; font-weight: bold; }
svg .grid { stroke: #eee; }
svg .down { fill: url(#hatch); }
.legend span { display: inline-block; padding: 0 .6em; margin-right: .4em; border: 1px solid #999; }
</style></head><body>
`, esc(r.title))
	fmt.Fprintf(b, "<h1>Timeline of %s</h1>\n", esc(r.title))

	// Summary.
	b.WriteString("<h2 id=\"summary\">Summary</h2>\n<ul>\n")
	result := "passed (page written because " + EnvVar + " is set)"
	if len(r.fails) > 0 {
		result = fmt.Sprintf("FAILED: %d failed check(s), first at %s", len(r.fails), secs(r.fails[0].at))
	}
	fmt.Fprintf(b, "<li>%s</li>\n<li>%d peers, %s from the harness's time zero (when the network was made; debug lines count from it too)</li>\n",
		esc(result), len(r.lanes), secs(end))
	if len(r.ops) > 0 {
		fmt.Fprintf(b, "<li>%d client operations shown", len(r.ops))
		if r.opsDropped > 0 {
			fmt.Fprintf(b, " (the %d earliest dropped to bound memory)", r.opsDropped)
		}
		b.WriteString("</li>\n")
	}
	for i, l := range r.lanes {
		if l.dropped > 0 {
			fmt.Fprintf(b, "<li>S%d: events before %s dropped to bound memory</li>\n", i, secs(l.dropped))
		}
	}
	for _, n := range r.notes {
		fmt.Fprintf(b, "<li>%s</li>\n", esc(n))
	}
	for _, l := range r.links {
		fmt.Fprintf(b, "<li>%s: <a href=\"%s\">%s</a></li>\n", esc(l.label), esc(fileURL(l.target)), esc(l.target))
	}
	b.WriteString("</ul>\n")

	// Failure.
	if len(r.fails) > 0 {
		b.WriteString("<h2 id=\"failure\">Failure</h2>\n")
		for i, f := range r.fails {
			fmt.Fprintf(b, "<p>FAIL %d at %s (the red line marked FAIL %d):</p>\n<pre>%s</pre>\n", i+1, secs(f.at), i+1, esc(f.msg))
		}
	}

	// Timeline.
	b.WriteString("<h2 id=\"timeline\">Timeline</h2>\n")
	b.WriteString(`<p class="legend">Roles: `)
	for _, role := range []string{Follower, PreCandidate, Candidate, Leader} {
		fmt.Fprintf(b, `<span style="background:%s">%s</span>`, roleColor[role], role)
	}
	b.WriteString(`<span style="background:repeating-linear-gradient(45deg,#888 0 3px,#ddd 3px 6px)">crashed</span>` +
		` Lines: <span style="color:#1f5fbf">commit index</span><span style="color:#2e8b57">applied index (dashed)</span>` +
		` Bands: <span style="background:#f6c6c6">disconnected</span><span style="background:#6a8fd8;color:#fff">partition side</span>` +
		` Hover over a span for its times.</p>` + "\n")
	p.svg(b)
	b.WriteString("</body></html>\n")
}

// fileURL makes a local path a file: URL; anything else is left alone.
func fileURL(target string) string {
	if filepath.IsAbs(target) {
		return "file://" + filepath.ToSlash(target)
	}
	return target
}

func (p *page) svg(b *bytes.Buffer) {
	r := p.Recorder
	clients := map[int]bool{}
	for _, o := range r.ops {
		clients[o.client] = true
	}
	clientIDs := slices.Sorted(mapKeys(clients))
	if len(clientIDs) > 64 {
		clientIDs = clientIDs[:64]
	}
	height := axisH + 3*rowH + float64(len(r.lanes))*laneH + float64(len(clientIDs))*rowH + 30
	width := labelW + p.plotW + 20
	fmt.Fprintf(b, `<div class="scroll"><svg width="%.0f" height="%.0f">`+"\n", width, height)
	b.WriteString(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ddd"/><rect width="3" height="6" fill="#888"/></pattern></defs>` + "\n")

	// The axis and its grid.
	step := tickStep(p.end)
	for t := time.Duration(0); t <= p.end; t += step {
		x := p.x(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.0f" class="grid"/><text x="%.1f" y="16">%s</text>`+"\n",
			x, axisH-6, x, height-10, x+2, esc(tickLabel(t, step)))
	}
	y := float64(axisH)

	// Network rows.
	p.row(b, y, "unreliable", r.unreliable, "#e8a0a0")
	y += rowH
	p.row(b, y, "long reordering", r.reorder, "#c9a0e8")
	y += rowH
	fmt.Fprintf(b, `<text x="4" y="%.1f" class="name">partition</text>`+"\n", y+15)
	for i, part := range r.partitions {
		if part.sides == nil {
			continue
		}
		to := p.end
		if i+1 < len(r.partitions) {
			to = r.partitions[i+1].at
		}
		var names []string
		for _, s := range part.sides {
			names = append(names, fmt.Sprint(s))
		}
		label := strings.Join(names, " | ")
		p.rect(b, part.at, to, y+2, rowH-4, "#b9c9ee", "", label, fmt.Sprintf("partition %s from %s to %s", label, secs(part.at), secs(to)))
	}
	y += rowH

	// Peer lanes.
	top := 0
	for _, l := range r.lanes {
		for _, s := range l.progress {
			top = max(top, s.commit, s.applied)
		}
	}
	for i := range r.lanes {
		p.lane(b, i, y, top)
		y += laneH
	}

	// Clients' operations.
	for _, c := range clientIDs {
		fmt.Fprintf(b, `<text x="4" y="%.1f" class="name">client %d</text>`+"\n", y+15, c)
		y += rowH
	}
	row := map[int]float64{}
	for k, c := range clientIDs {
		row[c] = y - float64(len(clientIDs)-k)*rowH
	}
	for _, o := range r.ops {
		oy, ok := row[o.client]
		if !ok {
			continue
		}
		p.rect(b, o.call, o.ret, oy+3, rowH-6, "#a9c4e8", "", "",
			fmt.Sprintf("client %d %s(%q), %s to %s", o.client, o.kind, o.key, secs(o.call), secs(o.ret)))
	}

	// Failed checks.
	for i, f := range r.fails {
		x := p.x(f.at)
		fmt.Fprintf(b, `<g><title>FAIL %d at %s: %s</title><line x1="%.1f" y1="%d" x2="%.1f" y2="%.0f" stroke="#c0392b" stroke-width="2"/><text x="%.1f" y="%d" class="fail">FAIL %d</text></g>`+"\n",
			i+1, secs(f.at), esc(f.msg), x, axisH-4, x, y, x-50, axisH-8, i+1)
	}
	b.WriteString("</svg></div>\n")
}

func mapKeys(m map[int]bool) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// row draws a network row: its name and its spans.
func (p *page) row(b *bytes.Buffer, y float64, name string, spans []span, fill string) {
	fmt.Fprintf(b, `<text x="4" y="%.1f" class="name">%s</text>`+"\n", y+15, esc(name))
	for _, s := range spans {
		to := s.to
		if to < 0 {
			to = p.end
		}
		p.rect(b, s.from, to, y+2, rowH-4, fill, "", s.label, fmt.Sprintf("%s from %s to %s", s.label, secs(s.from), secs(to)))
	}
}

// lane draws peer i's lane at y: partition sides and disconnections as
// bands, roles as spans labelled with the term, crashes and restarts as
// lines, commit and applied indexes (scaled to top) as step lines.
func (p *page) lane(b *bytes.Buffer, i int, y float64, top int) {
	r, l := p.Recorder, &p.Recorder.lanes[i]
	fmt.Fprintf(b, `<line x1="0" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#bbb"/>`+"\n", y, labelW+p.plotW, y)
	fmt.Fprintf(b, `<text x="4" y="%.1f" class="name">S%d</text>`+"\n", y+16, i)
	if n := len(l.progress); n > 0 {
		last := l.progress[n-1]
		fmt.Fprintf(b, `<text x="4" y="%.1f">commit %d</text><text x="4" y="%.1f">applied %d</text>`+"\n", y+34, last.commit, y+48, last.applied)
	}
	// Partition side strip.
	for k, part := range r.partitions {
		if part.sides == nil {
			continue
		}
		to := p.end
		if k+1 < len(r.partitions) {
			to = r.partitions[k+1].at
		}
		for s, side := range part.sides {
			if slices.Contains(side, i) {
				name := fmt.Sprintf("side %c", 'A'+s)
				p.rect(b, part.at, to, y+2, 8, sideColor[s%len(sideColor)], "", "",
					fmt.Sprintf("S%d on %s %v of the partition, %s to %s", i, name, side, secs(part.at), secs(to)))
			}
		}
	}
	// Disconnections.
	for _, s := range l.cuts {
		to := s.to
		if to < 0 {
			to = p.end
		}
		p.rect(b, s.from, to, y+2, 8, "#f6c6c6", "", "", fmt.Sprintf("S%d disconnected from %s to %s", i, secs(s.from), secs(to)))
		if w := p.x(to) - p.x(s.from); w > 80 {
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f">disconnected</text>`+"\n", p.x(s.from)+3, y+9)
		}
	}
	// Roles.
	for k, ra := range l.roles {
		to := p.end
		if k+1 < len(l.roles) {
			to = l.roles[k+1].at
		}
		switch {
		case ra.role == "":
			p.rect(b, ra.at, to, y+12, 18, "#888", "down", "crashed", fmt.Sprintf("S%d crashed from %s to %s", i, secs(ra.at), secs(to)))
		default:
			fill, ok := roleColor[ra.role]
			if !ok {
				fill = "#bbbbbb"
			}
			label := fmt.Sprintf("T%d", ra.term)
			if ra.role == Leader {
				label = fmt.Sprintf("T%d leader", ra.term)
			}
			p.rect(b, ra.at, to, y+12, 18, fill, "", label,
				fmt.Sprintf("S%d %s in term %d from %s to %s", i, ra.role, ra.term, secs(ra.at), secs(to)))
		}
	}
	// Crashes and restarts.
	for _, at := range l.crashes {
		x := p.x(at)
		fmt.Fprintf(b, `<g><title>S%d crashed at %s</title><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c0392b" stroke-width="2"/><text x="%.1f" y="%.1f" class="fail">crash</text></g>`+"\n",
			i, secs(at), x, y+2, x, y+laneH-2, x+2, y+laneH-4)
	}
	for _, at := range l.restarts {
		x := p.x(at)
		fmt.Fprintf(b, `<g><title>S%d restarted at %s</title><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#2e8b57" stroke-width="2"/><text x="%.1f" y="%.1f">restart</text></g>`+"\n",
			i, secs(at), x, y+2, x, y+laneH-2, x+2, y+laneH-4)
	}
	// Commit and applied, as step lines in the lane's lower part.
	if top > 0 && len(l.progress) > 0 {
		base, h := y+laneH-4, 28.0
		scale := func(v int) float64 { return base - h*float64(v)/float64(top) }
		var commit, applied strings.Builder
		for k, s := range l.progress {
			x := p.x(s.at)
			if k > 0 {
				prev := l.progress[k-1]
				fmt.Fprintf(&commit, "%.1f,%.1f ", x, scale(prev.commit))
				fmt.Fprintf(&applied, "%.1f,%.1f ", x, scale(prev.applied))
			}
			fmt.Fprintf(&commit, "%.1f,%.1f ", x, scale(s.commit))
			fmt.Fprintf(&applied, "%.1f,%.1f ", x, scale(s.applied))
		}
		last := l.progress[len(l.progress)-1]
		endX := p.x(p.end)
		fmt.Fprintf(&commit, "%.1f,%.1f", endX, scale(last.commit))
		fmt.Fprintf(&applied, "%.1f,%.1f", endX, scale(last.applied))
		fmt.Fprintf(b, `<g><title>S%d commit index (last %d; the lane's top is index %d)</title><polyline points="%s" fill="none" stroke="#1f5fbf" stroke-width="1.5"/></g>`+"\n",
			i, last.commit, top, commit.String())
		fmt.Fprintf(b, `<g><title>S%d applied index (last %d)</title><polyline points="%s" fill="none" stroke="#2e8b57" stroke-width="1.5" stroke-dasharray="4 2"/></g>`+"\n",
			i, last.applied, applied.String())
	}
}

// tickStep chooses the axis's step: at most about 20 ticks.
func tickStep(end time.Duration) time.Duration {
	for _, s := range []time.Duration{10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000} {
		if step := s * time.Millisecond; end/step <= 20 {
			return step
		}
	}
	return time.Minute
}

func tickLabel(t, step time.Duration) string {
	if step < time.Second {
		return fmt.Sprintf("%.2fs", t.Seconds())
	}
	return fmt.Sprintf("%.0fs", t.Seconds())
}
