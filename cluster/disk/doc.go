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
// A Store is also a raft.SnapshotStager, so that a big snapshot is not
// written under the Raft peer's lock, and a save that keeps the snapshot
// does not write it again:
//
//	staged, err := s.StageSnapshot(snapshot) // slow: written and synced aside, no lock held
//	err = s.SaveStaged(state, staged)        // quick: only the state
//	err = s.SaveStaged(state, nil)           // the state, keeping the snapshot held now
//	s.DropStaged(staged)                     // a staged snapshot not to be saved
//
// StageSnapshot touches only a new file of its own, and may run at the
// same time as any other call; Save is StageSnapshot then SaveStaged.
//
// # Files
//
//	base          magic "RLBASE02", generation,
//	              snapshot reference: file number n, snapshot length,
//	                                  the file's CRC-32C,
//	              state length, state, CRC-32C of all of it
//	snapshot-<n>  magic "RLSNAP01", n, snapshot length, snapshot,
//	              CRC-32C of all of it
//	wal           magic "RLWAL002", generation, CRC-32C of both;
//	              then records, each:
//	                frame    payload length, CRC-32C of the length,
//	                         CRC-32C of the payload
//	                payload  record number, link, keep, header length,
//	                         header, tail
//	*.tmp         a file being written, renamed into place once synced
//
// All integers are big-endian; lengths and checksums are 4 bytes, the
// generation, snapshot numbers and lengths, record number and keep 8. A
// store holds one snapshot file, the one its base names (none for an empty
// snapshot: n, length and checksum 0), besides snapshots staged and not
// yet saved. Snapshot numbers count up from 1 in a store and are not used
// again while a file of that number may be on disk: Open starts after the
// highest it finds. A wal's records are numbered 1, 2, 3...; a record's
// link is the payload checksum of the record before it, and the first
// record's link is the CRC-32C of the base's checksum and the wal header's
// checksum (4 bytes each). So each record is chained to the one before it,
// and the first to the base the wal follows, which names its snapshot.
//
// StageSnapshot writes snapshot-<n>.tmp with the next number, syncs it,
// renames it into place and syncs the directory: durable, and named by no
// base. SaveStaged writes a base of the next generation naming that file
// (or, with nil, the file the base names now) to base.tmp, syncs it,
// renames it over base and syncs the directory; removes the snapshot file
// the old base named, if another; then does the same for an empty wal of
// that generation. An Append writes one record at the end of the wal and
// syncs the file. So an append costs its own bytes and one fsync,
// whatever the log's length; a save of the state (Raft saves in full when
// it compacts its log into a snapshot or cuts its log) writes the state
// once and drops everything the wal held, so the space used is bounded by
// the state and the snapshot, not by their history; and the snapshot's
// bytes are written once, by StageSnapshot, whatever number of saves keep
// it. Open makes a missing data directory, and any missing parents, and
// syncs each into its parent before writing in it.
//
// Stores of older formats are still read: a base "RLBASE01" (magic,
// generation, state length, snapshot length, state, snapshot, CRC-32C:
// the snapshot inside it), and a wal "RLWAL001" (the same header; records
// of frame, keep, header length, header, tail, with no number and no
// link), by the rule below. Open then rewrites the store at once with a
// Save, in the current format, with a log line. The first wal format
// cannot see a whole record out of place.
//
// # Crashes and damage
//
// A crash at any instant leaves the old contents or the new. Open checks
// everything it reads first, and only then removes what a crash left (each
// with a log line): *.tmp files of the store (base.tmp, wal.tmp,
// snapshot-<n>.tmp), and snapshot files the base does not name. So:
//   - during StageSnapshot, before its rename: a snapshot-<n>.tmp, removed;
//     after it, until SaveStaged renames the new base into place (or after
//     DropStaged, which does not sync its removal): a snapshot-<n> that no
//     base names, removed. The old base, its snapshot and its wal stand;
//   - during SaveStaged (or Save), before the base's rename: the same, and
//     perhaps a base.tmp, removed;
//   - between the base's rename and the wal's: the new base, its snapshot
//     file (durable since StageSnapshot), perhaps the old snapshot file,
//     no longer named and removed, and the previous generation's wal,
//     which Open ignores and replaces, with a log line;
//   - after the wal's rename: the new base, snapshot and wal, and perhaps
//     the old snapshot file, removed;
//   - during an Append: the wal ends in that append's record, not whole.
//     Open drops it and cuts the file back to the last whole record, with
//     a log line. It was never acknowledged: Append had not returned.
//
// No crash leaves a base naming a snapshot file that is missing or that
// does not hold what the base says (its number, length and checksum): the
// file is durable before a base names it, and removed only once a durable
// base names another. Open takes either for damage, below.
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
//   - elsewhere: a base with a bad checksum; the snapshot file it names
//     missing, or not what it says (magic, number, length, size, checksum,
//     or a checksum other than the base's); a snapshot file or a wal
//     without a base; a wal header that does not check out, a wal newer
//     than its base.
//
// A whole last record may have been acknowledged (a vote, an entry):
// dropping it could let the peer vote twice in a term, or lose an entry
// its group committed. For damage Open returns a *CorruptError naming the
// file and the offset (for a wal, where the record starts; for a snapshot
// file, the field that is wrong, or 0 for its checksum), and changes
// nothing, not even what a crash left. A peer whose state is lost must not simply start empty: it may
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
// the file has; a snapshot by its file's size), so damaged data cannot
// make Open allocate without limit.
//
// Files: store.go (Open, Save, Append, the atomic write, directory syncs),
// snapshot.go (StageSnapshot, SaveStaged, DropStaged, reading the snapshot
// file, the leftovers of a crash), wal.go (replay, and the torn-or-damage
// rule), format.go (the byte layouts), torn.go (TornCopy, a crash faked for
// fault injection).
package disk
