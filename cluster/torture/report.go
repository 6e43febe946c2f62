package torture

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"time"

	"raftlab/linearizability"
)

// The report's timeline band, in pixels.
const (
	bandWidth = 1100 // the time axis
	bandLabel = 130  // the row labels on its left
	bandRow   = 20
	bandGap   = 4
)

// Colours of roles and fault kinds in the band.
var (
	roleColor = map[string]string{
		"leader": "#2a9d3a", "follower": "#c9dcef", "candidate": "#f39c12", "pre-candidate": "#f8c471",
		roleDown: "#222", roleSilent: "#b07cc6",
	}
	faultColor = map[string]string{Kill: "#c0392b", Partition: "#2e6fd8", Pause: "#8e44ad", Slow: "#c9a900", Disk: "#8d6e3f", Membership: "#16a085"}
)

func (r *report) reportPath() string { return filepath.Join(r.cfg.Out, "report.html") }

// write writes the HTML report to path: the summary, the band, the list
// of faults, what broke, then the linearizability view of the keys that
// failed the check (of every key with AllKeys).
func (r *report) write(path string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	info := r.info
	if !r.cfg.AllKeys {
		// The keys found illegal; if none, those the check did not finish.
		info.Partitions = nil
		for _, want := range []linearizability.CheckResult{linearizability.Illegal, linearizability.Unknown} {
			for _, p := range r.info.Partitions {
				if p.Result == want {
					info.Partitions = append(info.Partitions, p)
				}
			}
			if len(info.Partitions) > 0 {
				break
			}
		}
	}
	var before bytes.Buffer
	if err := headTemplate.Execute(&before, r.view(len(info.Partitions))); err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	title := "raftlab torture: PASS"
	if !r.res.Pass {
		title = "raftlab torture: FAIL"
	}
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	err = linearizability.VisualizeOptions(kvModel, info, linearizability.PageOptions{
		Title: title, Before: template.HTML(before.String()), Style: template.CSS(headStyle),
	}, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	return path, nil
}

// headView is what headTemplate draws.
type headView struct {
	Pass        bool
	Summary     string
	Width       int
	Height      int
	Rows        []rowView
	Ticks       []tickView
	Marks       []markView
	Faults      []faultView
	Lost        []string
	Twice       []string
	Phantom     []string
	Broken      []brokenView
	Drawn       int
	AllKeys     bool
	Logs        []string
	RoleColors  map[string]string
	FaultColors map[string]string
}

type rowView struct {
	Label string
	Y     int
	Bars  []barView
}

type barView struct {
	X, W  int
	Y, H  int
	Fill  string
	Text  string
	Title string
}

type tickView struct {
	X     int
	Label string
}

// markView is a stretch of time the reader should look at: where an
// operation of a failing key could not be placed, or an acknowledged write
// that was lost.
type markView struct {
	X, W  int
	Title string
}

type faultView struct {
	Kind, Detail, Start, End, Color string
}

type brokenView struct {
	Key, Op, Call, Return string
}

// view lays out the band and the lists.
func (r *report) view(drawn int) headView {
	spans, _ := r.mon.timelines()
	end := r.workEnd
	for _, s := range spans {
		if n := len(s); n > 0 {
			end = max(end, s[n-1].to)
		}
	}
	end = max(end, time.Second)
	x := func(t time.Duration) int {
		return bandLabel + int(math.Round(float64(t)/float64(end)*bandWidth))
	}
	w := func(from, to time.Duration) int { return max(1, x(to)-x(from)) }
	v := headView{Pass: r.res.Pass, Summary: r.res.Summary, Width: bandLabel + bandWidth + 10,
		Drawn: drawn, AllKeys: r.cfg.AllKeys, RoleColors: roleColor, FaultColors: faultColor}
	y := 18

	faults := rowView{Label: "faults", Y: y}
	for _, f := range r.faults {
		faults.Bars = append(faults.Bars, barView{X: x(f.start), W: w(f.start, f.end), Y: y, H: bandRow, Fill: faultColor[f.kind],
			Text: f.kind, Title: fmt.Sprintf("%s %s-%s: %s", f.kind, seconds(f.start), seconds(f.end), f.detail)})
		v.Faults = append(v.Faults, faultView{Kind: f.kind, Detail: f.detail, Start: seconds(f.start), End: seconds(f.end), Color: faultColor[f.kind]})
	}
	v.Rows = append(v.Rows, faults)
	y += bandRow + bandGap

	for id, ss := range spans {
		row := rowView{Label: fmt.Sprintf("node %d", id), Y: y}
		if r.m.wasRetired(id) {
			row.Label += " (removed)" // its timeline ends when it was stopped
		} else if id >= r.cfg.Nodes {
			row.Label += " (added)"
		}
		for _, s := range ss {
			to := s.to + sampleEvery // a sample stands for the time until the next
			b := barView{X: x(s.from), W: w(s.from, to), Y: y, H: bandRow, Fill: roleColor[s.role],
				Title: fmt.Sprintf("node %d %s-%s: %s", id, seconds(s.from), seconds(to), s.role)}
			if b.Fill == "" {
				b.Fill = "#ccc"
			}
			if s.term >= 0 {
				b.Title += fmt.Sprintf(", term %d", s.term)
				if s.role == "leader" && b.W >= 18 {
					b.Text = fmt.Sprintf("T%d", s.term)
				}
			}
			row.Bars = append(row.Bars, b)
		}
		v.Rows = append(v.Rows, row)
		y += bandRow + bandGap
		v.Logs = append(v.Logs, r.m.logPath(id))
	}

	// Operations that succeeded, per bucket of time: where the cluster
	// served and where it did not.
	const buckets = 220
	counts := make([]int, buckets)
	peak := 1
	for _, o := range r.ops {
		if o.unknown || o.final {
			continue
		}
		i := min(buckets-1, int(float64(o.ret)/float64(end)*buckets))
		counts[i]++
		peak = max(peak, counts[i])
	}
	ops := rowView{Label: "ok ops", Y: y}
	for i, c := range counts {
		if c == 0 {
			continue
		}
		h := max(1, c*bandRow/peak)
		from := time.Duration(float64(end) * float64(i) / buckets)
		to := time.Duration(float64(end) * float64(i+1) / buckets)
		ops.Bars = append(ops.Bars, barView{X: x(from), W: w(from, to), Y: y + bandRow - h, H: h, Fill: "#7f8c8d",
			Title: fmt.Sprintf("%d operations returned %s-%s", c, seconds(from), seconds(to))})
	}
	v.Rows = append(v.Rows, ops)
	y += bandRow + bandGap
	v.Height = y + 4

	step := tickStep(end)
	for t := time.Duration(0); t <= end; t += step {
		v.Ticks = append(v.Ticks, tickView{X: x(t), Label: fmt.Sprintf("%gs", t.Seconds())})
	}

	for _, p := range r.info.Partitions {
		if p.Result != linearizability.Illegal || p.Stuck < 0 || p.Stuck >= len(p.History) {
			continue
		}
		o := p.History[p.Stuck]
		call, ret := time.Duration(o.Call), time.Duration(o.Return)
		desc := linearizability.KvModel.DescribeOperation(o.Input, o.Output)
		v.Broken = append(v.Broken, brokenView{Key: p.Label, Op: desc, Call: seconds(call), Return: seconds(ret)})
		v.Marks = append(v.Marks, markView{X: x(call), W: w(call, min(ret, end)),
			Title: fmt.Sprintf("%s: %s could not be linearized (called %s, returned %s)", p.Label, desc, seconds(call), seconds(ret))})
	}
	for i, o := range r.loss.lost {
		if i == 50 {
			break
		}
		v.Marks = append(v.Marks, markView{X: x(o.ret) - 1, W: 3, Title: fmt.Sprintf("lost: %s %s to %s, acknowledged at %s", kindNames[o.kind], o.value, o.key, seconds(o.ret))})
	}
	v.Lost, v.Twice, v.Phantom = firstN(r.loss.lostLines(), 20), firstN(r.loss.twice, 20), firstN(r.loss.phantom, 20)
	return v
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("... and %d more", len(s)-n))
	}
	return s
}

