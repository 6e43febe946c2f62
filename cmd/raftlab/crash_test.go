package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"raftlab/linearizability"
)

// writers puts distinct keys through urls (writer w starts at urls[w%len])
// until stop is closed, and returns the writes that got a 2xx.
type writers struct {
	mu    sync.Mutex
	acked map[string]string
	stop  chan struct{}
	wg    sync.WaitGroup
}

func startWriters(n int, urls []string) *writers {
	ws := &writers{acked: map[string]string{}, stop: make(chan struct{})}
	for w := range n {
		ws.wg.Go(func() {
			order := append(append([]string{}, urls[w%len(urls):]...), urls[:w%len(urls)]...)
			for i := 0; ; i++ {
				select {
				case <-ws.stop:
					return
				default:
				}
				key, value := fmt.Sprintf("w%d-%d", w, i), fmt.Sprintf("v%d-%d", w, i)
				if _, err := doKV(order, http.MethodPut, key, value); err == nil {
					ws.mu.Lock()
					ws.acked[key] = value
					ws.mu.Unlock()
				}
			}
		})
	}
	return ws
}

// waitAcked waits up to 10 s for n more writes to be acknowledged.
func (ws *writers) waitAcked(t *testing.T, n int) {
	t.Helper()
	ws.mu.Lock()
	want := len(ws.acked) + n
	ws.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ws.mu.Lock()
		got := len(ws.acked)
		ws.mu.Unlock()
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes acknowledged within 10 s; want %d", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// end stops the writers and returns what was acknowledged.
func (ws *writers) end() map[string]string {
	close(ws.stop)
	ws.wg.Wait()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.acked
}

// checkAcked reads every acknowledged write through node i.
func (c *testCluster) checkAcked(i int, acked map[string]string) {
	c.t.Helper()
	if len(acked) < 10 {
		c.t.Fatalf("only %d writes acknowledged; the test proves little", len(acked))
	}
	for key, want := range acked {
		if v, status, err := c.get(i, key); err != nil || status != 200 || v != want {
			c.t.Fatalf("acknowledged write %s=%q read back through node %d: %q %d %v", key, want, i, v, status, err)
		}
	}
}

// waitApplied waits up to 10 s for node i to apply what node from has
// committed.
func (c *testCluster) waitApplied(i, from int) {
	c.t.Helper()
	st, err := c.status(from)
	if err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := c.status(i)
		if err == nil && got.Applied >= st.CommitIndex {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("node %d has not applied index %d within 10 s: %+v %v", i, st.CommitIndex, got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// All three nodes killed with kill -9 at once, in the middle of writes,
// and started again: every acknowledged write is there.
func TestKillAllKeepsAcknowledgedWrites(t *testing.T) {
	c := newCluster(t, 3)
	c.waitLeader(0, 1, 2)
	ws := startWriters(4, c.http)
	ws.waitAcked(t, 200)
	for _, p := range c.procs {
		p.cmd.Process.Kill() // all at once, then reap
	}
	for _, p := range c.procs {
		<-p.done
	}
	acked := ws.end()
	for i := range 3 {
		c.start(i)
	}
	leader := c.waitLeader(0, 1, 2)
	c.checkAcked((leader+1)%3, acked) // a follower: every read forwarded
	t.Logf("%d acknowledged writes, all readable after every node was killed and restarted", len(acked))
}

// A follower killed in the middle of an append, which the disk cut short
// (its wal ends in a record not whole, as a crash mid-write leaves it),
// drops that record with a log line, starts, and catches up; every
// acknowledged write reads back through it.
func TestTornTailRecovers(t *testing.T) {
	c := newCluster(t, 3)
	leader := c.waitLeader(0, 1, 2)
	f := (leader + 1) % 3
	ws := startWriters(4, []string{c.http[leader]})
	ws.waitAcked(t, 200)
	// The append the crash interrupted: a copy of the last record (the
	// next one looks the same to the disk), all but its last 3 bytes.
	wal, b := c.killAndReadWal(f)
	last := lastRecord(t, b)
	if err := os.WriteFile(wal, append(b, last[:len(last)-3]...), 0o644); err != nil {
		t.Fatal(err)
	}
	ws.waitAcked(t, 50) // writes go on while f is down
	c.start(f)
	acked := ws.end()
	c.waitApplied(f, leader)
	want := fmt.Sprintf("dropped %d bytes at offset %d, a record torn by a crash during an append", len(last)-3, len(b))
	if log := c.procs[f].stderr.String(); !strings.Contains(log, want) {
		t.Fatalf("restarted node %d's log lacks %q:\n%s", f, want, log)
	}
	c.checkAcked(f, acked)
	t.Logf("node %d dropped its torn last record and caught up; %d acknowledged writes readable through it", f, len(acked))
}

// killAndReadWal kills node i with kill -9 and returns its wal's path and
// bytes.
func (c *testCluster) killAndReadWal(i int) (string, []byte) {
	c.t.Helper()
	c.procs[i].kill()
	wal := filepath.Join(c.dirs[i], "wal")
	b, err := os.ReadFile(wal)
	if err != nil {
		c.t.Fatal(err)
	}
	return wal, b
}

// lastRecord returns the last whole record of a wal's bytes (cluster/disk's
// layout: a 20-byte header, then records of a 4-byte payload length, two
// 4-byte checksums and the payload).
func lastRecord(t *testing.T, wal []byte) []byte {
	t.Helper()
	var last []byte
	for off := 20; off < len(wal); {
		if len(wal)-off < 12 {
			t.Fatalf("wal: %d bytes at offset %d, not a record", len(wal)-off, off)
		}
		n := 12 + int(binary.BigEndian.Uint32(wal[off:]))
		if off+n > len(wal) {
			t.Fatalf("wal: record at offset %d runs past the end", off)
		}
		last, off = wal[off:off+n], off+n
	}
	if last == nil {
		t.Fatal("wal holds no record")
	}
	return last
}

// A follower whose wal is damaged in the middle refuses to start, naming
// the file and the offset and saying what to do, and changes nothing; the
// other two keep serving.
func TestCorruptRecordRefusesToStart(t *testing.T) {
	c := newCluster(t, 3)
	leader := c.waitLeader(0, 1, 2)
	f := (leader + 1) % 3
	ws := startWriters(2, []string{c.http[leader]})
	ws.waitAcked(t, 100)
	acked := ws.end()
	wal, b := c.killAndReadWal(f)
	if len(b) < 1000 {
		t.Fatalf("wal of node %d is %d bytes; want many records", f, len(b))
	}
	b[len(b)/2] ^= 0x10
	if err := os.WriteFile(wal, b, 0o644); err != nil {
		t.Fatal(err)
	}
	c.start(f)
	if code := c.procs[f].wait(t, 10*time.Second); code != 1 {
		t.Fatalf("node %d on a damaged wal exited %d; want 1", f, code)
	}
	log := c.procs[f].stderr.String()
	for _, want := range []string{wal + ": corrupt at offset ", "The files are left as they are", "restore the directory from a backup"} {
		if !strings.Contains(log, want) {
			t.Errorf("node %d's last words lack %q:\n%s", f, want, log)
		}
	}
	if after, err := os.ReadFile(wal); err != nil || string(after) != string(b) {
		t.Errorf("node %d changed its damaged wal (err %v)", f, err)
	}
	survivor := 3 - leader - f
	if _, err := doKV([]string{c.http[survivor]}, http.MethodPut, "after", "1"); err != nil {
		t.Fatalf("a write through node %d with node %d down: %v", survivor, f, err)
	}
	c.checkAcked(survivor, acked)
}

// kvCall is one request with the client's own id and seq; ok is false when
// the outcome is unknown (no answer, or not a 2xx; a read's 404 is "").
func kvCall(client *http.Client, base, method, key, body string, id int64, seq int) (value string, ok bool) {
	status, b, err := kvRequest(client, base, method, key, body, id, seq)
	switch {
	case err != nil:
		return "", false
	case status == http.StatusNotFound && method == http.MethodGet:
		return "", true
	case status/100 == 2:
		return string(b), true
	}
	return "", false
}

// Clients through a follower (forwarded) and through the leader put,
// append and get on a few keys at once; the whole history is linearizable.
// The same history with one read changed is not, so the check can fail.
func TestForwardedOperationsLinearizable(t *testing.T) {
	c := newCluster(t, 3)
	leader := c.waitLeader(0, 1, 2)
	var (
		mu      sync.Mutex
		history []linearizability.Operation
		wg      sync.WaitGroup
		start   = time.Now()
	)
	const clients, perClient = 6, 60
	seed := rand.Uint64()
	t.Logf("seed %d (the clients' choices of operation and key; timing is the cluster's)", seed)
	for cl := range clients {
		base := c.http[(leader+cl)%3] // two clients at each node, one of them the leader
		rng := rand.New(rand.NewPCG(seed, uint64(cl)))
		wg.Go(func() {
			client := &http.Client{Timeout: attemptTimeout}
			id := rng.Int64N(1<<62) + 1
			for i := range perClient {
				in := linearizability.KvInput{Key: "k" + strconv.Itoa(rng.IntN(3))}
				method := http.MethodGet
				switch rng.IntN(3) {
				case 0:
					in.Op, in.Value, method = linearizability.KvPut, fmt.Sprintf("p%d.%d;", cl, i), http.MethodPut
				case 1:
					in.Op, in.Value, method = linearizability.KvAppend, fmt.Sprintf("a%d.%d;", cl, i), http.MethodPost
				}
				call := time.Since(start).Nanoseconds()
				v, ok := kvCall(client, base, method, in.Key, in.Value, id, i+1)
				ret := time.Since(start).Nanoseconds()
				switch {
				case !ok && method == http.MethodGet:
					continue // a read with no answer constrains nothing
				case !ok:
					ret = math.MaxInt64 // a write may have taken effect at any time after its call
				}
				mu.Lock()
				history = append(history, linearizability.Operation{ClientId: cl, Input: in, Call: call,
					Output: linearizability.KvOutput{Value: v}, Return: ret})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res, info := linearizability.CheckOperationsTimeout(linearizability.KvModel, history, 20*time.Second)
	if res != linearizability.Ok {
		page := filepath.Join(t.TempDir(), "history.html")
		linearizability.VisualizePath(linearizability.KvModel, info, page)
		t.Fatalf("%d operations through followers and the leader: %v (page %s)", len(history), res, page)
	}
	// Change the last read that saw a value to one never written.
	for i := len(history) - 1; i >= 0; i-- {
		op := history[i]
		if in := op.Input.(linearizability.KvInput); in.Op == linearizability.KvGet && op.Output.(linearizability.KvOutput).Value != "" {
			history[i].Output = linearizability.KvOutput{Value: "never written"}
			if res, _ := linearizability.CheckOperationsTimeout(linearizability.KvModel, history, 20*time.Second); res != linearizability.Illegal {
				t.Fatalf("the history with read %d changed to a value never written: %v; want Illegal", i, res)
			}
			t.Logf("%d operations from %d clients, at the leader and through followers: linearizable; one read changed: Illegal", len(history), clients)
			return
		}
	}
	t.Fatalf("no read in %d operations saw a value", len(history))
}

// raftlab bench against 3 nodes: a table with writes and reads, no errors.
func TestBench(t *testing.T) {
	c := newCluster(t, 3)
	c.waitLeader(0, 1, 2)
	stdout, stderr, code := raftlab(t, "bench", "-c", "4", "-d", "1s", "-reads", "0.5", "-nodes", strings.Join(c.http, ","))
	if code != 0 {
		t.Fatalf("bench: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("raftlab bench -c 4 -d 1s -reads 0.5:\n%s", stdout)
	for _, kind := range []string{"write", "read", "total"} {
		var okN, errN int
		found := false
		for _, line := range strings.Split(stdout, "\n") {
			if f := strings.Fields(line); len(f) == 8 && f[0] == kind {
				okN, _ = strconv.Atoi(f[1])
				errN, _ = strconv.Atoi(f[2])
				found = true
			}
		}
		if !found || okN < 10 || errN != 0 {
			t.Errorf("bench's %s row: found %v, %d ok, %d errors; want at least 10 ok and none failed", kind, found, okN, errN)
		}
	}
	// With every node down it fails, saying so.
	for _, p := range c.procs {
		p.kill()
	}
	if stdout, _, code := raftlab(t, "bench", "-c", "2", "-d", "300ms", "-nodes", strings.Join(c.http, ",")); code != 1 || !strings.Contains(stdout, "first write error") {
		t.Errorf("bench against dead nodes: exit %d, output:\n%s\nwant exit 1 and the first error", code, stdout)
	}
}
