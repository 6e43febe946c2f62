package transport

import (
	"sync"
	"time"
)

// Faults is a fault control for the Clients that share it: calls to a
// dropped address are lost (each one waits out its deadline and fails, as
// it would across a network partition), and calls to a slowed address wait
// the added delay before they are sent. It exists for fault injection
// (raftlab torture); a Config without one has none of this. The zero
// Faults injects nothing; it is safe for use by many goroutines.
//
// Only the calling side acts, so a partition is two-sided when both ends
// are told: Drop on A for B's address, and on B for A's.
type Faults struct {
	mu    sync.Mutex
	drop  map[string]bool
	delay map[string]time.Duration
}

// Set replaces the faults in force: calls to the addresses in drop are
// lost, and calls to each address in delay wait that long before they go.
// Calls already waiting keep the fault they met.
func (f *Faults) Set(drop []string, delay map[string]time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drop = make(map[string]bool, len(drop))
	for _, a := range drop {
		f.drop[a] = true
	}
	f.delay = make(map[string]time.Duration, len(delay))
	for a, d := range delay {
		if d > 0 {
			f.delay[a] = d
		}
	}
}

// to returns the faults on calls to addr.
func (f *Faults) to(addr string) (dropped bool, delay time.Duration) {
	if f == nil {
		return false, 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.drop[addr], f.delay[addr]
}

// Drops reports whether calls to addr are being lost (false on a nil
// Faults): for showing a sent call as dropped.
func (f *Faults) Drops(addr string) bool {
	dropped, _ := f.to(addr)
	return dropped
}

// injected applies f's faults to one call to addr, whose timer fires at its
// deadline: it returns false if the call is lost (once the deadline has
// passed or the client closed), and true once any delay has passed.
func (c *Client) injected(timer <-chan time.Time) bool {
	dropped, delay := c.cfg.Faults.to(c.addr)
	if dropped {
		select {
		case <-timer:
		case <-c.ctx.Done():
		}
		return false
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-timer:
			return false
		case <-c.ctx.Done():
			return false
		}
	}
	return true
}
