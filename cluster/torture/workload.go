package torture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"raftlab/linearizability"
)

// How a client calls the HTTP API: each attempt has attemptTimeout (a
// node answers 503 after its own 3 s), and an operation is retried, with
// the same Client-Id and Request-Seq so that it is applied at most once,
// at other members until opBudget has passed since it was called. Then
// its outcome is unknown and the client goes on as a new client (a new
// Client-Id), as a Jepsen process that crashed.
const (
	attemptTimeout = 4 * time.Second
	opBudget       = 10 * time.Second
	retryPause     = 50 * time.Millisecond
)

// A share of the acknowledged writes is sent again, with the same
// Client-Id and Request-Seq, within resendWithin of the answer, before
// the client's next request: a client that lost the answer retries, and
// the API promises not to apply it again. (A copy that arrives after a
// restart tests that the duplicate table survives snapshots and restarts.)
const (
	resendShare  = 0.1
	resendWithin = time.Second
)

// Operation kinds, the shares of each in the workload: mostly reads and
// appends (an append's value is a token no other write uses, so a read
// shows which writes it saw, and in what order), and a few puts.
const (
	getShare = 0.5
	putShare = 0.05
)

// op is one operation of the history, as its client saw it.
type op struct {
	client int // the logical client (a new one after an unknown outcome)
	kind   uint8
	key    string
	value  string // a put's or append's token ("token;"), or a big put's compact form ("token/size;")
	size   int    // a write's value's bytes, or the bytes a get read
	call   time.Duration
	ret    time.Duration // when it returned; meaningless if unknown
	// unknown: no answer within opBudget (timeouts, 503s). A write may
	// or may not have been applied; a read tells nothing.
	unknown bool
	out     linearizability.KvDigest // a get's value
	final   bool                     // a read of the end of the run
	full    string                   // a final read's whole value (big values in compact form)
	damaged string                   // a get's damaged big values (checkSegment), if any
	node    int                      // the member that answered (or last tried)
	resent  bool                     // sent again after its answer (resendShare)
}

// history collects the operations of every client.
type history struct {
	mu   sync.Mutex
	ops  []op
	next int // the next logical client number
}

func (h *history) add(o op) {
	h.mu.Lock()
	h.ops = append(h.ops, o)
	h.mu.Unlock()
}

// newClient numbers a new logical client.
func (h *history) newClient() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	return h.next - 1
}

// all returns the operations recorded so far.
func (h *history) all() []op {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]op(nil), h.ops...)
}

// kvClient is one client process of the workload: one request at a time,
// to a member chosen at random for each attempt (so most are forwarded).
type kvClient struct {
	w      *workload
	rng    *rand.Rand
	client int    // logical client number, for the history
	id     int64  // its Client-Id
	seq    int64  // its last Request-Seq
	seg    []byte // the segment of a read's value being checked (readValue)
}

// workload runs the clients.
type workload struct {
	cfg   Config
	clock *clock
	m     *members // the configuration's voters are whom clients ask
	http  *http.Client
	hist  *history
}

func newWorkload(cfg Config, clk *clock, m *members) *workload {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 4 * cfg.Clients
	tr.MaxIdleConnsPerHost = 2 * cfg.Clients
	return &workload{cfg: cfg, clock: clk, m: m,
		http: &http.Client{Transport: tr, Timeout: attemptTimeout}, hist: &history{}}
}

// key is the name of key i.
func key(i int) string { return "k" + strconv.Itoa(i) }

func (w *workload) newKvClient(seed uint64) *kvClient {
	c := &kvClient{w: w, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	c.renew()
	return c
}

// renew makes c a new client: a new number and Client-Id, from seq 1.
func (c *kvClient) renew() {
	c.client = c.w.hist.newClient()
	c.id = c.rng.Int64N(1<<62) + 1
	c.seq = 0
}

// run issues operations until ctx ends, pacing them at the client's share
// of the rate. The operation in progress when ctx ends is finished (with
// its retries), so that it is not left without an outcome for no reason.
func (w *workload) run(ctx context.Context, c *kvClient) {
	var interval time.Duration
	if w.cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(w.cfg.Clients) / w.cfg.Rate)
	}
	var next time.Time
	if interval > 0 {
		// A random start in the first interval, so that the clients do
		// not move in step.
		next = time.Now().Add(time.Duration(c.rng.Int64N(int64(interval))))
	}
	for ctx.Err() == nil {
		if interval > 0 {
			if !wait(ctx, time.Until(next)) {
				return
			}
			next = next.Add(interval)
			if time.Since(next) > interval {
				next = time.Now() // no burst to catch up after a stall
			}
		}
		r := c.rng.Float64()
		k := key(c.rng.IntN(w.cfg.Keys))
		switch {
		case r < getShare:
			c.do(linearizability.KvGet, k, false)
		case r < getShare+putShare:
			c.do(linearizability.KvPut, k, false)
		default:
			c.do(linearizability.KvAppend, k, false)
		}
	}
}

