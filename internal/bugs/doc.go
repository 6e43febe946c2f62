// Package bugs switches on deliberate bugs, so that tests can show that
// raftlab torture catches what it exists to catch. A bug is on only in a
// binary built with the build tag raftlab_bugs and run with its name in
// $RAFTLAB_BUGS (comma-separated); in every other build On is a constant
// false that the compiler folds away, so no flag, variable or file can
// turn a bug on in a production binary.
//
//	go build -tags raftlab_bugs -o /tmp/raftlab-buggy ./cmd/raftlab
//	RAFTLAB_BUGS=stale-read /tmp/raftlab-buggy torture -duration 20s
//
// The bugs, each a mistake Raft implementations make:
//
//   - ack-before-fsync (cluster/node): a node's storage returns from a
//     save at once and writes it to disk some 300 ms later, as an fsync
//     that was never done leaves writes in a page cache a crash loses; a
//     node killed meanwhile forgets entries and votes it acknowledged.
//   - stale-read (kvraft): Get answers from the server's own state without
//     going through the log, on any member: a follower, or a leader cut
//     off in a minority, returns values others have overwritten.
//   - snapshot-without-duplicates (kvraft): a snapshot leaves out each
//     client's last request (it keeps their sessions, so a client is not
//     taken for one whose session expired), so a server restored from one
//     applies a retried request a second time.
//   - snapshot-before-last-chunk (raft): a follower installs a leader's
//     snapshot as soon as its first chunk arrives, with the bytes it holds,
//     instead of once the last chunk arrived and the checksum matched (and
//     leaders send chunks of 256 bytes, so that every snapshot has many):
//     the service is handed a snapshot cut short.
package bugs

// The bugs' names, as $RAFTLAB_BUGS takes them.
const (
	AckBeforeFsync            = "ack-before-fsync"
	StaleRead                 = "stale-read"
	SnapshotWithoutDuplicates = "snapshot-without-duplicates"
	SnapshotBeforeLastChunk   = "snapshot-before-last-chunk"
)

// Names lists every bug.
var Names = []string{AckBeforeFsync, StaleRead, SnapshotWithoutDuplicates, SnapshotBeforeLastChunk}

// Tag is the build tag that compiles the switch in.
const Tag = "raftlab_bugs"
