package logview

import (
	"strings"
	"testing"
)

func TestParseDebugLine(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Line
	}{
		{"000265 VOTE S2 T1 granted vote to S0",
			Line{Kind: Debug, Time: 265, Topic: "VOTE", Peer: 2, Term: 1, Msg: "granted vote to S0"}},
		{"1234567 SNAPSHOT S12 T300 installed  snapshot through 40",
			Line{Kind: Debug, Time: 1234567, Topic: "SNAPSHOT", Peer: 12, Term: 300, Msg: "installed  snapshot through 40"}},
		{"000001 TEST S0 T0", Line{Kind: Debug, Time: 1, Topic: "TEST", Peer: 0, Term: 0}},
		{"000001 MY_TOPIC2 S0 T0 ", Line{Kind: Debug, Time: 1, Topic: "MY_TOPIC2", Peer: 0, Term: 0}},
		// raftlab up's prefix, before a node's debug line
		{"[3] 000412 LEADER S3 T4 leader with 2 votes",
			Line{Kind: Debug, Node: "3", Time: 412, Topic: "LEADER", Peer: 3, Term: 4, Msg: "leader with 2 votes"}},
	} {
		var p Parser
		got := p.Parse(c.in)
		c.want.Text = strings.TrimPrefix(c.in, "[3] ")
		if got != c.want {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", c.in, got, c.want)
		}
	}
}

// Lines that start like a debug line but are not one are text, whole.
func TestParseMalformedDebugLineIsText(t *testing.T) {
	for _, in := range []string{
		"000265",
		"000265 VOTE",
		"000265 VOTE S2",
		"000265 VOTE S2 T",
		"000265 VOTE Sx T1 msg",
		"000265 VOTE S T1 msg",
		"000265 vote S2 T1 msg",
		"000265 VOTE S2 1 msg",
		"000265  VOTE S2 T1 msg",
		"0002a5 VOTE S2 T1 msg",
		"-00265 VOTE S2 T1 msg",
		"000265 VOTE S-2 T1 msg",
		"000265 VOTE S2 T-1 msg",
		"000265 VOTE S2 T1x msg",
		"00000000000000000000000000000000000000001 VOTE S2 T1 msg", // would overflow
		"000265 VOTE S99999999999999 T1 msg",                       // a peer no column should be made for
		"000265 VOTE S2 T99999999999999999999999 msg",
		"000265 AVERYLONGTOPICNAMEINDEED S2 T1 msg",
		"[2] 000265 VOTE S2 msg",
	} {
		var p Parser
		l := p.Parse(in)
		if l.Kind == Debug {
			t.Errorf("Parse(%q) = a debug line %+v, want text", in, l)
		}
		if l.Node == "" && l.Text != in {
			t.Errorf("Parse(%q).Text = %q, want the whole line", in, l.Text)
		}
	}
}

func TestParseKinds(t *testing.T) {
	for _, c := range []struct {
		in   string
		kind Kind
		node string
	}{
		{"# rerun: RAFTLAB_SEED=1 go test -count=1 -v -run '^TestX3A$' ./raft", Header, ""},
		{"# result: PASS (after 2.41s)", Header, ""},
		{"# result: FAIL: exit status 1 (after 2.41s)", Fail, ""},
		{"=== RUN   TestInitialElection3A", Test, ""},
		{"    config_test.go:125: network seed 3067791003573432864", Test, ""},
		{"Test (3A): initial election ...", Test, ""},
		{"  ... Passed --   2.4  3   46   12604    0", Test, ""},
		{"--- PASS: TestInitialElection3A (2.41s)", Pass, ""},
		{"PASS", Pass, ""},
		{"ok      raftlab/raft    2.416s", Pass, ""},
		{"--- FAIL: TestFigure8Unreliable3C (41.10s)", Fail, ""},
		{"FAIL", Fail, ""},
		{"FAIL    raftlab/raft    41.2s", Fail, ""},
		{"panic: runtime error: index out of range [5] with length 3", Panic, ""},
		{"fatal error: all goroutines are asleep - deadlock!", Panic, ""},
		{"goroutine 17 [running]:", Panic, ""},
		{"WARNING: DATA RACE", Panic, ""},
		{"SIGQUIT: quit", Panic, ""},
		{"2026/12/04 00:30:51.123456 node 0: serving HTTP on 127.0.0.1:8000", Node, ""},
		{"[1] 2026/12/04 00:30:51.123456 node 1: raft peer on 127.0.0.1:8003", Node, "1"},
		{"[2] time=2026-12-04T00:30:51Z level=INFO msg=\"leader elected\" term=3", Node, "2"},
		{"level=WARN msg=slow", Node, ""},
		{"up: node 1 was removed from the cluster", Text, ""},
		{"[12345678] too long an id to be up's", Text, ""},
		{"goroutine 17 is not a dump", Text, ""},
		{"", Text, ""},
	} {
		var p Parser
		l := p.Parse(c.in)
		if l.Kind != c.kind || l.Node != c.node {
			t.Errorf("Parse(%q) = kind %v node %q, want %v node %q", c.in, l.Kind, l.Node, c.kind, c.node)
		}
	}
}

