package timeline

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// checkSelfContained returns what keeps a page from being self-contained:
// a script, or anything fetched from elsewhere (a local file: link to
// another page of the run is allowed).
func checkSelfContained(page string) []string {
	var bad []string
	if strings.Contains(strings.ToLower(page), "<script") {
		bad = append(bad, "has a <script")
	}
	for _, m := range regexp.MustCompile(`(?i)(src|href)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[2], "file://") && !strings.HasPrefix(m[2], "#") {
			bad = append(bad, "refers elsewhere: "+m[0])
		}
	}
	if regexp.MustCompile(`(?i)@import|url\((?:["']?)(?:https?:|//)`).MatchString(page) {
		bad = append(bad, "CSS fetches from elsewhere")
	}
	return bad
}

func TestPageShowsEverythingRecorded(t *testing.T) {
	start := time.Now().Add(-2 * time.Second)
	r := New("TestX<b>", start, 3)
	r.Role(0, Follower, 0)
	r.Role(0, PreCandidate, 0)
	r.Role(0, Candidate, 1)
	r.Role(0, Leader, 1)
	r.Role(1, Follower, 1)
	r.Progress(0, 3, 2)
	r.Crash(2)
	r.Restart(2)
	r.Role(2, Follower, 1)
	r.Disconnected(1, true)
	r.Disconnected(1, false)
	r.Partition([]int{0, 1}, []int{2})
	r.Unreliable(true)
	r.LongReordering(true)
	r.Op(4, "Get", "k<i>", start.Add(time.Second), start.Add(1500*time.Millisecond))
	r.Fail(`expected 1 got 2 <script>alert(1)</script>`)
	r.Link("linearizability page", "/tmp/lin <x>.html")
	r.Note("seed 42")
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"Timeline of TestX&lt;b&gt;", `id="summary"`, `id="failure"`, `id="timeline"`,
		"expected 1 got 2 &lt;script&gt;alert(1)&lt;/script&gt;", "FAIL 1",
		">S0<", ">S1<", ">S2<", "S0 leader in term 1", "S0 pre-candidate in term 0", "S0 candidate in term 1",
		"S2 crashed at", "S2 restarted at", "S1 disconnected from", "partition [0 1] | [2]", "S2 on side B [2]",
		"unreliable from", "long reordering from", "client 4 Get(&#34;k&lt;i&gt;&#34;)", "commit 3", "applied 2",
		"seed 42", "/tmp/lin &lt;x&gt;.html",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if bad := checkSelfContained(page); len(bad) > 0 {
		t.Errorf("page is not self-contained: %v", bad)
	}
	if strings.Contains(page, "<b>") || strings.Contains(page, "<i>") {
		t.Errorf("page has an unescaped tag from the recorded text")
	}
}

func TestNilRecorderDoesNothing(t *testing.T) {
	var r *Recorder
	r.Role(0, Leader, 1)
	r.Progress(0, 1, 1)
	r.Crash(0)
	r.Restart(0)
	r.Disconnected(0, true)
	r.Partition([]int{0}, []int{1})
	r.Unreliable(true)
	r.LongReordering(true)
	r.Op(0, "Get", "x", time.Now(), time.Now())
	r.Fail("x")
	r.Note("x")
	r.Link("x", "y")
	r.Finish()
	if r.Failed() {
		t.Fatal("a nil recorder says it failed")
	}
}

func TestMemoryIsBounded(t *testing.T) {
	r := New("t", time.Now(), 1)
	for i := range 3 * maxEvents {
		r.Role(0, Follower, i) // every one a new term
		r.Op(0, "Put", "k", time.Now(), time.Now())
	}
	for i := range 10000 {
		r.Progress(0, i, i) // all within a few ms: coalesced
	}
	if n := len(r.lanes[0].roles); n > maxEvents {
		t.Errorf("kept %d role changes, want at most %d", n, maxEvents)
	}
	if n := len(r.ops); n > maxEvents {
		t.Errorf("kept %d operations, want at most %d", n, maxEvents)
	}
	if r.lanes[0].dropped == 0 || r.opsDropped == 0 {
		t.Errorf("dropped events not noted: lane %v, ops %d", r.lanes[0].dropped, r.opsDropped)
	}
	if n := len(r.lanes[0].progress); n > 1000 {
		t.Errorf("kept %d commit/applied samples from 10000 made within a few ms, want them coalesced", n)
	}
	if last := r.lanes[0].progress[len(r.lanes[0].progress)-1]; last.commit != 9999 {
		t.Errorf("last sample kept commit %d, want the latest, 9999", last.commit)
	}
	var b bytes.Buffer
	r.WriteHTML(&b)
	if !strings.Contains(b.String(), "dropped to bound memory") {
		t.Errorf("page does not say events were dropped")
	}
}

func TestShortSpansStayVisible(t *testing.T) {
	r := New("t", time.Now(), 1)
	r.Role(0, PreCandidate, 1)
	r.Role(0, Candidate, 2)
	r.Role(0, Follower, 2)
	r.mu.Lock()
	r.end = time.Minute
	r.mu.Unlock()
	var b bytes.Buffer
	r.WriteHTML(&b)
	re := regexp.MustCompile(`<title>S0 candidate in term 2[^<]*</title><rect x="[0-9.]+" y="[0-9.]+" width="([0-9.]+)"`)
	m := re.FindStringSubmatch(b.String())
	if m == nil {
		t.Fatalf("no candidate span in the page")
	}
	if m[1] != "1.5" {
		t.Errorf("a microsecond candidacy is %s px wide, want the minimum 1.5", m[1])
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	r := New("Test/Sub name", time.Now(), 1)
	path, err := r.WriteFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != dir || !strings.HasPrefix(filepath.Base(path), "Test_Sub_name-") {
		t.Errorf("wrote %s, want a file named after the test in %s", path, dir)
	}
	if data, err := os.ReadFile(path); err != nil || !strings.Contains(string(data), "Timeline of Test/Sub name") {
		t.Errorf("page at %s: err %v, %d bytes", path, err, len(data))
	}
	if _, err := New("x", time.Now(), 1).WriteFile(filepath.Join(path, "sub")); err == nil {
		t.Errorf("writing under a file succeeded")
	}
}
