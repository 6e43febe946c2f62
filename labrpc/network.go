package labrpc

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// SeedEnv names the environment variable that fixes a network's random seed.
const SeedEnv = "RAFTLAB_SEED"

// Network is the simulated network: ends, servers, who is connected to whom,
// and the fault settings.
type Network struct {
	mu             sync.Mutex
	reliable       bool
	longDelays     bool // pause a long time on send on disabled connection
	longReordering bool // sometimes delay replies a long time
	ends           map[any]*ClientEnd
	enabled        map[any]bool          // by end name
	cut            map[any]chan struct{} // by end name: closed when the end is disabled
	servers        map[any]*serverSlot   // by server name
	connections    map[any]any           // end name -> server name
	stats          map[string]*MethodStat

	made   time.Time // when MakeNetwork made it: a test's time zero
	seed   int64
	rngMu  sync.Mutex
	rng    *rand.Rand
	done   chan struct{} // closed by Cleanup
	closed atomic.Bool

	count int64 // total RPC requests
	bytes int64 // total bytes of requests and delivered replies
}

// serverSlot is one incarnation of a server on the network. dead is closed
// when the server is deleted or replaced, which is how an in-flight request
// learns that its server crashed.
type serverSlot struct {
	srv  *Server
	dead chan struct{}
}

// MethodStat counts traffic for one service method, such as
// "Raft.AppendEntries".
type MethodStat struct {
	Calls      int64 // requests sent, including those that were lost
	Replies    int64 // replies delivered to the caller
	ArgBytes   int64 // encoded bytes of all requests
	ReplyBytes int64 // encoded bytes of delivered replies
}

// MakeNetwork returns a reliable network with no ends and no servers. Its
// random source is seeded from RAFTLAB_SEED if that is set to an integer,
// and at random otherwise.
func MakeNetwork() *Network {
	seed, ok := seedFromEnv()
	if !ok {
		// A fresh non-negative seed from the process's own generator, which
		// the runtime seeds from the OS: distinct per network, and printed
		// by harnesses so that a failure can be replayed.
		seed = rand.Int64()
	}
	return MakeNetworkSeeded(seed)
}

// MakeNetworkSeeded returns a reliable network whose fault schedule is drawn
// from the given seed.
func MakeNetworkSeeded(seed int64) *Network {
	return &Network{
		reliable:    true,
		ends:        map[any]*ClientEnd{},
		enabled:     map[any]bool{},
		cut:         map[any]chan struct{}{},
		servers:     map[any]*serverSlot{},
		connections: map[any]any{},
		stats:       map[string]*MethodStat{},
		made:        time.Now(),
		seed:        seed,
		rng:         rand.New(rand.NewPCG(uint64(seed), 0x5eed)),
		done:        make(chan struct{}),
	}
}

func seedFromEnv() (int64, bool) {
	s := os.Getenv(SeedEnv)
	if s == "" {
		return 0, false
	}
	seed, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		report(fmt.Sprintf("labrpc: ignoring %s=%q: not a decimal integer", SeedEnv, s))
		return 0, false
	}
	return seed, true
}

// Seed returns the seed of this network's random source.
func (rn *Network) Seed() int64 { return rn.seed }

// randIntn returns a random int in [0, n) from the network's source.
func (rn *Network) randIntn(n int) int {
	rn.rngMu.Lock()
	defer rn.rngMu.Unlock()
	return rn.rng.IntN(n)
}

// Cleanup shuts the network down: every Call in flight or to come returns
// false at once, and every pending simulated delay ends.
func (rn *Network) Cleanup() {
	if rn.closed.CompareAndSwap(false, true) {
		close(rn.done)
	}
}

// Reliable turns message loss and short delays off (true) or on (false).
func (rn *Network) Reliable(yes bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.reliable = yes
}

// LongReordering turns long reply delays, and so reordering, on or off.
func (rn *Network) LongReordering(yes bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.longReordering = yes
}

// LongDelays makes Calls on disabled ends take up to 7 s to fail.
func (rn *Network) LongDelays(yes bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.longDelays = yes
}

