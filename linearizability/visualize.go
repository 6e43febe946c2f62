package linearizability

import (
	"bufio"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"os"
	"slices"
	"time"
)

// Visualize writes info as one self-contained HTML page: inline CSS, no
// scripts, fonts or other resources, so it can be opened from a test log
// directory on any machine. Each part gets a timeline with one row per
// client and each operation as a box from its call to its return, numbered
// in the order of the longest linearizable prefix found, and the operation
// that could not be placed in red. Hovering a box shows its times and the
// state after it. Parts that failed come first and open; the rest are
// folded. All text from the model is escaped.
func Visualize(model Model, info LinearizationInfo, w io.Writer) error {
	return VisualizeOptions(model, info, PageOptions{}, w)
}

// PageOptions frame the page of VisualizeOptions in a larger report.
type PageOptions struct {
	// Title is the page's title; empty means "Linearizability: " and the
	// verdict.
	Title string
	// Before is HTML put at the top of the page's body, before the
	// check's own heading (a tool's summary, a timeline of its own). It
	// is trusted as it is: the caller escapes what it puts in.
	Before template.HTML
	// Style is CSS added to the page's style sheet, for Before.
	Style template.CSS
}

// VisualizeOptions is Visualize, with the page framed as opts says.
func VisualizeOptions(model Model, info LinearizationInfo, opts PageOptions, w io.Writer) error {
	m := model.withDefaults()
	page := buildPage(m, info)
	page.Title, page.Before, page.Style = opts.Title, opts.Before, opts.Style
	if page.Title == "" {
		page.Title = "Linearizability: " + page.Result
	}
	bw := bufio.NewWriter(w)
	if err := pageTemplate.Execute(bw, page); err != nil {
		return fmt.Errorf("linearizability: writing the page: %w", err)
	}
	return bw.Flush()
}

// VisualizePath writes the page of Visualize to the file at path.
func VisualizePath(model Model, info LinearizationInfo, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("linearizability: %w", err)
	}
	if err := Visualize(model, info, f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("linearizability: %w", err)
	}
	return nil
}

// Timeline geometry, in pixels. The horizontal axis is the order of events
// as the checker saw them (one column per call or return), not a linear time
// scale, so a microsecond gap and a second-long stall take the same room and
// every overlap the checker considered is visible.
const (
	columnWidth = 16
	rowHeight   = 26
	tickEvery   = 8 // columns between time labels
)

type page struct {
	Title      string
	Before     template.HTML
	Style      template.CSS
	Result     string
	Err        string
	Counts     string
	Partitions []partView
}

type partView struct {
	Label, Result, Reason string
	Failed                bool // not Ok
	Open                  bool // shown unfolded: it explains the page's verdict
	rank                  int  // Illegal, then Unknown, then Ok
	Ops                   int
	Width                 int
	Ticks                 []tickView
	Lanes                 []laneView
	Init                  string
	Steps                 []stepView
	StuckAt               string // state after the prefix, where the search got stuck
	Stuck                 *stepView
	Pending               []stepView
	Lookahead, Doomed     bool // PartitionInfo's Lookahead and StuckDoomed
}

type tickView struct {
	Left  int
	Label string
}

type laneView struct {
	Client int
	Ops    []opView
}

type opView struct {
	Left, Width int
	Class       string
	Label       string
	Title       string
}

type stepView struct {
	N      int
	Client int
	Op     string
	State  string
}

func buildPage(m Model, info LinearizationInfo) page {
	p := page{Result: "Ok"}
	if info.Err != nil {
		p.Err = info.Err.Error()
	}
	var ok, illegal, unknown int
	for i := range info.Partitions {
		pv := buildPart(m, &info.Partitions[i])
		switch info.Partitions[i].Result {
		case Ok:
			ok++
		case Illegal:
			illegal++
		default:
			unknown++
		}
		p.Partitions = append(p.Partitions, pv)
	}
	switch {
	case info.Err != nil || illegal > 0:
		p.Result = "Illegal"
	case unknown > 0:
		p.Result = "Unknown"
	}
	p.Counts = fmt.Sprintf("%d parts: %d ok, %d illegal, %d not finished", len(info.Partitions), ok, illegal, unknown)
	// Illegal parts first, then unfinished ones, keeping the model's order
	// among equals.
	slices.SortStableFunc(p.Partitions, func(a, b partView) int { return cmp.Compare(a.rank, b.rank) })
	for i := range p.Partitions {
		pv := &p.Partitions[i]
		pv.Open = pv.Failed && pv.Result == p.Result
	}
	return p
}

