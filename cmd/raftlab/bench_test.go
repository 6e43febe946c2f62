package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// raftlab bench -n -tenths against 3 nodes: exactly n writes, a table of
// the tenths of the run whose counts add up to them, the first and last
// tenth's rates, and the leaders line: the leader found before the run,
// in its term throughout.
func TestBenchTenthsAndLeaders(t *testing.T) {
	c := newCluster(t, 3)
	leader := c.waitLeader(0, 1, 2)
	st, err := c.status(leader)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	stdout, stderr, code := raftlab(t, "bench", "-c", "2", "-d", "15s", "-n", strconv.Itoa(n), "-tenths",
		"-value", "1000", "-keys", "1000000", "-prefix", "tenths-", "-nodes", strings.Join(c.http, ","))
	if code != 0 {
		t.Fatalf("bench: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("raftlab bench -n %d -tenths:\n%s", n, stdout)
	var writes, tenths, sum int
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 8 && f[0] == "write":
			writes, _ = strconv.Atoi(f[1])
			if f[2] != "0" {
				t.Errorf("write row %q: want no errors", line)
			}
		case len(f) == 5 && f[0] == strconv.Itoa(tenths+1): // TENTH FROM TO WRITES WRITES/S
			k, err := strconv.Atoi(f[3])
			if err != nil {
				t.Fatalf("tenth row %q: %v", line, err)
			}
			tenths++
			sum += k
		}
	}
	if writes != n || tenths != 10 || sum != n {
		t.Errorf("%d writes in the table, %d tenth rows adding up to %d; want %d, 10 and %d", writes, tenths, sum, n, n)
	}
	if !strings.Contains(stdout, "writes/s: first tenth ") {
		t.Errorf("no line with the first and last tenth's writes/s")
	}
	want := fmt.Sprintf("0 leader changes, 0 new terms: node %d leads term %d throughout", leader, st.Term)
	if !strings.Contains(stdout, want) {
		t.Errorf("bench's output lacks %q", want)
	}
}

// The new flags' bad values exit 2 with one line saying what is wrong.
func TestBenchBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "-n", "-1"}, "-n -1"},
		{[]string{"bench", "-prefix", ""}, `-prefix ""`},
		{[]string{"bench", "-prefix", "a/b"}, `-prefix "a/b"`},
		{[]string{"bench", "-timeout", "0s"}, "-timeout 0s"},
		{[]string{"bench", "-tenths=maybe"}, "invalid boolean value"},
	} {
		stdout, stderr, code := raftlab(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("raftlab %q: exit %d, stderr %q, stdout %q; want exit 2 and one line with %q", tc.args, code, stderr, stdout, tc.want)
		}
	}
}
