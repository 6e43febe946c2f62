package kvraft

// The failure timeline's page of a kvraft test, produced by a test that
// fails on purpose. The fixture runs only in the child process
// that TestTimelinePage starts (with timelineFixtureEnv set): two clients
// put, append and get while the servers are partitioned and one is shut
// down and restarted; then it fails through cfg.fatalf with a message
// holding a <script> tag. TestTimelinePage checks the page the child
// printed the path of.

import (
	"context"
	"fmt"
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
	const nservers = 5
	cfg := make_config(t, nservers, false, -1)
	defer cfg.cleanup()
	cfg.begin("Test: timeline fixture (fails on purpose)")
	log := &OpLog{}
	ck0, ck1 := cfg.makeClient(cfg.All()), cfg.makeClient(cfg.All())
	ops := func(round int) {
		Put(cfg, ck0, "a", fmt.Sprint(round), log, 0)
		Append(cfg, ck1, "b", fmt.Sprint(round), log, 1)
		Get(cfg, ck0, "b", log, 0)
		Get(cfg, ck1, "a", log, 1)
	}
	ops(0)
	majority, minority := cfg.make_partition()
	cfg.partition(majority, minority)
	ops(1)
	down := minority[0] // the majority keeps its quorum
	cfg.ShutdownServer(down)
	ops(2)
	cfg.StartServer(down)
	cfg.ConnectAll()
	ops(3)
	cfg.fatalf("%s (partition %v | %v, S%d shut down and restarted)", timelineFixtureMsg, majority, minority, down)
}

// TestTimelinePage runs the fixture in a child process (this test in this
// test binary, with timelineFixtureEnv set) and checks the page whose path
// it printed after the seed line: it is in the directory asked for,
// self-contained, escapes the failure's text, has a lane per server and a
// row per client, shows the partition, the shutdown and restart, and names
// the failure.
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
	m := regexp.MustCompile(`seed \d+ \(rerun with .*\)\n\s*timeline page: (\S+)`).FindStringSubmatch(string(out))
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
	t.Logf("page %s, %d bytes", m[1], len(data))
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Errorf("page holds a <script (unescaped text, or a script of its own)")
	}
	// url(#id) names a pattern of the page itself.
	if ext := regexp.MustCompile(`(?i)(src|href)\s*=|url\(\s*["']?[^#"'\s]|@import|https?://`).FindString(page); ext != "" {
		t.Errorf("page refers to something elsewhere: %q", ext)
	}
	for _, want := range []string{
		"deliberate failure for the timeline test &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		`id="failure"`, "FAIL 1", "(rerun with RAFTLAB_SEED=", "crashed at", "restarted at", "leader in term", "commit index",
		`class="name">client 0<`, `class="name">client 1<`,
		`client 0 Put(&#34;a&#34;)`, `client 1 Append(&#34;b&#34;)`, `client 0 Get(&#34;b&#34;)`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for i := range 5 {
		if !strings.Contains(page, fmt.Sprintf(`class="name">S%d<`, i)) {
			t.Errorf("page has no lane for S%d", i)
		}
	}
	if !regexp.MustCompile(`partition \[[0-9 ]+\] \| \[[0-9 ]+\] from`).MatchString(page) {
		t.Errorf("page shows no partition")
	}
}
