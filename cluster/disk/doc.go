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
// durable. After an Append or a Save fails, every later Append fails too
// (the wal's end is unknown), until a Save succeeds.
//
// # Files
//
//	base      magic "RLBASE01", generation, state length, snapshot length,
//	          state, snapshot, CRC-32C of all of it
//	wal       magic "RLWAL002", generation, CRC-32C of both;
//	          then records, each:
//	            frame    payload length, CRC-32C of the length,
//	                     CRC-32C of the payload
//	            payload  record number, link, keep, header length,
//	                     header, tail
//	*.tmp     a file being written, renamed into place once synced
//
// All integers are big-endian; lengths and checksums are 4 bytes, the
// generation, record number and keep 8. A wal's records are numbered
// 1, 2, 3...; a record's link is the payload checksum of the record before
// it, and the first record's link is the CRC-32C of the base's checksum
// and the wal header's checksum (4 bytes each). So each record is chained
// to the one before it, and the first to the base the wal follows.
//
// A Save writes a whole base of the next generation to base.tmp, syncs
// it, renames it over base and syncs the directory, then does the same
// for an empty wal of that generation. An Append writes one record at the
// end of the wal and syncs the file. So an append costs its own bytes and
// one fsync, whatever the log's length; a save (Raft saves in full only
// when it compacts its log into a snapshot or cuts its log) rewrites the
// state once and drops everything the wal held, so the space used is
// bounded by the state, not by its history. Open makes a missing data
// directory, and any missing parents, and syncs each into its parent
// before writing in it.
//
// A wal of the first format, "RLWAL001" (the same header; records of
// frame, keep, header length, header, tail, with no number and no link),
// is still read, by the rule below; Open then rewrites the store at once
// with a Save, in the current format, with a log line. The first format
// cannot see a whole record out of place.
//
// # Crashes and damage
//
// A crash at any instant leaves the old contents or the new:
//   - during a Save, before the base's rename: the old base and wal stand
//     (a base.tmp is removed on Open, with a log line);
//   - between the two renames: the new base and the previous generation's
//     wal, which Open ignores and replaces, with a log line;
//   - during an Append: the wal ends in that append's record, not whole.
//     Open drops it and cuts the file back to the last whole record, with
//     a log line. It was never acknowledged: Append had not returned.
//
// The rule that tells such a torn append from damage (etcd's wal draws
// the same line, by sectors): a crash leaves the append it interrupted cut
// short (the file ends before the record does), or the file grown over it
// with bytes never written (zeros), and nothing after it. Open reads the
// records in order; where one does not check out, with R the bytes from
// its start to the end of the file, it is a torn append, and dropped, if
// and only if
//   - R is all zero bytes (any number of them), or
//   - R is shorter than a frame (12 bytes): the frame itself cut short, or
//   - its length matches the length's own checksum, is within bounds, and
//     R ends before the payload that length announces.
//
// Each of these reaches the end of the file, so a torn append is always
// the last thing in the wal. Anything else that does not check out is
// damage, the last record no exception:
//   - a length that does not match its checksum (with R neither all zeros
//     nor shorter than a frame), even if it runs past the end of the file;
//   - a length that matches its checksum but no append writes (under the
//     payload's fixed part, over 1 GiB);
//   - a payload all there that does not match its checksum;
//   - a whole record numbered other than one more than the record before
//     it: a record duplicated, left out, reordered, or copied in;
//   - a whole record whose link is not the checksum of the record before
//     it, or for the first, of the base and the wal header here: a record,
//     or a whole wal, copied from another generation or another store;
//   - a whole record that does not fit the state before it (it keeps more
//     bytes than there are, or a header longer than what it keeps);
//   - elsewhere: a base with a bad checksum, a wal header that does not
//     check out, a wal newer than its base or without one.
//
// A whole last record may have been acknowledged (a vote, an entry):
// dropping it could let the peer vote twice in a term, or lose an entry
// its group committed. For damage Open returns a *CorruptError naming the
// file and the offset (for a wal, where the record starts), and changes
// nothing. A peer whose state is lost must not simply start empty: it may
// have voted, or acknowledged entries, that its group counts on. The error
// says so.
//
// What the rule cannot see: an acknowledged record whose bytes all turned
// to zeros, or that the file lost from its end (cut, not changed), is
// taken for a torn append; a damaged length that still matches its
// checksum (one chance in 2^32) and runs past the end too. And one crash
// it refuses: a file system that made the file longer, then wrote only
// part of the append (its first bytes there, the rest zeros or old data),
// leaves a record as long as it says that is not all zeros, which the
// rule cannot tell from damage: Open refuses it, and an operator must
// look. (File systems mostly write a file's new length after its data, so
// this is expected to be rare; the other choice, taking a record with
// zeros at its end for torn, would drop any acknowledged record that ends
// in zeros and is damaged anywhere.)
//
// Lengths read from disk are bounded (a record by 1 GiB and by the bytes
// the file has), so damaged data cannot make Open allocate without limit.
//
// Files: store.go (Open, Save, Append, the atomic write, directory syncs),
// wal.go (replay, and the torn-or-damage rule), format.go (the byte
// layouts), torn.go (TornCopy, a crash faked for fault injection).
package disk
