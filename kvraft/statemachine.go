package kvraft

import (
	"bytes"
	"fmt"

	"raftlab/internal/bugs"
	"raftlab/labgob"
)

// stateMachine is the replicated key/value state: the store and, per
// client, its last applied request and that request's result. It is pure:
// no locks, no goroutines, no Raft; the server feeds it committed operations
// in log order and every replica computes the same state.
//
// Exactly once: a Clerk numbers its requests 1, 2, 3, ... and has at most
// one outstanding, so a request whose Seq is not above the client's last
// applied one is a retry of something already applied. It is not applied
// again; a retry of the last request gets that request's recorded result.
//
// Values are byte slices that Append extends in place (append's amortized
// doubling), so an Append costs what it adds, not the value's length; a Get
// copies the value out into an immutable string. No slice in Store is ever
// shared: Put stores a copy of its value, a snapshot decodes fresh slices.
type stateMachine struct {
	Store       map[string][]byte
	Clients     map[int64]lastRequest
	LastApplied int // Raft index of the last operation applied
}

// lastRequest is what the state machine remembers of a client.
type lastRequest struct {
	Seq   int64
	Value string // for a Get, the value returned
	Err   Err
}

func newStateMachine() *stateMachine {
	return &stateMachine{Store: map[string][]byte{}, Clients: map[int64]lastRequest{}}
}

// apply applies op, committed at Raft index index, and returns its result.
// A duplicate returns the recorded result of the client's last request.
func (sm *stateMachine) apply(index int, op Op) (value string, err Err) {
	if index != sm.LastApplied+1 {
		panic(fmt.Sprintf("kvraft: applying index %d after %d", index, sm.LastApplied))
	}
	sm.LastApplied = index
	if last, ok := sm.Clients[op.ClientId]; ok && op.Seq <= last.Seq {
		return last.Value, last.Err
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
	sm.Clients[op.ClientId] = lastRequest{Seq: op.Seq, Value: value, Err: err}
	return value, err
}

// duplicate reports the recorded result if (clientId, seq) was applied
// already, so a retried request can be answered without the log.
func (sm *stateMachine) duplicate(clientId, seq int64) (lastRequest, bool) {
	last, ok := sm.Clients[clientId]
	return last, ok && seq <= last.Seq
}

// skip advances LastApplied over a log entry that is not an operation.
func (sm *stateMachine) skip(index int) {
	if index != sm.LastApplied+1 {
		panic(fmt.Sprintf("kvraft: skipping index %d after %d", index, sm.LastApplied))
	}
	sm.LastApplied = index
}

// encode returns a snapshot of the whole state.
func (sm *stateMachine) encode() []byte {
	var buf bytes.Buffer
	if bugs.On(bugs.SnapshotWithoutDuplicates) {
		// The deliberate bug (internal/bugs; never in a production build).
		sm = &stateMachine{Store: sm.Store, LastApplied: sm.LastApplied}
	}
	if err := labgob.NewEncoder(&buf).Encode(sm); err != nil {
		panic(fmt.Sprintf("kvraft: encoding a snapshot: %v", err))
	}
	return buf.Bytes()
}

// decodeStateMachine restores a snapshot made by encode. Empty data is the
// initial state; bad data is an error.
func decodeStateMachine(data []byte) (*stateMachine, error) {
	sm := &stateMachine{}
	if len(data) == 0 {
		return newStateMachine(), nil
	}
	if err := labgob.NewDecoder(bytes.NewReader(data)).Decode(sm); err != nil {
		return nil, fmt.Errorf("kvraft: decoding a snapshot: %w", err)
	}
	if sm.Store == nil {
		sm.Store = map[string][]byte{}
	}
	if sm.Clients == nil {
		sm.Clients = map[int64]lastRequest{}
	}
	if sm.LastApplied < 0 {
		return nil, fmt.Errorf("kvraft: snapshot with last applied index %d", sm.LastApplied)
	}
	return sm, nil
}
