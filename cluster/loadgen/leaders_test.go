package loadgen

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func head(term, leader int) *statusHead { return &statusHead{Term: term, Leader: &leader} }

// Leader changes and new terms, from rounds of answers: an election that
// the same node wins again is a new term, not a leader change; a node
// still in an older term is not counted; a node with no answer is.
func TestLeadersCountChanges(t *testing.T) {
	var l Leaders
	rounds := [][]*statusHead{
		{head(3, 1), head(3, 1), nil},
		{head(3, 1), head(2, 2), head(3, 1)}, // node 1 has not heard of term 3
		{head(4, -1), head(3, 1), head(4, -1)},
		{head(4, 1), head(4, 1), head(4, 1)}, // node 1 again, in a new term
		{head(6, 0), head(6, 0), head(5, 2)},
	}
	for i, r := range rounds {
		l.note(r, time.Duration(i)*time.Second)
	}
	want := []TermLeader{{3, 1, 0}, {4, 1, 3 * time.Second}, {6, 0, 4 * time.Second}}
	if len(l.Terms) != len(want) {
		t.Fatalf("terms seen %v; want %v", l.Terms, want)
	}
	for i := range want {
		if l.Terms[i] != want[i] {
			t.Fatalf("terms seen %v; want %v", l.Terms, want)
		}
	}
	if l.LeaderChanges() != 1 || l.NewTerms() != 3 || l.Rounds != 5 || l.Unanswered != 1 {
		t.Errorf("%d leader changes, %d new terms, %d rounds, %d unanswered; want 1, 3, 5, 1", l.LeaderChanges(), l.NewTerms(), l.Rounds, l.Unanswered)
	}
	if s := l.String(); !strings.Contains(s, "1 leader changes, 3 new terms (3 to 6): term 3 node 1 at 0.0 s, term 4 node 1 at 3.0 s, term 6 node 0 at 4.0 s") {
		t.Errorf("String: %q", s)
	}

	// Two leaders in one term are both shown, once each.
	var two Leaders
	two.note([]*statusHead{head(7, 0), head(7, 1), head(7, 1)}, 0)
	two.note([]*statusHead{head(7, 0), head(7, 1), head(7, 0)}, time.Second)
	if len(two.Terms) != 2 || two.LeaderChanges() != 1 {
		t.Errorf("two leaders in term 7: %v", two.Terms)
	}

	// A long churn lists the first terms and the last.
	var churn Leaders
	for term := 1; term <= 30; term++ {
		churn.note([]*statusHead{head(term, term%3)}, time.Duration(term)*time.Second)
	}
	s := churn.String()
	if !strings.Contains(s, "29 new terms (1 to 30): term 1 node 1 at 1.0 s,") || !strings.Contains(s, "term 10 node 1 at 10.0 s, 19 more, term 30 node 0 at 30.0 s") || strings.Contains(s, "term 11 ") {
		t.Errorf("String of 30 terms: %q", s)
	}
}

// WatchLeaders polls every node until stopped; a steady cluster shows one
// leader throughout, a node that does not answer is counted.
func TestWatchLeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/status" {
			t.Errorf("path %q", r.URL.Path)
		}
		json.NewEncoder(w).Encode(map[string]any{"id": 0, "role": "leader", "term": 2, "leader": 0})
	}))
	defer srv.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	stop := WatchLeaders([]string{srv.URL, down.URL}, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	l := stop()
	if l.Rounds < 2 || l.Unanswered != l.Rounds || l.LeaderChanges() != 0 || l.NewTerms() != 0 {
		t.Errorf("%+v: want rounds, each with one unanswered, and no change", l)
	}
	if s := l.String(); !strings.Contains(s, "0 leader changes, 0 new terms: node 0 leads term 2 throughout") || !strings.Contains(s, "2 nodes every 10ms") {
		t.Errorf("String: %q", s)
	}
	var none Leaders
	if s := none.String(); !strings.HasSuffix(s, "no leader seen") {
		t.Errorf("with no answers: %q", s)
	}
}
