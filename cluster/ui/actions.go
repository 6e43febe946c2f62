package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"raftlab/cluster/node"
)

// Action is the body of POST /api/kill, /api/restart, /api/partition and
// /api/heal: the node acted on (heal takes none, and heals every node).
type Action struct {
	Node *int `json:"node"`
}

// Result is the answer to an action: what was done, in a line.
type Result struct {
	Message string `json:"message"`
}

func (s *Server) handleAction(w http.ResponseWriter, r *http.Request, what string) {
	var a Action
	if !readBody(w, r, maxAction, &a) {
		return
	}
	if a.Node == nil && what != "heal" {
		http.Error(w, what+` needs {"node": ID}`, http.StatusBadRequest)
		return
	}
	var n Node
	if a.Node != nil {
		var ok bool
		if n, ok = s.node(*a.Node); !ok {
			http.Error(w, fmt.Sprintf("no node %d in this cluster", *a.Node), http.StatusBadRequest)
			return
		}
	}
	var msg string
	var err error
	switch what {
	case "kill":
		if err = s.procs.Kill(n.ID); err == nil {
			msg = fmt.Sprintf("node %d killed (SIGKILL)", n.ID)
		}
	case "restart":
		if err = s.procs.Restart(n.ID); err == nil {
			msg = fmt.Sprintf("node %d restarted", n.ID)
		}
	case "partition":
		msg, err = s.setFaults(r.Context(), func(id int) node.Faults {
			if id == n.ID {
				return node.Faults{Drop: s.idsBut(n.ID)}
			}
			return node.Faults{Drop: []int{n.ID}}
		})
		msg = fmt.Sprintf("node %d cut off from the others: %s", n.ID, msg)
	case "heal":
		msg, err = s.setFaults(r.Context(), func(int) node.Faults { return node.Faults{} })
		msg = "every drop cleared: " + msg
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("%s: %v", what, err), http.StatusConflict)
		return
	}
	writeJSON(w, http.StatusOK, Result{Message: msg})
}

// idsBut is every node's id but skip.
func (s *Server) idsBut(skip int) []int {
	var ids []int
	for _, n := range s.nodes {
		if n.ID != skip {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// setFaults PUTs each node's faults (faultsOf its id) on its /faults, all
// at once. A node that cannot be reached keeps none (it starts again
// without faults): the line says which ones those were. It fails only if
// no node took its faults.
func (s *Server) setFaults(ctx context.Context, faultsOf func(id int) node.Faults) (string, error) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	errs := make([]error, len(s.nodes))
	var wg sync.WaitGroup
	for i, n := range s.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.putFaults(ctx, n, faultsOf(n.ID))
		}()
	}
	wg.Wait()
	var set, failed []string
	for i, n := range s.nodes {
		if errs[i] != nil {
			failed = append(failed, fmt.Sprintf("node %d: %v", n.ID, errs[i]))
		} else {
			set = append(set, fmt.Sprint(n.ID))
		}
	}
	if len(set) == 0 {
		return "", fmt.Errorf("no node took its faults: %s", strings.Join(failed, "; "))
	}
	msg := "set on nodes " + strings.Join(set, ", ")
	if len(failed) > 0 {
		msg += "; not on " + strings.Join(failed, "; ")
	}
	return msg, nil
}

func (s *Server) putFaults(ctx context.Context, n Node, f node.Faults) error {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	b, _ := json.Marshal(f) // ints only: always encodes
	code, body, err := s.call(ctx, http.MethodPut, n.URL+"/faults", bytes.NewReader(b), 1<<10)
	if err != nil {
		return err
	}
	switch code {
	case http.StatusOK:
		return nil
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return fmt.Errorf("no fault control (a node started without -faults; raftlab up -ui turns it on)")
	default:
		return fmt.Errorf("%d %s: %s", code, http.StatusText(code), strings.TrimSpace(string(body)))
	}
}

// KV is the body of POST /api/kv: a put or a get of Key at Node.
type KV struct {
	Node  int    `json:"node"`
	Op    string `json:"op"` // "put" or "get"
	Key   string `json:"key"`
	Value string `json:"value,omitempty"` // for a put
}

// KVAnswer is the node's answer to a KV, as the page shows it: its HTTP
// status and its body (the value of a get, the reason of an error), the
// body cut at 64 KiB.
type KVAnswer struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// handleKV sends a put or a get to the chosen node's HTTP API and answers
// with what the node said; 502 if the node could not be reached.
func (s *Server) handleKV(w http.ResponseWriter, r *http.Request) {
	var kv KV
	if !readBody(w, r, maxKVBody, &kv) {
		return
	}
	n, ok := s.node(kv.Node)
	switch {
	case !ok:
		http.Error(w, fmt.Sprintf("no node %d in this cluster", kv.Node), http.StatusBadRequest)
		return
	case kv.Op != "put" && kv.Op != "get":
		http.Error(w, fmt.Sprintf(`op %.20q: want "put" or "get"`, kv.Op), http.StatusBadRequest)
		return
	case kv.Key == "" || len(kv.Key) > node.MaxKey:
		http.Error(w, fmt.Sprintf("a key of %d bytes: want 1 to %d", len(kv.Key), node.MaxKey), http.StatusBadRequest)
		return
	case len(kv.Value) > MaxValue:
		http.Error(w, fmt.Sprintf("a value of %d bytes: the page sends at most %d", len(kv.Value), MaxValue), http.StatusBadRequest)
		return
	case kv.Op == "get" && kv.Value != "":
		http.Error(w, "a get takes no value", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), kvTimeout)
	defer cancel()
	method, body := http.MethodGet, io.Reader(nil)
	if kv.Op == "put" {
		method, body = http.MethodPut, strings.NewReader(kv.Value)
	}
	start := time.Now()
	code, b, err := s.call(ctx, method, n.URL+"/kv/"+url.PathEscape(kv.Key), body, maxAnswer)
	if err != nil {
		http.Error(w, fmt.Sprintf("node %d did not answer (after %v): %v", n.ID, time.Since(start).Round(time.Millisecond), err), http.StatusBadGateway)
		return
	}
	writeJSON(w, http.StatusOK, KVAnswer{Status: code, Body: string(b)})
}
