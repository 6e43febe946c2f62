package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// screenshotDir is where the browser test keeps its screenshots, after the
// test too: $RAFTLAB_SCREENSHOT_DIR, else raftlab-ui-test in the temporary
// directory.
func screenshotDir() string {
	if d := os.Getenv("RAFTLAB_SCREENSHOT_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "raftlab-ui-test")
}

// uiURL waits up to 10 s for up's "ui: URL" line and returns the URL.
func uiURL(t *testing.T, up *proc) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\s*ui: (http://127\.0\.0\.1:\d+/)\s*$`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(up.stdout.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("up -ui printed no \"ui: http://127.0.0.1:PORT/\" line within 10 s; stdout:\n%s", up.stdout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The live cluster page in a real browser: headless Chromium loads it
// against a real 3-node cluster started by up -ui, the page shows a leader,
// a put and a get through the page's box reach the cluster, a click on the
// leader's kill button kills that process, and the page then shows the old
// leader down and a new one leading, which the nodes' own /status confirms.
// Screenshots before and after the kill are kept in screenshotDir().
func TestUIInBrowserKillLeader(t *testing.T) {
	b := startBrowser(t) // skips, with the install line, without Chromium
	dir := filepath.Join(t.TempDir(), "cluster")
	t.Cleanup(func() { killStrays(t, dir) })
	up := start(t, "up -ui", "up", "-n", "3", "-dir", dir, "-base-port", "0", "-ui")
	urls := upURLs(t, up, 3)
	ui := uiURL(t, up)

	b.navigate(ui)
	if n := b.eval(`document.querySelectorAll("[data-node][data-role]").length`); n != float64(3) {
		b.waitJS(10*time.Second, "three nodes drawn", `document.querySelectorAll("[data-node][data-role]").length === 3`)
	}
	const shownLeader = `(() => { const l = document.documentElement.dataset.leader;
		if (!l) return "";
		const e = document.querySelector('[data-role][data-node="' + l + '"]');
		return e && e.dataset.role === "leader" ? l : ""; })()`
	b.waitJS(20*time.Second, "a leader shown", shownLeader+` !== ""`)
	old := b.evalString(shownLeader)
	oldID, err := strconv.Atoi(old)
	if err != nil || oldID < 0 || oldID >= len(urls) {
		t.Fatalf("the page shows leader %q, not a node id of 0..%d", old, len(urls)-1)
	}
	if st, err := fetchStatus(urls[oldID]); err != nil || st.Role != "leader" {
		t.Fatalf("the page shows node %d leading; its /status says %+v (%v)", oldID, st, err)
	}

	// A put and a get through the page's box, at a follower.
	follower := strconv.Itoa((oldID + 1) % len(urls))
	sel, _ := json.Marshal(follower)
	b.eval(`(() => { const s = document.querySelector("select#kv-node"); s.value = ` + string(sel) + `;
		s.dispatchEvent(new Event("change", {bubbles: true})); return s.value; })()`)
	b.typeInto("input#kv-key", "color")
	b.typeInto("input#kv-value", "blue <b>&")
	b.click("button#kv-put")
	b.waitJS(15*time.Second, "the put's answer", `document.querySelector("output#kv-result").textContent.trim() !== ""`)
	if got, err := raftlabGet(t, urls, "color"); err != nil || got != "blue <b>&" {
		t.Fatalf("after the page's put at node %s, kv get color = %q (%v); want %q; the page said %q",
			follower, got, err, "blue <b>&", b.evalString(`document.querySelector("output#kv-result").textContent`))
	}
	b.eval(`document.querySelector("output#kv-result").textContent = ""`)
	b.click("button#kv-get")
	b.waitJS(15*time.Second, "the get's answer showing the value", `document.querySelector("output#kv-result").textContent.includes("blue <b>&")`)

	dirShots := screenshotDir()
	before := filepath.Join(dirShots, "leader-before-kill.png")
	b.screenshot(before)

	b.click(`button[data-action="kill"][data-node="` + old + `"]`)
	waitFor(t, up.stderr, "node "+old+" exited")
	b.waitJS(30*time.Second, "the old leader shown down and a new leader", shownLeader+` !== "" && `+shownLeader+` !== "`+old+`" &&
		document.querySelector('[data-role][data-node="`+old+`"]').dataset.role === "down"`)
	newID, _ := strconv.Atoi(b.evalString(shownLeader))
	// What the page shows is what a node's /status said: the live nodes
	// must agree that one of them, not the killed one, leads.
	deadline := time.Now().Add(10 * time.Second)
	for !liveLeader(urls, oldID) {
		if time.Now().After(deadline) {
			t.Fatalf("the page shows node %d leading after node %d was killed; no live node's /status says leader", newID, oldID)
		}
		time.Sleep(50 * time.Millisecond)
	}
	after := filepath.Join(dirShots, "new-leader-after-kill.png")
	b.screenshot(after)
	t.Logf("screenshots: %s (leader %s), %s (node %s killed, leader %d)", before, old, after, old, newID)
	if ex := b.exceptions(); len(ex) > 0 {
		t.Errorf("the page threw %d exceptions, first: %s", len(ex), ex[0])
	}

	up.cmd.Process.Signal(syscall.SIGTERM)
	if code := up.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("up -ui after SIGTERM: exit %d; stderr:\n%s", code, up.stderr)
	}
}

// liveLeader says whether a node other than dead reports itself leader.
func liveLeader(urls []string, dead int) bool {
	for i, u := range urls {
		if st, err := fetchStatus(u); i != dead && err == nil && st.Role == "leader" {
			return true
		}
	}
	return false
}

// raftlabGet reads key through raftlab kv get at the given nodes.
func raftlabGet(t *testing.T, urls []string, key string) (string, error) {
	t.Helper()
	stdout, stderr, code := raftlab(t, "kv", "get", key, "-nodes="+strings.Join(urls, ","))
	if code != 0 {
		return "", fmt.Errorf("kv get %s: exit %d: %s", key, code, stderr)
	}
	return strings.TrimSuffix(stdout, "\n"), nil
}
