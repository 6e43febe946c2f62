// Package runner is the batch runner behind `go run .`: it runs single tests
// of the module many times, in parallel, each run in a process of its own,
// and reports how often each test failed, how long it took and its peak
// memory.
//
// What a user sees (patterns, logs, progress lines, the table, exit status)
// is the command's manual, the package doc of test_harness.go at the module
// root. The command parses its flags into a Config, turns Ctrl-C into the
// end of a context, calls Run, and maps Run's result to an exit status.
// This is the package's side of that contract.
//
// # API
//
//	type Config struct{ Runs, Parallel int; Race bool; Timeout time.Duration; ... }
//	func Run(ctx context.Context, cfg Config, stdout io.Writer) error
//
// Config holds one batch; each field is one flag of the command, and Run's
// messages name the flags. Run prints progress and the closing table to
// stdout and returns:
//
//	nil            every run passed, or cfg.List printed the tests
//	ErrFailed      a run failed or timed out, or ctx ended first; already printed
//	UsageError     a bad Config value, a pattern that matches nothing, an
//	               unusable -o or -json; nothing has run yet
//	another error  the batch could not run (go list, a build) or -json could
//	               not be written; not printed yet
//
// Ending ctx starts no new run and kills the process groups of the running
// ones; Run then returns, with the table of the runs that finished. Package
// patterns, -o and -json are relative to the working directory: the module
// root, under go run .
//
// # How the pieces move
//
//	select    (select.go)   the package patterns become packages (go list);
//	                        the others, after building, the tests to run
//	build     (build.go)    one `go test -c` per package into a temporary
//	                        directory, then the binary's -test.list
//	schedule  (schedule.go) -n rounds of every test handed to -p workers;
//	                        one loop gathers what they report, shows it
//	                        (progress.go) and stops the batch on -failfast
//	exec      (exec.go)     one run: the binary in its package directory and
//	                        a process group of its own, a fresh RAFTLAB_SEED,
//	                        its output into a log headed by how to rerun it,
//	                        -timeout as SIGQUIT then SIGKILL; the log kept in
//	                        -o if the run failed (any run with -v)
//	report    (report.go,   the table, the kept logs, -list; the -json
//	          json.go)      document
//
// run.go holds Config, Run and its errors, and Run itself, which reads as
// those steps in order.
//
// Every build and every run is a process group of its own. A run's group is
// killed when the run ends, times out or is stopped, a build's when ctx
// ends, so that nothing a test started outlives the batch.
package runner
