package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"

	"raftlab/cluster/node"
)

// runRemove removes a member from the cluster through the first node that
// gives a final answer.
func runRemove(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("remove", flag.ContinueOnError)
	nodes := nodesFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: raftlab remove ID [-nodes URL,...]")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr(stderr, "remove", "want one member ID")
	}
	id, err := strconv.Atoi(pos[0])
	if err != nil || id < 0 || id > node.MaxMemberID {
		return usageErr(stderr, "remove", "member ID %q: want 0 to %d", pos[0], node.MaxMemberID)
	}
	urls, err := splitNodes(*nodes)
	if err != nil {
		return usageErr(stderr, "remove", "-nodes: %v", err)
	}
	view, err := removeMember(urls, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "member %d removed: configuration %s at index %d\n", id, configLine(view.Members), view.Index)
	return nil
}

// removeMember sends DELETE /members/ID to the nodes in order until one
// gives a final answer: 200 (done) or a 4xx (refused). A node that cannot
// be reached or answers 503 hands it to the next; removal is idempotent.
func removeMember(urls []string, id int) (node.Members, error) {
	client := &http.Client{Timeout: removeTimeout}
	var errs []string
	for _, base := range urls {
		req, err := http.NewRequest(http.MethodDelete, fmt.Sprintf("%s/members/%d", base, id), nil)
		if err != nil {
			return node.Members{}, err
		}
		resp, err := client.Do(req)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", base, err))
			continue
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: reading the answer: %v", base, err))
			continue
		}
		reason := strings.TrimSpace(string(b))
		switch {
		case resp.StatusCode == http.StatusOK:
			var m node.Members
			if err := json.Unmarshal(b, &m); err != nil {
				return m, fmt.Errorf("%s: decoding the configuration: %v", base, err)
			}
			return m, nil
		case resp.StatusCode == http.StatusServiceUnavailable:
			errs = append(errs, fmt.Sprintf("%s: %s: %s", base, resp.Status, reason))
		default:
			return node.Members{}, fmt.Errorf("%s: %s: %s", base, resp.Status, reason)
		}
	}
	return node.Members{}, fmt.Errorf("no node removed member %d: %s", id, strings.Join(errs, "; "))
}

// configLine is a configuration in one line: "[0 1 2 3L]", L for a
// learner.
func configLine(ms []node.Member) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(m.ID))
		if m.Learner {
			b.WriteByte('L')
		}
	}
	return b.String() + "]"
}

// printConfiguration prints the configuration as the best informed node
// sees it: the leader (which alone knows how far each member has caught
// up), else the node with the newest configuration.
func printConfiguration(w io.Writer, urls []string, sts []node.Status, errs []error) error {
	best := -1
	for i, st := range sts {
		if errs[i] != nil {
			continue
		}
		switch {
		case best < 0:
			best = i
		case (st.Role == "leader") != (sts[best].Role == "leader"):
			if st.Role == "leader" {
				best = i
			}
		case st.ConfigIndex > sts[best].ConfigIndex:
			best = i
		}
	}
	if best < 0 {
		return errors.New("no node answered")
	}
	st := sts[best]
	state := "committed"
	if !st.ConfigCommitted {
		state = "not yet committed"
	}
	seen := "node " + strconv.Itoa(st.ID)
	if st.Role == "leader" {
		seen += ", the leader,"
	}
	fmt.Fprintf(w, "\nconfiguration at index %d, %s (as %s sees it):\n", st.ConfigIndex, state, seen)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MEMBER\tPEER ADDRESS\tVOTES\tMATCH INDEX")
	for _, m := range st.Members {
		votes, match := "voter", "-"
		if m.Learner {
			votes = "learner (catching up)"
		}
		if m.MatchIndex >= 0 {
			match = strconv.Itoa(m.MatchIndex)
			if m.Learner {
				match += fmt.Sprintf(" of %d", st.CommitIndex)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", m.ID, m.Addr, votes, match)
	}
	return tw.Flush()
}