// buildPart draws one part: its header, its timeline, and the longest
// prefix with where it got stuck.
func buildPart(m Model, pi *PartitionInfo) partView {
	d := newPartDrawing(m, pi)
	pv := partView{
		Label:  pi.Label,
		Result: pi.Result.String(),
		Reason: pi.Reason,
		Failed: pi.Result != Ok,
		rank:   map[CheckResult]int{Illegal: 0, Unknown: 1, Ok: 2}[pi.Result],
		Ops:    len(pi.History),
		Init:   describeState(m, safeInit(m)),
		Width:  d.ax.width(),
		Ticks:  d.ax.ticks(),
		Lanes:  d.lanes(),
		Steps:  d.steps(),
	}
	pv.StuckAt = d.stateAfterPrefix(pv.Init)
	pv.Stuck, pv.Pending = d.stuck()
	pv.Lookahead, pv.Doomed = pi.Lookahead, pi.StuckDoomed
	return pv
}

// axis places a part's calls and returns on the timeline: one column per
// event, in the order the search sees them.
type axis struct {
	evs                []event
	callCol, returnCol []int // by operation
	t0                 int64 // the time of the first event
}

func newAxis(h []Operation) axis {
	ax := axis{evs: events(h), callCol: make([]int, len(h)), returnCol: make([]int, len(h))}
	for c, ev := range ax.evs {
		if ev.isReturn {
			ax.returnCol[ev.op] = c
		} else {
			ax.callCol[ev.op] = c
		}
	}
	if len(ax.evs) > 0 {
		ax.t0 = ax.evs[0].time
	}
	return ax
}

// width is the timeline's width in pixels, with a spare column at the end.
func (ax axis) width() int { return len(ax.evs)*columnWidth + columnWidth }

// since is how long after the part's first event t is.
func (ax axis) since(t int64) time.Duration { return time.Duration(t - ax.t0) }

// ticks labels every tickEvery-th column with its time.
func (ax axis) ticks() []tickView {
	var ticks []tickView
	for c := 0; c < len(ax.evs); c += tickEvery {
		ticks = append(ticks, tickView{c * columnWidth, "+" + ax.since(ax.evs[c].time).String()})
	}
	return ticks
}

// partDrawing is what drawing one part's operations needs.
type partDrawing struct {
	m       Model
	pi      *PartitionInfo
	ax      axis
	step    map[int]int  // operation -> its position in the prefix
	pending map[int]bool // operations that could have gone next
}

func newPartDrawing(m Model, pi *PartitionInfo) *partDrawing {
	d := &partDrawing{m: m, pi: pi, ax: newAxis(pi.History),
		step: make(map[int]int, len(pi.Prefix)), pending: make(map[int]bool, len(pi.Pending))}
	for k, op := range pi.Prefix {
		d.step[op] = k
	}
	for _, op := range pi.Pending {
		d.pending[op] = true
	}
	return d
}

func (d *partDrawing) describe(op int) string {
	h := d.pi.History
	return describeOperation(d.m, h[op].Input, h[op].Output)
}

// lanes gives each client a row of boxes, one per operation, in client
// order.
func (d *partDrawing) lanes() []laneView {
	byClient := make(map[int]*laneView)
	for i, op := range d.pi.History {
		lane := byClient[op.ClientId]
		if lane == nil {
			lane = &laneView{Client: op.ClientId}
			byClient[op.ClientId] = lane
		}
		lane.Ops = append(lane.Ops, d.box(i))
	}
	var lanes []laneView
	for _, lane := range byClient {
		lanes = append(lanes, *lane)
	}
	slices.SortFunc(lanes, func(a, b laneView) int { return cmp.Compare(a.Client, b.Client) })
	return lanes
}

