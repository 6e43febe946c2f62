package kvraft

import (
	"fmt"
	"strings"
	"testing"
)

// snapshotCost writes n values of size bytes to distinct keys through a
// 3-server group with maxraftstate 1000 and returns, for the server that
// encoded the most, the snapshot bytes it encoded, and the bytes written.
func snapshotCost(t *testing.T, inProportion bool, n, size int) (encoded, written int64, raftState int) {
	cfg := make_config(t, 3, false, 1000)
	defer cfg.cleanup()
	if inProportion {
		for _, kv := range cfg.kvservers {
			kv.SnapshotInProportion()
		}
	}
	ck := cfg.makeClient(cfg.All())
	for i := range n {
		v := strings.Repeat(string(rune('a'+i%26)), size)
		ck.Put(fmt.Sprintf("k%03d", i), v)
		written += int64(size)
	}
	for _, kv := range cfg.kvservers {
		kv.mu.Lock()
		encoded = max(encoded, kv.encodedBytes)
		kv.mu.Unlock()
	}
	return encoded, written, cfg.LogSize()
}

// With SnapshotInProportion the snapshots a server encodes add up to a
// small multiple of the bytes written, however large the state grows; by
// the course's rule (a snapshot whenever the Raft state passes
// maxraftstate) they grow with the state times the writes.
func TestSnapshotCostInProportion(t *testing.T) {
	const n, size = 150, 2000
	enc, written, logSize := snapshotCost(t, true, n, size)
	t.Logf("in proportion: %d snapshot bytes encoded for %d bytes written (%.1fx), Raft state %d bytes", enc, written, float64(enc)/float64(written), logSize)
	if enc > 4*written {
		t.Errorf("in proportion: %d snapshot bytes encoded for %d written, want at most 4x", enc, written)
	}
	if enc == 0 {
		t.Errorf("in proportion: no snapshot taken while the state grew to %d bytes", written)
	}
	if limit := 3*int(written) + 8*1000; logSize > limit {
		t.Errorf("in proportion: Raft state %d bytes, want at most about twice the state (%d)", logSize, limit)
	}
	courseEnc, _, _ := snapshotCost(t, false, n, size)
	t.Logf("course rule: %d snapshot bytes encoded (%.1fx)", courseEnc, float64(courseEnc)/float64(written))
	if courseEnc < 10*enc {
		t.Errorf("the course's rule encoded %d bytes, in proportion %d: the comparison shows nothing", courseEnc, enc)
	}
}
