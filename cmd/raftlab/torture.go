package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"raftlab/cluster/torture"
)

// runTorture runs a torture test of a fresh local cluster (cluster/torture)
// and prints its summary. A run that does not pass is an error (exit 1).
func runTorture(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("torture", flag.ContinueOnError)
	n := fs.Int("n", 3, "nodes in the cluster, 3 to 9")
	clients := fs.Int("clients", 10, "concurrent clients, each sending its requests to random nodes")
	keys := fs.Int("keys", 8, "keys the clients read and write")
	duration := fs.Duration("duration", 60*time.Second, "how long the clients run and faults are injected")
	seed := fs.Uint64("seed", 0, "seed of the fault schedule and the clients' choices; 0 picks one (printed, for a replay)")
	faults := fs.String("faults", "all", "faults to inject, comma-separated: kill,partition,pause,slow,disk,membership (or all, none)")
	maxDown := fs.Int("max-down", 0, "most nodes a kill or pause takes down at once; 0 means a minority")
	rate := fs.Float64("rate", torture.DefaultRate, "operations per second, all clients together; 0 for as fast as they go")
	dir := fs.String("dir", "", "directory for the nodes' data and logs (default a temporary one, removed after a pass)")
	out := fs.String("o", "torture-report", "directory the HTML report (report.html) is written to")
	allKeys := fs.Bool("all-keys", false, "draw every key's history in the report, not only the keys that failed")
	maxState := fs.Int("max-raft-state", 0, fmt.Sprintf("each node's snapshot threshold in bytes; 0 means %d (small, so snapshots happen under faults)", torture.DefaultMaxRaftState))
	maxValue := fs.Int("max-value", 0, fmt.Sprintf("if set (%d to %d), each put writes a value of 1 to this many bytes (size drawn by the seed): its token, its size, and filler derived from the token, every read checked whole as it arrives; appends still write only their token, so a key holds at most this plus its appends' tokens. 0: every value is its token", torture.MinMaxValue, torture.MaxMaxValue))
	checkTimeout := fs.Duration("check-timeout", torture.DefaultCheckTimeout, "time limit of the linearizability check (a check that runs out is not a pass)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftlab torture [-n 3] [-clients 10] [-keys 8] [-duration 60s] [-seed S] [-faults kill,partition,pause,slow,disk,membership] [-max-value BYTES] [-o DIR] [flags]")
		fmt.Fprintln(fs.Output(), "Starts a local cluster of node processes, runs clients against it while injecting faults, then checks the history for linearizability and lost writes. Exit status 0: passed; 1: a violation, a lost write, a check that ran out of time, or a run that could not be made; 2: bad usage.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "torture", "unexpected argument %q", fs.Arg(0))
	}
	kinds, err := torture.ParseFaults(*faults)
	if err != nil {
		return usageErr(stderr, "torture", "-faults: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("torture: finding this executable: %w", err)
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	cfg := torture.Config{
		Binary: self, Nodes: *n, Clients: *clients, Keys: *keys, Duration: *duration, Seed: *seed,
		Faults: kinds, MaxDown: *maxDown, Rate: *rate, Dir: *dir, Out: *out, AllKeys: *allKeys,
		MaxRaftState: *maxState, MaxValue: *maxValue, CheckTimeout: *checkTimeout,
		Logf: log.New(stderr, "", log.LstdFlags|log.Lmicroseconds).Printf,
	}
	if err := torture.Check(cfg); err != nil {
		return usageErr(stderr, "torture", "%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the run heals, reads and checks; a second
	// one ends the process (and its nodes, with it) at once.
	context.AfterFunc(ctx, stop)
	res, err := torture.Run(ctx, cfg)
	if res != nil {
		fmt.Fprint(stdout, res.Summary)
	}
	if err != nil {
		return fmt.Errorf("torture: %w", err)
	}
	if !res.Pass {
		return fmt.Errorf("torture: FAIL: %d findings (above)", len(res.Reasons))
	}
	return nil
}
