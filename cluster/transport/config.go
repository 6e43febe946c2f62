package transport

import (
	"fmt"
	"log"
	"time"
)

// DefaultTimeout bounds a call when Config.Timeout is zero: a little over
// kvraft's one-second wait for a command to commit, so that a slow commit
// is not taken for a lost call.
const DefaultTimeout = 2 * time.Second

// HandshakeTimeout bounds how long a Server waits for a new connection's
// handshake before it cuts the connection off.
const HandshakeTimeout = 5 * time.Second

// Config is what a Server and a Client are set up with; the zero Config
// is usable: no secret, DefaultTimeout, log.Printf.
type Config struct {
	// Secret is the shared cluster secret: a connection is served only if
	// both ends have the same one. Empty means none, and then a peer that
	// presents a secret is refused as well. At most MaxSecret bytes.
	Secret string

	// Timeout bounds each Client call, dial and handshake included, and
	// each response a Server writes. Zero means DefaultTimeout.
	Timeout time.Duration

	// Logf receives one line for each connection a Server refuses or
	// drops, and for each change in whether a Client reaches its server.
	// Nil means log.Printf.
	Logf func(format string, args ...any)

	// Faults, if set, loses or delays a Client's calls as it says (fault
	// injection for raftlab torture). Nil injects nothing.
	Faults *Faults
}

// withDefaults checks c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if len(c.Secret) > MaxSecret {
		return c, fmt.Errorf("transport: the cluster secret is %d bytes, the limit is %d", len(c.Secret), MaxSecret)
	}
	if c.Timeout < 0 {
		return c, fmt.Errorf("transport: negative timeout %v", c.Timeout)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logf == nil {
		c.Logf = log.Printf
	}
	return c, nil
}
