// Package grade is the instructor's grader behind `raftlab grade`: it runs
// the batch runner of a student's copy of this module many times over the
// tests of each lab part, and turns what the runner records into points,
// a report and a grade book's JSON.
//
//	raftlab grade [-n 10] [-race] [-parts 3A,3B,3C,3D,4A,4B] [-timeout 120s] [-p P] [-weights FILE] [-o DIR] [-fresh] [DIR]
//
// DIR is the root of the student's module (its go.mod's directory); by
// default, the module of the current directory. The tests graded are the
// ones in DIR, run by DIR's own runner: a student who edited a test, the
// harness, labrpc or the runner could grade themselves. With -fresh the
// command grades only the student's code instead: their raft and kvraft
// files that are not tests, put into a fresh handout of the raftlab it
// runs in (internal/handout's Submission), so that everything else is the
// instructor's. The fresh handout is removed after a grade that passed,
// and kept, its path printed, after one that did not, for the replay
// lines. A student's code that needs a file of its own outside raft and
// kvraft (a subpackage) does not build there.
//
// # Passing
//
// A test passes when it ran -n times (default 10), no run failed or timed
// out, and its slowest run took at most -timeout (default 120s, the
// course's limit per test). It then earns all of its points, otherwise
// none: there is no partial credit within a test.
//
// # Points
//
// By default the parts are worth, out of 100:
//
//	3A 15   leader election: 4 tests, the first and smallest step
//	3B 25   log replication: the heart of Raft and the most tests
//	3C 20   persistence: Figure 8 (unreliable), the hardest to get right
//	3D 15   log compaction: snapshots and InstallSnapshot
//	4A 15   the key/value service on Raft
//	4B 10   the service with snapshots: mostly 3D's work reused
//
// and a part's points are shared equally by its tests (so a student can
// work out every test's worth from the list of tests). -weights FILE
// overrides them, a line per part or test:
//
//	# comments run from '#' to the end of the line
//	3A 20                         the part is worth 20
//	TestFigure8Unreliable3C 4     this test is worth 4 of its part's points
//
// Points are numbers, 0 or more (2.5 is fine). Tests given points of their
// own keep them; the part's other tests share what is left equally; when
// every test of a part has its own points, the part is worth their sum. A
// test the weights name that is not in the copy is listed, scoring 0. A
// line that is neither form, points that are not a number, a name given
// twice, a test of a part with no points, or a part's tests given more
// than the part, is an error naming the file and line. A part in -parts
// must have points (the defaults or the file's) and be in a package the
// grader knows: lab 3's parts are in ./raft, lab 4's in ./kvraft.
//
// # How it runs
//
// Everything runs in DIR through `go run .`, the runner at the student's
// module root (internal/runner; `go run . -h` there is its manual), each a
// child process in a process group of its own:
//
//	go run . -h                          is this raftlab's runner? (it builds, and has -json, -list, -timeout)
//	go run . -list [-race] ./raft        per package: build it, list its tests by part
//	go run . -n N -timeout D -p P -json F -o LOGS [-race] ./raft 3A 3B ...
//
// one batch per package for all the selected parts it holds that have
// tests. The runner's output (its build line, a line per finished run, its
// table) goes to Config.Progress: the command's stderr, so that stdout is
// the report alone. The grader reads the batch's -json document F, and
// each failed test's first failing run's log kept in LOGS.
//
// What the copy does wrong is scored, not fatal: a package that does not
// build (or whose tests cannot be listed) scores 0 in each of its selected
// parts, with the compiler's output in the report; a selected part with no
// tests in the copy scores 0 ("no tests of part 3D in ./raft"); a runner
// that writes no -json document scores 0 in that package's parts, with its
// last lines. What keeps grading from starting is Run's error: DIR has no
// go.mod (ErrNotModule), its `go run . -h` fails or is not the runner.
//
// Ending ctx (the command does on Ctrl-C or SIGTERM) sends the runner's
// process group SIGINT: the runner kills its runs' process groups and
// exits. A group still there 10 s later is killed. Run then returns ctx's
// error, and no grade.
//
// # Report
//
// WriteText writes, after a line saying what was graded and how: per part
// a table (test, runs, fails, timeouts, slowest run in seconds, points
// earned / possible, ok or why it failed) and the part's points; the total
// and how many tests passed; then for each failed test its first failing
// run: number, outcome, seconds, seed, the replay line (the "# rerun:"
// line of its kept log, e.g.
//
//	RAFTLAB_SEED=<seed> go test [-race] -timeout 2m0s -count=1 -v -run '^<Test>$' ./raft
//
// to type at DIR), the log's path and up to 40 of its lines around the
// failure: before the first "--- FAIL:", before a timeout's SIGQUIT (the
// goroutine dump itself is left in the log), from the start of a data race
// report or a panic; else its last lines; and the runner's closing
// "# result:" line.
//
// WriteJSON writes the Grade as the grade book's document:
//
//	dir, date, runs_per_test, race, timeout, parallel, weights ("default" or the file)
//	parts[]: part, package, points, possible, passed, error (only when not graded), tests[]:
//	    test, passed, runs, fails (timeouts included), timeouts, slowest_seconds,
//	    points, possible, reason (why it failed),
//	    first_failure: run, seed, outcome ("failed", "timed out", "over the limit"), seconds, replay, log
//	points, possible, tests_passed, tests, passed
//
// Points are rounded to hundredths.
//
// # The command
//
// cmd/raftlab/grade.go parses the flags into a Config, calls Run, and
// prints the report to stdout. Flags: -n runs per test (10), -race,
// -parts (all six), -timeout the limit per run (120s), -p runs at once
// (the number of CPUs, as the runner's default; lower it on a busy machine,
// since Raft's tests are timing-sensitive and a starved run may time out),
// -weights FILE, -o DIR, -fresh. With -o DIR (new or empty) the runner keeps
// its logs in DIR/logs, and DIR gets report.txt and grade.json; without,
// the logs go to a temporary directory that is removed if none was kept.
// Exit status: 0 when every test of every selected part passed; 1 when
// one failed or a part could not be graded, when DIR is not a module or
// has no runner, or on Ctrl-C; 2 for a bad command line (a bad flag, a bad
// -parts, a DIR that does not exist, a bad -weights file, a non-empty -o).
//
// # Files
//
//	weights.go   the default weighting, the -weights file, -parts, a part's package
//	runner.go    the runner as a child process: -h, -list, the batch
//	score.go     the runner's -json document into a Grade
//	excerpt.go   a kept log's rerun line and the lines around its failure
//	report.go    the text report and the JSON document
//	grade.go     Config and Run, which reads as the steps above
package grade
