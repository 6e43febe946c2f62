package logview

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func renderHTML(t *testing.T, v View, log string) string {
	t.Helper()
	var b strings.Builder
	if err := v.WriteHTML(&b, strings.NewReader(log)); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return b.String()
}

// checkSelfContained fails if page could run a script or fetch anything.
// Every "<" of the page opens a tag, the log's own text being escaped: so
// every tag is checked to be one of the few the page is made of, with only
// the attributes it uses, and the style sheet to load nothing.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, p := range selfContainedProblems(page) {
		t.Error(p)
	}
}

var (
	tagRE   = regexp.MustCompile(`<(/?)([^\s>/]*)([^>]*)>`)
	attrRE  = regexp.MustCompile(`([a-zA-Z-]+)="[^"<>]*"`)
	styleRE = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
)

func selfContainedProblems(page string) (problems []string) {
	tagNames := map[string]bool{"!doctype": true, "html": true, "head": true, "meta": true, "title": true, "style": true,
		"body": true, "h1": true, "p": true, "table": true, "colgroup": true, "col": true, "thead": true, "tbody": true,
		"tr": true, "th": true, "td": true}
	attrNames := map[string]bool{"lang": true, "charset": true, "class": true, "colspan": true, "style": true}
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		if !tagNames[strings.ToLower(m[2])] {
			problems = append(problems, fmt.Sprintf("the page has a tag %q", m[0]))
		}
		rest := m[3]
		if strings.ToLower(m[2]) == "!doctype" {
			continue
		}
		for _, a := range attrRE.FindAllStringSubmatch(rest, -1) {
			if !attrNames[a[1]] {
				problems = append(problems, fmt.Sprintf("the page has an attribute %q in %q", a[1], m[0]))
			}
			rest = strings.Replace(rest, a[0], "", 1)
		}
		if strings.TrimSpace(rest) != "" {
			problems = append(problems, fmt.Sprintf("tag %q: %q is not an attribute of the kinds allowed", m[0], rest))
		}
	}
	if strings.Count(page, "<") != len(tagRE.FindAllString(page, -1)) {
		problems = append(problems, "the page has a \"<\" that opens no tag")
	}
	sheets := styleRE.FindAllStringSubmatch(page, -1)
	if len(sheets) == 0 {
		return append(problems, "no style sheet in the page")
	}
	for _, sheet := range sheets {
		css := strings.ToLower(sheet[1])
		for _, bad := range []string{"url(", "@import", "http", "@font-face"} {
			if strings.Contains(css, bad) {
				problems = append(problems, fmt.Sprintf("the style sheet has %q", bad))
			}
		}
	}
	return problems
}

// The check above finds what it looks for.
func TestSelfContainedCheck(t *testing.T) {
	good := renderHTML(t, View{Peers: []int{0}}, "000001 VOTE S0 T1 a\n")
	if p := selfContainedProblems(good); p != nil {
		t.Fatalf("a page of ours: %q", p)
	}
	for _, bad := range []string{
		`<script src="x.js"></script>`,
		`<img src="http://x/y.png">`,
		`<td onclick="alert(1)">`,
		`<a href="https://x">`,
		`<link rel="stylesheet">`,
		`<style>@import "x.css";</style>`,
		`a < b`,
	} {
		page := strings.Replace(good, "<body>", "<body>"+bad, 1)
		if p := selfContainedProblems(page); p == nil {
			t.Errorf("%q: no problem found", bad)
		}
	}
}

func TestHTMLEscapesEverything(t *testing.T) {
	log := "# rerun: go test -run '^TestX$' <&>\n" +
		"000001 VOTE S0 T1 <script>alert(1)</script> & \"quoted\" 'single'\n" +
		"000002 X_Y S1 T1 <img src=http://example.com/x.png onerror=alert(1)>\n" +
		"--- FAIL: TestX <b>bold</b>\n" +
		"[3] time=x level=ERROR msg=\"<a href='https://evil'>click</a>\"\n" +
		"000003 VOTE S9 T1 a peer without a column </td></tr>\n"
	v := View{Peers: []int{0, 1}, Title: `<title>"x.log"`}
	page := renderHTML(t, v, log)
	checkSelfContained(t, page)
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34; &#39;single&#39;",
		"&lt;img src=http://example.com/x.png onerror=alert(1)&gt;",
		"--- FAIL: TestX &lt;b&gt;bold&lt;/b&gt;",
		"[3] time=x level=ERROR msg=&#34;&lt;a",
		"a peer without a column &lt;/td&gt;&lt;/tr&gt;",
		"<title>raftlab logs: &lt;title&gt;&#34;x.log&#34;</title>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
}

// The page's structure: a sticky header row naming the peers, a row per
// kept line, each debug line in its peer's cell, in its topic's colour.
func TestHTMLLayout(t *testing.T) {
	log := "=== RUN   TestX\n000001 VOTE S0 T1 a\n000002 LEADER S2 T1 b\n000003 NEWTOPIC S2 T2 c\n000004 APPEND S0 T2 hidden\n--- FAIL: TestX\n"
	v := View{Peers: []int{0, 2}, Filter: Filter{Hide: []string{"APPEND"}}, Title: "x.log"}
	page := renderHTML(t, v, log)
	checkSelfContained(t, page)
	for _, want := range []string{
		"thead th { position: sticky; top: 0;",
		"<thead><tr><th>time</th><th>topic</th><th>S0</th><th>S2</th></tr></thead>",
		`<tr class="k-test"><td colspan="4">=== RUN   TestX</td></tr>`,
		`<tr class="t-VOTE"><td>000001</td><td>VOTE</td><td>T1 a</td><td></td></tr>`,
		`<tr class="t-LEADER"><td>000002</td><td>LEADER</td><td></td><td>T1 b</td></tr>`,
		`<tr class="t-NEWTOPIC" style="color: #`, // a topic the style sheet does not know: inline
		`<tr class="k-fail"><td colspan="4">--- FAIL: TestX</td></tr>`,
		"tr.t-VOTE { color: #0a8a9a; }",
		`<p class="filters">hiding APPEND</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "hidden") {
		t.Errorf("a filtered-out line is on the page:\n%s", page)
	}
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("not a whole page:\n%s", page)
	}
}

func TestHTMLRealLog(t *testing.T) {
	data, err := os.ReadFile("testdata/timeout.log")
	if err != nil {
		t.Fatal(err)
	}
	page := renderHTML(t, View{Peers: []int{0, 1, 2}, Title: "timeout.log"}, string(data))
	checkSelfContained(t, page)
	lines := strings.Count(strings.TrimSuffix(string(data), "\n"), "\n") + 1
	if rows := strings.Count(page, "<tr") - 1; rows != lines { // less the header row
		t.Errorf("%d rows for %d lines", rows, lines)
	}
	if !strings.Contains(page, `<tr class="k-panic"><td colspan="5">SIGQUIT: quit</td></tr>`) ||
		!strings.Contains(page, `<tr class="k-fail"><td colspan="5"># result: FAIL: TIMED OUT`) {
		t.Errorf("the dump and the result are not full-width rows of their kind")
	}
}
