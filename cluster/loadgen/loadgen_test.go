package loadgen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := Percentile(lat, c.p); got != c.want {
			t.Errorf("p%v of 1..100 ms = %v; want %v", c.p, got, c.want)
		}
	}
	if got := Percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one = %v; want 7", got)
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("p50 of none = %v; want 0", got)
	}
}

// Run counts every call once, by kind, keeps errors out of the latencies,
// and ends near its duration.
func TestRunCountsByKind(t *testing.T) {
	var mu sync.Mutex
	calls := map[[2]int]bool{} // (client, i) pairs seen
	cut := 0                   // errors returned once the run had ended: not counted
	op := func(ctx context.Context, c, i int) (Kind, error) {
		mu.Lock()
		if calls[[2]int{c, i}] {
			t.Errorf("call (%d, %d) made twice", c, i)
		}
		calls[[2]int{c, i}] = true
		mu.Unlock()
		time.Sleep(time.Millisecond)
		switch i % 4 {
		case 0:
			return Read, nil
		case 1:
			if ctx.Err() != nil {
				mu.Lock()
				cut++
				mu.Unlock()
			}
			return Write, errors.New("boom")
		default:
			return Write, nil
		}
	}
	start := time.Now()
	res := Run(context.Background(), Config{Clients: 4, Duration: 300 * time.Millisecond}, op)
	if took := time.Since(start); took < 300*time.Millisecond || took > 2*time.Second {
		t.Errorf("Run took %v for a 300 ms run", took)
	}
	r, w := res.Kinds[Read], res.Kinds[Write]
	if r.Count == 0 || w.Count == 0 || w.Errors == 0 {
		t.Fatalf("reads %+v writes %+v: want some of each and some write errors", r, w)
	}
	if r.Errors != 0 {
		t.Errorf("read errors %d; want 0", r.Errors)
	}
	// A failure returned right as the run ended may be left out though op
	// saw the run still going: at most one per client.
	if got, want := r.Count+w.Count+w.Errors, len(calls)-cut; got > want || got < want-4 {
		t.Errorf("counted %d calls; %d were made, %d of them failed after the end", got, len(calls), cut)
	}
	// Per client: i%4==0 reads, ==1 errors, else writes: about 1:1:2.
	if w.Count < r.Count || w.Count > 3*r.Count {
		t.Errorf("%d writes for %d reads; want about twice as many", w.Count, r.Count)
	}
	if w.FirstErr != "boom" || res.Total.Errors != w.Errors || res.Total.Count != r.Count+w.Count {
		t.Errorf("total %+v; writes %+v", res.Total, w)
	}
	if r.P50 < time.Millisecond || r.Max < r.P99 || r.P99 < r.P90 || r.P90 < r.P50 {
		t.Errorf("read latencies out of order or too small: %+v", r)
	}
	want := float64(r.Count) / res.Elapsed.Seconds()
	if r.PerSecond < want*0.99 || r.PerSecond > want*1.01 {
		t.Errorf("reads/s %v; want %v", r.PerSecond, want)
	}
	var b bytes.Buffer
	res.WriteTable(&b)
	for _, s := range []string{"OPS/S", "P99 MS", "read", "write", "total", "4 clients", "first write error: boom"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, b.String())
		}
	}
}

// A call cut short by the end of the run counts neither as ok nor failed.
func TestRunEndsBlockedCalls(t *testing.T) {
	op := func(ctx context.Context, c, i int) (Kind, error) {
		<-ctx.Done()
		return Write, ctx.Err()
	}
	res := Run(context.Background(), Config{Clients: 3, Duration: 100 * time.Millisecond}, op)
	if res.Total.Count != 0 || res.Total.Errors != 0 {
		t.Errorf("total %+v; want nothing counted", res.Total)
	}
}

