package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"raftlab/cluster/loadgen"
)

// leaderPoll is how often bench asks every node for its /status.
const leaderPoll = 100 * time.Millisecond

// runBench drives a running cluster's HTTP API with concurrent clients and
// prints writes/s, reads/s and latency percentiles (cluster/loadgen), and
// which node led which term meanwhile (GET /status of every node); with
// -tenths, the rates in each tenth of the run too.
func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	nodes := nodesFlag(fs)
	clients := fs.Int("c", 10, "concurrent clients, each sending its next request once the last one answered")
	duration := fs.Duration("d", 10*time.Second, "how long to run")
	reads := fs.Float64("reads", 0, "fraction of requests that are reads (GET), 0 to 1; the rest are writes (PUT)")
	keys := fs.Int("keys", 1000, "number of distinct keys, chosen at random per request")
	value := fs.Int("value", 16, "bytes in each written value")
	calls := fs.Int("n", 0, "stop after this many requests in all (0: -d alone ends the run); with a large -keys, writes of new keys up to a size of state")
	prefix := fs.String("prefix", "key", "the keys' names: PREFIX0 to PREFIX{keys-1}")
	timeout := fs.Duration("timeout", 5*time.Second, "how long one request may take before it counts as an error")
	tenths := fs.Bool("tenths", false, "also print the writes/s and reads/s in each tenth of the run")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftlab bench [-c 10] [-d 10s] [-n 0] [-reads 0] [-keys 1000] [-prefix key] [-value 16] [-timeout 5s] [-tenths] [-nodes URL,...]")
		fmt.Fprintln(fs.Output(), "Client c sends to node c mod the number of -nodes; give only the leader's URL to measure without forwarding.")
		fmt.Fprintln(fs.Output(), "Every -nodes URL's /status is polled during the run: the leaders line says which node led which term.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErr(stderr, "bench", "unexpected argument %q", fs.Arg(0))
	case *clients < 1 || *clients > 10000:
		return usageErr(stderr, "bench", "-c %d: want 1 to 10000 clients", *clients)
	case *duration <= 0 || *duration > 24*time.Hour:
		return usageErr(stderr, "bench", "-d %v: want a duration above 0 and at most 24h", *duration)
	case *reads < 0 || *reads > 1:
		return usageErr(stderr, "bench", "-reads %v: want a fraction from 0 to 1", *reads)
	case *keys < 1:
		return usageErr(stderr, "bench", "-keys %d: want at least 1", *keys)
	case *value < 0 || *value > 1<<20:
		return usageErr(stderr, "bench", "-value %d: want 0 to 1048576 bytes", *value)
	case *calls < 0:
		return usageErr(stderr, "bench", "-n %d: want 0 (no limit) or more", *calls)
	case *prefix == "" || len(*prefix) > 64 || strings.ContainsAny(*prefix, "/?#% \t\n"):
		return usageErr(stderr, "bench", "-prefix %q: want 1 to 64 bytes without / ? # %% or spaces", *prefix)
	case *timeout <= 0:
		return usageErr(stderr, "bench", "-timeout %v: want a duration above 0", *timeout)
	}
	urls, err := splitNodes(*nodes)
	if err != nil {
		return usageErr(stderr, "bench", "-nodes: %v", err)
	}
	op, err := loadgen.HTTPKV{Nodes: urls, Reads: *reads, Keys: *keys, Prefix: *prefix, Value: *value, Timeout: *timeout}.Op(*clients)
	if err != nil {
		return usageErr(stderr, "bench", "%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	limit := ""
	if *calls > 0 {
		limit = fmt.Sprintf(" (or %d requests)", *calls)
	}
	fmt.Fprintf(stdout, "raftlab bench: %d clients for %v%s, %.0f%% reads, %d keys, %d-byte values, nodes %s\n",
		*clients, *duration, limit, 100**reads, *keys, *value, strings.Join(urls, ","))
	stopWatch := loadgen.WatchLeaders(urls, leaderPoll)
	res := loadgen.Run(ctx, loadgen.Config{Clients: *clients, Duration: *duration, Calls: *calls}, op)
	leaders := stopWatch()
	res.WriteTable(stdout)
	if *tenths {
		res.WriteTenths(stdout)
	}
	fmt.Fprintln(stdout, leaders)
	if res.Total.Count == 0 {
		return errors.New("bench: no request succeeded")
	}
	return nil
}