// tickStep is a round step that puts 6 to 15 ticks on an axis of d.
func tickStep(d time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
		15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute} {
		if d/s <= 15 {
			return s
		}
	}
	return 30 * time.Minute
}

const headStyle = `
.torture pre { background: #f7f7f7; border: 1px solid #ddd; padding: .6em; font-size: 12px; overflow-x: auto; }
.torture .pass { color: #070; } .torture .fail { color: #c00; }
.torture svg text { font: 11px system-ui, sans-serif; }
.torture .key span { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin: 0 3px 0 10px; border: 1px solid #999; }
.torture ul.finds li { font-family: ui-monospace, monospace; font-size: 12px; }
.torture table.faults td:first-child { white-space: nowrap; }
.torture hr { margin: 2em 0; }
`

var headTemplate = template.Must(template.New("head").Parse(`<div class="torture">
<h1>raftlab torture: {{if .Pass}}<span class="pass">PASS</span>{{else}}<span class="fail">FAIL</span>{{end}}</h1>
<pre>{{.Summary}}</pre>
<h2>What the cluster went through</h2>
<p>Time runs left to right, from the start of the clients. The top row is the faults the nemesis injected (hover for what each did); then each node's role and term as its <code>/status</code> said every 100 ms (leader bars carry the term); then how many operations returned in each slice of time.{{if .Marks}} Red bands mark where the history broke: an operation that could not be linearized, or the moment an acknowledged write that was later lost was acknowledged.{{end}}</p>
<p class="key">Roles:{{range $k, $c := .RoleColors}}<span style="background:{{$c}}"></span>{{$k}}{{end}}<br>Faults:{{range $k, $c := .FaultColors}}<span style="background:{{$c}}"></span>{{$k}}{{end}}</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" role="img" aria-label="fault and role timeline">
{{range .Ticks}}<line x1="{{.X}}" y1="12" x2="{{.X}}" y2="{{$.Height}}" stroke="#eee"/><text x="{{.X}}" y="10">{{.Label}}</text>
{{end}}{{range .Rows}}<text x="2" y="{{.Y}}" dy="14">{{.Label}}</text>
{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Fill}}"><title>{{.Title}}</title></rect>{{if .Text}}{{if ge .W 24}}<text x="{{.X}}" y="{{.Y}}" dx="2" dy="14" fill="#fff">{{.Text}}</text>{{end}}{{end}}
{{end}}{{end}}{{range .Marks}}<rect x="{{.X}}" y="12" width="{{.W}}" height="{{$.Height}}" fill="#f00" fill-opacity="0.25" stroke="#c00"><title>{{.Title}}</title></rect>
{{end}}</svg>
{{if .Broken}}<h2>Where the history broke</h2>
<ul class="finds">{{range .Broken}}<li>{{.Key}}: <b>{{.Op}}</b>, called at {{.Call}}, returned at {{.Return}}, could not be linearized</li>{{end}}</ul>{{end}}
{{if .Lost}}<h2>Acknowledged writes lost</h2><ul class="finds">{{range .Lost}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Twice}}<h2>Writes applied twice</h2><ul class="finds">{{range .Twice}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Phantom}}<h2>Values no client wrote</h2><ul class="finds">{{range .Phantom}}<li>{{.}}</li>{{end}}</ul>{{end}}
<details><summary><h2>Faults ({{len .Faults}})</h2></summary>
<table class="faults"><tr><th>from</th><th>to</th><th>kind</th><th>what</th></tr>
{{range .Faults}}<tr><td>{{.Start}}</td><td>{{.End}}</td><td style="color:{{.Color}}">{{.Kind}}</td><td>{{.Detail}}</td></tr>
{{end}}</table></details>
<p>Node logs: {{range .Logs}}<code>{{.}}</code> {{end}}</p>
<p>{{if .Drawn}}Below: the linearizability check's view of {{if .AllKeys}}every key{{else}}each key that failed it{{end}}, on its own axis (the order of calls and returns, with times since the key's first call).{{else}}Every key's history is linearizable; <code>-all-keys</code> draws each one below.{{end}}</p>
<hr>
</div>
`))
