package logview

// The page: the same view as one self-contained HTML file (inline CSS, no
// script, nothing fetched), a table with a sticky header row naming the
// peer columns.

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteHTML writes the view of the log r to w as one HTML page. Every
// piece of the log is escaped; the page has no script and refers to
// nothing outside itself. It stops at the first read or write error.
func (v *View) WriteHTML(w io.Writer, r io.Reader) error {
	bw := bufio.NewWriter(w)
	title := "raftlab logs"
	if v.Title != "" {
		title += ": " + v.Title
	}
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>\n%s%s</style>\n</head>\n<body>\n",
		html.EscapeString(title), pageCSS, colourCSS())
	fmt.Fprintf(bw, "<h1>%s</h1>\n", html.EscapeString(title))
	if f := v.Filter.describe(); f != "" {
		fmt.Fprintf(bw, "<p class=\"filters\">%s</p>\n", html.EscapeString(f))
	}
	span := len(v.Peers) + 2
	bw.WriteString("<table>\n<colgroup><col class=\"tm\"><col class=\"tp\">")
	for range v.Peers {
		bw.WriteString("<col>")
	}
	bw.WriteString("</colgroup>\n<thead><tr><th>time</th><th>topic</th>")
	for _, p := range v.Peers {
		fmt.Fprintf(bw, "<th>S%d</th>", p)
	}
	bw.WriteString("</tr></thead>\n<tbody>\n")

	rd := NewReader(r)
	for {
		l, ok := rd.Next()
		if !ok {
			break
		}
		if !v.Filter.Keep(l) {
			continue
		}
		if !v.inColumn(l) {
			text := l.Text
			if l.Node != "" {
				text = "[" + l.Node + "] " + text
			}
			attrs := `class="k-` + l.Kind.String() + `"`
			if l.Kind == Debug {
				attrs = rowAttrs(l.Topic, "k-debug")
			}
			fmt.Fprintf(bw, "<tr %s><td colspan=\"%d\">%s</td></tr>\n", attrs, span, html.EscapeString(text))
			continue
		}
		fmt.Fprintf(bw, "<tr %s><td>%06d</td><td>%s</td>", rowAttrs(l.Topic, ""), l.Time, html.EscapeString(l.Topic))
		cell := "T" + strconv.FormatInt(l.Term, 10)
		if l.Msg != "" {
			cell += " " + l.Msg
		}
		col := v.column(l.Peer)
		for i := range v.Peers {
			if i == col {
				fmt.Fprintf(bw, "<td>%s</td>", html.EscapeString(cell))
			} else {
				bw.WriteString("<td></td>")
			}
		}
		bw.WriteString("</tr>\n")
	}
	bw.WriteString("</tbody>\n</table>\n")
	if err := rd.Err(); err != nil {
		fmt.Fprintf(bw, "<p class=\"k-fail\">reading stopped: %s</p>\n", html.EscapeString(err.Error()))
	}
	bw.WriteString("</body>\n</html>\n")
	if err := bw.Flush(); err != nil {
		return err
	}
	return rd.Err()
}

// pageCSS lays out the table: fixed columns of equal width for the peers,
// text wrapped inside them, the header row stuck to the top of the window.
const pageCSS = `body { font: 13px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 0 1em 1em; color: #000; background: #fff; }
h1 { font-size: 15px; margin: .8em 0 .3em; }
p.filters { margin: 0 0 .5em; color: #555; }
table { border-collapse: collapse; table-layout: fixed; width: 100%; }
col.tm { width: 5.5em; } col.tp { width: 6.5em; }
thead th { position: sticky; top: 0; z-index: 1; background: #eef; text-align: left; padding: 3px 4px; border-bottom: 1px solid #99a; }
td { padding: 0 4px; vertical-align: top; white-space: pre-wrap; overflow-wrap: anywhere; }
td + td + td { border-left: 1px solid #e4e4ec; }
tr[class^="k-"] td { padding: 1px 4px; background: #f6f6f6; border-left: none; }
tr.k-fail td, tr.k-panic td { background: #fde8e8; }
tr.k-pass td { background: #e8f6e8; }
tr.k-header td { background: #e8f2f6; }
.k-fail { color: #c00000; font-weight: bold; }
.k-panic { color: #b00000; }
.k-pass { color: #207020; }
.k-header { color: #0a6a7a; }
.k-test { font-weight: bold; }
.k-node { color: #404040; }
`

// topicClass returns the CSS class of a topic. Topics are [A-Z0-9_]
// (parseDebug), so the name is safe in an attribute.
func topicClass(topic string) string { return "t-" + topic }

// rowAttrs returns the attributes of a debug line's row: its topic's
// class, and for a topic the page's style sheet does not know (it is
// written before the log is read) the colour inline.
func rowAttrs(topic, kind string) string {
	class := topicClass(topic)
	if kind != "" {
		class = kind + " " + class
	}
	if _, known := topicColours[topic]; known {
		return `class="` + class + `"`
	}
	return `class="` + class + `" style="color: ` + topicColour(topic).css + `"`
}

// colourCSS returns the colour rule of every known topic.
func colourCSS() string {
	var b strings.Builder
	names := make([]string, 0, len(topicColours))
	for t := range topicColours {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		fmt.Fprintf(&b, "tr.%s { color: %s; }\n", topicClass(t), topicColours[t].css)
	}
	return b.String()
}
