package raft

// Tests of the monitor (monitor_test.go), driven by fake observations, not a
// cluster: it must catch each violation it exists for, and stay quiet on a
// history with none. Like the monitor, this file declares no name of the
// course's harness, so it runs with one dropped in.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMonitorCatches: each of monitorBadHistories breaks one property; the
// monitor must record exactly one violation, saying so, and the step that
// broke it must return it.
func TestMonitorCatches(t *testing.T) {
	for _, c := range monitorBadHistories {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			m, p := monitorOf(3)
			err := c.history(m, p)
			if err == nil || err.Error() != c.want {
				t.Errorf("the last step returned %v, want %q", err, c.want)
			}
			got := m.violations()
			if len(got) != 1 || !strings.HasSuffix(got[0], "s: "+c.want) {
				t.Errorf("violations %q, want exactly one, ending in %q", got, c.want)
			}
		})
	}
}

// monitorBadHistories are short histories of fake events, each breaking one
// property the monitor checks, with the violation it must report.
var monitorBadHistories = []struct {
	name string
	// history runs on a fresh 3-peer monitor whose peers' first
	// incarnations are p[0..2], and returns the error of its last step.
	history func(m *monitor, p []*incarnation) error
	want    string
}{
	{"two leaders in one term", func(m *monitor, p []*incarnation) error {
		m.observe(p[0], 3, true)
		m.observe(p[1], 3, false)
		return m.observe(p[1], 3, true)
	}, "two leaders in term 3: S0 and S1"},

	{"a term going back", func(m *monitor, p []*incarnation) error {
		m.observe(p[2], 5, false)
		return m.observe(p[2], 4, false)
	}, "S2's term went back from 5 to 4 without a restart"},

	{"two peers applying different commands at one index", func(m *monitor, p []*incarnation) error {
		m.applied(p[0], 1, 101)
		return m.applied(p[1], 1, 102)
	}, "index 1: S1 applied 102 but S0 applied 101"},

	{"a restarted peer applying a different command than before its crash", func(m *monitor, p []*incarnation) error {
		m.applied(p[0], 1, 101)
		m.stopped(p[0])
		return m.applied(m.incarnate(0), 1, 999)
	}, "S0 (incarnation 4) applied 999 at index 1, but applied 101 there before it crashed"},

	{"a gap in what one incarnation applies", func(m *monitor, p []*incarnation) error {
		m.applied(p[0], 1, 101)
		return m.applied(p[0], 3, 103)
	}, "S0 (incarnation 1) applied index 3 after 1: indexes 2..2 were skipped"},

	{"an index applied twice", func(m *monitor, p []*incarnation) error {
		m.applied(p[1], 1, 101)
		return m.applied(p[1], 1, 101)
	}, "S1 (incarnation 2) applied index 1 again or out of order: it had applied through 1"},

	{"indexes applied out of order", func(m *monitor, p []*incarnation) error {
		m.applied(p[1], 1, 101)
		m.applied(p[1], 2, 102)
		return m.applied(p[1], 1, 101)
	}, "S1 (incarnation 2) applied index 1 again or out of order: it had applied through 2"},

	{"a first command after index 1", func(m *monitor, p []*incarnation) error {
		return m.applied(p[2], 2, 102)
	}, "S2 (incarnation 3) applied index 2 after 0: indexes 1..1 were skipped"},

	{"a snapshot disagreeing with what another peer applied", func(m *monitor, p []*incarnation) error {
		for k, cmd := range []any{101, 102, 103} {
			m.applied(p[0], k+1, cmd)
		}
		return m.snapshot(p[1], []any{101, 666, 103})
	}, "S1's snapshot through 3 holds 666 at index 2, but S0 applied 102 there"},

	{"a restored snapshot disagreeing with what the peer applied before its crash", func(m *monitor, p []*incarnation) error {
		m.applied(p[2], 1, 101)
		m.applied(p[2], 2, 102)
		m.stopped(p[2])
		return m.snapshot(m.incarnate(2), []any{101, 666})
	}, "S2's snapshot through 2 holds 666 at index 2, but S2 applied 102 there"},

	{"a snapshot taking the service back", func(m *monitor, p []*incarnation) error {
		for k, cmd := range []any{101, 102, 103} {
			m.applied(p[0], k+1, cmd)
		}
		return m.snapshot(p[0], []any{101, 102})
	}, "S0 (incarnation 1) took a snapshot through 2 after applying through 3: the service would go back"},

	{"a command disagreeing with another peer's snapshot", func(m *monitor, p []*incarnation) error {
		m.snapshot(p[1], []any{101, 102})
		return m.applied(p[0], 1, 999)
	}, "index 1: S0 applied 999 but S1 applied 101"},

	{"a command after a snapshot skipping an index", func(m *monitor, p []*incarnation) error {
		m.snapshot(p[1], []any{101, 102})
		return m.applied(p[1], 4, 104)
	}, "S1 (incarnation 2) applied index 4 after 2: indexes 3..3 were skipped"},
}

