package raft

// A stand-in for the 6.5840 (2024) course's raft/config.go, written for
// raftlab's test of scripts/use-course-harness; it is not the course's code.
// It declares the package-level names the course's harness declares (config,
// make_config, randstring, makeSeed, ncpu_once, SnapShotInterval) with the
// course's signatures, imports 6.5840/labgob and 6.5840/labrpc as the course
// does, and, like the course's, never stops its appliers.

import (
	"bytes"
	crand "crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"6.5840/labgob"
	"6.5840/labrpc"
)

const SnapShotInterval = 10

var ncpu_once sync.Once

func randstring(n int) string {
	b := make([]byte, 2*n)
	crand.Read(b)
	return base64.URLEncoding.EncodeToString(b)[:n]
}

func makeSeed() int64 {
	x, _ := crand.Int(crand.Reader, big.NewInt(int64(1)<<62))
	return x.Int64()
}

type config struct {
	mu        sync.Mutex
	t         *testing.T
	net       *labrpc.Network
	n         int
	rafts     []*Raft
	saved     []*Persister
	connected []bool
	endnames  [][]string            // endnames[i][j]: the end from i to j
	logs      []map[int]interface{} // what each peer applied, by index
	applyErr  []string
}

func make_config(t *testing.T, n int, unreliable bool, snapshot bool) *config {
	ncpu_once.Do(func() { _ = makeSeed() })
	cfg := &config{
		t:         t,
		net:       labrpc.MakeNetwork(),
		n:         n,
		rafts:     make([]*Raft, n),
		saved:     make([]*Persister, n),
		connected: make([]bool, n),
		endnames:  make([][]string, n),
		logs:      make([]map[int]interface{}, n),
		applyErr:  make([]string, n),
	}
	cfg.net.Reliable(!unreliable)
	applier := cfg.applier
	if snapshot {
		applier = cfg.applierSnap
	}
	for i := 0; i < n; i++ {
		cfg.logs[i] = map[int]interface{}{}
		cfg.start1(i, applier)
	}
	for i := 0; i < n; i++ {
		cfg.connect(i)
	}
	return cfg
}

// start1 starts peer i with fresh ends and a fresh persister.
func (cfg *config) start1(i int, applier func(int, chan ApplyMsg)) {
	cfg.endnames[i] = make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := 0; j < cfg.n; j++ {
		cfg.endnames[i][j] = randstring(20)
		ends[j] = cfg.net.MakeEnd(cfg.endnames[i][j])
		cfg.net.Connect(cfg.endnames[i][j], j)
	}
	cfg.saved[i] = MakePersister()
	applyCh := make(chan ApplyMsg)
	rf := Make(ends, i, cfg.saved[i], applyCh)
	cfg.mu.Lock()
	cfg.rafts[i] = rf
	cfg.mu.Unlock()
	go applier(i, applyCh)
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(rf))
	cfg.net.AddServer(i, srv)
}

// record notes that peer i applied m, and reports a disagreement.
func (cfg *config) record(i int, m ApplyMsg) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for j := range cfg.logs {
		if old, ok := cfg.logs[j][m.CommandIndex]; ok && old != m.Command {
			cfg.applyErr[i] = fmt.Sprintf("index %d: peer %d applied %v, peer %d applied %v",
				m.CommandIndex, i, m.Command, j, old)
		}
	}
	cfg.logs[i][m.CommandIndex] = m.Command
}

func (cfg *config) applier(i int, applyCh chan ApplyMsg) {
	for m := range applyCh {
		if m.CommandValid {
			cfg.record(i, m)
		}
	}
}

// applierSnap also asks for a snapshot every SnapShotInterval commands.
func (cfg *config) applierSnap(i int, applyCh chan ApplyMsg) {
	for m := range applyCh {
		if !m.CommandValid {
			continue
		}
		cfg.record(i, m)
		if (m.CommandIndex+1)%SnapShotInterval == 0 {
			w := new(bytes.Buffer)
			e := labgob.NewEncoder(w)
			e.Encode(m.CommandIndex)
			cfg.mu.Lock()
			rf := cfg.rafts[i]
			cfg.mu.Unlock()
			rf.Snapshot(m.CommandIndex, w.Bytes())
		}
	}
}

func (cfg *config) setEnabled(i int, on bool) {
	cfg.connected[i] = on
	for j := 0; j < cfg.n; j++ {
		if cfg.connected[j] || !on {
			cfg.net.Enable(cfg.endnames[i][j], on)
			cfg.net.Enable(cfg.endnames[j][i], on)
		}
	}
}

func (cfg *config) connect(i int)    { cfg.setEnabled(i, true) }
func (cfg *config) disconnect(i int) { cfg.setEnabled(i, false) }

// checkOneLeader waits up to 5 s for exactly one connected leader in the
// newest term that has one, and returns it.
func (cfg *config) checkOneLeader() int {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		leaders := map[int][]int{}
		newest := -1
		for i := 0; i < cfg.n; i++ {
			if !cfg.connected[i] {
				continue
			}
			if term, isLeader := cfg.rafts[i].GetState(); isLeader {
				leaders[term] = append(leaders[term], i)
				newest = max(newest, term)
			}
		}
		for term, ls := range leaders {
			if len(ls) > 1 {
				cfg.t.Fatalf("term %d has %d leaders: %v", term, len(ls), ls)
			}
		}
		if newest >= 0 {
			return leaders[newest][0]
		}
	}
	cfg.t.Fatalf("expected one leader, got none")
	return -1
}

func (cfg *config) nCommitted(index int) (int, interface{}) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	count := 0
	var cmd interface{}
	for i := range cfg.logs {
		if cfg.applyErr[i] != "" {
			cfg.t.Fatal(cfg.applyErr[i])
		}
		if c, ok := cfg.logs[i][index]; ok {
			count++
			cmd = c
		}
	}
	return count, cmd
}

// one has cmd committed by at least expectedServers peers within 10 s and
// returns its index.
func (cfg *config) one(cmd interface{}, expectedServers int, retry bool) int {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		for i := 0; i < cfg.n; i++ {
			if !cfg.connected[i] {
				continue
			}
			index, _, ok := cfg.rafts[i].Start(cmd)
			if !ok {
				continue
			}
			for wait := time.Now().Add(2 * time.Second); time.Now().Before(wait); time.Sleep(20 * time.Millisecond) {
				if n, c := cfg.nCommitted(index); n >= expectedServers && c == cmd {
					return index
				}
			}
			if !retry {
				cfg.t.Fatalf("one(%v) failed to reach agreement", cmd)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cfg.t.Fatalf("one(%v) failed to reach agreement", cmd)
	return -1
}

func (cfg *config) begin(description string) { fmt.Printf("%s ...\n", description) }

func (cfg *config) end() {
	if !cfg.t.Failed() {
		fmt.Printf("  ... Passed\n")
	}
}

func (cfg *config) cleanup() {
	for _, rf := range cfg.rafts {
		rf.Kill()
	}
	cfg.net.Cleanup()
}
