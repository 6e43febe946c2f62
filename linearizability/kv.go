package linearizability

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/maphash"
	"iter"
	"strings"
)

// Key/value operations, the values of KvInput.Op.
const (
	KvGet    uint8 = 0
	KvPut    uint8 = 1
	KvAppend uint8 = 2
	KvDelete uint8 = 3 // the key's value becomes "", as if never written
)

// KvInput is the input of a key/value operation.
type KvInput struct {
	Op    uint8 // KvGet, KvPut, KvAppend or KvDelete
	Key   string
	Value string // ignored by Get and Delete
}

// KvOutput is the output of a key/value operation. Only a Get's output is
// looked at; Put and Append may record KvOutput{} or nil. A Get's output
// may also be a KvDigest, which checks the same and keeps the history small.
type KvOutput struct {
	Value string
}

// KvDigest stands for a Get's output value by its length, its SHA-256 and
// its last few bytes: what a history needs to check the value, in constant
// space. A harness whose values grow (every Append adds to what each later
// Get returns) records a Get as Output: DigestKvOutput(v), so the history
// grows with the number of operations, not with the sum of the values read.
// The verdicts are those of KvOutput{v}: any changed byte changes the hash.
type KvDigest struct {
	Len  int
	Sum  [sha256.Size]byte
	Tail string // the value's last kvTailLen bytes, for the page
}

// DigestKvOutput returns the KvDigest of a Get's output value.
func DigestKvOutput(value string) KvDigest {
	return KvDigest{Len: len(value), Sum: sha256.Sum256([]byte(value)), Tail: tail("", value)}
}

// kvTailLen is how many of a value's last bytes a state or a digest keeps
// to show on the page.
const kvTailLen = 48

// tail returns the last kvTailLen bytes of prev+add without building it,
// in a string of their own: a substring would keep all of add alive.
func tail(prev, add string) string {
	if len(add) >= kvTailLen {
		return strings.Clone(add[len(add)-kvTailLen:])
	}
	if keep := kvTailLen - len(add); len(prev) > keep {
		prev = prev[len(prev)-keep:]
	}
	return prev + add
}

// kvState is KvModel's state of one key. A short value (up to kvShortLen
// bytes) is kept whole, as plain strings are cheapest to append and
// compare. A longer one is kept as its length, a running SHA-256 and its
// tail, so that an Append step costs what it adds (a clone of the hash's
// state, then the new bytes), not the value's length, and a state takes
// constant space however long the value grows. The form follows from n, so
// two states of one length have the same form. A state is never modified
// once made: the search keeps and revisits them.
type kvState struct {
	n     int
	short string            // the whole value while n <= kvShortLen, else ""
	sum   [sha256.Size]byte // of the whole value, once n > kvShortLen
	h     hash.Hash         // running hash of the value, once n > kvShortLen; only ever cloned
	tail  string            // the value's last kvTailLen bytes, once n > kvShortLen
}

// kvShortLen is the longest value a state keeps whole.
const kvShortLen = 256

func newKvState(value string) *kvState {
	if len(value) <= kvShortLen {
		return &kvState{n: len(value), short: value}
	}
	h := sha256.New()
	h.Write([]byte(value))
	return longKvState(len(value), h, tail("", value))
}

func longKvState(n int, h hash.Hash, tail string) *kvState {
	st := &kvState{n: n, h: h, tail: tail}
	h.Sum(st.sum[:0])
	return st
}

// appended returns the state after appending add to st.
func (st *kvState) appended(add string) *kvState {
	n := st.n + len(add)
	if n <= kvShortLen {
		return &kvState{n: n, short: st.short + add}
	}
	var h hash.Hash
	prev := st.tail
	if st.h == nil { // growing out of the short form: hash what it was
		h = sha256.New()
		h.Write([]byte(st.short))
		prev = st.short
	} else {
		h = cloneHash(st.h)
	}
	h.Write([]byte(add))
	return longKvState(n, h, tail(prev, add))
}

