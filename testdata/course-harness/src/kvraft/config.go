package kvraft

// A stand-in for the 6.5840 (2024) course's kvraft/config.go, written for
// raftlab's test of scripts/use-course-harness; it is not the course's code.
// It declares the package-level names the course's harness declares (config,
// make_config, randstring, makeSeed, random_handles, ncpu_once) and the
// methods raftlab's kvraft/leak_test.go uses, with the course's signatures,
// and imports 6.5840/labrpc and 6.5840/raft as the course does.

import (
	crand "crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"

	"6.5840/labrpc"
	"6.5840/raft"
)

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

func random_handles(kvh []*labrpc.ClientEnd) []*labrpc.ClientEnd {
	return append([]*labrpc.ClientEnd(nil), kvh...)
}

type config struct {
	mu           sync.Mutex
	t            *testing.T
	net          *labrpc.Network
	n            int
	kvservers    []*KVServer
	saved        []*raft.Persister
	endnames     [][]string // endnames[i][j]: the end from server i to server j
	clerks       map[*Clerk][]string
	maxraftstate int
	ops          int32
}

func make_config(t *testing.T, n int, unreliable bool, maxraftstate int) *config {
	ncpu_once.Do(func() { _ = makeSeed() })
	cfg := &config{
		t:            t,
		net:          labrpc.MakeNetwork(),
		n:            n,
		kvservers:    make([]*KVServer, n),
		saved:        make([]*raft.Persister, n),
		endnames:     make([][]string, n),
		clerks:       map[*Clerk][]string{},
		maxraftstate: maxraftstate,
	}
	for i := 0; i < n; i++ {
		cfg.StartServer(i)
	}
	cfg.ConnectAll()
	cfg.net.Reliable(!unreliable)
	return cfg
}

func (cfg *config) All() []int {
	all := make([]int, cfg.n)
	for i := range all {
		all[i] = i
	}
	return all
}

// setLinks enables or disables the ends between server i and servers to.
// Caller holds cfg.mu.
func (cfg *config) setLinks(i int, to []int, on bool) {
	for _, j := range to {
		if cfg.endnames[i] != nil {
			cfg.net.Enable(cfg.endnames[i][j], on)
		}
		if cfg.endnames[j] != nil {
			cfg.net.Enable(cfg.endnames[j][i], on)
		}
	}
}

func (cfg *config) ConnectAll() {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i := 0; i < cfg.n; i++ {
		cfg.setLinks(i, cfg.All(), true)
	}
}

func (cfg *config) partition(p1 []int, p2 []int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for _, p := range [][2][]int{{p1, p2}, {p2, p1}} {
		for _, i := range p[0] {
			cfg.setLinks(i, p[1], false)
			cfg.setLinks(i, p[0], true)
		}
	}
}

// makeClient returns a Clerk with ends to every server, enabled only to to.
func (cfg *config) makeClient(to []int) *Clerk {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	ends := make([]*labrpc.ClientEnd, cfg.n)
	names := make([]string, cfg.n)
	for j := range ends {
		names[j] = randstring(20)
		ends[j] = cfg.net.MakeEnd(names[j])
		cfg.net.Connect(names[j], j)
	}
	ck := MakeClerk(random_handles(ends))
	cfg.clerks[ck] = names
	for _, j := range to {
		cfg.net.Enable(names[j], true)
	}
	return ck
}

func (cfg *config) ShutdownServer(i int) {
	cfg.mu.Lock()
	cfg.setLinks(i, cfg.All(), false)
	cfg.net.DeleteServer(i)
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
	}
	kv := cfg.kvservers[i]
	cfg.kvservers[i] = nil
	cfg.mu.Unlock()
	if kv != nil {
		kv.Kill()
	}
}

func (cfg *config) StartServer(i int) {
	cfg.mu.Lock()
	cfg.endnames[i] = make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := range ends {
		cfg.endnames[i][j] = randstring(20)
		ends[j] = cfg.net.MakeEnd(cfg.endnames[i][j])
		cfg.net.Connect(cfg.endnames[i][j], j)
	}
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
	} else {
		cfg.saved[i] = raft.MakePersister()
	}
	persister := cfg.saved[i]
	cfg.mu.Unlock()

	kv := StartKVServer(ends, i, persister, cfg.maxraftstate)
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(kv))
	srv.AddService(labrpc.MakeService(kv.rf))
	cfg.mu.Lock()
	cfg.kvservers[i] = kv
	cfg.mu.Unlock()
	cfg.net.AddServer(i, srv)
}

func (cfg *config) Leader() (bool, int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i, kv := range cfg.kvservers {
		if kv == nil {
			continue
		}
		if _, isLeader := kv.rf.GetState(); isLeader {
			return true, i
		}
	}
	return false, 0
}

// LogSize returns the largest persisted Raft state of any server.
func (cfg *config) LogSize() int {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	size := 0
	for _, p := range cfg.saved {
		size = max(size, p.RaftStateSize())
	}
	return size
}

func (cfg *config) op() { atomic.AddInt32(&cfg.ops, 1) }

func (cfg *config) begin(description string) { fmt.Printf("%s ...\n", description) }

func (cfg *config) end() {
	if !cfg.t.Failed() {
		fmt.Printf("  ... Passed -- %d ops\n", atomic.LoadInt32(&cfg.ops))
	}
}

func (cfg *config) cleanup() {
	cfg.mu.Lock()
	kvs := append([]*KVServer(nil), cfg.kvservers...)
	cfg.mu.Unlock()
	for _, kv := range kvs {
		if kv != nil {
			kv.Kill()
		}
	}
	cfg.net.Cleanup()
}
