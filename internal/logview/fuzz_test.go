package logview

// Bad input never breaks the viewer: random bytes, real logs cut at any
// point, huge lines. Each case checks what must hold of any input: both
// views are produced, every line of the input is shown (a row or more),
// the text view without colour has no control character the log did not
// have escaped, it is UTF-8, and the page stays self-contained.

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkAnyInput renders data both ways and checks what holds of any input.
// what names the input in failures.
func checkAnyInput(t *testing.T, data []byte, what string) {
	t.Helper()
	peers, err := ScanPeers(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: ScanPeers: %v", what, err)
	}
	if len(peers) > MaxColumns {
		t.Fatalf("%s: %d columns, more than MaxColumns", what, len(peers))
	}
	v := View{Peers: peers, Width: 100}
	var text bytes.Buffer
	if err := v.WriteText(&text, bytes.NewReader(data)); err != nil {
		t.Fatalf("%s: WriteText: %v", what, err)
	}
	out := text.String()
	if !utf8.ValidString(out) {
		t.Fatalf("%s: the text view is not UTF-8", what)
	}
	for _, r := range out {
		if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			t.Fatalf("%s: the text view has control character %U", what, r)
		}
	}
	lines := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		lines++ // a last line without its newline
	}
	if rows := strings.Count(out, "\n") - strings.Count(out, "time    topic    S"); rows < lines {
		t.Fatalf("%s: %d rows for %d lines", what, rows, lines)
	}
	var page bytes.Buffer
	if err := v.WriteHTML(&page, bytes.NewReader(data)); err != nil {
		t.Fatalf("%s: WriteHTML: %v", what, err)
	}
	if p := selfContainedProblems(page.String()); p != nil {
		t.Fatalf("%s: the page: %q", what, p)
	}
}

// testSeed is the random tests' seed: RAFTLAB_LOGVIEW_SEED, else fixed.
func testSeed(t *testing.T) uint64 {
	seed := uint64(20261204)
	if s := os.Getenv("RAFTLAB_LOGVIEW_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RAFTLAB_LOGVIEW_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with RAFTLAB_LOGVIEW_SEED=%d)", seed, seed)
	return seed
}

func TestRandomInputNeverBreaks(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, seed))
	real, err := os.ReadFile("testdata/timeout.log")
	if err != nil {
		t.Fatal(err)
	}
	// Pieces that look like parts of a log, to be strung together at random.
	pieces := []string{"000123 ", "VOTE ", "S", "T", "0", "7", "999999", "\n", " ", "\t", "\r", "# rerun: ",
		"[1] ", "[", "]", "--- FAIL", "goroutine 1 [running]:\n", "==================\n", "panic: x\n",
		"\x1b[31m", "\xff", "é", "界", "<script>", "&", "level=ERROR msg=x\n", "2026/12/04 00:30:51 x\n"}
	for i := range 400 {
		var data []byte
		switch i % 4 {
		case 0: // random bytes
			data = make([]byte, rng.IntN(4000))
			for j := range data {
				data[j] = byte(rng.UintN(256))
			}
		case 1: // pieces of log syntax
			var b strings.Builder
			for range rng.IntN(300) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			data = []byte(b.String())
		case 2: // a real log cut short at any point
			data = real[:rng.IntN(len(real)+1)]
		case 3: // a real log with bytes flipped
			data = bytes.Clone(real)
			for range 1 + rng.IntN(20) {
				data[rng.IntN(len(data))] = byte(rng.UintN(256))
			}
		}
		checkAnyInput(t, data, "seed "+strconv.FormatUint(seed, 10)+" case "+strconv.Itoa(i))
	}
}

// Binary junk with no newline at all: one line, cut to MaxLine, quickly;
// and very many peers: no more than MaxColumns columns.
func TestJunkWithoutNewlinesAndTooManyPeers(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	junk := make([]byte, 4<<20)
	for i := range junk {
		junk[i] = byte(rng.UintN(256))
		if junk[i] == '\n' {
			junk[i] = 0
		}
	}
	checkAnyInput(t, junk, "4 MiB without a newline")
	var many strings.Builder
	for p := range 200 {
		many.WriteString("000001 VOTE S" + strconv.Itoa(p) + " T1 x\n")
	}
	checkAnyInput(t, []byte(many.String()), "200 peers")
	peers, _ := ScanPeers(strings.NewReader(many.String()))
	if len(peers) != MaxColumns || peers[0] != 0 || peers[MaxColumns-1] != MaxColumns-1 {
		t.Errorf("200 peers: columns %v, want the %d lowest", peers, MaxColumns)
	}
}

// FuzzView runs checkAnyInput on inputs go test -fuzz makes; without -fuzz,
// on the seed corpus below.
func FuzzView(f *testing.F) {
	for _, name := range []string{"testdata/pass.log", "testdata/timeout.log"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", "\n", "000001 VOTE S0 T1", "000001 VOTE S0 T1 x\n000002 VO", "[1] 000001 VOTE S1 T1 x",
		"\x00\x01\xff\xfe", "goroutine 1 [running]:\n\tmain.go:1\n", "000001 VOTE S999999 T1 far\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAnyInput(t, data, "fuzz input")
	})
}
