package main

// The helpers of the BigValues tests (bigvalues_test.go): a cluster of
// three nodes, one of which misses the writes, and the checks made of it.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"raftlab/cluster/node"
)

// bigCluster is three nodes, one of which (lagger) misses the writes.
type bigCluster struct {
	*testCluster
	n      int // values written
	leader int // the leader while the values are written
	lagger int // killed before the writes: node 2, unless it leads
	term   int // the leader's term when the writes began
}

func newBigCluster(t *testing.T) *bigCluster {
	t.Helper()
	if *bigValues < 1 {
		t.Fatalf("-bigvalues %d: want at least 1", *bigValues)
	}
	b := &bigCluster{testCluster: newCluster(t, 3), n: *bigValues}
	b.leader, b.term = b.waitAgree([]int{0, 1, 2})
	b.lagger = 2
	if b.leader == 2 {
		b.lagger = 0
	}
	return b
}

// waitAgree waits up to 10 s for the nodes in live to agree on a term and
// on one of them as its leader, and returns the leader and the term.
func (b *bigCluster) waitAgree(live []int) (leader, term int) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var seen []string
		leader, term = -1, -1
		agree := true
		for _, i := range live {
			st, err := b.status(i)
			seen = append(seen, fmt.Sprintf("node %d %s %v", i, brief(st), err))
			if err != nil || st.Leader < 0 || (leader >= 0 && (st.Leader != leader || st.Term != term)) {
				agree = false
				continue
			}
			leader, term = st.Leader, st.Term
		}
		if agree && slices.Contains(live, leader) {
			return leader, term
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("nodes %v do not agree on a leader among them within 10 s: %s", live, strings.Join(seen, "; "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// other is the node that is neither the leader of the writes nor the lagger.
func (b *bigCluster) other() int { return 3 - b.leader - b.lagger }

// limit is how long the catch-up may take: 2 minutes for 80 values,
// proportionally more for more.
func (b *bigCluster) limit() time.Duration {
	return max(2*time.Minute, time.Duration(b.n)*1500*time.Millisecond)
}

// writeWithLaggerDown kills the lagger with kill -9 and puts the n values
// at the leader, one at a time, each of which must be answered 2xx while
// the leader and its term stay the same on the live nodes. It returns how
// long the writes took. A leader change, or a write answered 503 (sent
// again, with the same Client-Id and Request-Seq, so applied once), fails
// the test (b.timing), which goes on with the leader of the end (its
// figures are still worth having).
func (b *bigCluster) writeWithLaggerDown() time.Duration {
	b.t.Helper()
	b.procs[b.lagger].kill()
	stop := b.watchLeader([]int{b.leader, b.other()}, b.term, b.leader)
	client := &http.Client{Timeout: 2 * time.Minute}
	id := rand.Int64N(1<<62) + 1
	var unavailable []string
	start := time.Now()
	for i := range b.n {
		first := time.Now()
		for {
			status, body, err := kvRequest(client, b.http[b.leader], http.MethodPut, bigKey(i), bigValue(i), id, i+1)
			if err == nil && status/100 == 2 {
				break
			}
			if err != nil || status != http.StatusServiceUnavailable || time.Since(first) > time.Minute {
				b.t.Fatalf("PUT %s (%d bytes, write %d of %d, %v in) at node %d: %d %q %v; changes seen: %v",
					bigKey(i), bigValueSize, i+1, b.n, time.Since(start).Round(time.Millisecond), b.leader, status, body, err, firstChanges(stop()))
			}
			unavailable = append(unavailable, fmt.Sprintf("write %d at %.1f s: %s", i+1, time.Since(start).Seconds(), strings.TrimSpace(string(body))))
		}
	}
	took := time.Since(start)
	if len(unavailable) > 0 {
		b.timing("%d of %d writes answered 503 at the leader and sent again: %s", len(unavailable), b.n, strings.Join(unavailable, "; "))
	}
	if changes := stop(); len(changes) > 0 {
		b.timing("the leader changed during %d writes of 1 MB to healthy nodes %d and %d (leader %d, term %d), in %d polls: %s",
			b.n, b.leader, b.other(), b.leader, b.term, len(changes), strings.Join(firstChanges(changes), "; "))
		b.leader, b.term = b.waitAgree([]int{b.leader, b.other()})
	}
	return took
}

// watchLeader polls the /status of the nodes in live every 100 ms until
// the returned stop is called, which returns every sign of a leader change
// seen: a term other than term, a leader other than leader, or a node
// other than leader in the leader role.
func (b *bigCluster) watchLeader(live []int, term, leader int) (stop func() []string) {
	done := make(chan struct{})
	var (
		wg      sync.WaitGroup
		changes []string
	)
	wg.Go(func() {
		for {
			for _, i := range live {
				st, err := b.status(i)
				if err != nil {
					continue // a slow answer is not a change
				}
				if st.Term != term || (st.Leader >= 0 && st.Leader != leader) || (st.Role == "leader" && i != leader) {
					changes = append(changes, fmt.Sprintf("node %d: role %s, term %d, leader %d", i, st.Role, st.Term, st.Leader))
				}
			}
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	return func() []string {
		close(done)
		wg.Wait()
		return changes
	}
}

// firstChanges is the first of each distinct change in changes.
func firstChanges(changes []string) []string {
	var out []string
	for _, c := range changes {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// catchUp waits, up to b.limit(), for the lagger to apply what node from
// (the leader) has applied, and returns how long it took from since.
func (b *bigCluster) catchUp(from int, since time.Time) time.Duration {
	b.t.Helper()
	deadline := since.Add(b.limit())
	for {
		want, errL := b.status(from)
		got, errF := b.status(b.lagger)
		if errL == nil && errF == nil && want.Applied > 0 && got.Applied == want.Applied {
			return time.Since(since)
		}
		b.checkRunning(b.lagger, from)
		if errF == nil && got.Role == "dead" {
			log := b.procs[b.lagger].stderr.String()
			b.t.Fatalf("node %d's Raft is dead (%s); its log ends:\n%s", b.lagger, brief(got), log[max(0, len(log)-2000):])
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("node %d has not caught up with node %d within %v: node %d %+v %v; node %d %+v %v",
				b.lagger, from, b.limit(), b.lagger, brief(got), errF, from, brief(want), errL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkRunning fails the test at once if any of nodes ids has exited,
// with the end of its log: a node that died will not catch up.
func (b *bigCluster) checkRunning(ids ...int) {
	b.t.Helper()
	for _, i := range ids {
		select {
		case <-b.procs[i].done:
			log := b.procs[i].stderr.String()
			b.t.Fatalf("node %d exited (%v); its log ends:\n%s", i, b.procs[i].err, log[max(0, len(log)-2000):])
		default:
		}
	}
}

// brief is the part of a status these tests look at.
func brief(st node.Status) string {
	return fmt.Sprintf("{role %s term %d leader %d commit %d applied %d snapshot %d disk %d}",
		st.Role, st.Term, st.Leader, st.CommitIndex, st.Applied, st.SnapshotIndex, st.DiskBytes)
}

// checkAgree checks that the nodes in live agree on a leader, and that
// it is leader, in term.
func (b *bigCluster) checkAgree(live []int, term, leader int) {
	b.t.Helper()
	if got, gotTerm := b.waitAgree(live); got != leader || gotTerm != term {
		b.timing("nodes %v agree on leader %d in term %d; want leader %d in term %d, as before", live, got, gotTerm, leader, term)
	}
}

// timing reports a check of time that failed: the leader changed in a
// healthy cluster, or a request timed out. Without the race detector it
// fails the test. With it, a node is 2 to 20 times slower (with 1 MB
// entries we measured 200 to 500 ms between a leader's append and a
// follower's, against a quorum check of 500 ms), so it is logged: the
// same test without -race is the one that holds the cluster to it.
func (b *bigCluster) timing(format string, args ...any) {
	b.t.Helper()
	if buildRace {
		b.t.Logf("not failed under -race: "+format, args...)
		return
	}
	b.t.Errorf(format, args...)
}

// checkReads reads every value through node via and compares it with
// what was written.
func (b *bigCluster) checkReads(via int) {
	b.t.Helper()
	for i := range b.n {
		v, status, err := b.get(via, bigKey(i))
		if err != nil || status != 200 || v != bigValue(i) {
			b.t.Fatalf("GET %s through node %d: status %d, %d bytes, %v; want 200 and the %d bytes written",
				bigKey(i), via, status, len(v), err, bigValueSize)
		}
	}
}

// checkOwnState reads every value from the lagger's own state machine:
// reads through a follower are forwarded to the leader, so the lagger is
// made leader first. l leads now and x, the third node, is down or is
// killed; a marker written through l commits on l and the lagger alone;
// l is killed and x started again. x's log lacks the marker, so only the
// lagger can win the election (§5.4.1), and then answers the reads itself.
func (b *bigCluster) checkOwnState(l, x int) {
	b.t.Helper()
	b.procs[x].kill()
	if _, err := doKV([]string{b.http[l]}, http.MethodPut, "marker", "m"); err != nil {
		b.t.Fatalf("marker write at leader %d with node %d down: %v", l, x, err)
	}
	b.procs[l].kill()
	b.start(x)
	b.waitElected(b.lagger, x, fmt.Sprintf("killing node %d", l))
	if v, status, err := b.get(b.lagger, "marker"); err != nil || status != 200 || v != "m" {
		b.t.Fatalf("GET marker at node %d, the leader: %q %d %v", b.lagger, v, status, err)
	}
	b.checkReads(b.lagger)
}

// waitElected waits up to a minute for node want to lead, and returns its
// status; node never must not lead meanwhile. after says what started the
// election.
func (b *bigCluster) waitElected(want, never int, after string) node.Status {
	b.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := b.status(want)
		if err == nil && st.Role == "leader" {
			return st
		}
		if ns, err := b.status(never); err == nil && ns.Role == "leader" {
			b.t.Fatalf("node %d was elected after %s: %s; only node %d can be (its log is the only one up to date)", never, after, brief(ns), want)
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("node %d not elected within a minute of %s: %s %v", want, after, brief(st), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rss is a process's peak and current resident set (Linux's VmHWM and
// VmRSS) in MiB; ok is false elsewhere.
func rss(p *proc) (peak, now float64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, false
	}
	var hwm, cur float64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "kB" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "VmHWM:":
				hwm = kb / 1024
			case "VmRSS:":
				cur = kb / 1024
			}
		}
	}
	return hwm, cur, hwm > 0
}

// rssLine says the peak and current RSS of leader l and of the lagger,
// or that RSS is not measured here.
func (b *bigCluster) rssLine(l int) string {
	if runtime.GOOS != "linux" {
		return "RSS not measured (not Linux)"
	}
	var parts []string
	for _, i := range []int{l, b.lagger} {
		role := "leader"
		if i == b.lagger {
			role = "follower"
		}
		if peak, now, ok := rss(b.procs[i]); ok {
			parts = append(parts, fmt.Sprintf("%s %d RSS peak %.0f MiB, now %.0f MiB", role, i, peak, now))
		}
	}
	return strings.Join(parts, "; ")
}

// stateMiB is the size of the values written, in MiB.
func (b *bigCluster) stateMiB() float64 { return float64(b.n*bigValueSize) / (1 << 20) }

// watchMessages has node i start noting the RPCs it sends (GET
// /messages) and returns the time from which to count them.
func (b *bigCluster) watchMessages(i int) time.Time {
	b.t.Helper()
	since := time.Now()
	if _, err := b.messages(i, since); err != nil {
		b.t.Fatal(err)
	}
	return since
}

// messages returns the RPCs node i sent at or after since.
func (b *bigCluster) messages(i int, since time.Time) ([]node.Message, error) {
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(fmt.Sprintf("%s/messages?since=%d", b.http[i], since.UnixMilli()))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var m node.Messages
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, fmt.Errorf("decoding node %d's /messages: %v", i, err)
	}
	return m.Messages, nil
}

// waitTransfer waits until leader l has sent the lagger a quarter of the
// chunks of its snapshot (1 MiB each) while the lagger has not caught up,
// and returns how many it sent. It fails the test if the lagger catches
// up first, or in no more than b.limit().
func (b *bigCluster) waitTransfer(l int, since time.Time) int {
	b.t.Helper()
	want := max(1, b.n/4)
	deadline := time.Now().Add(b.limit())
	for {
		ms, err := b.messages(l, since)
		sent := 0
		for _, m := range ms {
			if m.To == b.lagger && m.Kind == "InstallSnapshot" {
				sent++
			}
		}
		ls, errL := b.status(l)
		fs, errF := b.status(b.lagger)
		if errL == nil && errF == nil && fs.Applied >= ls.Applied {
			b.t.Fatalf("node %d caught up (%s) before %d chunks were seen sent to it (%d seen): the kill would not land in a transfer",
				b.lagger, brief(fs), want, sent)
		}
		if sent >= want {
			return sent
		}
		b.checkRunning(b.lagger, l)
		if time.Now().After(deadline) {
			b.t.Fatalf("%d chunks sent to node %d within %v; want %d (%v); node %d %s",
				sent, b.lagger, b.limit(), want, err, b.lagger, brief(fs))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
