package runner

// Run's contract on a Config it cannot use.

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRunRejectsBadConfig(t *testing.T) {
	good := Config{Runs: 1, Parallel: 1, Timeout: time.Minute, LogDir: "test-logs"}
	cases := []struct {
		change  func(*Config)
		mention string // the flag at fault
	}{
		{func(c *Config) { c.Runs = 0 }, "-n must be at least 1, got 0"},
		{func(c *Config) { c.Parallel = -1 }, "-p must be at least 1, got -1"},
		{func(c *Config) { c.Timeout = 0 }, "-timeout must be positive, got 0s"},
		{func(c *Config) { c.LogDir = "" }, "-o must name a directory"},
	}
	for _, c := range cases {
		cfg := good
		c.change(&cfg)
		var stdout bytes.Buffer
		// A canceled ctx: a Config that got past the check would fail
		// at go list instead, with another error.
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := Run(ctx, cfg, &stdout)
		var ue UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("Run(%+v) = %v, want a UsageError saying %q", cfg, err, c.mention)
		}
		if stdout.Len() != 0 {
			t.Errorf("Run(%+v) printed %q before refusing the Config", cfg, stdout.String())
		}
	}
}