// TestMonitorQuietOnAGoodHistory: a history with leaders in successive
// terms, a crash and restart from a snapshot, and peers catching up by
// applying and by snapshot records nothing, and the queries say what
// happened.
func TestMonitorQuietOnAGoodHistory(t *testing.T) {
	m, p := monitorOf(3)
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// S0 leads term 1; S1 leads term 2 (S0, in term 1, still thinks it leads).
	step("S0 leads term 1", m.observe(p[0], 1, true))
	step("S0 leads term 1 again", m.observe(p[0], 1, true))
	step("S1 follows in term 1", m.observe(p[1], 1, false))
	step("S1 leads term 2", m.observe(p[1], 2, true))
	step("S0 is stale", m.observe(p[0], 1, true))

	for index := 1; index <= 4; index++ {
		step("S0 applies", m.applied(p[0], index, index*100))
		step("S1 applies", m.applied(p[1], index, index*100))
	}
	// S2 catches up by a snapshot, then applies.
	step("S2 installs a snapshot", m.snapshot(p[2], m.appliedPrefix(0, 3)))
	step("S2 applies after its snapshot", m.applied(p[2], 4, 400))

	// S1 crashes; its next incarnation restores a snapshot through 2 and
	// applies again what it applied before, in a lower term than it saw.
	m.stopped(p[1])
	s1 := m.incarnate(1)
	step("S1 restores its snapshot", m.snapshot(s1, []any{100, 200}))
	step("S1 reapplies index 3", m.applied(s1, 3, 300))
	step("S1's new incarnation starts in term 1", m.observe(s1, 1, false))
	step("S1 applies index 4", m.applied(s1, 4, 400))
	step("S1 applies index 5", m.applied(s1, 5, 500))

	if v := m.violations(); len(v) != 0 {
		t.Fatalf("violations %q on a good history", v)
	}
	if n, cmd, who := m.committed(2); n != 3 || cmd != 200 || !slices.Equal(who, []int{0, 1, 2}) {
		t.Errorf("committed(2) = %d, %v, %v; want 3, 200, [0 1 2] (S2 by its snapshot)", n, cmd, who)
	}
	if n, cmd, who := m.committed(4); n != 3 || cmd != 400 || !slices.Equal(who, []int{0, 1, 2}) {
		t.Errorf("committed(4) = %d, %v, %v; want 3, 400, [0 1 2]", n, cmd, who)
	}
	if n, cmd, who := m.committed(5); n != 1 || cmd != 500 || !slices.Equal(who, []int{1}) {
		t.Errorf("committed(5) = %d, %v, %v; want 1, 500, [1]", n, cmd, who)
	}
	if n, _, _ := m.committed(6); n != 0 {
		t.Errorf("committed(6) = %d peers, want 0", n)
	}
	if got := m.appliedThrough(s1); got != 5 {
		t.Errorf("S1's second incarnation applied through %d, want 5", got)
	}
	if got := m.appliedThrough(p[1]); got != 4 {
		t.Errorf("S1's first incarnation applied through %d, want 4", got)
	}
	if got := m.highest(); got != 5 {
		t.Errorf("highest() = %d, want 5", got)
	}
}

