package torture

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"raftlab/linearizability"
)

// readAll reads v through readValue, in pieces of every size, the way a
// body arrives.
func readAll(t *testing.T, v []byte) readResult {
	t.Helper()
	var seg []byte
	res, err := readValue(bytes.NewReader(v), &seg)
	if err != nil {
		t.Fatalf("readValue: %v", err)
	}
	if res.n != len(v) {
		t.Fatalf("readValue read %d bytes of %d", res.n, len(v))
	}
	return res
}

// A big value is its size exactly (or the shortest that holds its
// header), reads back as its compact form with nothing damaged, and so do
// big values and tokens one after another, as appends after a put leave
// them.
func TestBigValueRoundTrip(t *testing.T) {
	for _, size := range []int{1, 5, 9, 10, 11, 64, 1000, 65537, 1_000_000, MaxMaxValue} {
		v, compact := bigValue("1c.2f", size)
		if want := max(size, 8); len(v) != want {
			t.Errorf("bigValue(size %d) has %d bytes, want %d", size, len(v), want)
		}
		if !strings.HasPrefix(compact, "1c.2f/") || !bytes.HasPrefix(v, []byte(strings.TrimSuffix(compact, ";"))) || v[len(v)-1] != ';' {
			t.Errorf("bigValue(size %d): compact %q, value begins %q", size, compact, v[:min(len(v), 20)])
		}
		if got := readAll(t, v); got.compact != compact || len(got.damaged) > 0 {
			t.Errorf("size %d reads as %q, damaged %q; want %q", size, got.compact, got.damaged, compact)
		}
	}
	v1, c1 := bigValue("3.1", 300_000)
	v2, c2 := bigValue("4.1", 70)
	all := append(append(append(append([]byte("0.1;"), v1...), "3.2;5.9;"...), v2...), "6.1"...)
	if got, want := readAll(t, all), "0.1;"+c1+"3.2;5.9;"+c2+"6.1"; got.compact != want || len(got.damaged) > 0 {
		t.Errorf("reads as %q, damaged %q; want %q", got.compact, got.damaged, want)
	}
	// Without big values, a value is its own compact form, as the checker
	// of tokens always read it.
	for _, v := range []string{"", "a1;", "a1;a2;zz;", "a1;a2", ";;", strings.Repeat("x", plainKeep-1) + ";"} {
		if got := readAll(t, []byte(v)); got.compact != v || len(got.damaged) > 0 {
			t.Errorf("%q reads as %q, damaged %q", v, got.compact, got.damaged)
		}
	}
}

// Every way a big value can come back wrong is damage: a filler byte
// changed anywhere, a size digit changed, the value cut short (its ';'
// included), grown, or stripped to its header; and what stands for it in
// the compact value is no write's.
func TestBigValueDamage(t *testing.T) {
	v, compact := bigValue("7.a", 1_000_000)
	hlen := len(compact) - 1
	flip := func(i int) []byte {
		d := bytes.Clone(v)
		d[i] ^= 1
		return d
	}
	for _, c := range []struct {
		name, want string
		value      []byte
	}{
		{"first filler byte", "at byte 11 where its filler has", flip(hlen)},
		{"a middle filler byte", "at byte 500000 where its filler has", flip(500_000)},
		{"last filler byte", "at byte 999998 where its filler has", flip(len(v) - 2)},
		{"a size digit", "7.a/1000001 read as 1000000 bytes", flip(hlen - 1)},
		{"cut before its ;", "7.a/1000000 read as 999999 bytes, without its final separator", v[:len(v)-1]},
		{"cut in half", "7.a/1000000 read as 500000 bytes, without its final separator", v[:500_000]},
		{"cut to its header", "7.a/1000000 read as 12 bytes", []byte(compact)},
		{"grown by a byte", "7.a/1000000 read as 1000001 bytes", append(append(bytes.Clone(v[:len(v)-1]), v[len(v)-2]), ';')},
		{"its ; replaced", "7.a/1000000 read as 1000000 bytes, without its final separator", append(bytes.Clone(v[:len(v)-1]), 'A')},
		{"no header, long", "bytes, no value's header", append(bytes.Repeat([]byte("z"), 5000), ';')},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, around := range [][2]string{{"", ""}, {"0.1;", "3.2;"}} {
				got := readAll(t, append(append([]byte(around[0]), c.value...), around[1]...))
				if len(got.damaged) != 1 {
					t.Fatalf("damaged %q, want one", got.damaged)
				}
				// A value cut before its ';' runs into the next one.
				if around[1] == "" && !strings.Contains(got.damaged[0], c.want) {
					t.Fatalf("damaged %q, want it saying %q", got.damaged, c.want)
				}
				whole := bytes.HasSuffix(c.value, []byte(";")) // else it runs into the next
				if strings.Contains(got.compact, compact) || !strings.HasPrefix(got.compact, around[0]) || whole && !strings.HasSuffix(got.compact, around[1]) {
					t.Fatalf("compact value %q: the damage must stand for no write", got.compact)
				}
			}
		})
	}
}

