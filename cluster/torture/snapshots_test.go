package torture

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"raftlab/cluster/node"
)

// The snapshots line counts the moves of each member's snapshot index
// (not its first sighting), the InstallSnapshot calls and their transfers
// from the members' /messages, and the largest data directory.
func TestSnapWatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/messages" || r.URL.Query().Get("since") == "" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"now_ms": 5000, "messages": [
			{"time_ms": 4000, "from": 0, "to": 1, "kind": "Heartbeat", "term": 3},
			{"time_ms": 4001, "from": 0, "to": 1, "kind": "InstallSnapshot", "term": 3},
			{"time_ms": 4002, "from": 0, "to": 1, "kind": "InstallSnapshot", "term": 3},
			{"time_ms": 4003, "from": 0, "to": 2, "kind": "InstallSnapshot", "term": 3, "dropped": true}]}`))
	}))
	defer srv.Close()
	m := &members{http: []string{srv.URL}, used: 1, retired: make([]bool, 1), client: srv.Client()}
	w := newSnapWatch(m)
	for _, st := range []node.Status{{ID: 0, SnapshotIndex: 7, DiskBytes: 2e6}, {ID: 0, SnapshotIndex: 7}, {ID: 0, SnapshotIndex: 9, DiskBytes: 5e6}, {ID: 0, SnapshotIndex: 12}} {
		w.status(0, st)
	}
	w.status(1, node.Status{ID: 1, SnapshotIndex: 12})
	w.messages(context.Background(), 0)
	if w.since[0] != 5000 {
		t.Errorf("next asks since %d, want 5000 (the node's clock at the answer)", w.since[0])
	}
	want := "snapshot index seen moving up 2 times over the members (/status each 100 ms); 3 InstallSnapshot calls (a chunk each; 1 dropped by a partition) from leaders to 2 (follower, term) pairs; largest data directory 5.0 MB"
	if got := w.summary(); got != want {
		t.Errorf("summary\n%s\nwant\n%s", got, want)
	}
}
