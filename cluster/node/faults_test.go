package node

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Without Config.Faults a node has no /faults at all.
func TestNoFaultControlByDefault(t *testing.T) {
	c := newCluster(t, 1, 0, 0)
	for _, m := range []string{"GET", "PUT"} {
		if code, _ := c.do(0, m, "/faults", `{"drop":[1]}`); code != http.StatusNotFound && code != http.StatusMethodNotAllowed {
			t.Fatalf("%s /faults on a node without the fault control: %d, want 404 or 405", m, code)
		}
	}
}

// ParseFaults takes what PUT /faults documents and refuses the rest with
// a reason.
func TestParseFaults(t *testing.T) {
	f, err := ParseFaults([]byte(`{"drop":[0,2],"delay_ms":{"2":50},"fsync_delay_ms":20}`), 1)
	if err != nil || len(f.Drop) != 2 || f.DelayMs[2] != 50 || f.FsyncDelayMs != 20 {
		t.Fatalf("ParseFaults = %+v, %v", f, err)
	}
	if got := f.String(); got != "drop [0 2], delay 2:50ms, fsync delay 20ms" {
		t.Fatalf("String = %q", got)
	}
	for _, bad := range []string{``, `{`, `[]`, `{"drop":[1]}`, `{"drop":[1048576]}`, `{"drop":[-1]}`, `{"delay_ms":{"0":-5}}`,
		`{"delay_ms":{"0":99999999}}`, `{"fsync_delay_ms":-1}`, `{"dorp":[0]}`, `{} {}`, `{"delay_ms":{"x":5}}`} {
		if _, err := ParseFaults([]byte(bad), 1); err == nil {
			t.Errorf("ParseFaults(%q) accepted it", bad)
		}
	}
}

// Partitioning the leader away through PUT /faults on every node makes
// the others elect a new one, and the old leader answers 503; healing
// brings it back up to date. GET /faults shows what is in force, and a
// bad PUT changes nothing.
func TestFaultControlPartitionsTheLeader(t *testing.T) {
	c := newClusterWith(t, 3, 4*time.Second, 0, true) // a forward to the lost leader waits out the transport's 2 s first
	old := c.leader()
	put := func(i int, f string) {
		c.t.Helper()
		c.must(i, http.StatusOK, "PUT", "/faults", f)
	}
	for i := range 3 {
		if i == old {
			put(i, fmt.Sprintf(`{"drop":[%d,%d]}`, (i+1)%3, (i+2)%3))
		} else {
			put(i, fmt.Sprintf(`{"drop":[%d]}`, old))
		}
	}
	if code, body := c.do(old, "PUT", "/faults", `{"drop":[2000000]}`); code != http.StatusBadRequest || !strings.Contains(body, "member 2000000") {
		t.Fatalf("a bad PUT /faults: %d %q, want 400 naming member 2000000", code, body)
	}
	var f Faults
	if err := json.Unmarshal([]byte(c.must(old, http.StatusOK, "GET", "/faults", "")), &f); err != nil || len(f.Drop) != 2 {
		t.Fatalf("GET /faults on the cut-off leader = %+v, %v; want its two drops", f, err)
	}
	other := (old + 1) % 3
	c.must(other, http.StatusNoContent, "PUT", "/kv/k", "after")
	if code, _ := c.do(old, "GET", "/kv/k", ""); code != http.StatusServiceUnavailable {
		t.Fatalf("the cut-off old leader answered a read with %d, want 503", code)
	}
	for i := range 3 {
		put(i, `{}`)
	}
	c.get(old, "k", "after")
}
