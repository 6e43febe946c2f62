package linearizability

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkCheckKv10000 checks a legal 10,000-operation history: 10 keys,
// 16 clients with overlapping calls, half gets and a quarter each puts and
// appends, as the kvraft tests record.
func BenchmarkCheckKv10000(b *testing.B) {
	h := simulateKv(rand.New(rand.NewPCG(1, 0)), 10000, 16, 10)
	b.ReportAllocs()
	for b.Loop() {
		if got, info := CheckOperationsTimeout(KvModel, h, time.Minute); got != Ok {
			b.Fatalf("verdict %v (err %v), want Ok", got, info.Err)
		}
	}
	b.ReportMetric(float64(len(h)), "ops/history")
}