// wait waits d or until ctx ends, and reports whether d passed.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// do runs one operation to its outcome and records it.
func (c *kvClient) do(kind uint8, k string, final bool) op {
	c.seq++
	o := op{client: c.client, kind: kind, key: k, final: final}
	var body []byte // a write's value
	if kind != linearizability.KvGet {
		token := strconv.FormatInt(int64(c.client), 36) + "." + strconv.FormatInt(c.seq, 36)
		if kind == linearizability.KvPut && c.w.cfg.MaxValue > 0 {
			body, o.value = bigValue(token, 1+c.rng.IntN(c.w.cfg.MaxValue))
		} else {
			o.value = token + ";"
			body = []byte(o.value)
		}
		o.size = len(body)
	}
	o.call = c.w.clock.since()
	var v readResult
	v, o.ret, o.node, o.unknown = c.send(kind, k, body, o.call)
	if kind == linearizability.KvGet && !o.unknown {
		o.out = linearizability.DigestKvOutput(v.compact)
		o.size = v.n
		if final {
			o.full = v.compact
		}
		if len(v.damaged) > 0 {
			o.damaged = v.damaged[0]
			if len(v.damaged) > 1 {
				o.damaged += fmt.Sprintf(" (and %d more damaged)", len(v.damaged)-1)
			}
		}
	}
	if kind != linearizability.KvGet && !o.unknown && !final && c.rng.Float64() < resendShare {
		o.resent = true
		c.resend(kind, k, body)
	}
	c.w.hist.add(o)
	if o.unknown {
		c.renew()
	}
	return o
}

// resend sends the request just answered once more, a while later, as a
// client that never saw the answer retries before it goes on.
// Exactly-once means the copy changes nothing, so the operation took
// effect in [call, ret] as recorded, and a second application shows up as
// a token read twice.
func (c *kvClient) resend(kind uint8, k string, body []byte) {
	time.Sleep(time.Duration(c.rng.Int64N(int64(resendWithin))))
	c.send(kind, k, body, c.w.clock.since())
}

// send sends one request, with c's Client-Id and current Request-Seq, to
// random members until one answers or opBudget has passed since call. It
// returns a get's value (as readValue reads it), when the answer came,
// the member that answered (or was tried last), and whether the outcome
// is unknown.
func (c *kvClient) send(kind uint8, k string, body []byte, call time.Duration) (v readResult, ret time.Duration, node int, unknown bool) {
	for {
		cur := c.w.m.reachable()
		node = cur[c.rng.IntN(len(cur))]
		v, err := c.attempt(node, kind, k, body)
		if err == nil {
			return v, c.w.clock.since(), node, false
		}
		var bad badRequest
		if errors.As(err, &bad) {
			// The API refused the request itself: a bug of the tool or of
			// the API, not a fault. The outcome is unknown (a write may
			// still have been applied by an earlier attempt).
			c.w.cfg.Logf("torture: client %d: %v", c.client, err)
			return readResult{}, 0, node, true
		}
		if c.w.clock.since()-call >= opBudget {
			return readResult{}, 0, node, true
		}
		time.Sleep(retryPause)
	}
}

// badRequest is a 4xx answer other than a read's 404.
type badRequest struct{ error }

// attempt sends one request to member i, a write's value in body: a
// get's value (nothing for a key never written), or an error for no
// answer or a 503.
func (c *kvClient) attempt(i int, kind uint8, k string, body []byte) (readResult, error) {
	method := map[uint8]string{linearizability.KvGet: http.MethodGet, linearizability.KvPut: http.MethodPut, linearizability.KvAppend: http.MethodPost}[kind]
	var r io.Reader
	if kind != linearizability.KvGet {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.w.m.url(i)+"/kv/"+k, r)
	if err != nil {
		return readResult{}, badRequest{err}
	}
	req.Header.Set("Client-Id", strconv.FormatInt(c.id, 10))
	req.Header.Set("Request-Seq", strconv.FormatInt(c.seq, 10))
	resp, err := c.w.http.Do(req)
	if err != nil {
		return readResult{}, err
	}
	defer resp.Body.Close()
	if kind == linearizability.KvGet && resp.StatusCode == http.StatusOK {
		// Checked as it arrives: a big value is never held whole.
		v, err := readValue(resp.Body, &c.seg)
		if err != nil {
			return readResult{}, fmt.Errorf("reading the answer of node %d: %w", i, err)
		}
		return v, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case err != nil:
		return readResult{}, fmt.Errorf("reading the answer of node %d: %w", i, err)
	case kind == linearizability.KvGet && resp.StatusCode == http.StatusNotFound:
		return readResult{}, nil
	case kind != linearizability.KvGet && resp.StatusCode == http.StatusNoContent:
		return readResult{}, nil
	case resp.StatusCode/100 == 4:
		return readResult{}, badRequest{fmt.Errorf("node %d answered %s: %s", i, resp.Status, strings.TrimSpace(string(b)))}
	default:
		return readResult{}, fmt.Errorf("node %d answered %s: %s", i, resp.Status, strings.TrimSpace(string(b)))
	}
}
