package linearizability

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// testSeed is RAFTLAB_SEED if set (to replay a failure), else the clock.
func testSeed(t *testing.T) uint64 {
	if s := os.Getenv("RAFTLAB_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RAFTLAB_SEED=%q: %v", s, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

// Histories recorded from a simulated atomic store are linearizable by
// construction; changing one Get to a value never written makes them
// illegal. Both verdicts must come out, each well within the limit.
func TestRandomHistories(t *testing.T) {
	seed := testSeed(t)
	const rounds = 200
	for r := range rounds {
		s := seed + uint64(r)
		rng := rand.New(rand.NewPCG(s, 0))
		// Up to 4 clients per key: proving a bad get illegal can take time
		// exponential in the concurrent appends before it (every order of
		// them is a different state), and with 5 some histories took over
		// 10 s under -race (RAFTLAB_SEED=4199251181004124499 and
		// 1795442999677998553, with 5 as the upper bound here).
		h := simulateKv(rng, 50+rng.IntN(150), 1+rng.IntN(4), 1+rng.IntN(3))
		if got, info := CheckOperationsTimeout(KvModel, h, 10*time.Second); got != Ok {
			t.Fatalf("RAFTLAB_SEED=%d: simulated atomic store gave %v (err %v), want Ok:\n%s", s, got, info.Err, describeHistory(h))
		}
		var gets []int
		for i, op := range h {
			if op.Input.(KvInput).Op == KvGet {
				gets = append(gets, i)
			}
		}
		if len(gets) == 0 {
			continue
		}
		i := gets[rng.IntN(len(gets))]
		h[i].Output = KvOutput{"#never written"} // written values contain no '#'
		if got, info := CheckOperationsTimeout(KvModel, h, 10*time.Second); got != Illegal {
			t.Fatalf("RAFTLAB_SEED=%d: get %d changed to a value never written gave %v (err %v), want Illegal:\n%s",
				s, i, got, info.Err, describeHistory(h))
		}
	}
}

// On tiny random histories, legal or not, with ties in time, the search
// agrees with trying every permutation. The definition it checks against:
// a permutation is a linearization if the model accepts it in order and it
// never puts b before a when a returned strictly before b was called.
func TestAgreesWithBruteForce(t *testing.T) {
	seed := testSeed(t)
	for r := range 2000 {
		s := seed + uint64(r)
		rng := rand.New(rand.NewPCG(s, 1))
		h := tinyHistory(rng, []string{"a", "b"}, []string{"", "a", "b", "ab", "ba", "aa"})
		want := bruteForce(h)
		got, info := CheckOperationsTimeout(KvModel, h, 10*time.Second)
		if (got == Ok) != want || got == Unknown {
			t.Fatalf("RAFTLAB_SEED=%d: search says %v, brute force says linearizable=%v:\n%s", s, got, want, describeHistory(h))
		}
		if got == Ok && !isLinearization(h, info.Partitions[0].Prefix) {
			t.Fatalf("RAFTLAB_SEED=%d: Ok with %v, which is not a linearization:\n%s", s, info.Partitions[0].Prefix, describeHistory(h))
		}
	}
}

// tinyHistory is 1 to 6 operations on one key at small random times, so
// that they overlap and tie: Puts and Appends of one of writes, and Gets
// that return one of reads.
func tinyHistory(rng *rand.Rand, writes, reads []string) []Operation {
	h := make([]Operation, 1+rng.IntN(6))
	for i := range h {
		call := rng.Int64N(8)
		in := KvInput{Op: uint8(rng.IntN(3)), Key: "k", Value: writes[rng.IntN(len(writes))]}
		out := KvOutput{}
		if in.Op == KvGet {
			in.Value = ""
			out.Value = reads[rng.IntN(len(reads))]
		}
		h[i] = Operation{i, in, call, out, call + rng.Int64N(5)}
	}
	return h
}

func bruteForce(h []Operation) bool {
	perm := make([]int, 0, len(h))
	used := make([]bool, len(h))
	var try func() bool
	try = func() bool {
		if len(perm) == len(h) {
			return isLinearization(h, perm)
		}
		for i := range h {
			if !used[i] {
				used[i] = true
				perm = append(perm, i)
				if try() {
					return true
				}
				perm = perm[:len(perm)-1]
				used[i] = false
			}
		}
		return false
	}
	return try()
}

func isLinearization(h []Operation, order []int) bool {
	if len(order) != len(h) {
		return false
	}
	for x := range order {
		for y := x + 1; y < len(order); y++ {
			if h[order[y]].Return < h[order[x]].Call {
				return false // order[y] returned before order[x] was called
			}
		}
	}
	// The plain string model, independent of KvModel's hashed states, so
	// that the comparison checks KvModel too.
	value := map[string]string{}
	for _, i := range order {
		in := h[i].Input.(KvInput)
		switch in.Op {
		case KvGet:
			switch out := h[i].Output.(type) {
			case KvOutput:
				if out.Value != value[in.Key] {
					return false
				}
			case KvDigest:
				if out != DigestKvOutput(value[in.Key]) {
					return false
				}
			}
		case KvPut:
			value[in.Key] = in.Value
		case KvAppend:
			value[in.Key] += in.Value
		}
	}
	return true
}
