package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftlab/raft"
)

// Membership changes through the HTTP API. Every node takes them, as it
// takes key/value requests, and carries them to the leader's Raft peer
// through the membership RPC service below; each call is idempotent (it
// asks for the change, or reports it done), so the node repeats it until
// it is done, refused, or the deadline passes.

// MemberChangeTimeout bounds POST and DELETE /members, from arrival to
// answer: a new member has to catch up (a snapshot, then the log) before
// it is a voter.
const MemberChangeTimeout = 30 * time.Second

// waitNotLeader is MemberReply.Wait from a member that does not lead.
const waitNotLeader = "not the leader"

// memberRetry is the pause between rounds of asking while a change is in
// progress or no leader answers.
const memberRetry = 100 * time.Millisecond

// Member is one member of a configuration, as /members and /status show
// it. MatchIndex is how far its log is known to match the leader's: only
// the leader knows (-1 elsewhere); a learner close to the leader's last
// index is about to become a voter.
type Member struct {
	ID         int    `json:"id"`
	Addr       string `json:"addr"`
	Learner    bool   `json:"learner"`
	MatchIndex int    `json:"match_index"`
}

// Members is what GET /members answers, and POST and DELETE /members once
// done: a node's configuration in use, the index of its log entry (0 for
// the first), whether it committed, and the leader as the node knows it.
type Members struct {
	Index     int      `json:"index"`
	Committed bool     `json:"committed"`
	Leader    int      `json:"leader"`
	Members   []Member `json:"members"`
}

// membersOf is the Members view of a Raft peer's status.
func membersOf(rs raft.Status, leader int) Members {
	m := Members{Index: rs.ConfigIndex, Committed: rs.ConfigCommitted, Leader: leader, Members: []Member{}}
	for _, s := range rs.Members {
		m.Members = append(m.Members, Member{ID: s.ID, Addr: s.Addr, Learner: s.Learner, MatchIndex: s.MatchIndex})
	}
	return m
}

