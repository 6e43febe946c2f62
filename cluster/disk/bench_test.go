package disk

import (
	"bytes"
	"testing"
)

// BenchmarkAppend is the cost of one Raft persist of a new entry on disk:
// a record of a header and a 100-byte entry, written and synced. It is the
// floor under a node's commit latency.
func BenchmarkAppend(b *testing.B) {
	s, _, _, err := Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	header := bytes.Repeat([]byte{'H'}, 40)
	if err := s.Save(header, nil); err != nil {
		b.Fatal(err)
	}
	entry := bytes.Repeat([]byte{'e'}, 100)
	keep := len(header)
	b.SetBytes(int64(len(entry)))
	b.ResetTimer()
	for b.Loop() {
		if err := s.Append(header, keep, entry); err != nil {
			b.Fatal(err)
		}
		keep += len(entry)
	}
}
