package linearizability

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// illegalForPage is a two-key history: key 'ok' is fine, and the key named
// like a script tag has a stale read after a completed append.
func illegalForPage() []Operation {
	const evil = "<script>alert('k')</script>"
	return []Operation{
		put(0, "ok", "1", 0, 10),
		get(1, "ok", "1", 5, 12),
		put(0, evil, "a&b", 20, 30),
		appendOp(1, evil, "<i>", 25, 35),
		get(2, evil, "a&b<i>", 36, 40),
		get(0, evil, "a&b", 41, 45), // stale: the append has returned
	}
}

func writePage(t *testing.T, model Model, info LinearizationInfo) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Visualize(model, info, &buf); err != nil {
		t.Fatalf("Visualize: %v", err)
	}
	return buf.String()
}

func TestVisualizeIllegal(t *testing.T) {
	res, info := CheckOperationsTimeout(KvModel, illegalForPage(), time.Second)
	if res != Illegal {
		t.Fatalf("verdict %v, want Illegal", res)
	}
	page := writePage(t, KvModel, info)

	// Self-contained: nothing fetched from anywhere.
	for _, bad := range []string{"http://", "https://", "<script", "@import", "url(", "<link", "src="} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page contains %q: it must not load or run anything", bad)
		}
	}
	// Text from the history is escaped, and the keys are named.
	for _, want := range []string{
		"key &#39;ok&#39;",
		"key &#39;&lt;script&gt;alert(\\&#39;k\\&#39;)&lt;/script&gt;&#39;",
		"get(&#39;&lt;script&gt;",
		"a&amp;b&lt;i&gt;",
		"Illegal",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// In the evil key's part, the stale get is the one in red, after a
	// prefix of three operations. (Key 'ok' may have been stopped early.)
	var part string
	for _, s := range strings.Split(page, `<details class="part"`) {
		if strings.Contains(s, "<h2>key &#39;&lt;script&gt;") {
			part = s
		}
	}
	stuck := regexp.MustCompile(`class="op stuck"[^>]*>([^<]*)<`).FindAllStringSubmatch(part, -1)
	if len(stuck) != 1 || !strings.Contains(stuck[0][1], "-&gt; &#39;a&amp;b&#39;") {
		t.Errorf("red operations %q, want exactly the stale get", stuck)
	}
	if !strings.Contains(part, "prefix has 3 operations") {
		t.Errorf("page does not report the 3-operation prefix")
	}
	if n := strings.Count(part, `class="op lin"`); n != 3 {
		t.Errorf("%d linearized boxes, want 3", n)
	}

	if os.Getenv("LINEARIZABILITY_PAGE") != "" {
		// Keep a page to look at: LINEARIZABILITY_PAGE=1 go test -run Visualize
		path := filepath.Join(os.TempDir(), "linearizability-example.html")
		if err := VisualizePath(KvModel, info, path); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}
}

func TestVisualizePathAndUnknown(t *testing.T) {
	res, info := CheckOperationsTimeout(KvModel, hardKey("x", 14), 50*time.Millisecond)
	if res != Unknown {
		t.Fatalf("verdict %v, want Unknown", res)
	}
	path := filepath.Join(t.TempDir(), "page.html")
	if err := VisualizePath(KvModel, info, path); err != nil {
		t.Fatalf("VisualizePath: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if page := string(b); !strings.Contains(page, "Unknown") || !strings.Contains(page, "time limit") {
		t.Errorf("page for a timed-out check does not say so")
	}
	if err := VisualizePath(KvModel, info, filepath.Join(t.TempDir(), "no", "such", "dir.html")); err == nil {
		t.Errorf("VisualizePath into a missing directory returned no error")
	}
}

// The page is drawn even for input the model rejects, and for a model with
// no describe functions.
func TestVisualizeOddInput(t *testing.T) {
	res, info := CheckOperationsTimeout(KvModel, []Operation{{0, "not a KvInput", 0, nil, 1}}, time.Second)
	if res != Illegal || info.Err == nil {
		t.Fatalf("verdict %v err %v, want Illegal with an error", res, info.Err)
	}
	page := writePage(t, KvModel, info)
	if !strings.Contains(page, "could not be checked") || !strings.Contains(page, "want KvInput") {
		t.Errorf("page does not show the error")
	}
	bare := Model{Step: func(s, in, out any) (bool, any) { return in == out, s }}
	_, info = CheckOperationsTimeout(bare, []Operation{{0, 1, 0, 2, 1}}, time.Second)
	if page := writePage(t, bare, info); !strings.Contains(page, "1 -&gt; 2") {
		t.Errorf("default description missing from the page")
	}
}

// VisualizeOptions puts the caller's title, HTML and CSS around the same
// page, and Visualize's defaults stay.
func TestVisualizeOptionsFramesThePage(t *testing.T) {
	_, info := CheckOperationsTimeout(KvModel, illegalForPage(), time.Second)
	var buf bytes.Buffer
	opts := PageOptions{Title: "torture <FAIL>", Before: "<div id=\"band\">band</div>", Style: "#band { color: red; }"}
	if err := VisualizeOptions(KvModel, info, opts, &buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{"<title>torture &lt;FAIL&gt;</title>", "#band { color: red; }", "<body>\n<div id=\"band\">band</div>\n<h1>Linearizability check"} {
		if !strings.Contains(page, want) {
			t.Errorf("the framed page lacks %q", want)
		}
	}
	if plain := writePage(t, KvModel, info); !strings.Contains(plain, "<title>Linearizability: Illegal</title>") {
		t.Error("Visualize's page lost its default title")
	}
}