// voters is the forwarder's list: the voters of the configuration in use.
func (n *Node) voters() []int {
	cfg, _, _ := n.kv.Raft().Configuration()
	var ids []int
	for _, s := range cfg.Servers {
		if !s.Learner {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// members lists every member of the configuration in use, learners too.
func (n *Node) members() []int {
	cfg, _, _ := n.kv.Raft().Configuration()
	var ids []int
	for _, s := range cfg.Servers {
		ids = append(ids, s.ID)
	}
	return ids
}

// MemberArgs and MemberReply are the membership service's RPC arguments
// and reply.
type MemberArgs struct {
	ID   int
	Addr string // for Add
}

type MemberReply struct {
	Done   bool    // the change is in a committed configuration of the leader
	Refuse string  // why the change can never be made as asked; empty otherwise
	Status int     // with Refuse: the HTTP status to answer (400 or 409)
	Wait   string  // why it is not done yet (not the leader, a change in progress, a learner catching up)
	View   Members // the answering member's configuration
}

// membership is the RPC service (labrpc name "membership") through which a
// node asks the leader's Raft peer to change the configuration.
type membership struct{ n *Node }

// Add asks for args.ID at args.Addr as a member; Done once it is a voter
// in a committed configuration of this leader.
func (m membership) Add(args *MemberArgs, reply *MemberReply) {
	m.change(args, reply, func(rf *raft.Raft, cfg raft.Configuration) (bool, error) {
		if s, ok := server(cfg, args.ID); ok && s.Addr == args.Addr && !s.Learner {
			return true, nil
		}
		_, _, err := rf.AddServer(args.ID, args.Addr)
		return false, err
	})
}

// Remove asks for args.ID to leave; Done once a committed configuration of
// this leader lacks it.
func (m membership) Remove(args *MemberArgs, reply *MemberReply) {
	m.change(args, reply, func(rf *raft.Raft, cfg raft.Configuration) (bool, error) {
		if _, ok := server(cfg, args.ID); !ok {
			return true, nil
		}
		_, _, err := rf.RemoveServer(args.ID)
		return false, err
	})
}

// change answers for the leader only: its committed configuration is the
// cluster's. step reports whether cfg already has the change, or asks Raft
// for it.
func (m membership) change(args *MemberArgs, reply *MemberReply, step func(*raft.Raft, raft.Configuration) (bool, error)) {
	rf := m.n.kv.Raft()
	defer func() { reply.View = membersOf(rf.Status(), m.n.leaderHint()) }()
	if _, isLeader := rf.GetState(); !isLeader {
		reply.Wait = waitNotLeader
		return
	}
	cfg, _, committed := rf.Configuration()
	done, err := step(rf, cfg)
	switch {
	case done && committed:
		reply.Done = true
	case done:
		reply.Wait = "the configuration with the change has not committed yet"
	case err == nil:
		reply.Wait = "the change is under way (a learner catching up, or an entry not yet committed)"
	case errors.Is(err, raft.ErrNotLeader):
		reply.Wait = waitNotLeader
	case errors.Is(err, raft.ErrChangeInProgress):
		reply.Wait = "another change is in progress (an entry not yet committed, or a learner catching up: DELETE it if it never will)"
	case errors.Is(err, raft.ErrBadServer):
		reply.Refuse, reply.Status = fmt.Sprintf("member id %d out of range", args.ID), http.StatusBadRequest
	case errors.Is(err, raft.ErrIDInUse):
		s, _ := server(cfg, args.ID)
		reply.Refuse, reply.Status = fmt.Sprintf("member %d exists at another address, %s: remove it first", args.ID, s.Addr), http.StatusConflict
	case errors.Is(err, raft.ErrLastVoter):
		reply.Refuse, reply.Status = fmt.Sprintf("member %d is the last voter", args.ID), http.StatusConflict
	default:
		reply.Refuse, reply.Status = err.Error(), http.StatusConflict
	}
}

// server finds member id in cfg.
func server(cfg raft.Configuration, id int) (raft.Server, bool) {
	for _, s := range cfg.Servers {
		if s.ID == id {
			return s, true
		}
	}
	return raft.Server{}, false
}

// changeMembers asks member after member (the leader hint first) to make
// the change method ("Add" or "Remove"), round after round, until one
// reports it done or refuses it, ctx ends, or the node stops.
func (n *Node) changeMembers(ctx context.Context, method string, args MemberArgs) (MemberReply, error) {
	last := "no member tried"
	srv := n.leaderHint()
	for round := 0; ; round++ {
		if round > 0 {
			t := time.NewTimer(memberRetry)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			case <-n.stopping:
				t.Stop()
			}
		}
		ids := n.voters()
		if len(ids) == 0 {
			last = "this node is in no configuration yet (a new member that has not joined)"
		}
		// The hint first, then the rest in order.
		if i := slices.Index(ids, srv); i > 0 {
			ids = append(append([]int{srv}, ids[:i]...), ids[i+1:]...)
		}
		for _, id := range ids {
			select {
			case <-n.stopping:
				return MemberReply{}, errors.New("the node is stopping")
			default:
			}
			if ctx.Err() != nil {
				break
			}
			var reply MemberReply
			if id == n.cfg.ID {
				membership{n}.call(method, &args, &reply)
			} else if end, ok := n.peers.end(id); !ok || !end.Call("membership."+method, &args, &reply) {
				last = fmt.Sprintf("member %d did not answer", id)
				continue
			}
			switch {
			case reply.Done, reply.Refuse != "":
				srv = id
				n.fwd.leader.Store(int64(id))
				return reply, nil
			case reply.Wait != waitNotLeader:
				// The leader answered: the others would only say
				// they are not.
				srv = id
				last = fmt.Sprintf("member %d: %s", id, reply.Wait)
			default:
				last = fmt.Sprintf("member %d: %s", id, reply.Wait)
				continue
			}
			break
		}
		if ctx.Err() != nil {
			return MemberReply{}, fmt.Errorf("not done within the deadline (last: %s)", last)
		}
	}
}

// call runs method in process.
func (m membership) call(method string, args *MemberArgs, reply *MemberReply) {
	if method == "Add" {
		m.Add(args, reply)
	} else {
		m.Remove(args, reply)
	}
}

// leaderHint is the leader of the current term as this node's Raft peer
// knows it (this node if it leads); if it knows none, the member that last
// answered this node's requests, or -1.
func (n *Node) leaderHint() int {
	if id, _ := n.kv.Raft().Leader(); id >= 0 {
		return id
	}
	return n.fwd.leaderHint()
}

// handleMembers answers GET /members: this node's configuration.
func (n *Node) handleMembers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, membersOf(n.kv.Raft().Status(), n.leaderHint()))
}

