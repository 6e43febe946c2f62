package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// MaxFaultDelay bounds each delay a Faults asks for.
const MaxFaultDelay = 10 * time.Second

// Faults are the faults a node started for fault injection (raftlab
// torture) puts on itself, as PUT /faults takes them in JSON:
//
//	{"drop": [1, 2], "delay_ms": {"1": 50}, "fsync_delay_ms": 20}
//
// Calls this node makes to a member in Drop are lost (they wait out the
// transport's deadline and fail), its calls to a member in DelayMs wait
// that many milliseconds before they go, and every save to its disk takes
// FsyncDelayMs longer. A partition is two-sided when both sides drop each
// other, which is how raftlab torture sets it. The zero Faults is none.
type Faults struct {
	Drop         []int       `json:"drop,omitempty"`
	DelayMs      map[int]int `json:"delay_ms,omitempty"`
	FsyncDelayMs int         `json:"fsync_delay_ms,omitempty"`
}

// ParseFaults decodes and checks Faults for member self: member ids from 0
// to MaxMemberID and not self, delays from 0 to MaxFaultDelay, no unknown
// fields. A member the node does not know yet is faulted once it learns
// the member's address (from a configuration that names it).
func ParseFaults(b []byte, self int) (Faults, error) {
	var f Faults
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Faults{}, fmt.Errorf("faults: %v", err)
	}
	if dec.More() {
		return Faults{}, fmt.Errorf("faults: more than one JSON value")
	}
	return f, f.check(self)
}

func (f Faults) check(self int) error {
	member := func(what string, id int) error {
		if id < 0 || id > MaxMemberID || id == self {
			return fmt.Errorf("faults: %s names member %d; want another member's id, 0 to %d", what, id, MaxMemberID)
		}
		return nil
	}
	for _, id := range f.Drop {
		if err := member("drop", id); err != nil {
			return err
		}
	}
	maxMs := int(MaxFaultDelay / time.Millisecond)
	for id, ms := range f.DelayMs {
		if err := member("delay_ms", id); err != nil {
			return err
		}
		if ms < 0 || ms > maxMs {
			return fmt.Errorf("faults: delay_ms %d for member %d; want 0 to %d", ms, id, maxMs)
		}
	}
	if f.FsyncDelayMs < 0 || f.FsyncDelayMs > maxMs {
		return fmt.Errorf("faults: fsync_delay_ms %d; want 0 to %d", f.FsyncDelayMs, maxMs)
	}
	return nil
}

// String is the one-line form of the node's log.
func (f Faults) String() string {
	if len(f.Drop) == 0 && len(f.DelayMs) == 0 && f.FsyncDelayMs == 0 {
		return "none"
	}
	drop := slices.Clone(f.Drop)
	slices.Sort(drop)
	s := fmt.Sprintf("drop %v", drop)
	ids := make([]int, 0, len(f.DelayMs))
	for id := range f.DelayMs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	s += ", delay"
	for _, id := range ids {
		s += fmt.Sprintf(" %d:%dms", id, f.DelayMs[id])
	}
	return s + fmt.Sprintf(", fsync delay %dms", f.FsyncDelayMs)
}

// setFaults puts f in force. Caller has checked f.
func (n *Node) setFaults(f Faults) {
	n.faultMu.Lock()
	defer n.faultMu.Unlock()
	n.faults = f
	n.resolveFaultsLocked()
	n.storage.setDelay(time.Duration(f.FsyncDelayMs) * time.Millisecond)
	n.logf("faults: %v", f)
}

// resolveFaults puts the faults in force on the addresses the node knows
// for their members: again whenever it learns a member's address.
func (n *Node) resolveFaults() {
	n.faultMu.Lock()
	defer n.faultMu.Unlock()
	n.resolveFaultsLocked()
}

func (n *Node) resolveFaultsLocked() {
	f := n.faults
	drop := n.peers.addrsOf(f.Drop)
	delay := make(map[string]time.Duration, len(f.DelayMs))
	for id, ms := range f.DelayMs {
		for _, a := range n.peers.addrsOf([]int{id}) {
			delay[a] = time.Duration(ms) * time.Millisecond
		}
	}
	n.linkFaults.Set(drop, delay)
}

// handleFaults answers GET /faults with the faults in force and sets them
// on PUT /faults.
func (n *Node) handleFaults(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("reading the body: %v", err))
			return
		}
		f, err := ParseFaults(b, n.cfg.ID)
		if err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		n.setFaults(f)
	}
	n.faultMu.Lock()
	b, _ := json.Marshal(n.faults) // ints only: always encodes
	n.faultMu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}
