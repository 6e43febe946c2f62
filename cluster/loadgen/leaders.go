package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Leaders is what WatchLeaders saw of raftlab nodes' GET /status during a
// run: the leader of each term seen, and how far the terms went.
type Leaders struct {
	Nodes      int           // nodes polled
	Every      time.Duration // between rounds
	Rounds     int           // rounds of polls, one request to each node
	Unanswered int           // requests with no status in answer within a second
	// Terms is each term seen with a leader, in the order seen, with the
	// leader and when (since the watch began) it was first seen; two
	// entries with one term would be two leaders in a term (§5.2 forbids
	// it). A node that reports a term older than the newest seen is not
	// counted: it has not heard of the newer one yet.
	Terms []TermLeader
	// FirstTerm is the highest term in the first round with an answer,
	// LastTerm the highest of the whole watch.
	FirstTerm, LastTerm int

	answered bool // some node has answered
}

// TermLeader is a term and its leader's member id, as first seen.
type TermLeader struct {
	Term, Leader int
	At           time.Duration
}

// LeaderChanges is how many times the leader seen changed.
func (l Leaders) LeaderChanges() int {
	n := 0
	for i := 1; i < len(l.Terms); i++ {
		if l.Terms[i].Leader != l.Terms[i-1].Leader {
			n++
		}
	}
	return n
}

// NewTerms is how many terms began during the watch: elections, won by
// the same node or another, or lost.
func (l Leaders) NewTerms() int { return l.LastTerm - l.FirstTerm }

// maxListed is how many terms String lists before it skips to the last.
const maxListed = 10

// String is one line for a report: the terms seen with their leaders, the
// first maxListed and the last.
func (l Leaders) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "leaders (GET /status of %d nodes every %v: %d rounds, %d unanswered): ", l.Nodes, l.Every, l.Rounds, l.Unanswered)
	switch {
	case len(l.Terms) == 0:
		b.WriteString("no leader seen")
	case len(l.Terms) == 1 && l.NewTerms() == 0:
		fmt.Fprintf(&b, "0 leader changes, 0 new terms: node %d leads term %d throughout", l.Terms[0].Leader, l.Terms[0].Term)
	default:
		fmt.Fprintf(&b, "%d leader changes, %d new terms (%d to %d):", l.LeaderChanges(), l.NewTerms(), l.FirstTerm, l.LastTerm)
		for i, tl := range l.Terms {
			if i == maxListed && len(l.Terms) > maxListed+1 {
				fmt.Fprintf(&b, ", %d more", len(l.Terms)-maxListed-1)
				tl = l.Terms[len(l.Terms)-1]
			} else if i > maxListed {
				break
			}
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " term %d node %d at %.1f s", tl.Term, tl.Leader, tl.At.Seconds())
		}
	}
	return b.String()
}

// statusHead is the part of a raftlab node's GET /status a watch reads.
type statusHead struct {
	Term   int  `json:"term"`
	Leader *int `json:"leader"` // -1 (or absent) if the node knows of none
}

// WatchLeaders polls GET /status of each of nodes (base URLs) every
// interval, each round's requests at once, until stop is called; stop
// returns what was seen.
func WatchLeaders(nodes []string, every time.Duration) (stop func() Leaders) {
	l := Leaders{Nodes: len(nodes), Every: every}
	client := &http.Client{Timeout: time.Second}
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		for {
			answers := make([]*statusHead, len(nodes))
			var wg sync.WaitGroup
			for i, base := range nodes {
				wg.Go(func() { answers[i] = fetchStatusHead(client, base) })
			}
			wg.Wait()
			l.note(answers, time.Since(start))
			select {
			case <-done:
				return
			case <-time.After(every):
			}
		}
	}()
	return func() Leaders {
		close(done)
		<-finished
		return l
	}
}

// note adds a round's answers (nil: none) seen at.
func (l *Leaders) note(answers []*statusHead, at time.Duration) {
	l.Rounds++
	first := !l.answered
	for _, st := range answers {
		if st == nil {
			l.Unanswered++
			continue
		}
		l.answered = true
		l.LastTerm = max(l.LastTerm, st.Term)
		if st.Leader == nil || *st.Leader < 0 {
			continue
		}
		tl := TermLeader{Term: st.Term, Leader: *st.Leader, At: at}
		switch n := len(l.Terms); {
		case n == 0, st.Term > l.Terms[n-1].Term:
			l.Terms = append(l.Terms, tl)
		case st.Term == l.Terms[n-1].Term && !l.has(tl):
			l.Terms = append(l.Terms, tl) // two leaders in one term: shown, never hidden
		}
	}
	if first && l.answered {
		l.FirstTerm = l.LastTerm
	}
}

// has says whether tl's term and leader are among those seen.
func (l *Leaders) has(tl TermLeader) bool {
	for _, seen := range l.Terms {
		if seen.Term == tl.Term && seen.Leader == tl.Leader {
			return true
		}
	}
	return false
}

// fetchStatusHead asks base for its status; nil if it gave none.
func fetchStatusHead(client *http.Client, base string) *statusHead {
	resp, err := client.Get(base + "/status")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var st statusHead
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st) != nil {
		return nil
	}
	return &st
}
