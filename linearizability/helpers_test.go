package linearizability

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// Hand-made histories are written with small integer times: an operation
// from call to ret.

func get(client int, key, value string, call, ret int64) Operation {
	return Operation{client, KvInput{KvGet, key, ""}, call, KvOutput{value}, ret}
}

func put(client int, key, value string, call, ret int64) Operation {
	return Operation{client, KvInput{KvPut, key, value}, call, KvOutput{}, ret}
}

func appendOp(client int, key, value string, call, ret int64) Operation {
	return Operation{client, KvInput{KvAppend, key, value}, call, KvOutput{}, ret}
}

// checkKv checks history against KvModel with a generous limit and fails
// the test unless the verdict is want.
func checkKv(t *testing.T, history []Operation, want CheckResult) LinearizationInfo {
	t.Helper()
	got, info := CheckOperationsTimeout(KvModel, history, 10*time.Second)
	if got != want {
		t.Fatalf("verdict %v, want %v (err %v) for history:\n%s", got, want, info.Err, describeHistory(history))
	}
	if want != Unknown && CheckOperations(KvModel, history) != (want == Ok) {
		t.Fatalf("CheckOperations disagrees with CheckOperationsTimeout (%v)", want)
	}
	return info
}

func describeHistory(h []Operation) string {
	var b strings.Builder
	for i, op := range h {
		fmt.Fprintf(&b, "  %d: client %d [%d, %d] %s\n", i, op.ClientId, op.Call, op.Return,
			kvDescribeOperation(op.Input, op.Output))
	}
	return b.String()
}

// simulateKv returns a linearizable history of n operations by clients
// sequential clients on keys keys: each operation takes effect at a random
// instant inside its own random interval, applied to an atomic map in the
// order of those instants. Values are unique, so appends are observable.
func simulateKv(rng *rand.Rand, n, clients, keys int) []Operation {
	type pending struct {
		op  Operation
		lin int64
	}
	ops := make([]pending, 0, n)
	now := make([]int64, clients)
	for i := range n {
		c := rng.IntN(clients)
		call := now[c] + rng.Int64N(50)
		lin := call + rng.Int64N(100)
		ret := lin + rng.Int64N(100)
		now[c] = ret + 1 // a client's operations do not overlap
		// Half gets, a quarter each puts and appends, as kvraft clients do.
		in := KvInput{Op: []uint8{KvGet, KvGet, KvPut, KvAppend}[rng.IntN(4)], Key: fmt.Sprintf("k%d", rng.IntN(keys))}
		if in.Op != KvGet {
			in.Value = fmt.Sprintf("%d.%d;", c, i)
		}
		ops = append(ops, pending{Operation{c, in, call, nil, ret}, lin})
	}
	slices.SortStableFunc(ops, func(a, b pending) int { return int(a.lin - b.lin) })
	store := make(map[string]string)
	history := make([]Operation, len(ops))
	for i, p := range ops {
		in := p.op.Input.(KvInput)
		switch in.Op {
		case KvGet:
			p.op.Output = KvOutput{store[in.Key]}
		case KvPut:
			store[in.Key] = in.Value
			p.op.Output = KvOutput{}
		case KvAppend:
			store[in.Key] += in.Value
			p.op.Output = KvOutput{}
		}
		history[i] = p.op
	}
	rng.Shuffle(len(history), func(i, j int) { history[i], history[j] = history[j], history[i] })
	return history
}