// box draws operation i from its call's column to its return's, coloured
// by what the search made of it, with its times and the state after it in
// the title.
func (d *partDrawing) box(i int) opView {
	op := d.pi.History[i]
	desc := d.describe(i)
	title := fmt.Sprintf("%s\nclient %d, called +%v, returned +%v", desc, op.ClientId, d.ax.since(op.Call), d.ax.since(op.Return))
	ov := opView{
		Left:  d.ax.callCol[i] * columnWidth,
		Width: (d.ax.returnCol[i]-d.ax.callCol[i]+1)*columnWidth - 2,
		Class: "rest",
		Label: desc,
	}
	if k, ok := d.step[i]; ok {
		ov.Class = "lin"
		ov.Label = fmt.Sprintf("%d. %s", k+1, desc)
		title += fmt.Sprintf("\nlinearized %d of %d; state after: %s", k+1, len(d.pi.History), describeState(d.m, d.pi.States[k]))
	}
	switch {
	case i == d.pi.Stuck:
		ov.Class = "stuck"
		title += "\ncould not be placed after the prefix"
	case d.pending[i]:
		ov.Class = "pending"
		title += "\ncould have gone next, but the model rejected it"
	}
	ov.Title = title
	return ov
}

// steps is the prefix as a table, with the state after each operation.
func (d *partDrawing) steps() []stepView {
	var steps []stepView
	for k, op := range d.pi.Prefix {
		steps = append(steps, stepView{k + 1, d.pi.History[op].ClientId, d.describe(op), describeState(d.m, d.pi.States[k])})
	}
	return steps
}

// stateAfterPrefix describes the state the prefix leaves; init, the initial
// state's description, for an empty prefix.
func (d *partDrawing) stateAfterPrefix(init string) string {
	if len(d.pi.States) == 0 {
		return init
	}
	return describeState(d.m, d.pi.States[len(d.pi.States)-1])
}

// stuck is, for an Illegal part, the operation that could not be placed
// and the others that could have gone next instead; nil for other parts.
func (d *partDrawing) stuck() (*stepView, []stepView) {
	pi := d.pi
	if pi.Stuck < 0 {
		return nil, nil
	}
	stuck := &stepView{Client: pi.History[pi.Stuck].ClientId, Op: d.describe(pi.Stuck)}
	var pending []stepView
	for _, op := range pi.Pending {
		if op != pi.Stuck {
			pending = append(pending, stepView{Client: pi.History[op].ClientId, Op: d.describe(op)})
		}
	}
	return stuck, pending
}

// The page is drawn from the model's own functions, which may panic on odd
// values; a page that says so is more use than none.

func safeInit(m Model) (s any) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("(Init panicked: %v)", r)
		}
	}()
	return m.Init()
}

func describeOperation(m Model, in, out any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("%v -> %v", in, out)
		}
	}()
	return m.DescribeOperation(in, out)
}