// handleAddMember answers POST /members {"id": N, "addr": "host:port"}: 200
// and the leader's configuration once N is a voter in a committed one.
func (n *Node) handleAddMember(w http.ResponseWriter, r *http.Request) {
	var args struct {
		ID   *int   `json:"id"`
		Addr string `json:"addr"`
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("reading the body: %v", err))
		return
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&args); err != nil || dec.More() {
		httpError(w, http.StatusBadRequest, `want one JSON object {"id": N, "addr": "host:port"}`)
		return
	}
	switch {
	case args.ID == nil:
		httpError(w, http.StatusBadRequest, `no "id"`)
		return
	case *args.ID < 0 || *args.ID > MaxMemberID:
		httpError(w, http.StatusBadRequest, fmt.Sprintf("id %d out of range 0 to %d", *args.ID, MaxMemberID))
		return
	}
	if _, _, err := net.SplitHostPort(args.Addr); err != nil || strings.TrimSpace(args.Addr) != args.Addr {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("addr %q: want the new member's peer address, host:port", args.Addr))
		return
	}
	n.logf("membership: asked to add member %d at %s", *args.ID, args.Addr)
	n.answerChange(w, r, "Add", MemberArgs{ID: *args.ID, Addr: args.Addr})
}

// handleRemoveMember answers DELETE /members/{id}: 200 and the leader's
// configuration once a committed one lacks id.
func (n *Node) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 0 || id > MaxMemberID {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("member id %q: want 0 to %d", r.PathValue("id"), MaxMemberID))
		return
	}
	n.logf("membership: asked to remove member %d", id)
	n.answerChange(w, r, "Remove", MemberArgs{ID: id})
}

func (n *Node) answerChange(w http.ResponseWriter, r *http.Request, method string, args MemberArgs) {
	ctx, cancel := context.WithTimeout(r.Context(), MemberChangeTimeout)
	defer cancel()
	reply, err := n.changeMembers(ctx, method, args)
	switch {
	case err != nil:
		n.logf("membership: %s %d: %v", strings.ToLower(method), args.ID, err)
		httpError(w, http.StatusServiceUnavailable, err.Error())
	case reply.Refuse != "":
		n.logf("membership: %s %d refused: %s", strings.ToLower(method), args.ID, reply.Refuse)
		httpError(w, reply.Status, reply.Refuse)
	default:
		n.logf("membership: %s %d done: configuration at %d %s", strings.ToLower(method), args.ID, reply.View.Index, formatMembers(reply.View.Members))
		writeJSON(w, http.StatusOK, reply.View)
	}
}

// formatMembers is a configuration in one short line: "[0 1 2 3L]" (L for
// a learner).
func formatMembers(ms []Member) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(m.ID))
		if m.Learner {
			b.WriteByte('L')
		}
	}
	return b.String() + "]"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// joinTimeout bounds each POST /members the join loop sends; the member
// answering bounds its own work by MemberChangeTimeout.
const joinTimeout = MemberChangeTimeout + 5*time.Second

// joinRetry is the pause between join attempts that got no answer.
const joinRetry = time.Second

// join asks the cluster at Config.Join to add this node, until it is a
// voter, the cluster refuses (a 4xx), or the node stops; it reports the
// outcome on n.joined.
func (n *Node) join() {
	defer close(n.joinDone)
	// Ask even if this node's configuration shows it a voter: that may be
	// stale (a removed member is not told), and asking again is harmless.
	self := MemberArgs{ID: n.cfg.ID, Addr: n.cfg.Addr}
	body, _ := json.Marshal(map[string]any{"id": self.ID, "addr": self.Addr})
	client := &http.Client{Timeout: joinTimeout}
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), joinTimeout)
		go func() {
			select {
			case <-n.stopping:
				cancel()
			case <-ctx.Done():
			}
		}()
		n.logf("join: asking %s to add member %d at %s (attempt %d)", n.cfg.Join, self.ID, self.Addr, attempt)
		status, answer, err := postJSON(ctx, client, n.cfg.Join+"/members", body)
		cancel()
		switch {
		case err == nil && status == http.StatusOK:
			n.logf("join: member %d is a voter: %s", self.ID, strings.TrimSpace(answer))
			n.joined <- nil
			return
		case err == nil && status >= 400 && status < 500:
			err := fmt.Errorf("join: %s refused to add member %d at %s: %d %s", n.cfg.Join, self.ID, self.Addr, status, strings.TrimSpace(answer))
			n.logf("%v", err)
			n.joined <- err
			return
		case err == nil:
			n.logf("join: %s answered %d: %s; asking again in %v", n.cfg.Join, status, strings.TrimSpace(answer), joinRetry)
		default:
			n.logf("join: %s: %v; asking again in %v", n.cfg.Join, err, joinRetry)
		}
		t := time.NewTimer(joinRetry)
		select {
		case <-t.C:
		case <-n.stopping:
			t.Stop()
			n.joined <- errors.New("join: the node stopped before it joined")
			return
		}
	}
}

// Joined reports, once, the outcome of Config.Join: nil when this node is
// a voter, an error when the cluster refused it or the node stopped first.
// Without Join it never reports.
func (n *Node) Joined() <-chan error { return n.joined }

func postJSON(ctx context.Context, client *http.Client, url string, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b), err
}