// fakeNode is one member's key/value API, in memory, whose reads pass
// through damage.
type fakeNode struct {
	mu     sync.Mutex
	kv     map[string][]byte
	damage func([]byte) []byte
}

func (f *fakeNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k := strings.TrimPrefix(r.URL.Path, "/kv/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		v, ok := f.kv[k]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(f.damage(bytes.Clone(v)))
	case http.MethodPut, http.MethodPost:
		b, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPut {
			f.kv[k] = nil
		}
		f.kv[k] = append(f.kv[k], b...)
		w.WriteHeader(http.StatusNoContent)
	}
}

// A big value read back damaged, through the clients' HTTP path, fails
// the check: a value no client wrote, for the read during the run and for
// the final read, and a history that is not linearizable. Read back whole,
// the same history passes.
func TestCheckCatchesDamagedBigValues(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func([]byte) []byte
		want   string // in the finding of a value no client wrote
	}{
		{"whole", func(v []byte) []byte { return v }, ""},
		{"a filler byte", func(v []byte) []byte { v[len(v)/2] ^= 0x02; return v }, "where its filler has"},
		{"truncated", func(v []byte) []byte { return v[:len(v)-1000] }, "without its final separator"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(&fakeNode{kv: map[string][]byte{}, damage: c.damage})
			defer srv.Close()
			cfg, err := Config{Binary: "raftlab", Nodes: 3, Clients: 1, Keys: 1, Duration: time.Second,
				MaxValue: 1_000_000, CheckTimeout: 10 * time.Second, Logf: t.Logf}.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			m := &members{cfg: cfg, http: []string{srv.URL}, voters: []int{0}, lingering: make([]bool, 1)}
			wl := newWorkload(cfg, newClock(), m)
			cl := wl.newKvClient(7)
			for _, kind := range []uint8{linearizability.KvPut, linearizability.KvAppend, linearizability.KvGet} {
				if o := cl.do(kind, key(0), false); o.unknown {
					t.Fatalf("%s: no answer from the fake node", kindNames[kind])
				}
			}
			final := wl.newKvClient(8).do(linearizability.KvGet, key(0), true)
			ops := wl.hist.all()
			if ops[0].size < 1000 || len(ops[0].value) > 30 {
				t.Fatalf("the put wrote %d bytes and the history keeps %q: want a big value, kept compact", ops[0].size, ops[0].value)
			}
			j := judge(ops, cfg)
			t.Logf("final read: %q; findings: %q", final.full, j.reasons)
			if c.want == "" {
				if len(j.reasons) > 0 || j.verdict != Linearizable {
					t.Fatalf("a whole value fails the check: %s, %q", j.verdict, j.reasons)
				}
				return
			}
			if j.verdict != NotLinearizable {
				t.Errorf("verdict %s, want %s", j.verdict, NotLinearizable)
			}
			if len(j.loss.phantom) != 2 {
				t.Fatalf("values no client wrote: %q; want the read during the run and the final read", j.loss.phantom)
			}
			for _, p := range j.loss.phantom {
				if !strings.Contains(p, c.want) || !strings.Contains(p, "in key k0") {
					t.Errorf("finding %q does not say %q in key k0", p, c.want)
				}
			}
			if !strings.Contains(strings.Join(j.reasons, "\n"), "2 values no client wrote, first: ") {
				t.Errorf("reasons %q lack the values no client wrote", j.reasons)
			}
		})
	}
}