// cloneHash returns an independent copy of a SHA-256 state: through
// hash.Cloner where the build offers it, else through the binary
// marshaling every crypto/sha256 build documents (FIPS and boringcrypto
// builds may lack Clone).
func cloneHash(h hash.Hash) hash.Hash {
	if c, ok := h.(hash.Cloner); ok {
		if d, err := c.Clone(); err == nil {
			return d
		}
	}
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err == nil {
		d := sha256.New()
		if err = d.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err == nil {
			return d
		}
	}
	panic(fmt.Sprintf("KvModel: copying a SHA-256 state: %v", err))
}

// holds reports whether the value of st is v. For a long value, length
// and tail reject most mismatches before any hashing.
func (st *kvState) holds(v string) bool {
	switch {
	case len(v) != st.n:
		return false
	case st.h == nil:
		return v == st.short
	}
	return tail("", v) == st.tail && sha256.Sum256([]byte(v)) == st.sum
}

// matches reports whether d is the digest of st's value.
func (st *kvState) matches(d KvDigest) bool {
	switch {
	case d.Len != st.n:
		return false
	case st.h == nil:
		return d.Tail == st.short[max(0, st.n-kvTailLen):] && d.Sum == sha256.Sum256([]byte(st.short))
	}
	return d.Sum == st.sum && d.Tail == st.tail
}

func (st *kvState) String() string {
	if st.h == nil {
		return quote(st.short)
	}
	return describeValue(st.n, st.tail, st.sum)
}

// describeValue draws a value from its length, tail and hash: whole when
// the tail is all of it, else its end, its length and a prefix of its hash.
func describeValue(n int, tail string, sum [sha256.Size]byte) string {
	if n <= len(tail) {
		return quote(tail)
	}
	return fmt.Sprintf("…%s (%d bytes, sha256 %x…)", quote(tail), n, sum[:4])
}

// KvModel is a key/value store of strings, the service of the kvraft lab:
// Get returns the current value ("" for a missing key), Put replaces it,
// Append appends to it, Delete removes it (a Get then returns "", as for a
// key never written). Keys are independent, so histories are checked one
// key at a time. Inputs must be KvInput and Get outputs KvOutput or
// KvDigest; anything else makes the check fail with an error saying so.
var KvModel = Model{
	Partition:         kvPartition,
	DescribePartition: kvDescribePartition,
	Init:              func() any { return emptyKvState },
	Step:              kvStep,
	Equal:             kvEqual,
	Hash:              kvHash,
	DescribeOperation: kvDescribeOperation,
	DescribeState:     kvDescribeState,
	Doomed:            kvDoomed,
}

var emptyKvState = newKvState("")

func kvEqual(a, b any) bool {
	x, y := a.(*kvState), b.(*kvState)
	return x.n == y.n && x.short == y.short && x.sum == y.sum
}

// kvHashSeed seeds the hash of short values: any seed serves, as hashes
// are compared only within one process.
var kvHashSeed = maphash.MakeSeed()

// kvHash agrees with kvEqual: a short value hashes by its bytes, a long one
// by its SHA-256 (a short state's sum is zero, a long one's short is "").
func kvHash(a any) uint64 {
	st := a.(*kvState)
	if st.h == nil {
		return maphash.String(kvHashSeed, st.short)
	}
	return binary.LittleEndian.Uint64(st.sum[:8]) ^ uint64(st.n)
}

// kvDescribeState draws a KvModel state; a plain string is drawn as that
// value.
func kvDescribeState(state any) string {
	if s, ok := state.(string); ok {
		return quote(s)
	}
	return fmt.Sprint(state)
}

func kvInput(input any) KvInput {
	in, ok := input.(KvInput)
	if !ok {
		panic(fmt.Sprintf("KvModel: input is %T (%v), want KvInput", input, input))
	}
	return in
}

// kvPartition splits a history by key, keys in order of first appearance
// and each part in the history's order.
func kvPartition(history []Operation) [][]Operation {
	index := make(map[string]int)
	var parts [][]Operation
	for _, op := range history {
		k := kvInput(op.Input).Key
		i, ok := index[k]
		if !ok {
			i = len(parts)
			index[k] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], op)
	}
	return parts
}

func kvDescribePartition(part []Operation) string {
	if len(part) == 0 {
		return "no operations"
	}
	return "key " + quote(kvInput(part[0].Input).Key)
}

