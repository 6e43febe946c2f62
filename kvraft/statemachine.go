package kvraft

import (
	"bytes"
	"fmt"
	"time"

	"raftlab/internal/bugs"
	"raftlab/labgob"
)

// stateMachine is the replicated key/value state: the store and, per
// client, a session with its last applied request and that request's
// result. It is pure: no locks, no goroutines, no Raft, no clock of its
// own; the server feeds it committed operations in log order and every
// replica computes the same state.
//
// Exactly once: a Clerk numbers its requests 1, 2, 3, ... and has at most
// one outstanding, so a request whose Seq is the client's last applied one
// is a retry of it: it is not applied again, and gets the recorded result.
// A lower Seq is an old copy of an earlier request and gets
// ErrStaleRequest. Sessions expire after SessionTimeout of log time
// (session.go), which keeps the table bounded.
//
// Values are byte slices that Append extends in place (append's amortized
// doubling), so an Append costs what it adds, not the value's length; a Get
// copies the value out into an immutable string. No slice in Store is ever
// shared: Put stores a copy of its value, a snapshot decodes fresh slices.
type stateMachine struct {
	Store       map[string][]byte
	Sessions    map[int64]session // by client id
	LastApplied int               // Raft index of the last operation applied
	LogClock    int64             // the largest LeaderTime applied, Unix ns; 0 before any

	// Not replicated state but configuration, which every replica must be
	// given alike: how long a session may stay idle; 0 for ever.
	sessionTimeout time.Duration
}

func newStateMachine(sessionTimeout time.Duration) *stateMachine {
	return &stateMachine{Store: map[string][]byte{}, Sessions: map[int64]session{}, sessionTimeout: sessionTimeout}
}

// apply applies op, committed at Raft index index, and returns its result.
// A retry of the client's last request returns the recorded result; an
// older request ErrStaleRequest; a client without a session, unless Seq
// is 1, ErrSessionExpired. None of those is applied.
func (sm *stateMachine) apply(index int, op Op) (value string, err Err) {
	if index != sm.LastApplied+1 {
		panic(fmt.Sprintf("kvraft: applying index %d after %d", index, sm.LastApplied))
	}
	sm.LastApplied = index
	sm.advanceClock(op.LeaderTime)
	s, exists := sm.Sessions[op.ClientId]
	if !exists && op.Seq != 1 {
		return "", ErrSessionExpired
	}
	s.LastActive = sm.LogClock
	if value, err, ok := sm.answered(op.ClientId, op.Seq); ok {
		sm.Sessions[op.ClientId] = s
		return value, err
	}
	err = OK
	switch op.Kind {
	case OpGet:
		if v, ok := sm.Store[op.Key]; ok {
			value = string(v)
		} else {
			err = ErrNoKey
		}
	case OpPut:
		sm.Store[op.Key] = []byte(op.Value)
	case OpAppend:
		sm.Store[op.Key] = append(sm.Store[op.Key], op.Value...)
	case OpDelete:
		delete(sm.Store, op.Key)
	}
	s.Seq, s.Value, s.Err = op.Seq, value, err
	sm.Sessions[op.ClientId] = s
	return value, err
}

// skip advances LastApplied over a log entry that is not an operation.
func (sm *stateMachine) skip(index int) {
	if index != sm.LastApplied+1 {
		panic(fmt.Sprintf("kvraft: skipping index %d after %d", index, sm.LastApplied))
	}
	sm.LastApplied = index
}

// snapshotState is what a snapshot holds: the replicated fields. The
// session table is encoded as Clients, its name before sessions expired,
// so that a snapshot of then (without LogClock and LastActive) still
// decodes.
type snapshotState struct {
	Store       map[string][]byte
	Clients     map[int64]session
	LastApplied int
	LogClock    int64
}

// encode returns a snapshot of the whole state.
func (sm *stateMachine) encode() []byte { return sm.encodeSized(0) }

// encodeSized is encode into a buffer made for about hint bytes (the last
// snapshot's size): a big state is then encoded without the buffer
// doubling its way up, which would hold up to twice the state meanwhile.
func (sm *stateMachine) encodeSized(hint int) []byte {
	st := snapshotState{Store: sm.Store, Clients: sm.Sessions, LastApplied: sm.LastApplied, LogClock: sm.LogClock}
	if bugs.On(bugs.SnapshotWithoutDuplicates) {
		// The deliberate bug (internal/bugs; never in a production build):
		// the sessions are kept, each client's last request is not, so a
		// retry after a restore is taken for a new request.
		st.Clients = map[int64]session{}
		for id, s := range sm.Sessions {
			st.Clients[id] = session{LastActive: s.LastActive}
		}
	}
	var buf bytes.Buffer
	buf.Grow(hint + hint/8)
	if err := labgob.NewEncoder(&buf).Encode(st); err != nil {
		panic(fmt.Sprintf("kvraft: encoding a snapshot: %v", err))
	}
	return buf.Bytes()
}

// decodeStateMachine restores a snapshot made by encode, for a server
// whose sessions expire after sessionTimeout. Empty data is the initial
// state; bad data is an error.
func decodeStateMachine(data []byte, sessionTimeout time.Duration) (*stateMachine, error) {
	if len(data) == 0 {
		return newStateMachine(sessionTimeout), nil
	}
	var st snapshotState
	if err := labgob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return nil, fmt.Errorf("kvraft: decoding a snapshot: %w", err)
	}
	if st.LastApplied < 0 {
		return nil, fmt.Errorf("kvraft: snapshot with last applied index %d", st.LastApplied)
	}
	if st.LogClock < 0 {
		return nil, fmt.Errorf("kvraft: snapshot with log clock %d", st.LogClock)
	}
	for id, s := range st.Clients {
		if s.LastActive < 0 || s.LastActive > st.LogClock {
			return nil, fmt.Errorf("kvraft: snapshot with client %d last active at %d, log clock %d", id, s.LastActive, st.LogClock)
		}
	}
	sm := &stateMachine{Store: st.Store, Sessions: st.Clients, LastApplied: st.LastApplied, LogClock: st.LogClock, sessionTimeout: sessionTimeout}
	if sm.Store == nil {
		sm.Store = map[string][]byte{}
	}
	if sm.Sessions == nil {
		sm.Sessions = map[int64]session{}
	}
	return sm, nil
}
