package torture

import (
	"fmt"
	"time"
)

// clock measures a run's time from its start: every time in a history,
// a fault and a sample is a Duration since then.
type clock struct{ start time.Time }

func newClock() *clock { return &clock{start: time.Now()} }

// since is the time since the run started.
func (c *clock) since() time.Duration { return time.Since(c.start) }

// now is since, formatted for a log line: seconds with milliseconds.
func (c *clock) now() string { return seconds(c.since()) }

// seconds formats d as seconds with three decimals ("12.345s").
func seconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }
