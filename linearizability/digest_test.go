package linearizability

import (
	"crypto/sha256"
	"encoding"
	"hash"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// growingHistory is one client appending n chunks of 7 bytes to one key
// and reading the key after each, as the kvraft harness's clients do; with
// digest, each Get's output is recorded as a KvDigest.
func growingHistory(n int, digest bool) []Operation {
	var h []Operation
	value := ""
	t := int64(0)
	for i := range n {
		chunk := "x 0 " + string(rune('a'+i%26)) + " y"
		h = append(h, appendOp(0, "k", chunk, t, t+1))
		value += chunk
		var out any = KvOutput{value}
		if digest {
			out = DigestKvOutput(value)
		}
		h = append(h, Operation{0, KvInput{KvGet, "k", ""}, t + 2, out, t + 3})
		t += 4
	}
	return h
}

// A Get recorded as a digest is checked as strictly as one recorded whole:
// one changed byte anywhere in one Get's output (in the shown tail or long
// before it) makes the history Illegal, in either form.
func TestKvDigestCatchesOneChangedByte(t *testing.T) {
	for _, c := range []struct {
		appends int
		digest  bool
	}{{20, false}, {20, true}, {200, false}, {200, true}} { // 140 bytes: kept whole; 1400: hashed
		digest := c.digest
		h := growingHistory(c.appends, digest)
		checkKv(t, h, Ok)
		last := len(h) - 1
		full := "" // the last Get's value
		for _, op := range h {
			if in := op.Input.(KvInput); in.Op == KvAppend {
				full += in.Value
			}
		}
		for _, pos := range []int{0, 1, len(full) / 2, len(full) - kvTailLen - 1, len(full) - 1} {
			bad := []byte(full)
			bad[pos] ^= 1
			h[last].Output = KvOutput{string(bad)}
			if digest {
				h[last].Output = DigestKvOutput(string(bad))
			}
			if got, info := CheckOperationsTimeout(KvModel, h, 10*time.Second); got != Illegal {
				t.Fatalf("digest=%v: byte %d of %d changed in the last Get: %v (err %v), want Illegal", digest, pos, len(full), got, info.Err)
			}
		}
		// A digest that agrees on length, tail and all but the hash.
		if digest {
			d := DigestKvOutput(full)
			d.Sum[0] ^= 1
			h[last].Output = d
			if got, _ := CheckOperationsTimeout(KvModel, h, 10*time.Second); got != Illegal {
				t.Fatalf("a digest with a wrong hash: %v, want Illegal", got)
			}
		}
	}
}

// On small random histories whose values outgrow the short form of a state,
// KvModel with whole outputs, KvModel with digests, and trying every
// permutation against a plain string model all agree.
func TestKvDigestAgreesWithBruteForce(t *testing.T) {
	seed := testSeed(t)
	// 100-byte writes: a state grows out of the short form (256 bytes)
	// with its third, so reads of up to three writes meet both forms.
	writes := []string{strings.Repeat("a", 100), strings.Repeat("b", 100)}
	reads := []string{""}
	for _, w1 := range writes {
		reads = append(reads, w1)
		for _, w2 := range writes {
			reads = append(reads, w1+w2)
			for _, w3 := range writes {
				reads = append(reads, w1+w2+w3)
			}
		}
	}
	// 3000 histories: about 30 legal ones read a hashed state, about
	// 1400 fail on one.
	for r := range 3000 {
		s := seed + uint64(r)
		whole := tinyHistory(rand.New(rand.NewPCG(s, 2)), writes, reads)
		digested := append([]Operation(nil), whole...)
		for i := range digested {
			if digested[i].Input.(KvInput).Op == KvGet {
				digested[i].Output = DigestKvOutput(digested[i].Output.(KvOutput).Value)
			}
		}
		want := bruteForce(whole)
		for name, h := range map[string][]Operation{"whole": whole, "digest": digested} {
			got, _ := CheckOperationsTimeout(KvModel, h, 10*time.Second)
			if (got == Ok) != want || got == Unknown {
				t.Fatalf("RAFTLAB_SEED=%d: %s outputs: search says %v, brute force says linearizable=%v:\n%s", s, name, got, want, describeHistory(h))
			}
		}
	}
}

// An Append step costs what it adds, not the value's length: the bytes
// allocated by 10,000 steps of 10 bytes each stay constant per step (a
// model that builds the new string allocates ~n²/2 times 10 bytes: 500 MB).
func TestKvModelAppendCostIsFlat(t *testing.T) {
	const n = 10000
	in := KvInput{Op: KvAppend, Key: "k", Value: "0123456789"}
	state := KvModel.Init()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		_, state = KvModel.Step(state, in, KvOutput{})
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 1024 {
		t.Fatalf("an Append step allocated %d bytes on average over %d steps, want at most 1 KiB", per, n)
	}
	if want := DigestKvOutput(strings.Repeat("0123456789", n)); !state.(*kvState).matches(want) {
		t.Fatalf("state after %d appends is %v, want %d bytes of 0123456789", n, state, 10*n)
	}
}

// The page shows a short value whole and a long one by its end, length and
// hash prefix; a Get recorded as a digest looks the same.
func TestKvDescribeLongValues(t *testing.T) {
	if got := KvModel.DescribeState(newKvState("a\nb")); got != `'a\x0ab'` {
		t.Errorf("describe short state = %s", got)
	}
	long := strings.Repeat("-", 300) + "the end"
	want := "…'" + long[len(long)-kvTailLen:] + "' (307 bytes, sha256 "
	if got := KvModel.DescribeState(newKvState(long)); !strings.HasPrefix(got, want) {
		t.Errorf("describe long state = %s, want prefix %s", got, want)
	}
	got := KvModel.DescribeOperation(KvInput{Op: KvGet, Key: "k"}, DigestKvOutput(long))
	if !strings.HasPrefix(got, "get('k') -> "+want) {
		t.Errorf("describe digest get = %s", got)
	}
	if got := KvModel.DescribeOperation(KvInput{Op: KvGet, Key: "k"}, DigestKvOutput("v")); got != "get('k') -> 'v'" {
		t.Errorf("describe short digest get = %s", got)
	}
}

// BenchmarkKvModelAppend: one Append step on a value that keeps growing.
func BenchmarkKvModelAppend(b *testing.B) {
	in := KvInput{Op: KvAppend, Key: "k", Value: "0123456789"}
	state := KvModel.Init()
	b.ReportAllocs()
	for b.Loop() {
		_, state = KvModel.Step(state, in, KvOutput{})
	}
}

// A digest keeps none of the value alive: its tail is a copy, not a
// substring that would pin the whole value in memory.
func TestKvDigestHoldsNoValue(t *testing.T) {
	value := strings.Repeat("v", 1<<20)
	d := DigestKvOutput(value)
	if unsafe.StringData(d.Tail) == unsafe.StringData(value[len(value)-kvTailLen:]) {
		t.Fatal("the digest's tail shares the value's bytes")
	}
	st := newKvState(value)
	if unsafe.StringData(st.tail) == unsafe.StringData(value[len(value)-kvTailLen:]) {
		t.Fatal("the state's tail shares the value's bytes")
	}
}

// The fallback copy of a hash state (for builds without hash.Cloner) is
// independent of the original, like Clone's.
func TestCloneHashIsIndependent(t *testing.T) {
	h := sha256.New()
	h.Write([]byte("abc"))
	c := cloneHash(hidesClone{h})
	c.Write([]byte("def"))
	if got, want := c.Sum(nil), sha256.Sum256([]byte("abcdef")); string(got) != string(want[:]) {
		t.Fatalf("clone after writing def: %x, want %x", got, want)
	}
	if got, want := h.Sum(nil), sha256.Sum256([]byte("abc")); string(got) != string(want[:]) {
		t.Fatalf("original after the clone's write: %x, want %x", got, want)
	}
}

// hidesClone is a SHA-256 hash without a Clone method.
type hidesClone struct{ hash.Hash }

func (h hidesClone) MarshalBinary() ([]byte, error) {
	return h.Hash.(encoding.BinaryMarshaler).MarshalBinary()
}
