package labrpc

import (
	"testing"
)

// BenchmarkCall measures sequential round trips on a reliable network: the
// floor that every later throughput figure is compared against.
func BenchmarkCall(b *testing.B) {
	rn := MakeNetworkSeeded(1)
	defer rn.Cleanup()
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var reply int
		if !e.Call("JunkServer.Handler3", i, &reply) {
			b.Fatalf("call %d returned false on a reliable network", i)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(rn.GetTotalBytes())/float64(b.N), "wire-B/call")
}

// BenchmarkCallParallel measures round trips from many goroutines sharing
// one end.
func BenchmarkCallParallel(b *testing.B) {
	rn := MakeNetworkSeeded(1)
	defer rn.Cleanup()
	addJunk(rn, "server")
	e := connectedEnd(rn, "end", "server")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			var reply int
			if !e.Call("JunkServer.Handler3", i, &reply) {
				b.Errorf("call returned false on a reliable network")
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
