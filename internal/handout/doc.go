// Package handout writes the student copy of raftlab (`raftlab handout -o
// DIR`): the whole lab with the solution's logic taken out of raft and
// kvraft and skeleton code in its place, so that an instructor can hand
// it out as the course hands out its own.
//
// # What the copy holds
//
// Every file of the module is copied unchanged (labgob, labrpc,
// linearizability, the batch runner, the harnesses and the tests), except
// what manifest.txt, beside this file, names:
//
//   - skeleton PATH: replaced by testdata/skeleton/PATH. In raft and kvraft
//     these keep the API the tests use (Make, Start, GetState, Kill, the
//     RPC handlers and their args and replies, Snapshot, the Clerk and the
//     KVServer), with the logic removed and comments, in the course
//     skeleton's style, that say what each piece must do and cite
//     Figure 2 (Figure 13 for InstallSnapshot). README.md and each
//     package's doc.go are replaced by the student's manuals.
//   - keep PATH: copied unchanged, said explicitly for support files in
//     raft and kvraft (the Persister, the debug log).
//   - omit PATH: left out: the solution's other files, the tests of
//     raftlab's own internals (they cannot compile against a student's
//     peer and test nothing a student writes), and what a student's lab
//     does not use: the real cluster and the raftlab command, which run
//     raftlab's own raft and kvraft, and the instructors' tools.
//
// The source carries no markers: which file is solution, skeleton or
// support is said once, in the manifest, with a reason on each line. So
// that nothing slips through as raftlab changes, Build checks the manifest
// against the tree before it writes anything: every path it names exists,
// every skeleton line has its file and every skeleton file its line, and
// in a package with a skeleton (raft, kvraft) every Go file that is not a
// test is named. A new solution file therefore stops the next handout
// until the manifest says what becomes of it. Tests are kept unless named.
//
// Files that .gitignore names (kept logs, a built binary, a cluster's
// data) and hidden ones (.git, .ci) are not copied; .gitignore is.
//
// # What holds of the copy
//
// The test (handout_test.go) builds a copy of this module and checks: it
// compiles and go vet is clean; the 3A tests fail on the skeleton, each
// as a failure, none hanging or panicking the package run; and with
// raftlab's own raft files put back, they pass. cmd/raftlab's
// TestGradeHandout grades the same two ways: 0 points, then all. On the
// whole copy, every test of a part fails on the skeleton; the tests that
// pass are those of the harness itself and of the API's shape, which the
// skeleton keeps (README, "Handing out and grading the lab").
//
// Build refuses a dst inside the module (the copy would copy itself).
//
// The skeleton lives in testdata so that the go command neither builds
// nor vets it as part of raftlab: it is not a package of this module
// until it is copied into one.
package handout
