package raft

// The failure timeline's page, produced by a test that fails on purpose.
// timelineFixture is that test: it runs only in the child process that
// TestTimelinePage starts (with timelineFixtureEnv set), where it crashes a
// peer, cuts two off, makes the network unreliable, then fails through
// cfg.fatalf with a message holding a <script> tag. TestTimelinePage checks
// the page the child printed the path of.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"raftlab/internal/timeline"
)

const timelineFixtureEnv = "RAFTLAB_TIMELINE_FIXTURE"

const timelineFixtureMsg = `deliberate failure for the timeline test <script>alert("x")</script>`

// timelineFixture is the test that fails on purpose; TestTimelinePage
// runs it in its child process.
func timelineFixture(t *testing.T) {
	const servers = 5
	cfg := make_config(t, servers, false, false)
	defer cfg.cleanup()
	cfg.begin("Test: timeline fixture (fails on purpose)")
	cfg.one(101, servers, false)
	leader := cfg.checkOneLeader()
	// The leader cut off: the three others elect a new one while one of
	// them is crashed and restarted, on an unreliable network.
	crashed := (leader + 1) % servers
	cut := (leader + 2) % servers
	cfg.disconnect(leader)
	cfg.disconnect(cut)
	cfg.setunreliable(true)
	cfg.one(102, 3, true)
	cfg.crash1(crashed)
	cfg.connect(cut)
	cfg.one(103, 3, true)
	cfg.setunreliable(false)
	cfg.start1(crashed, cfg.applierFn)
	cfg.connect(crashed)
	cfg.connect(leader)
	cfg.one(104, servers, true)
	cfg.fatalf("%s (cut off S%d and S%d, crashed S%d)", timelineFixtureMsg, leader, cut, crashed)
}

// TestTimelinePage runs the fixture in a child process (this test in this
// test binary, with timelineFixtureEnv set) and checks the page whose path
// it printed after the seed line: it is in the directory asked for,
// self-contained, escapes the failure's text, has a lane per peer, shows
// the crash, the cut-off peers, the partition and the unreliable period,
// and names the failure.
func TestTimelinePage(t *testing.T) {
	if os.Getenv(timelineFixtureEnv) == "1" {
		timelineFixture(t) // in the child
		return
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestTimelinePage$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), timelineFixtureEnv+"=1", timeline.EnvDir+"="+dir, timeline.EnvVar+"=")
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); !ok || ctx.Err() != nil {
		t.Fatalf("the fixture should fail (exit status 1) within 60s, got err %v (%v); output:\n%s", err, ctx.Err(), out)
	}
	page := checkTimelineOutput(t, string(out), dir)
	for _, want := range []string{
		"deliberate failure for the timeline test &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		`id="failure"`, "FAIL 1",
		"crashed at", "restarted at", "disconnected from", "partition [", "unreliable from",
		"leader in term", "commit index", "network seed ",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for i := range 5 {
		if !strings.Contains(page, `class="name">S`+string(rune('0'+i))+`<`) {
			t.Errorf("page has no lane for S%d", i)
		}
	}
	// The cut-off peers are each on a side of their own.
	if !regexp.MustCompile(`partition \[[0-9 ]+\] \| \[[0-9]\] \| \[[0-9]\]`).MatchString(page) {
		t.Errorf("page shows no partition of the connected peers and two cut-off ones")
	}
}

// checkTimelineOutput finds the page's path on the line after the seed
// line in a failed test's output, checks that the page is in dir and
// self-contained, and returns it.
func checkTimelineOutput(t *testing.T, out, dir string) string {
	t.Helper()
	m := regexp.MustCompile(`network seed \d+; replay: .*\n\s*timeline page: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no 'timeline page: PATH' line after the seed line in the output:\n%s", out)
	}
	if filepath.Dir(m[1]) != dir {
		t.Errorf("page written to %s, want it in %s", m[1], dir)
	}
	data, err := os.ReadFile(m[1])
	if err != nil {
		t.Fatalf("the printed page: %v", err)
	}
	page := string(data)
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Errorf("page holds a <script (unescaped text, or a script of its own)")
	}
	// url(#id) names a pattern of the page itself.
	if ext := regexp.MustCompile(`(?i)(src|href)\s*=|url\(\s*["']?[^#"'\s]|@import|https?://`).FindString(page); ext != "" {
		t.Errorf("page refers to something elsewhere: %q", ext)
	}
	t.Logf("page %s, %d bytes", m[1], len(data))
	return page
}