// kvDoomed reports that a Get can never return its output after state:
// Appends only extend a value, so unless a Put or a Delete that may go
// first could start the value afresh, the value at the Get extends state's.
// A Get recorded with its whole value (KvOutput) is doomed once state's
// value is not a prefix of it, which cuts a burst of concurrent Appends
// down to the one order the next Get saw. A digest (KvDigest) tells only
// the length: doomed once state is longer, or as long and different. Puts,
// Appends, Deletes, and inputs the model does not know are never doomed
// here (Step judges them).
func kvDoomed(state any, op Operation, others iter.Seq[Operation]) bool {
	st, ok := state.(*kvState)
	in, isKv := op.Input.(KvInput)
	if !ok || !isKv || in.Op != KvGet {
		return false
	}
	switch out := op.Output.(type) {
	case KvOutput:
		if st.mayPrefix(out.Value) {
			return false
		}
		// A Put may go first only if the Get's value begins with it; a
		// Delete, whose "" begins every value, always may.
		for o := range others {
			if p, ok := o.Input.(KvInput); ok && (p.Op == KvDelete || p.Op == KvPut && strings.HasPrefix(out.Value, p.Value)) {
				return false
			}
		}
		return true
	case KvDigest:
		if st.n < out.Len || st.n == out.Len && st.matches(out) {
			return false
		}
		for o := range others {
			if p, ok := o.Input.(KvInput); ok && (p.Op == KvPut || p.Op == KvDelete) {
				return false
			}
		}
		return true
	}
	return false
}

// mayPrefix reports whether st's value may be a prefix of v: false only
// when it certainly is not. A long value is compared by its tail alone,
// which is what a wrongly ordered Append changes, and costs no hashing.
func (st *kvState) mayPrefix(v string) bool {
	switch {
	case st.n > len(v):
		return false
	case st.h == nil:
		return strings.HasPrefix(v, st.short)
	}
	return v[st.n-len(st.tail):st.n] == st.tail
}

func kvStep(state, input, output any) (bool, any) {
	st := state.(*kvState)
	in := kvInput(input)
	switch in.Op {
	case KvGet:
		switch out := output.(type) {
		case KvOutput:
			return st.holds(out.Value), st
		case KvDigest:
			return st.matches(out), st
		}
		panic(fmt.Sprintf("KvModel: output of %s is %T (%v), want KvOutput or KvDigest", kvDescribeOperation(input, nil), output, output))
	case KvPut:
		return true, newKvState(in.Value)
	case KvAppend:
		return true, st.appended(in.Value)
	case KvDelete:
		return true, emptyKvState
	}
	panic(fmt.Sprintf("KvModel: unknown Op %d in %+v (want KvGet, KvPut, KvAppend or KvDelete)", in.Op, in))
}

// kvDescribeOperation renders get('k') -> 'v', put('k', 'v') and
// append('k', 'v'). It never panics: it also draws inputs the model rejects.
func kvDescribeOperation(input, output any) string {
	in, ok := input.(KvInput)
	if !ok {
		return fmt.Sprintf("%v -> %v", input, output)
	}
	switch in.Op {
	case KvGet:
		switch out := output.(type) {
		case KvOutput:
			return fmt.Sprintf("get(%s) -> %s", quote(in.Key), quote(out.Value))
		case KvDigest:
			return fmt.Sprintf("get(%s) -> %s", quote(in.Key), describeValue(out.Len, out.Tail, out.Sum))
		}
		return fmt.Sprintf("get(%s) -> ?", quote(in.Key))
	case KvPut:
		return fmt.Sprintf("put(%s, %s)", quote(in.Key), quote(in.Value))
	case KvAppend:
		return fmt.Sprintf("append(%s, %s)", quote(in.Key), quote(in.Value))
	case KvDelete:
		return fmt.Sprintf("delete(%s)", quote(in.Key))
	}
	return fmt.Sprintf("op%d(%s, %s)", in.Op, quote(in.Key), quote(in.Value))
}

// quote puts s in single quotes, escaping backslashes, quotes and control
// characters, so an empty or odd value is visible on the page.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