func describeState(m Model, st any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("%v", st)
		}
	}()
	return m.DescribeState(st)
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"rowHeight": func() int { return rowHeight },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin: 0; display: inline; }
.err { background: #fdd; border: 1px solid #c00; padding: .5em; white-space: pre-wrap; }
details.part { border: 1px solid #ccc; border-radius: 4px; margin: 1em 0; padding: .5em; }
.verdict-Illegal { color: #c00; } .verdict-Unknown { color: #a60; } .verdict-Ok { color: #070; }
.timeline { overflow-x: auto; border: 1px solid #eee; margin: .5em 0; }
.lane { display: flex; height: {{rowHeight}}px; border-bottom: 1px dotted #ddd; }
.who { position: sticky; left: 0; z-index: 2; flex: none; width: 80px; background: #fff;
       font-size: 12px; line-height: {{rowHeight}}px; padding-left: 4px; border-right: 1px solid #ccc; }
.track { position: relative; flex: none; }
.tick { position: absolute; top: 0; font-size: 10px; color: #777; border-left: 1px solid #ccc; padding-left: 2px; white-space: nowrap; }
.op { position: absolute; top: 3px; height: 18px; font: 11px/18px ui-monospace, monospace; overflow: hidden;
      text-overflow: ellipsis; white-space: nowrap; border-radius: 3px; padding: 0 3px; box-sizing: border-box; }
.op.lin { background: #cfe8cf; border: 1px solid #4a4; }
.op.rest { background: #eee; border: 1px solid #aaa; color: #555; }
.op.pending { background: #ffe8c0; border: 1px dashed #c80; }
.op.stuck { background: #f33; border: 2px solid #900; color: #fff; font-weight: bold; z-index: 1; }
.legend .sample { position: static; }
.legend span { display: inline-block; padding: 0 .5em; margin-right: .5em; border-radius: 3px; font-size: 12px; }
.broke { background: #fff4f4; border-left: 4px solid #c00; padding: .5em 1em; }
code { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 1px 6px; text-align: left; }
{{.Style}}
</style>
</head>
<body>
{{.Before}}
<h1>Linearizability check: <span class="verdict-{{.Result}}">{{.Result}}</span></h1>
<p>{{.Counts}}.</p>
{{if .Err}}<p class="err">The input could not be checked: {{.Err}}</p>{{end}}
<p class="legend">
<span class="op lin sample">1. linearized, in order</span>
<span class="op stuck sample">could not be placed</span>
<span class="op pending sample">could have gone next, rejected</span>
<span class="op rest sample">not reached</span>
Each box runs from the operation's call to its return; the axis is the order of calls and returns, with times since the part's first call. Hover a box for details.
</p>
{{range .Partitions}}
<details class="part"{{if .Open}} open{{end}}>
<summary><h2>{{.Label}}</h2> — <span class="verdict-{{.Result}}">{{.Result}}</span>, {{.Ops}} operations{{if .Reason}} ({{.Reason}}){{end}}</summary>
<div class="timeline">
<div class="lane"><div class="who">time</div><div class="track" style="width:{{.Width}}px">{{range .Ticks}}<div class="tick" style="left:{{.Left}}px">{{.Label}}</div>{{end}}</div></div>
{{$w := .Width}}{{range .Lanes}}<div class="lane"><div class="who">client {{.Client}}</div><div class="track" style="width:{{$w}}px">{{range .Ops}}<div class="op {{.Class}}" style="left:{{.Left}}px;width:{{.Width}}px" title="{{.Title}}">{{.Label}}</div>{{end}}</div></div>
{{end}}</div>
{{if and .Stuck .Doomed}}<div class="broke">
<p>The search, looking ahead with the model's Doomed (the plain search ran out of steps before it could say more), got no further than a prefix of {{len .Steps}} operations, which leaves the state <code>{{.StuckAt}}</code>.</p>
<p>After it, <code>{{.Stuck.Op}}</code> (client {{.Stuck.Client}}) can never be linearized, whatever of the operations left goes first, and no other order of the operations got further.</p>
</div>{{else if .Stuck}}<div class="broke">
<p>The longest {{if .Lookahead}}prefix found by the search looking ahead with the model's Doomed (the plain search ran out of steps before it could say more){{else}}linearizable prefix{{end}} has {{len .Steps}} operations and leaves the state <code>{{.StuckAt}}</code>.</p>
<p>Of the operations left, <code>{{.Stuck.Op}}</code> (client {{.Stuck.Client}}) returned first, so it must come next, or one of those called before it returned{{if .Pending}}:{{else}}; there are none.{{end}}</p>
{{if .Pending}}<ul>{{range .Pending}}<li><code>{{.Op}}</code> (client {{.Client}})</li>{{end}}</ul>{{end}}
<p>From that state {{if .Lookahead}}each of them is refused, by the model or because taking it would leave an operation ahead that can never be linearized{{else}}the model accepts none of them{{end}}, and no other order of the operations got further.</p>
</div>{{else if .Failed}}<p>The search did not finish; the prefix shown is the longest it had found.</p>{{end}}
<details><summary>Linearization order ({{len .Steps}} of {{.Ops}}), starting from state <code>{{.Init}}</code></summary>
<table><tr><th>#</th><th>client</th><th>operation</th><th>state after</th></tr>
{{range .Steps}}<tr><td>{{.N}}</td><td>{{.Client}}</td><td><code>{{.Op}}</code></td><td><code>{{.State}}</code></td></tr>
{{end}}</table>
</details>
</details>
{{end}}
</body>
</html>
`))
