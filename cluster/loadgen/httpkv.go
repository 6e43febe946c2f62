package loadgen

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// HTTPKV drives raftlab's HTTP key/value API.
type HTTPKV struct {
	Nodes   []string      // base URLs, e.g. http://127.0.0.1:8000
	Reads   float64       // fraction of calls that are reads, 0 to 1
	Keys    int           // keys key0..key{Keys-1}
	Value   int           // bytes in a written value
	Prefix  string        // of the key names; "" means "key"
	Timeout time.Duration // per request
}

// Op returns the Op for clients clients: each has its own Client-Id and
// Request-Seq and shares one keep-alive connection pool.
func (h HTTPKV) Op(clients int) (Op, error) {
	if len(h.Nodes) == 0 {
		return nil, fmt.Errorf("no node URLs")
	}
	if h.Reads < 0 || h.Reads > 1 {
		return nil, fmt.Errorf("reads %v: want a fraction from 0 to 1", h.Reads)
	}
	if h.Keys < 1 || h.Value < 0 {
		return nil, fmt.Errorf("want at least one key and a value size of 0 or more")
	}
	if h.Timeout <= 0 {
		h.Timeout = 5 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * clients
	tr.MaxIdleConnsPerHost = clients
	client := &http.Client{Transport: tr, Timeout: h.Timeout}
	value := strings.Repeat("x", h.Value)
	if h.Prefix == "" {
		h.Prefix = "key"
	}
	// Each client's Client-Id, and the call number its Request-Seq 1 had.
	// A 409 (a session expired, or never opened: a first request that
	// timed out unapplied) makes the client a new one, from seq 1. Client
	// c's entries are used by client c's calls alone, one at a time.
	ids := make([]int64, clients)
	first := make([]int, clients)
	for c := range ids {
		ids[c] = rand.Int64N(1<<62) + 1
	}
	return func(ctx context.Context, c, i int) (Kind, error) {
		kind := Write
		method, body := http.MethodPut, value
		if rand.Float64() < h.Reads {
			kind, method, body = Read, http.MethodGet, ""
		}
		base := h.Nodes[c%len(h.Nodes)]
		key := h.Prefix + strconv.Itoa(rand.IntN(h.Keys))
		req, err := http.NewRequestWithContext(ctx, method, base+"/kv/"+url.PathEscape(key), strings.NewReader(body))
		if err != nil {
			return kind, err
		}
		c %= len(ids)
		req.Header.Set("Client-Id", strconv.FormatInt(ids[c], 10))
		req.Header.Set("Request-Seq", strconv.Itoa(i+1-first[c]))
		resp, err := client.Do(req)
		if err != nil {
			return kind, err
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusConflict {
			ids[c], first[c] = rand.Int64N(1<<62)+1, i+1
		}
		switch {
		case err != nil:
			return kind, fmt.Errorf("%s: reading the answer: %v", base, err)
		case resp.StatusCode/100 == 2, kind == Read && resp.StatusCode == http.StatusNotFound:
			return kind, nil
		default:
			return kind, fmt.Errorf("%s: %s: %s", base, resp.Status, strings.TrimSpace(string(b)))
		}
	}, nil
}