// MakeEnd creates a client end with the given name, disabled and connected
// to nothing. Names must be unique.
func (rn *Network) MakeEnd(endname any) *ClientEnd {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if _, ok := rn.ends[endname]; ok {
		panic(fmt.Sprintf("labrpc.MakeEnd: %v already exists", endname))
	}
	e := &ClientEnd{endname: endname, net: rn}
	rn.ends[endname] = e
	rn.enabled[endname] = false
	rn.cut[endname] = closedChan()
	rn.connections[endname] = nil
	return e
}

// AddServer puts a server on the network under a name, replacing (and so
// crashing) any server that had that name.
func (rn *Network) AddServer(servername any, rs *Server) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if old := rn.servers[servername]; old != nil {
		close(old.dead)
	}
	rn.servers[servername] = &serverSlot{srv: rs, dead: make(chan struct{})}
}

// DeleteServer removes a server: requests in flight to it fail, and so do
// later ones until a server is added again under the name.
func (rn *Network) DeleteServer(servername any) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if old := rn.servers[servername]; old != nil {
		close(old.dead)
	}
	rn.servers[servername] = nil
}

// Connect connects an end to a server. An end connects to one server for
// its whole life, but a later Connect may change which.
func (rn *Network) Connect(endname any, servername any) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.connections[endname] = servername
}

// Enable enables or disables an end. Disabling it also fails the Calls in
// flight on it, as if the connection had been cut.
func (rn *Network) Enable(endname any, enabled bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	was := rn.enabled[endname]
	rn.enabled[endname] = enabled
	switch {
	case was && !enabled:
		close(rn.cut[endname])
	case !was && enabled:
		rn.cut[endname] = make(chan struct{})
	}
}

// GetCount returns how many requests the named server has received.
func (rn *Network) GetCount(servername any) int {
	rn.mu.Lock()
	slot := rn.servers[servername]
	rn.mu.Unlock()
	if slot == nil {
		return 0
	}
	return slot.srv.GetCount()
}

// GetTotalCount returns how many requests were sent on the whole network.
func (rn *Network) GetTotalCount() int {
	return int(atomic.LoadInt64(&rn.count))
}

// GetTotalBytes returns the encoded bytes of all requests sent and all
// replies delivered.
func (rn *Network) GetTotalBytes() int64 {
	return atomic.LoadInt64(&rn.bytes)
}

// MethodStats returns a copy of the per-method counters, keyed by
// "Service.Method".
func (rn *Network) MethodStats() map[string]MethodStat {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	out := make(map[string]MethodStat, len(rn.stats))
	for k, v := range rn.stats {
		out[k] = *v
	}
	return out
}

// route is what a request needs to know about the network when it is sent.
type route struct {
	enabled        bool
	slot           *serverSlot
	cut            chan struct{}
	reliable       bool
	longReordering bool
	longDelays     bool
}

// routeFor reads the configuration for a request on endname and counts it.
func (rn *Network) routeFor(endname any, svcMeth string, argBytes int) route {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	st := rn.stats[svcMeth]
	if st == nil {
		st = &MethodStat{}
		rn.stats[svcMeth] = st
	}
	st.Calls++
	st.ArgBytes += int64(argBytes)
	r := route{
		enabled:        rn.enabled[endname],
		cut:            rn.cut[endname],
		reliable:       rn.reliable,
		longReordering: rn.longReordering,
		longDelays:     rn.longDelays,
	}
	if sn := rn.connections[endname]; sn != nil {
		r.slot = rn.servers[sn]
	}
	return r
}

// stillConnected reports whether a reply from slot may be delivered on
// endname: the end is still enabled and the server was not crashed since.
func (rn *Network) stillConnected(endname any, slot *serverSlot) bool {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if !rn.enabled[endname] {
		return false
	}
	select {
	case <-slot.dead:
		return false
	default:
		return true
	}
}

func (rn *Network) countReply(svcMeth string, replyBytes int) {
	atomic.AddInt64(&rn.bytes, int64(replyBytes))
	rn.mu.Lock()
	defer rn.mu.Unlock()
	st := rn.stats[svcMeth]
	st.Replies++
	st.ReplyBytes += int64(replyBytes)
}

// sleep waits for d unless the network is cleaned up first; it reports
// whether the network is still up.
func (rn *Network) sleep(d time.Duration) bool {
	if d <= 0 {
		return !rn.closed.Load()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-rn.done:
		return false
	}
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
