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

// runBench drives a running cluster's HTTP API with concurrent clients and
// prints writes/s, reads/s and latency percentiles (cluster/loadgen).
func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	nodes := nodesFlag(fs)
	clients := fs.Int("c", 10, "concurrent clients, each sending its next request once the last one answered")
	duration := fs.Duration("d", 10*time.Second, "how long to run")
	reads := fs.Float64("reads", 0, "fraction of requests that are reads (GET), 0 to 1; the rest are writes (PUT)")
	keys := fs.Int("keys", 1000, "number of distinct keys, chosen at random per request")
	value := fs.Int("value", 16, "bytes in each written value")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftlab bench [-c 10] [-d 10s] [-reads 0] [-keys 1000] [-value 16] [-nodes URL,...]")
		fmt.Fprintln(fs.Output(), "Client c sends to node c mod the number of -nodes; give only the leader's URL to measure without forwarding.")
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
	}
	urls, err := splitNodes(*nodes)
	if err != nil {
		return usageErr(stderr, "bench", "-nodes: %v", err)
	}
	op, err := loadgen.HTTPKV{Nodes: urls, Reads: *reads, Keys: *keys, Value: *value}.Op(*clients)
	if err != nil {
		return usageErr(stderr, "bench", "%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(stdout, "raftlab bench: %d clients for %v, %.0f%% reads, %d keys, %d-byte values, nodes %s\n",
		*clients, *duration, 100**reads, *keys, *value, strings.Join(urls, ","))
	res := loadgen.Run(ctx, loadgen.Config{Clients: *clients, Duration: *duration}, op)
	res.WriteTable(stdout)
	if res.Total.Count == 0 {
		return errors.New("bench: no request succeeded")
	}
	return nil
}
