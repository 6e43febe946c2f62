package torture

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"raftlab/cluster/node"
)

// messagesEvery is how often a run with big values asks each member for
// the Raft RPCs it sent (GET /messages): well within node.MessageWatch,
// so the members keep noting them, and within the ring of the last
// node.MessageRing, so none goes uncounted.
const messagesEvery = 2 * time.Second

// snapWatch counts, for a run with big values (Config.MaxValue), what the
// snapshots did: how often the members' snapshot index moved (a snapshot
// taken, or one installed from the leader: the monitor's /status samples
// tell at most one per 100 ms), the InstallSnapshot calls the leaders sent
// (a chunk each) and to how many followers in how many terms, and the
// largest data directory seen. A run without big values does not watch:
// asking for /messages makes a member note its RPCs.
type snapWatch struct {
	m *members

	mu        sync.Mutex
	index     map[int]int // by member: the snapshot index last seen
	advances  int         // times a member's snapshot index was seen to move up
	maxDisk   int64       // the largest disk_bytes seen
	since     map[int]int64
	chunks    int             // InstallSnapshot calls sent
	dropped   int             // of them, dropped by a member's fault control (a partition)
	transfers map[[3]int]bool // (leader, follower, term) of each
}

func newSnapWatch(m *members) *snapWatch {
	return &snapWatch{m: m, index: map[int]int{}, since: map[int]int64{}, transfers: map[[3]int]bool{}}
}

// status records what member id's /status says.
func (w *snapWatch) status(id int, st node.Status) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev, ok := w.index[id]; ok && st.SnapshotIndex > prev {
		w.advances++
	}
	w.index[id] = st.SnapshotIndex
	w.maxDisk = max(w.maxDisk, st.DiskBytes)
}

// run asks every live member for its RPCs every messagesEvery until ctx
// ends.
func (w *snapWatch) run(ctx context.Context) {
	for wait(ctx, messagesEvery) {
		for _, id := range w.m.live() {
			w.messages(ctx, id)
		}
	}
}

// messages counts the InstallSnapshot calls member id sent since it was
// last asked.
func (w *snapWatch) messages(ctx context.Context, id int) {
	ctx, cancel := context.WithTimeout(ctx, controlTimeout)
	defer cancel()
	w.mu.Lock()
	since := w.since[id]
	w.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.m.url(id)+"/messages?since="+strconv.FormatInt(since, 10), nil)
	if err != nil {
		return
	}
	resp, err := w.m.client.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var v node.Messages
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&v) != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, msg := range v.Messages {
		if msg.Kind == "InstallSnapshot" {
			w.chunks++
			if msg.Dropped {
				w.dropped++
			}
			w.transfers[[3]int{msg.From, msg.To, msg.Term}] = true
		}
	}
	// A message sent in the millisecond of the answer may be counted
	// twice, never missed.
	w.since[id] = v.NowMs
}

// summary is the summary's line about snapshots.
func (w *snapWatch) summary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprintf("snapshot index seen moving up %d times over the members (/status each 100 ms); %d InstallSnapshot calls (a chunk each; %d dropped by a partition) from leaders to %d (follower, term) pairs; largest data directory %.1f MB",
		w.advances, w.chunks, w.dropped, len(w.transfers), float64(w.maxDisk)/1e6)
}
