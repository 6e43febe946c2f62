package labgob

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// captureWarnings redirects the warnings output for the duration of f and
// returns what was printed.
var captureMu sync.Mutex

func captureWarnings(t *testing.T, f func()) string {
	t.Helper()
	captureMu.Lock()
	defer captureMu.Unlock()
	var buf bytes.Buffer
	warnings.Lock()
	old := warnings.out
	warnings.out = &buf
	warnings.Unlock()
	defer func() {
		warnings.Lock()
		warnings.out = old
		warnings.Unlock()
	}()
	f()
	warnings.Lock()
	defer warnings.Unlock()
	return buf.String()
}

type Inner struct {
	Good int
	bad  int
}

type WithLower struct {
	Term   int
	leader bool
}

type NestedLower struct {
	A     int
	Parts []Inner
}

type PtrLower struct {
	P *struct {
		X     int
		hidde string
	}
}

type Entry struct {
	Term    int
	Command any
}

type Everything struct {
	Term    int
	Voted   int
	Name    string
	Ok      bool
	Log     []Entry
	Data    []byte
	Nested  map[string][]int
	Ptr     *Inner2
	Float   float64
	Neg     int64
	Unicode string
}

type Inner2 struct{ X, Y int }

func encode(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := NewEncoder(&buf).Encode(v); err != nil {
		t.Fatalf("Encode(%T): %v", v, err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	Register(Inner2{})
	in := Everything{
		Term: 7, Voted: -1, Name: "raft", Ok: true,
		Log:     []Entry{{Term: 1, Command: 42}, {Term: 2, Command: "x"}, {Term: 3, Command: Inner2{1, 2}}},
		Data:    []byte{0, 1, 2, 255},
		Nested:  map[string][]int{"a": {1, 2}, "b": nil},
		Ptr:     &Inner2{X: 3, Y: 4},
		Float:   3.25,
		Neg:     -1 << 40,
		Unicode: "héllo, 世界",
	}
	data := encode(t, in)
	var out Everything
	out2 := captureWarnings(t, func() {
		if err := NewDecoder(bytes.NewReader(data)).Decode(&out); err != nil {
			t.Fatalf("Decode: %v", err)
		}
	})
	if out2 != "" {
		t.Errorf("unexpected warning on a clean round trip: %q", out2)
	}
	// gob decodes a nil slice inside a map as an empty one; compare the rest exactly.
	in.Nested["b"] = []int{}
	if out.Nested["b"] == nil {
		out.Nested["b"] = []int{}
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the value:\n in: %+v\nout: %+v", in, out)
	}
}

func TestRoundTripSequence(t *testing.T) {
	// Several values on one stream, as Raft persists term, vote and log.
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	for _, v := range []any{5, -1, []Entry{{Term: 1, Command: 10}}} {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	dec := NewDecoder(&buf)
	var term, vote int
	var log []Entry
	if err := dec.Decode(&term); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&vote); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&log); err != nil {
		t.Fatal(err)
	}
	if term != 5 || vote != -1 || len(log) != 1 || log[0].Term != 1 || log[0].Command != 10 {
		t.Fatalf("got term=%d vote=%d log=%v", term, vote, log)
	}
}

func TestEncodeValue(t *testing.T) {
	var buf bytes.Buffer
	if err := NewEncoder(&buf).EncodeValue(reflect.ValueOf(Inner2{5, 6})); err != nil {
		t.Fatal(err)
	}
	var out Inner2
	if err := NewDecoder(&buf).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out != (Inner2{5, 6}) {
		t.Fatalf("got %+v", out)
	}
}

func TestLowerCaseFieldWarns(t *testing.T) {
	out := captureWarnings(t, func() {
		var buf bytes.Buffer
		NewEncoder(&buf).Encode(WithLower{Term: 1})
		NewEncoder(&buf).Encode(WithLower{Term: 2}) // same type again: no second warning
	})
	if !strings.Contains(out, "lower-case field leader of labgob.WithLower") {
		t.Fatalf("expected a warning naming field leader of labgob.WithLower, got %q", out)
	}
	if n := strings.Count(out, "\n"); n != 1 {
		t.Fatalf("expected the warning once, got %d lines: %q", n, out)
	}
}

func TestLowerCaseFieldNested(t *testing.T) {
	out := captureWarnings(t, func() {
		var buf bytes.Buffer
		NewEncoder(&buf).Encode(NestedLower{A: 1, Parts: []Inner{{Good: 1}}})
		NewEncoder(&buf).Encode(PtrLower{})
	})
	for _, want := range []string{"field bad of labgob.Inner", "field hidde of struct"} {
		if !strings.Contains(out, want) {
			t.Errorf("expected a warning containing %q, got %q", want, out)
		}
	}
}

func TestLowerCaseFieldOnRegister(t *testing.T) {
	type regLower struct {
		Ok  int
		bad int
	}
	out := captureWarnings(t, func() { Register(regLower{}) })
	if !strings.Contains(out, "field bad of labgob.regLower") {
		t.Fatalf("Register did not warn about the lower-case field: %q", out)
	}
}

type SelfEncoding struct {
	hidden int
}

func (s SelfEncoding) GobEncode() ([]byte, error) { return []byte{byte(s.hidden)}, nil }
func (s *SelfEncoding) GobDecode(b []byte) error {
	if len(b) != 1 {
		return io.ErrUnexpectedEOF
	}
	s.hidden = int(b[0])
	return nil
}

func TestSelfEncodingTypesNotChecked(t *testing.T) {
	type Holder struct{ S SelfEncoding }
	out := captureWarnings(t, func() {
		data := encode(t, Holder{S: SelfEncoding{hidden: 9}})
		var h Holder
		if err := NewDecoder(bytes.NewReader(data)).Decode(&h); err != nil {
			t.Fatal(err)
		}
		if h.S.hidden != 9 {
			t.Fatalf("got %d", h.S.hidden)
		}
	})
	if out != "" {
		t.Fatalf("a GobEncoder's private fields should not be reported: %q", out)
	}
}

type Reply struct {
	Term    int
	Success bool
}

func TestDecodeIntoNonDefaultWarns(t *testing.T) {
	data := encode(t, Reply{Term: 0, Success: false})
	out := captureWarnings(t, func() {
		reply := Reply{Term: 3, Success: true} // reused reply: the classic bug
		if err := NewDecoder(bytes.NewReader(data)).Decode(&reply); err != nil {
			t.Fatal(err)
		}
		// This is why it warns: the zero-valued fields did not overwrite.
		if reply.Term != 3 {
			t.Fatalf("gob's behaviour changed: Term=%d", reply.Term)
		}
	})
	if !strings.Contains(out, "non-default variable/field labgob.Reply.Term") {
		t.Fatalf("expected a warning naming labgob.Reply.Term, got %q", out)
	}
}

func TestDecodeIntoNonDefaultScalar(t *testing.T) {
	data := encode(t, 0)
	out := captureWarnings(t, func() {
		x := 17
		NewDecoder(bytes.NewReader(data)).Decode(&x)
	})
	if !strings.Contains(out, "non-default variable/field int") {
		t.Fatalf("expected a warning for a non-zero int, got %q", out)
	}
}

func TestDecodeGarbage(t *testing.T) {
	good := encode(t, Everything{Term: 1, Log: []Entry{{Term: 1, Command: 3}}, Name: "n"})
	inputs := map[string][]byte{
		"empty":     {},
		"one byte":  {0x07},
		"garbage":   []byte("this is not gob at all, not even close"),
		"all ones":  bytes.Repeat([]byte{0xff}, 64),
		"huge len":  {0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"truncated": good[:len(good)/2],
		"last cut":  good[:len(good)-1],
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var out Everything
			captureWarnings(t, func() {
				if err := NewDecoder(bytes.NewReader(in)).Decode(&out); err == nil {
					t.Fatalf("Decode(%q) returned no error", in)
				}
			})
		})
	}
}

func TestDecodeNonPointerIsError(t *testing.T) {
	data := encode(t, 5)
	var x int
	if err := NewDecoder(bytes.NewReader(data)).Decode(x); err == nil {
		t.Fatal("decoding into a non-pointer should be an error")
	}
}

func FuzzDecode(f *testing.F) {
	Register(Inner2{})
	f.Add(encodeForFuzz(Everything{Term: 2, Name: "x", Log: []Entry{{Term: 1, Command: 5}}}))
	f.Add(encodeForFuzz(Reply{Term: 9, Success: true}))
	f.Add(encodeForFuzz([]Entry{{Term: 1, Command: Inner2{1, 2}}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		captureWarnings(t, func() {
			// Must not panic or hang; errors are the expected outcome.
			var e Everything
			NewDecoder(bytes.NewReader(data)).Decode(&e)
			var r Reply
			NewDecoder(bytes.NewReader(data)).Decode(&r)
			var l []Entry
			NewDecoder(bytes.NewReader(data)).Decode(&l)
		})
	})
}

func encodeForFuzz(v any) []byte {
	var buf bytes.Buffer
	NewEncoder(&buf).Encode(v)
	return buf.Bytes()
}
