package linearizability

import (
	"iter"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
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
		// Up to 6 clients per key. Without KvModel.Doomed, proving a bad
		// get illegal took time exponential in the concurrent appends
		// before it (every order of them is a different state): with 5
		// clients some histories took over 10 s under -race
		// (RAFTLAB_SEED=4199251181004124499 and 1795442999677998553).
		// With it, whole values recorded, an order is dropped as soon as
		// it strays from what the gets ahead saw; proving a get illegal
		// still means exhausting the orders no get ahead rules out, which
		// with 12 clients took seconds.
		h := simulateKv(rng, 50+rng.IntN(150), 1+rng.IntN(6), 1+rng.IntN(3))
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
		h := tinyHistory(rng, []string{"", "a", "b"}, []string{"", "a", "b", "ab", "ba", "aa"})
		agreesWithBruteForce(t, s, h)
	}
}

// The same, with one value longer than KvModel keeps whole (so states are
// hashed and Doomed compares tails), and half the gets recorded as digests.
func TestAgreesWithBruteForceLongValuesAndDigests(t *testing.T) {
	seed := testSeed(t)
	long := strings.Repeat("z", kvShortLen+44)
	writes := []string{long, "", "a", "b"}
	reads := []string{"", long, long + "a", "a" + long, long + "ab", long + "ba", "ab"}
	for r := range 2000 {
		s := seed + uint64(r)
		rng := rand.New(rand.NewPCG(s, 2))
		h := tinyHistory(rng, writes, reads)
		for i, op := range h {
			if out, ok := op.Output.(KvOutput); ok && op.Input.(KvInput).Op == KvGet && rng.IntN(2) == 0 {
				h[i].Output = DigestKvOutput(out.Value)
			}
		}
		agreesWithBruteForce(t, s, h)
	}
}

// An illegal part is diagnosed as the plain search (no Doomed, no Hash)
// diagnoses it: the same longest prefix, the same operation blamed, the
// same operations pending.
func TestDiagnosisIsThePlainSearchs(t *testing.T) {
	seed := testSeed(t)
	plain := KvModel
	plain.Doomed, plain.Hash = nil, nil
	for r := range 300 {
		s := seed + uint64(r)
		rng := rand.New(rand.NewPCG(s, 3))
		h := simulateKv(rng, 20+rng.IntN(60), 1+rng.IntN(3), 1)
		var gets []int
		for i, op := range h {
			if op.Input.(KvInput).Op == KvGet {
				gets = append(gets, i)
			}
		}
		if len(gets) == 0 {
			continue
		}
		h[gets[rng.IntN(len(gets))]].Output = KvOutput{"#never written"}
		got, info := CheckOperationsTimeout(KvModel, h, 10*time.Second)
		want, plainInfo := CheckOperationsTimeout(plain, h, 10*time.Second)
		if got != Illegal || want != Illegal {
			t.Fatalf("RAFTLAB_SEED=%d: verdicts %v and, plain, %v; want Illegal", s, got, want)
		}
		p, q := info.Partitions[0], plainInfo.Partitions[0]
		if !slices.Equal(p.Prefix, q.Prefix) || p.Stuck != q.Stuck || !slices.Equal(p.Pending, q.Pending) {
			t.Fatalf("RAFTLAB_SEED=%d: prefix %v stuck %d pending %v; the plain search: prefix %v stuck %d pending %v\n%s",
				s, p.Prefix, p.Stuck, p.Pending, q.Prefix, q.Stuck, q.Pending, describeHistory(h))
		}
	}
}

// A Doomed that prunes a linearizable part is caught: the plain search,
// run to diagnose the Illegal verdict, finds a linearization, and the check
// reports the model's error instead of blaming the history.
func TestWrongDoomedIsAnError(t *testing.T) {
	wrong := KvModel
	wrong.Doomed = func(state any, op Operation, others iter.Seq[Operation]) bool {
		return op.Input.(KvInput).Op == KvGet
	}
	h := []Operation{put(0, "k", "a", 0, 10), get(1, "k", "a", 5, 20), appendOp(0, "k", "b", 11, 30), get(1, "k", "ab", 31, 40)}
	got, info := CheckOperationsTimeout(wrong, h, 10*time.Second)
	if got != Illegal || info.Err == nil || !strings.Contains(info.Err.Error(), "Doomed pruned a linearizable part") {
		t.Fatalf("verdict %v, err %v; want Illegal with an error blaming Doomed", got, info.Err)
	}
	checkKv(t, h, Ok)
}

// agreesWithBruteForce fails the test, naming the seed, unless the search's
// verdict on h is brute force's, and an Ok comes with a linearization.
func agreesWithBruteForce(t *testing.T, seed uint64, h []Operation) {
	t.Helper()
	want := bruteForce(h)
	got, info := CheckOperationsTimeout(KvModel, h, 10*time.Second)
	if (got == Ok) != want || got == Unknown {
		t.Fatalf("RAFTLAB_SEED=%d: search says %v, brute force says linearizable=%v:\n%s", seed, got, want, describeHistory(h))
	}
	if got == Ok && !isLinearization(h, info.Partitions[0].Prefix) {
		t.Fatalf("RAFTLAB_SEED=%d: Ok with %v, which is not a linearization:\n%s", seed, info.Partitions[0].Prefix, describeHistory(h))
	}
}

// tinyHistory is 1 to 6 operations on one key at small random times, so
// that they overlap and tie: Puts and Appends of one of writes, Deletes,
// and Gets that return one of reads.
func tinyHistory(rng *rand.Rand, writes, reads []string) []Operation {
	h := make([]Operation, 1+rng.IntN(6))
	for i := range h {
		call := rng.Int64N(8)
		in := KvInput{Op: uint8(rng.IntN(4)), Key: "k", Value: writes[rng.IntN(len(writes))]}
		out := KvOutput{}
		if in.Op == KvDelete {
			in.Value = ""
		}
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
		case KvDelete:
			delete(value, in.Key)
		}
	}
	return true
}
