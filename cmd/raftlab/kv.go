package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"raftlab/cluster/node"
)

// DefaultNodes is what -nodes means when neither the flag nor
// $RAFTLAB_NODES is set: the HTTP addresses of the cluster that `raftlab
// up` starts with its default -base-port 8000.
const DefaultNodes = "http://127.0.0.1:8000,http://127.0.0.1:8001,http://127.0.0.1:8002"

// attemptTimeout bounds one request to one node: a node answers 503 after
// its own request deadline (3 s by default), so this leaves it room.
const attemptTimeout = 5 * time.Second

// statusTimeout bounds a /status request; a node slower than that is
// reported unreachable.
const statusTimeout = time.Second

func nodesFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("RAFTLAB_NODES")
	if def == "" {
		def = DefaultNodes
	}
	return fs.String("nodes", def, "the nodes' HTTP URLs, comma-separated, tried in order (default $RAFTLAB_NODES, else "+DefaultNodes+")")
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args, stderr); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func splitNodes(s string) ([]string, error) {
	var urls []string
	for _, u := range strings.Split(s, ",") {
		u = strings.TrimRight(strings.TrimSpace(u), "/")
		if u == "" {
			continue
		}
		if !strings.Contains(u, "://") {
			u = "http://" + u
		}
		if _, err := url.Parse(u); err != nil {
			return nil, fmt.Errorf("node URL %q: %v", u, err)
		}
		urls = append(urls, u)
	}
	if len(urls) == 0 {
		return nil, errors.New("no node URLs")
	}
	return urls, nil
}

// runKV runs one key/value operation through the first node that answers.
func runKV(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kv", flag.ContinueOnError)
	nodes := nodesFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftlab kv get|put|append|delete KEY [VALUE] [-nodes URL,...]")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr(stderr, "kv", "missing operation: get, put, append or delete")
	}
	var method string
	want := 2 // operation and key
	switch pos[0] {
	case "get":
		method = http.MethodGet
	case "put":
		method, want = http.MethodPut, 3
	case "append":
		method, want = http.MethodPost, 3
	case "delete":
		method = http.MethodDelete
	default:
		return usageErr(stderr, "kv", "unknown operation %q: want get, put, append or delete", pos[0])
	}
	if len(pos) != want {
		if want == 3 {
			return usageErr(stderr, "kv", "%s takes KEY and VALUE", pos[0])
		}
		return usageErr(stderr, "kv", "%s takes KEY", pos[0])
	}
	if pos[1] == "" {
		return usageErr(stderr, "kv", "empty key")
	}
	urls, err := splitNodes(*nodes)
	if err != nil {
		return usageErr(stderr, "kv", "-nodes: %v", err)
	}
	var body string
	if want == 3 {
		body = pos[2]
	}
	value, err := doKV(urls, method, pos[1], body)
	if err != nil {
		return err
	}
	if method == http.MethodGet {
		fmt.Fprintln(stdout, value)
	}
	return nil
}

// doKV sends one request to the nodes in order until one gives a final
// answer. A node that cannot be reached, or answers 503 (outcome unknown),
// hands the request to the next; the Client-Id and Request-Seq headers make
// such a retry apply at most once.
func doKV(urls []string, method, key, body string) (string, error) {
	clientID := rand.Int64N(1<<62) + 1
	client := &http.Client{Timeout: attemptTimeout}
	var errs []string
	for _, base := range urls {
		status, b, err := kvRequest(client, base, method, key, body, clientID, 1)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", base, err))
			continue
		}
		reason := strings.TrimSpace(string(b))
		switch {
		case status/100 == 2:
			return string(b), nil
		case status == http.StatusServiceUnavailable:
			errs = append(errs, fmt.Sprintf("%s: %d %s: %s", base, status, http.StatusText(status), reason))
			continue
		default:
			return "", fmt.Errorf("%s: %d %s: %s", base, status, http.StatusText(status), reason)
		}
	}
	return "", fmt.Errorf("no node answered: %s", strings.Join(errs, "; "))
}

// kvRequest sends one key/value request to the node at base as client id
// with sequence number seq, and returns the status and the body; an error
// means no answer (not reached, timed out, or cut off mid-body).
func kvRequest(client *http.Client, base, method, key, body string, id int64, seq int) (int, []byte, error) {
	req, err := http.NewRequest(method, base+"/kv/"+url.PathEscape(key), strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Client-Id", strconv.FormatInt(id, 10))
	req.Header.Set("Request-Seq", strconv.Itoa(seq))
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, node.MaxValue+1))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %v", err)
	}
	return resp.StatusCode, b, nil
}

// runStatus prints a table of every node's /status.
func runStatus(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	nodes := nodesFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftlab status [-nodes URL,...]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "status", "unexpected argument %q", fs.Arg(0))
	}
	urls, err := splitNodes(*nodes)
	if err != nil {
		return usageErr(stderr, "status", "-nodes: %v", err)
	}
	sts := make([]node.Status, len(urls))
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() { sts[i], errs[i] = fetchStatus(u) })
	}
	wg.Wait()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tID\tROLE\tTERM\tLEADER\tCOMMIT\tAPPLIED\tLOG ENTRIES\tSNAPSHOT INDEX\tDISK BYTES")
	reachable := 0
	for i, u := range urls {
		if errs[i] != nil {
			fmt.Fprintf(tw, "%s\t-\tunreachable\t\t\t\t\t\t\t\t(%v)\n", u, errs[i])
			continue
		}
		reachable++
		s := sts[i]
		leader := strconv.Itoa(s.Leader)
		if s.Leader < 0 {
			leader = "?"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\n", u, s.ID, s.Role, s.Term, leader,
			s.CommitIndex, s.Applied, s.LogEntries, s.SnapshotIndex, s.DiskBytes)
	}
	tw.Flush()
	if reachable == 0 {
		return errors.New("no node answered")
	}
	return printConfiguration(stdout, urls, sts, errs)
}

func fetchStatus(base string) (node.Status, error) {
	var st node.Status
	client := &http.Client{Timeout: statusTimeout}
	resp, err := client.Get(base + "/status")
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("%s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return st, fmt.Errorf("decoding /status: %v", err)
	}
	return st, nil
}
