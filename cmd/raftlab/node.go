package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"raftlab/cluster/node"
)

// runNode runs one member until SIGINT or SIGTERM.
func runNode(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	id := fs.Int("id", -1, "this member's id: its index into -peers, or with -join a new id (required)")
	peers := fs.String("peers", "", "a new cluster's members' peer addresses, comma-separated, in id order (or -join)")
	join := fs.String("join", "", "instead of -peers: the HTTP URL of a member of a running cluster, asked to add this node as -id at -addr")
	addr := fs.String("addr", "", "with -join: this node's peer address, listened on and given to the cluster")
	httpAddr := fs.String("http", "", "the HTTP API's listen address, e.g. 127.0.0.1:8000 (required)")
	dir := fs.String("dir", "", "this member's data directory, created if missing (required)")
	secret := fs.String("secret", "", "shared cluster secret checked on every peer connection (default $RAFTLAB_SECRET)")
	maxState := fs.Int("max-raft-state", 0, fmt.Sprintf("snapshot once the persisted Raft state reaches this many bytes (and the log since the last snapshot is as large as it); 0 means %d, -1 never", node.DefaultMaxRaftState))
	faults := fs.String("faults", "", `turn on the fault control for raftlab torture, starting with these faults (JSON, e.g. {"drop":[1]}; {} for none): the node then also serves GET and PUT /faults; never in production`)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftlab node -id I -peers HOST:PORT,... -http HOST:PORT -dir DIR [flags]")
		fmt.Fprintln(fs.Output(), "       raftlab node -id I -join URL -addr HOST:PORT -http HOST:PORT -dir DIR [flags]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "node", "unexpected argument %q", fs.Arg(0))
	}
	var list []string
	if *peers != "" {
		list = strings.Split(*peers, ",")
	}
	switch {
	case len(list) == 0 && *join == "":
		return usageErr(stderr, "node", "-peers (a new cluster) or -join (a new member) is required")
	case len(list) > 0 && *join != "":
		return usageErr(stderr, "node", "-peers and -join together: -peers starts a new cluster, -join adds this node to one")
	case *join != "" && *addr == "":
		return usageErr(stderr, "node", "-join needs -addr, this node's peer address")
	case *join == "" && *addr != "":
		return usageErr(stderr, "node", "-addr goes with -join (with -peers, the address is -peers' entry -id)")
	case *join != "" && (*id < 0 || *id > node.MaxMemberID):
		return usageErr(stderr, "node", "-id %d: want 0 to %d", *id, node.MaxMemberID)
	case *join == "" && (*id < 0 || *id >= len(list)):
		return usageErr(stderr, "node", "-id %d is not an index into the %d peers", *id, len(list))
	case *httpAddr == "":
		return usageErr(stderr, "node", "-http is required")
	case *dir == "":
		return usageErr(stderr, "node", "-dir is required")
	case *maxState < -1:
		return usageErr(stderr, "node", "-max-raft-state %d: want -1, 0 or a size in bytes", *maxState)
	}
	for i, p := range list {
		if strings.TrimSpace(p) == "" {
			return usageErr(stderr, "node", "-peers: address %d is empty", i)
		}
	}
	var fc *node.Faults
	if *faults != "" {
		f, err := node.ParseFaults([]byte(*faults), *id)
		if err != nil {
			return usageErr(stderr, "node", "-faults: %v", err)
		}
		fc = &f
	}
	if *secret == "" {
		*secret = os.Getenv("RAFTLAB_SECRET")
	}

	logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := node.Start(node.Config{
		ID:           *id,
		Peers:        list,
		Addr:         *addr,
		Join:         *join,
		HTTP:         *httpAddr,
		Dir:          *dir,
		Secret:       *secret,
		MaxRaftState: *maxState,
		Logf:         logger.Printf,
		Faults:       fc,
	})
	if err != nil {
		return err
	}
	var joinErr error
	select {
	case <-ctx.Done():
		logger.Printf("node %d: stopping: %v", *id, context.Cause(ctx))
	case joinErr = <-n.Joined():
		if joinErr == nil {
			// Joined: run on as any member does.
			<-ctx.Done()
			logger.Printf("node %d: stopping: %v", *id, context.Cause(ctx))
		} else {
			logger.Printf("node %d: stopping: it could not join: %v", *id, joinErr)
		}
	}
	if err := n.Close(); err != nil {
		return fmt.Errorf("node %d: close: %w", *id, err)
	}
	return joinErr
}
