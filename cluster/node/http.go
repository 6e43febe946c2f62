package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"raftlab/kvraft"
)

// Timeouts of the HTTP server: a client gets this long to send its headers
// and its body; a request's own work is bounded by Config.RequestTimeout.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
)

// Status is what GET /status answers, as JSON.
type Status struct {
	ID            int    `json:"id"`
	Role          string `json:"role"`
	Term          int    `json:"term"`
	Leader        int    `json:"leader"` // the leader of Term as this node's Raft peer knows it (itself if it leads); -1 if it has heard from none
	CommitIndex   int    `json:"commit_index"`
	Applied       int    `json:"applied"`
	LogEntries    int    `json:"log_entries"`
	SnapshotIndex int    `json:"snapshot_index"`
	DiskBytes     int64  `json:"disk_bytes"`

	// The configuration in use, as in GET /members: its entry's index,
	// whether it committed, and its members.
	ConfigIndex     int      `json:"config_index"`
	ConfigCommitted bool     `json:"config_committed"`
	Members         []Member `json:"members"`

	// With GET /status?log=N: the terms of the last N entries after the
	// snapshot (fewer if the log holds fewer), LogTerms[k] at index
	// LogFirst+k.
	LogFirst int   `json:"log_first,omitempty"`
	LogTerms []int `json:"log_terms,omitempty"`
}

// MaxStatusLog bounds N in GET /status?log=N.
const MaxStatusLog = 1000

// Messages is what GET /messages answers, as JSON: the Raft RPCs this node
// sent at or after since (Unix milliseconds), oldest first, at most
// MessageRing of them, and the node's clock when it answered.
type Messages struct {
	NowMs    int64     `json:"now_ms"`
	Messages []Message `json:"messages"`
}

func (n *Node) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /kv/{key...}", n.kvHandler(kvraft.OpGet))
	mux.HandleFunc("PUT /kv/{key...}", n.kvHandler(kvraft.OpPut))
	mux.HandleFunc("POST /kv/{key...}", n.kvHandler(kvraft.OpAppend))
	mux.HandleFunc("DELETE /kv/{key...}", n.kvHandler(kvraft.OpDelete))
	mux.HandleFunc("GET /status", n.handleStatus)
	mux.HandleFunc("GET /messages", n.handleMessages)
	mux.HandleFunc("GET /members", n.handleMembers)
	mux.HandleFunc("POST /members", n.handleAddMember)
	mux.HandleFunc("DELETE /members/{id}", n.handleRemoveMember)
	if n.linkFaults != nil {
		mux.HandleFunc("GET /faults", n.handleFaults)
		mux.HandleFunc("PUT /faults", n.handleFaults)
	}
	return mux
}

// Status returns the node's view of itself and its Raft peer.
func (n *Node) Status() Status {
	rs := n.kv.Raft().Status()
	st := Status{
		ID: n.cfg.ID, Role: rs.Role, Term: rs.Term, Leader: rs.Leader,
		CommitIndex: rs.CommitIndex, Applied: rs.LastApplied, LogEntries: rs.LogEntries,
		SnapshotIndex: rs.SnapshotIndex, DiskBytes: n.storage.Size(),
	}
	m := membersOf(rs, st.Leader)
	st.ConfigIndex, st.ConfigCommitted, st.Members = m.Index, m.Committed, m.Members
	return st
}

func (n *Node) handleStatus(w http.ResponseWriter, r *http.Request) {
	st := n.Status()
	if q := r.URL.Query(); q.Has("log") {
		k, err := strconv.Atoi(q.Get("log"))
		if err != nil || k < 0 || k > MaxStatusLog {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("log=%.20q: want a number of entries, 0 to %d", q.Get("log"), MaxStatusLog))
			return
		}
		st.LogFirst, st.LogTerms = n.kv.Raft().LogTail(k)
	}
	w.Header().Set("Content-Type", "application/json")
	b, _ := json.Marshal(st) // a struct of ints and strings always encodes
	w.Write(append(b, '\n'))
}