// HTTPKV sends PUTs and GETs to the nodes with each client's own id and
// rising seq; 2xx and a read's 404 succeed, a 503 is an error with its
// reason.
func TestHTTPKV(t *testing.T) {
	var mu sync.Mutex
	seqs := map[string][]int{} // Client-Id -> Request-Seqs seen
	var puts, gets int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.HasPrefix(r.URL.Path, "/kv/key") {
			t.Errorf("path %q", r.URL.Path)
		}
		seq, _ := strconv.Atoi(r.Header.Get("Request-Seq"))
		mu.Lock()
		id := r.Header.Get("Client-Id")
		seqs[id] = append(seqs[id], seq)
		switch r.Method {
		case http.MethodPut:
			puts++
			if string(body) != "xxxxx" {
				t.Errorf("PUT body %q; want 5 bytes", body)
			}
		case http.MethodGet:
			gets++
		}
		mu.Unlock()
		switch {
		case r.URL.Path == "/kv/key0" && r.Method == http.MethodGet:
			http.Error(w, "no such key", http.StatusNotFound)
		case r.URL.Path == "/kv/key1":
			http.Error(w, "no leader within 3s", http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	op, err := HTTPKV{Nodes: []string{srv.URL}, Reads: 0.5, Keys: 4, Value: 5}.Op(2)
	if err != nil {
		t.Fatal(err)
	}
	res := Run(context.Background(), Config{Clients: 2, Duration: 300 * time.Millisecond}, op)
	mu.Lock()
	defer mu.Unlock()
	if puts == 0 || gets == 0 {
		t.Fatalf("%d PUTs, %d GETs; want both", puts, gets)
	}
	if len(seqs) != 2 {
		t.Errorf("%d client ids; want 2", len(seqs))
	}
	for id, s := range seqs {
		for i, seq := range s {
			if seq != i+1 {
				t.Fatalf("client %s sent seqs %v; want 1, 2, 3, ...", id, s)
			}
		}
	}
	// key1 (a quarter of the calls) is 503: errors of both kinds.
	if res.Kinds[Read].Errors == 0 || res.Kinds[Write].Errors == 0 {
		t.Errorf("reads %+v writes %+v: want errors from key1's 503", res.Kinds[Read], res.Kinds[Write])
	}
	if !strings.Contains(res.Kinds[Write].FirstErr, "503") || !strings.Contains(res.Kinds[Write].FirstErr, "no leader") {
		t.Errorf("first write error %q; want the 503 and its reason", res.Kinds[Write].FirstErr)
	}
	if res.Kinds[Read].Count == 0 {
		t.Errorf("no read succeeded (key0's 404 counts as one)")
	}
}

func TestHTTPKVRefusesBadConfig(t *testing.T) {
	for _, h := range []HTTPKV{{}, {Nodes: []string{"http://x"}, Reads: 2, Keys: 1}, {Nodes: []string{"http://x"}}} {
		if _, err := h.Op(1); err == nil {
			t.Errorf("%+v: no error", h)
		}
	}
}

// HTTPKV's keys are Prefix followed by a number below Keys.
func TestHTTPKVPrefix(t *testing.T) {
	var mu sync.Mutex
	paths := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths[r.URL.Path] = true
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	op, err := HTTPKV{Nodes: []string{srv.URL}, Keys: 3, Prefix: "big-", Value: 1}.Op(1)
	if err != nil {
		t.Fatal(err)
	}
	Run(context.Background(), Config{Clients: 1, Duration: time.Minute, Calls: 60}, op)
	mu.Lock()
	defer mu.Unlock()
	for p := range paths {
		if p != "/kv/big-0" && p != "/kv/big-1" && p != "/kv/big-2" {
			t.Errorf("path %q; want /kv/big-0 to /kv/big-2", p)
		}
	}
	if len(paths) != 3 {
		t.Errorf("paths %v; want all 3 keys in 60 calls", paths)
	}
}

// A 409 (raftlab's answer to a client whose session expired, or whose
// first request was never applied) makes the client a new one: a new
// Client-Id, from Request-Seq 1.
func TestHTTPKVRenewsClientAfter409(t *testing.T) {
	var mu sync.Mutex
	var order []string         // Client-Ids in order of first use
	seqs := map[string][]int{} // Client-Id -> Request-Seqs seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seq, _ := strconv.Atoi(r.Header.Get("Request-Seq"))
		id := r.Header.Get("Client-Id")
		mu.Lock()
		if seqs[id] == nil {
			order = append(order, id)
		}
		seqs[id] = append(seqs[id], seq)
		mu.Unlock()
		if seq == 3 {
			http.Error(w, "session expired: ...", http.StatusConflict)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	op, err := HTTPKV{Nodes: []string{srv.URL}, Keys: 1, Value: 1}.Op(1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		if _, err := op(context.Background(), 0, i); (err != nil) != (i%3 == 2) {
			t.Fatalf("call %d: error %v; want one for every third call, the 409s", i, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 3 {
		t.Fatalf("%d client ids for 7 calls with a 409 at each seq 3; want 3", len(order))
	}
	for k, id := range order {
		want := []int{1, 2, 3}
		if k == 2 {
			want = []int{1}
		}
		if !slices.Equal(seqs[id], want) {
			t.Errorf("client id %d sent seqs %v; want %v", k, seqs[id], want)
		}
	}
}
