package raft

import (
	"reflect"
	"strings"
	"testing"
)

// mkLog builds a log with a snapshot through snapIndex/snapTerm followed by
// entries of the given terms; entry i's command is i*10.
func mkLog(snapIndex, snapTerm int, terms ...int) *raftLog {
	l := newLog(snapIndex, snapTerm, nil)
	for k, t := range terms {
		l.append(Entry{Term: t, Command: (snapIndex + 1 + k) * 10})
	}
	return l
}

func TestLogIndexArithmetic(t *testing.T) {
	cases := []struct {
		name                  string
		log                   *raftLog
		first, last, lastTerm int
		terms                 map[int]int // index -> term
	}{
		{"empty", mkLog(0, 0), 1, 0, 0, map[int]int{0: 0}},
		{"no snapshot", mkLog(0, 0, 1, 1, 2), 1, 3, 2, map[int]int{0: 0, 1: 1, 2: 1, 3: 2}},
		{"snapshot only", mkLog(5, 3), 6, 5, 3, map[int]int{5: 3}},
		{"snapshot and entries", mkLog(5, 3, 3, 4, 4), 6, 8, 4, map[int]int{5: 3, 6: 3, 7: 4, 8: 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.log.firstIndex(); got != c.first {
				t.Errorf("firstIndex = %d, want %d", got, c.first)
			}
			if got := c.log.lastIndex(); got != c.last {
				t.Errorf("lastIndex = %d, want %d", got, c.last)
			}
			if got := c.log.lastTerm(); got != c.lastTerm {
				t.Errorf("lastTerm = %d, want %d", got, c.lastTerm)
			}
			for i, want := range c.terms {
				if got := c.log.term(i); got != want {
					t.Errorf("term(%d) = %d, want %d", i, got, want)
				}
			}
			if c.log.has(c.log.snapshotIndex-1) || c.log.has(c.last+1) {
				t.Errorf("has() is true outside [%d, %d]", c.log.snapshotIndex, c.last)
			}
		})
	}
}

func TestLogOutOfRangePanicsWithValues(t *testing.T) {
	l := mkLog(5, 3, 3, 4)
	cases := map[string]func(){
		"term before snapshot": func() { l.term(4) },
		"term past end":        func() { l.term(8) },
		"entry at snapshot":    func() { l.entry(5) },
		"slice into snapshot":  func() { l.slice(5, 7) },
		"slice past end":       func() { l.slice(6, 9) },
		"truncate snapshot":    func() { l.truncateFrom(5) },
		"compact backwards":    func() { l.compact(4, 2, nil) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				if msg, _ := r.(string); !strings.Contains(msg, "raftLog.") {
					t.Fatalf("panic %v does not say where", r)
				}
			}()
			f()
		})
	}
}

func TestLogSliceIsACopy(t *testing.T) {
	l := mkLog(2, 1, 1, 2, 3)
	s := l.slice(3, 6)
	want := []Entry{{1, 30}, {2, 40}, {3, 50}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("slice(3, 6) = %v, want %v", s, want)
	}
	s[0].Term = 99
	if l.term(3) != 1 {
		t.Fatal("slice shares memory with the log")
	}
	if got := l.slice(4, 4); len(got) != 0 {
		t.Fatalf("empty slice = %v", got)
	}
}

func TestLogTruncateAndCompact(t *testing.T) {
	cases := []struct {
		name       string
		log        *raftLog
		op         func(*raftLog)
		snapIndex  int
		snapTerm   int
		entryTerms []int
	}{
		{"truncate middle", mkLog(0, 0, 1, 1, 2, 2), func(l *raftLog) { l.truncateFrom(3) }, 0, 0, []int{1, 1}},
		{"truncate at end is a no-op", mkLog(0, 0, 1, 2), func(l *raftLog) { l.truncateFrom(3) }, 0, 0, []int{1, 2}},
		{"truncate after snapshot", mkLog(4, 2, 2, 3, 3), func(l *raftLog) { l.truncateFrom(5) }, 4, 2, nil},
		{"compact keeps matching suffix", mkLog(0, 0, 1, 1, 2, 3), func(l *raftLog) { l.compact(2, 1, nil) }, 2, 1, []int{2, 3}},
		{"compact everything", mkLog(0, 0, 1, 2), func(l *raftLog) { l.compact(2, 2, nil) }, 2, 2, nil},
		{"compact conflicting term drops log", mkLog(0, 0, 1, 1, 2), func(l *raftLog) { l.compact(2, 5, nil) }, 2, 5, nil},
		{"compact past end drops log", mkLog(3, 1, 1), func(l *raftLog) { l.compact(10, 4, nil) }, 10, 4, nil},
		{"compact again", mkLog(3, 1, 1, 2, 2), func(l *raftLog) { l.compact(5, 2, nil) }, 5, 2, []int{2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.op(c.log)
			var terms []int
			for _, e := range c.log.entries {
				terms = append(terms, e.Term)
			}
			if c.log.snapshotIndex != c.snapIndex || c.log.snapshotTerm != c.snapTerm || !reflect.DeepEqual(terms, c.entryTerms) {
				t.Fatalf("got snapshot %d/%d entries %v, want %d/%d %v",
					c.log.snapshotIndex, c.log.snapshotTerm, terms, c.snapIndex, c.snapTerm, c.entryTerms)
			}
			// Commands stay attached to their indexes.
			for i := c.log.firstIndex(); i <= c.log.lastIndex(); i++ {
				if got := c.log.entry(i).Command; got != i*10 {
					t.Fatalf("entry(%d).Command = %v, want %d", i, got, i*10)
				}
			}
		})
	}
}

func TestLogTermSearch(t *testing.T) {
	//          index: 4(snap) 5 6 7 8 9 10
	l := mkLog(4, 1, 1, 2, 2, 2, 5, 5)
	first := map[int]int{5: 4, 6: 6, 7: 6, 8: 6, 9: 9, 10: 9, 4: 4}
	for i, want := range first {
		if got := l.firstIndexOfTerm(i); got != want {
			t.Errorf("firstIndexOfTerm(%d) = %d, want %d", i, got, want)
		}
	}
	last := map[int]int{1: 5, 2: 8, 3: -1, 4: -1, 5: 10, 6: -1, 0: -1}
	for term, want := range last {
		if got := l.lastIndexOfTerm(term); got != want {
			t.Errorf("lastIndexOfTerm(%d) = %d, want %d", term, got, want)
		}
	}
}