// Messages returns the Raft RPCs the node sent at or after since, oldest
// first.
func (n *Node) Messages(since time.Time) []Message {
	ids := n.peers.ids()
	out := []Message{}
	for _, m := range n.peers.sent.since(since) {
		to, ok := ids[m.to]
		if !ok {
			to = -1
		}
		out = append(out, Message{TimeMs: m.time.UnixMilli(), From: n.cfg.ID, To: to, Kind: m.kind, Term: m.term, Entries: m.entries, Dropped: m.dropped})
	}
	return out
}

func (n *Node) handleMessages(w http.ResponseWriter, r *http.Request) {
	var since int64
	if q := r.URL.Query(); q.Has("since") {
		var err error
		if since, err = strconv.ParseInt(q.Get("since"), 10, 64); err != nil || since < 0 || since > 1<<50 {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("since=%.20q: want a time in Unix milliseconds", q.Get("since")))
			return
		}
	}
	n.peers.sent.watch()
	b, _ := json.Marshal(Messages{NowMs: time.Now().UnixMilli(), Messages: n.Messages(time.UnixMilli(since))})
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

// kvHandler answers one kind of key/value request.
func (n *Node) kvHandler(kind kvraft.OpKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, status, err := n.parse(kind, w, r)
		if err != nil {
			httpError(w, status, err.Error())
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), n.cfg.RequestTimeout)
		defer cancel()
		res, err := n.fwd.do(ctx, o)
		switch {
		case err != nil:
			httpError(w, http.StatusServiceUnavailable, err.Error())
		case res.err == kvraft.ErrStaleRequest:
			httpError(w, http.StatusConflict, "stale request: Request-Seq is below this Client-Id's last applied request; not applied")
		case res.err == kvraft.ErrSessionExpired:
			httpError(w, http.StatusConflict, fmt.Sprintf("session expired: this Client-Id has no session (idle over %v, or its Request-Seq 1 never applied); not applied; send it again with a new Client-Id and Request-Seq 1", kvraft.SessionTimeout))
		case res.err != kvraft.OK && res.err != kvraft.ErrNoKey:
			httpError(w, http.StatusInternalServerError, fmt.Sprintf("kvraft answered %s", res.err))
		case kind == kvraft.OpGet && res.err == kvraft.ErrNoKey:
			httpError(w, http.StatusNotFound, "no such key")
		case kind == kvraft.OpGet:
			w.Header().Set("Content-Type", "application/octet-stream")
			io.WriteString(w, res.value)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}
}

// parse reads a request into an op, or says why it cannot (a 4xx status
// and a reason).
func (n *Node) parse(kind kvraft.OpKind, w http.ResponseWriter, r *http.Request) (op, int, error) {
	o := op{kind: kind, key: r.PathValue("key")}
	if o.key == "" {
		return o, http.StatusBadRequest, errors.New("empty key")
	}
	if len(o.key) > MaxKey {
		return o, http.StatusBadRequest, fmt.Errorf("key of %d bytes, the limit is %d", len(o.key), MaxKey)
	}
	id, seq := r.Header.Get("Client-Id"), r.Header.Get("Request-Seq")
	if (id == "") != (seq == "") {
		return o, http.StatusBadRequest, errors.New("Client-Id and Request-Seq go together: send both or neither")
	}
	if id != "" {
		var err error
		if o.clientId, err = strconv.ParseInt(id, 10, 64); err != nil || o.clientId == 0 {
			return o, http.StatusBadRequest, errors.New("Client-Id must be a nonzero decimal int64")
		}
		if o.seq, err = strconv.ParseInt(seq, 10, 64); err != nil || o.seq <= 0 {
			return o, http.StatusBadRequest, errors.New("Request-Seq must be a positive decimal int64")
		}
	}
	if kind == kvraft.OpPut || kind == kvraft.OpAppend {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxValue))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return o, http.StatusRequestEntityTooLarge, fmt.Errorf("body over %d bytes", MaxValue)
			}
			return o, http.StatusBadRequest, fmt.Errorf("reading the body: %v", err)
		}
		o.value = string(b)
	}
	return o, 0, nil
}

// httpError answers with status and a one-line reason.
func httpError(w http.ResponseWriter, status int, reason string) {
	http.Error(w, reason, status)
}
