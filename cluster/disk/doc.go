// Package disk keeps a Raft peer's persistent state in a directory, durable
// across process crashes (kill -9, power loss): the raft.Storage of a real
// cluster node.
//
//	s, state, snapshot, err := disk.Open("data/0", log.Printf)
//	if err != nil { ... } // a *CorruptError says which file, where, and what to do
//	persister := raft.NewPersister(s, state, snapshot, stop)
//	rf := raft.Make(peers, me, persister, applyCh)
//
// The Persister in front calls Save (replace the state and the snapshot)
// and Append (keep the state's first keep bytes, write a header over their
// start, add a tail: Raft's incremental save of new log entries and of its
// term and vote), one at a time. Each returns only once its bytes are
// durable.
//
// # Files
//
//	base      magic "RLBASE01", generation, state length, snapshot length,
//	          state, snapshot, CRC-32C of all of it
//	wal       magic "RLWAL001", generation, CRC-32C of both;
//	          then records: payload length, CRC-32C of the length,
//	          CRC-32C of the payload, payload (keep, header length,
//	          header, tail)
//	*.tmp     a file being written, renamed into place once synced
//
// All integers are big-endian. A Save writes a whole base of the next
// generation to base.tmp, syncs it, renames it over base and syncs the
// directory, then does the same for an empty wal of that generation. An
// Append writes one record at the end of the wal and syncs the file. So an
// append costs its own bytes and one fsync, whatever the log's length; a
// save (Raft saves in full only when it compacts its log into a snapshot
// or cuts its log) rewrites the state once and drops everything the wal
// held, so the space used is bounded by the state, not by its history.
//
// # Crashes and damage
//
// A crash at any instant leaves the old contents or the new:
//   - during a Save, before the base's rename: the old base and wal stand
//     (a base.tmp is removed on Open, with a log line);
//   - between the two renames: the new base and the previous generation's
//     wal, which Open ignores and replaces, with a log line;
//   - during an Append: the wal ends in a record that is not whole (cut
//     short, or with bytes the file system never wrote). Open drops it and
//     cuts the file back to the last whole record, with a log line. It was
//     never acknowledged: Append had not returned.
//
// Anything else that does not check out is damage (a disk fault, or a
// change from outside), and Open returns a *CorruptError naming the file
// and the offset, and changes nothing: a record not whole with a whole one
// after it, a base with a bad checksum, a whole record that does not fit
// the state before it, a wal newer than its base or without one. A record
// whose length field is damaged is told from a torn one by the length's
// own checksum; if that is damaged too, by whether a whole record can be
// found anywhere after it. A peer whose state is lost must not simply start
// empty: it may have voted, or acknowledged entries, that its group counts
// on. The error says so.
//
// Lengths read from disk are bounded (a record by 1 GiB and by the bytes
// the file has), so damaged data cannot make Open allocate without limit.
//
// Files: store.go (Open, Save, Append, the atomic write), wal.go (replay and
// the torn tail), format.go (the byte layouts).
package disk