// A goroutine dump's and a race report's stack lines are part of it, until
// go test or the runner speaks again.
func TestParseTraceContinues(t *testing.T) {
	lines := []struct {
		in   string
		kind Kind
	}{
		{"panic: test timed out after 1.5s", Panic},
		{"", Panic},
		{"goroutine 7 [running]:", Panic},
		{"raftlab/raft.(*Raft).ticker(0xc000100000)", Panic},
		{"        /work/main/raft/election.go:50 +0x1d", Panic},
		{"created by raftlab/raft.Make in goroutine 6", Panic},
		{"FAIL    raftlab/raft    1.5s", Fail},
		{"    config_test.go:300: after the dump", Test},
		{"==================", Panic},
		{"WARNING: DATA RACE", Panic},
		{"Write at 0x00c000012345 by goroutine 8:", Panic},
		{"  raftlab/raft.(*Raft).Start()", Panic},
		{"==================", Panic},
		{"    config_test.go:301: after the race report", Test},
		{"000100 VOTE S1 T2 a debug line ends a dump too", Debug},
		{"    indented again", Test},
	}
	var p Parser
	for i, c := range lines {
		if l := p.Parse(c.in); l.Kind != c.kind {
			t.Errorf("line %d %q: kind %v, want %v", i, c.in, l.Kind, c.kind)
		}
	}
}

// A debug line does not end a dump in the parser's state by itself: what
// matters is that it is still a debug line. Check the other direction:
// after a debug line in a dump, the dump's lines are still Panic.
func TestParseDebugInsideDump(t *testing.T) {
	var p Parser
	p.Parse("goroutine 7 [running]:")
	if l := p.Parse("000100 VOTE S1 T2 x"); l.Kind != Debug {
		t.Fatalf("debug line inside a dump: kind %v", l.Kind)
	}
	if l := p.Parse("        /work/main/raft/election.go:50 +0x1d"); l.Kind != Panic {
		t.Errorf("stack line after a debug line inside a dump: kind %v, want panic", l.Kind)
	}
}

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"crlf\r", "crlf"},
		{"ok  \traftlab/raft\t2.416s", "ok      raftlab/raft    2.416s"},
		{"\t/work/x.go:1", "        /work/x.go:1"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"nul\x00bel\x07del\x7f", `nul\x00bel\x07del\x7f`},
		{"c1 \u009b here", `c1 \x9b here`},
		{"bad \xff\xfe utf8", "bad \uFFFD\uFFFD utf8"},
		{"mid\rline", `mid\x0dline`},
		{"héllo wörld", "héllo wörld"},
	} {
		if got := Clean([]byte(c.in)); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestKindString(t *testing.T) {
	if Fail.String() != "fail" || Kind(200).String() != "kind200" {
		t.Errorf("Kind names: %q, %q", Fail.String(), Kind(200).String())
	}
}
