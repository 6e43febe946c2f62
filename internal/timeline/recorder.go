package timeline

import (
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// EnvVar, set to anything but "" or "0", makes the harnesses write the page
// of every test, passing or not. EnvDir, if set, is the directory the pages
// go to (default: the OS temp directory's raftlab-timelines).
const (
	EnvVar = "RAFTLAB_TIMELINE"
	EnvDir = "RAFTLAB_TIMELINE_DIR"
)

// Always reports whether EnvVar asks for every test's page.
func Always() bool {
	v := os.Getenv(EnvVar)
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// maxEvents caps each list a Recorder keeps (per lane, or for the
// network, operations and marks). A full list drops its oldest half.
const maxEvents = 20000

// progressGap is the coalescing interval of commit/applied samples.
const progressGap = 40 * time.Millisecond

// Roles the page colours. Any other string is drawn grey with its name.
const (
	Follower     = "follower"
	PreCandidate = "pre-candidate"
	Candidate    = "candidate"
	Leader       = "leader"
)

type roleAt struct {
	at   time.Duration
	role string
	term int
}

type progressAt struct {
	at              time.Duration
	commit, applied int
}

type lane struct {
	roles    []roleAt
	progress []progressAt
	crashes  []time.Duration
	restarts []time.Duration
	// disconnected spans: from, to (to < 0: still disconnected)
	cuts    []span
	dropped time.Duration // events before this were dropped (0: none)
}

type span struct {
	from, to time.Duration // to < 0: open at the end
	label    string
}

type partitionAt struct {
	at    time.Duration
	sides [][]int // nil: healed
}

type op struct {
	client    int
	kind, key string // formatted only when drawn
	call, ret time.Duration
}

type mark struct {
	at  time.Duration
	msg string
}

type link struct{ label, target string }

// Recorder collects one test's events. The zero value is not usable; make
// one with New.
type Recorder struct {
	start time.Time
	title string

	mu         sync.Mutex
	lanes      []lane
	partitions []partitionAt
	unreliable []span
	reorder    []span
	ops        []op
	opsDropped int
	fails      []mark
	notes      []string
	links      []link
	end        time.Duration // set by Finish; 0: now at rendering
}

// New returns a Recorder for a test called title with peers peers, whose
// time zero is start.
func New(title string, start time.Time, peers int) *Recorder {
	return &Recorder{start: start, title: title, lanes: make([]lane, peers)}
}

func (r *Recorder) now() time.Duration { return time.Since(r.start) }

// laneLocked returns peer's lane, or nil for a peer out of range.
func (r *Recorder) laneLocked(peer int) *lane {
	if peer < 0 || peer >= len(r.lanes) {
		return nil
	}
	return &r.lanes[peer]
}

// capped drops the oldest half of s once it holds maxEvents.
func capped[T any](s []T) ([]T, bool) {
	if len(s) < maxEvents {
		return s, false
	}
	return slices.Delete(s, 0, len(s)/2), true
}

// Role records that peer was seen in role and term. A repeat of the last
// role and term seen is dropped.
func (r *Recorder) Role(peer int, role string, term int) {
	if r == nil {
		return
	}
	at := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.laneLocked(peer)
	if l == nil {
		return
	}
	if n := len(l.roles); n > 0 && l.roles[n-1].role == role && l.roles[n-1].term == term {
		return
	}
	var dropped bool
	if l.roles, dropped = capped(l.roles); dropped {
		l.dropped = max(l.dropped, l.roles[0].at)
	}
	l.roles = append(l.roles, roleAt{at, role, term})
}

// Progress records peer's commit and applied indexes. Samples closer than
// progressGap to the previous one replace it; unchanged values are dropped.
func (r *Recorder) Progress(peer, commit, applied int) {
	if r == nil {
		return
	}
	at := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.laneLocked(peer)
	if l == nil {
		return
	}
	n := len(l.progress)
	if n > 0 {
		last := &l.progress[n-1]
		if last.commit == commit && last.applied == applied {
			return
		}
		// Keep the sample before last as the start of the step, so
		// coalescing never hides a change for longer than progressGap.
		if n > 1 && at-l.progress[n-2].at < progressGap {
			*last = progressAt{at, commit, applied}
			return
		}
	}
	var dropped bool
	if l.progress, dropped = capped(l.progress); dropped {
		l.dropped = max(l.dropped, l.progress[0].at)
	}
	l.progress = append(l.progress, progressAt{at, commit, applied})
}

// Crash records that peer was crashed (killed); Restart that a new
// incarnation of it was started.
func (r *Recorder) Crash(peer int)   { r.lifeEvent(peer, true) }
func (r *Recorder) Restart(peer int) { r.lifeEvent(peer, false) }

func (r *Recorder) lifeEvent(peer int, crash bool) {
	if r == nil {
		return
	}
	at := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.laneLocked(peer)
	if l == nil {
		return
	}
	if crash {
		l.crashes, _ = capped(l.crashes)
		l.crashes = append(l.crashes, at)
		// A crashed peer has no role until it restarts.
		l.roles, _ = capped(l.roles)
		l.roles = append(l.roles, roleAt{at, "", 0})
	} else {
		l.restarts, _ = capped(l.restarts)
		l.restarts = append(l.restarts, at)
	}
}

// Disconnected records that the harness cut peer off from every other
// peer (true) or connected it again (false).
func (r *Recorder) Disconnected(peer int, cut bool) {
	if r == nil {
		return
	}
	at := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.laneLocked(peer)
	if l == nil {
		return
	}
	l.cuts = setSpan(l.cuts, at, cut, "disconnected")
}

// setSpan opens a span at at (on) or closes the open one (off); a repeat
// changes nothing.
func setSpan(spans []span, at time.Duration, on bool, label string) []span {
	open := len(spans) > 0 && spans[len(spans)-1].to < 0
	switch {
	case on && !open:
		spans, _ = capped(spans)
		spans = append(spans, span{from: at, to: -1, label: label})
	case !on && open:
		spans[len(spans)-1].to = at
	}
	return spans
}

// Partition records that the harness split the peers into sides, each
// connected within and cut off from the others. No sides, or one that is
// not empty, is a healed network.
func (r *Recorder) Partition(sides ...[]int) {
	if r == nil {
		return
	}
	at := r.now()
	var kept [][]int
	for _, s := range sides {
		if len(s) > 0 {
			kept = append(kept, slices.Clone(s))
		}
	}
	if len(kept) < 2 {
		kept = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.partitions); n > 0 {
		last := &r.partitions[n-1]
		switch {
		case sameSides(last.sides, kept):
			return
		case at-last.at < time.Millisecond:
			// One change made in steps (a peer cut off from each
			// other in turn): keep where it ended.
			last.sides = kept
			if n > 1 && sameSides(r.partitions[n-2].sides, kept) {
				r.partitions = r.partitions[:n-1]
			}
			return
		}
	}
	r.partitions, _ = capped(r.partitions)
	r.partitions = append(r.partitions, partitionAt{at, kept})
}

func sameSides(a, b [][]int) bool {
	return slices.EqualFunc(a, b, func(x, y []int) bool { return slices.Equal(x, y) })
}

// Unreliable records that the network started (true) or stopped dropping
// and delaying messages.
func (r *Recorder) Unreliable(on bool) {
	if r == nil {
		return
	}
	at := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unreliable = setSpan(r.unreliable, at, on, "unreliable")
}

// LongReordering records that the network started (true) or stopped
// delaying some replies for long.
func (r *Recorder) LongReordering(on bool) {
	if r == nil {
		return
	}
	at := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reorder = setSpan(r.reorder, at, on, "long reordering")
}

// Op records client's operation kind (Get, Put, ...) on key, called at
// call and returned at ret.
func (r *Recorder) Op(client int, kind, key string, call, ret time.Time) {
	if r == nil {
		return
	}
	o := op{client: client, kind: kind, key: key, call: call.Sub(r.start), ret: ret.Sub(r.start)}
	r.mu.Lock()
	defer r.mu.Unlock()
	var dropped bool
	if r.ops, dropped = capped(r.ops); dropped {
		r.opsDropped += maxEvents - len(r.ops)
	}
	r.ops = append(r.ops, o)
}

// Fail records a failed check, with its message, now.
func (r *Recorder) Fail(msg string) {
	if r == nil {
		return
	}
	at := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.fails) < 100 {
		r.fails = append(r.fails, mark{at, msg})
	}
}

// Failed reports whether Fail was called.
func (r *Recorder) Failed() bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.fails) > 0
}

// Note adds a line of text to the page's summary.
func (r *Recorder) Note(text string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.notes) < 100 {
		r.notes = append(r.notes, text)
	}
}

// Link adds a link to another page of the same run (a local file), such
// as the linearizability checker's.
func (r *Recorder) Link(label, target string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.links) < 20 {
		r.links = append(r.links, link{label, target})
	}
}

// Finish fixes the end of the time axis at now; otherwise it is when the
// page is rendered.
func (r *Recorder) Finish() {
	if r == nil {
		return
	}
	at := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.end == 0 {
		r.end = at
	}
}
