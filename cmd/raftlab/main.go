// Command raftlab runs and talks to a real raftlab cluster: separate
// processes, each one member (cluster/node) with its Raft peer, kvraft
// server, disk storage and HTTP key/value API.
//
//	raftlab node -id 0 -peers A0,A1,A2 -http ADDR -dir DIR [-secret S] [-max-raft-state N]
//	raftlab node -id 3 -join URL -addr A3 -http ADDR -dir DIR [...]
//	raftlab up [-n 3] [-dir ./raftlab-data] [-base-port P] [-ui [-ui-addr 127.0.0.1:0]]
//	raftlab up -add K | -remove ID [-dir ./raftlab-data]
//	raftlab remove ID [-nodes URL,...]
//	raftlab kv get|put|append|delete KEY [VALUE] [-nodes URL,...]
//	raftlab status [-nodes URL,...]
//	raftlab bench [-c 10] [-d 10s] [-reads 0] [-keys 1000] [-value 16] [-nodes URL,...]
//	raftlab torture [-n 3] [-clients 10] [-keys 8] [-duration 60s] [-seed S] [-faults ...] [-o DIR]
//	raftlab logs [-peers 0,2] [-topics VOTE,-APPEND] [-terms 3-7] [-from T] [-to T] [-html FILE|-] [FILE|-]
//	raftlab handout -o DIR [-src DIR] [-vet=false]
//	raftlab grade [-n 10] [-race] [-parts 3A,3B,3C,3D,4A,4B] [-timeout 120s] [-p P] [-weights FILE] [-o DIR] [-fresh] [DIR]
//
// node runs one member until SIGINT or SIGTERM, logging one line per event
// to stderr; with -join instead of -peers it is a new member that asks the
// cluster at URL to add it, and exits 1 if the cluster refuses. up starts a
// local cluster of node processes on loopback, streams their logs with a
// prefix per node, and stops them on Ctrl-C; the data and the chosen ports
// stay in DIR (DIR/cluster.json), so a second up resumes the same cluster.
// up -add K, beside a running up, starts K new members that join it (ids
// and ports after the cluster's) and runs them until Ctrl-C; up -remove ID
// removes a member, stops its process and records it, so that a resumed
// cluster leaves it out. up -ui also serves the live cluster page
// (cluster/ui) on loopback and prints its URL as "ui: URL": each node's
// role, term and log, the Raft messages of the last seconds, buttons that
// kill, restart, partition and heal nodes, and a put/get box. logs shows
// a debug log (a test's, a runner's kept log, up's output) with a column
// per peer (internal/logview). remove asks the nodes given by -nodes to remove a
// member (DELETE /members/ID) and prints the new configuration; status
// prints, below its table, the configuration as the leader sees it, with
// how far each member has caught up. kv and status talk to the HTTP API of the nodes
// given by -nodes (default $RAFTLAB_NODES, else DefaultNodes: the HTTP
// addresses of `raftlab up` with its default -base-port 8000); kv tries
// them in order. bench drives the nodes' HTTP API with concurrent clients
// for a while and prints a table of writes/s, reads/s and latency
// percentiles (cluster/loadgen). torture starts a fresh local cluster,
// runs clients against it while a nemesis kills, partitions, pauses and
// slows its nodes and their disks, checks the history for linearizability
// and lost writes, prints a summary and writes an HTML report
// (cluster/torture). handout writes the student copy of the lab: the
// module with raft's and kvraft's solution replaced by a skeleton that
// compiles, the cluster and this command left out (internal/handout).
// grade runs the batch runner of a student's copy of the module N times
// over each part's tests and prints points per part and each failed test's
// first failing run, with -o a grade book's JSON too (internal/grade).
//
// Exit status: 0 on success; 1 when the operation failed (a key absent, a
// node's 4xx or 503, no node answering, a node that could not start, a
// torture run that did not pass); 2 for a bad command line.
//
// Files: main.go (dispatch, usage), node.go, up.go, kv.go (kv and status),
// members.go (remove, the configuration in status), bench.go, torture.go,
// logs.go, handout.go, grade.go.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `usage:
  raftlab node -id I -peers HOST:PORT,... -http HOST:PORT -dir DIR [-secret S] [-max-raft-state N]
  raftlab node -id I -join URL -addr HOST:PORT -http HOST:PORT -dir DIR [...]
  raftlab up [-n 3] [-dir ./raftlab-data] [-base-port P] [-ui [-ui-addr 127.0.0.1:0]]
  raftlab up -add K | -remove ID [-dir ./raftlab-data]
  raftlab remove ID [-nodes URL,...]
  raftlab kv get|put|append|delete KEY [VALUE] [-nodes URL,...]
  raftlab status [-nodes URL,...]
  raftlab bench [-c 10] [-d 10s] [-reads 0] [-keys 1000] [-value 16] [-nodes URL,...]
  raftlab torture [-n 3] [-clients 10] [-keys 8] [-duration 60s] [-seed S] [-faults kill,partition,pause,slow,disk,membership] [-o DIR]
  raftlab logs [-peers 0,2] [-topics VOTE,-APPEND] [-terms 3-7] [-from T] [-to T] [-debug-only] [-width N] [-color auto|always|never] [-html FILE|-] [FILE|-]
  raftlab handout -o DIR [-src DIR] [-vet=false]
  raftlab grade [-n 10] [-race] [-parts 3A,3B,3C,3D,4A,4B] [-timeout 120s] [-p P] [-weights FILE] [-o DIR] [-fresh] [DIR]
Run "raftlab COMMAND -h" for a command's flags.
`

// errUsage marks a bad command line (exit status 2); the message was printed.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs one command and returns the process's exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return runWithStdin(args, os.Stdin, stdout, stderr)
}

// runWithStdin is run with the input of a command that reads one (logs).
func runWithStdin(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "node":
		err = runNode(rest, stderr)
	case "up":
		err = runUp(rest, stdout, stderr)
	case "kv":
		err = runKV(rest, stdout, stderr)
	case "status":
		err = runStatus(rest, stdout, stderr)
	case "remove":
		err = runRemove(rest, stdout, stderr)
	case "bench":
		err = runBench(rest, stdout, stderr)
	case "torture":
		err = runTorture(rest, stdout, stderr)
	case "logs":
		err = runLogs(rest, stdin, stdout, stderr)
	case "handout":
		err = runHandout(rest, stdout, stderr)
	case "grade":
		err = runGrade(rest, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "raftlab: unknown command %q (raftlab -h for help)\n", cmd)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "raftlab: %v\n", err)
		return 1
	}
}

// parseFlags parses args with fs, printing a one-line error for a bad
// command line; extra positional arguments are an error unless allowed.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
			return err
		}
		return usageErr(stderr, fs.Name(), "%v", err)
	}
	return nil
}

// usageErr prints "raftlab CMD: message" and a hint, and returns errUsage.
func usageErr(stderr io.Writer, cmd, format string, args ...any) error {
	fmt.Fprintf(stderr, "raftlab %s: %s (raftlab %s -h for help)\n", cmd, fmt.Sprintf(format, args...), cmd)
	return errUsage
}