// TestMonitorKeepsTheFirstViolations: each message once, what the harness
// reports itself among them, and no more than maxViolations, so a broken
// peer cannot bury the first ones.
func TestMonitorKeepsTheFirstViolations(t *testing.T) {
	m, p := monitorOf(2)
	m.applied(p[0], 1, 101)
	for range 3 {
		m.applied(p[1], 1, 102)
		m.report("S0 delivered a snapshot nobody asked for")
	}
	if got := m.violations(); len(got) != 2 || !strings.HasSuffix(got[1], "s: S0 delivered a snapshot nobody asked for") {
		t.Fatalf("two violations, each three times, are recorded as %q; want each once, in order", got)
	}
	for index := 3; index < 3+2*maxViolations; index++ {
		m.applied(p[0], index, index) // each one skips indexes
	}
	got := m.violations()
	if len(got) != maxViolations || !strings.Contains(got[0], "index 1: S1 applied 102 but S0 applied 101") {
		t.Fatalf("kept %d violations, want %d starting with the first; got %q", len(got), maxViolations, got)
	}
}

// fakePeer is a peer's GetState, set by the test.
type fakePeer struct {
	mu       sync.Mutex
	term     int
	isLeader bool
	polls    int
}

func (f *fakePeer) GetState() (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.polls++
	return f.term, f.isLeader
}

func (f *fakePeer) set(term int, isLeader bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.term, f.isLeader = term, isLeader
}

func (f *fakePeer) polled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls
}

// TestMonitorWatchPollsRunningPeers: watch finds two leaders of one term
// among running peers by itself, polls no stopped incarnation, and returns
// when stopped.
func TestMonitorWatchPollsRunningPeers(t *testing.T) {
	m, p := monitorOf(3)
	peers := []*fakePeer{{term: 2, isLeader: true}, {term: 2}, {term: 2}}
	for i, inc := range p {
		m.running(inc, peers[i])
	}
	m.stopped(p[2])
	peers[2].set(2, true) // a crashed leader of term 2: not a violation

	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		m.watch(stop)
	}()
	defer func() {
		close(stop)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("watch did not return within 5s of stop")
		}
	}()

	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 5s, still not %s; violations %q", what, m.violations())
			}
		}
	}
	waitUntil("polled S0 and S1 twice", func() bool { return peers[0].polled() >= 2 && peers[1].polled() >= 2 })
	if v := m.violations(); len(v) != 0 {
		t.Fatalf("violations %q with one running leader in term 2", v)
	}
	if n := peers[2].polled(); n != 0 {
		t.Errorf("the stopped S2 was polled %d times", n)
	}

	peers[1].set(2, true)
	waitUntil("seen two leaders in term 2", func() bool { return len(m.violations()) > 0 })
	if v := m.violations(); !strings.HasSuffix(v[0], "two leaders in term 2: S0 and S1") {
		t.Errorf("violations %q, want two leaders in term 2: S0 and S1", v)
	}
}

// TestMonitorDeclaresNoCourseHarnessName: the monitor's files must compile
// and run next to a course harness, which declares its names at package
// level and as methods of config; a name shared with it would collide or
// confuse. The course's names are those of the course-shaped fixture the
// script's test installs.
func TestMonitorDeclaresNoCourseHarnessName(t *testing.T) {
	course := map[string]string{}
	for _, file := range []string{"config.go", "test_test.go"} {
		path := filepath.Join("..", "testdata", "course-harness", "src", "raft", file)
		for _, name := range declaredNames(t, path) {
			course[name] = path
		}
	}
	if len(course) == 0 {
		t.Fatal("found no names in the course-shaped harness")
	}
	for _, file := range []string{"monitor_test.go", "monitor_check_test.go"} {
		for _, name := range declaredNames(t, file) {
			if where, ok := course[name]; ok {
				t.Errorf("%s declares %s, as %s does", file, name, where)
			}
		}
	}
}

// declaredNames returns the names a Go file declares at package level and
// as methods.
func declaredNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			names = append(names, d.Name.Name)
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return names
}

// monitorOf returns a monitor of n peers and the first incarnation of each.
func monitorOf(n int) (*monitor, []*incarnation) {
	m := newMonitor(n)
	p := make([]*incarnation, n)
	for i := range p {
		p[i] = m.incarnate(i)
	}
	return m, p
}
