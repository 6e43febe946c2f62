package runner

// Building: one `go test -c` per package into the temporary directory, then
// the binary's own -test.list to learn the package's tests.

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

// runnableRE matches the names -test.list prints that -test.run can run.
// Benchmarks are left out: they do not run without -test.bench.
var runnableRE = regexp.MustCompile(`^(Test|Example|Fuzz)[A-Za-z0-9_]*$`)

// buildAll compiles every package's test binary into dir (with -race if
// race), at most min(parallel, CPUs) at a time, and lists its tests. All
// build failures are reported together with the compiler output.
func buildAll(ctx context.Context, pkgs []*pkg, dir string, race bool, parallel int) error {
	limit := min(parallel, runtime.NumCPU())
	sem := make(chan struct{}, limit)
	errs := make([]error, len(pkgs))
	var wg sync.WaitGroup
	for i, p := range pkgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = buildOne(ctx, p, dir, race)
		}()
	}
	wg.Wait()
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("build failed:\n%s", strings.Join(msgs, "\n"))
	}
	return nil
}

func buildOne(ctx context.Context, p *pkg, dir string, race bool) error {
	p.binary = filepath.Join(dir, p.key+".test")
	args := []string{"test", "-c", "-o", p.binary}
	if race {
		args = append(args, "-race")
	}
	args = append(args, p.rel)
	if out, err := groupCommand(ctx, "go", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	var stdout, stderr bytes.Buffer
	list := groupCommand(ctx, p.binary, "-test.list", ".*")
	list.Dir = p.dir
	list.Stdout, list.Stderr = &stdout, &stderr
	if err := list.Run(); err != nil {
		return fmt.Errorf("%s -test.list: %v\n%s%s", p.rel, err, stdout.Bytes(), stderr.Bytes())
	}
	p.tests = nil
	for _, line := range strings.Split(stdout.String(), "\n") {
		if line = strings.TrimSpace(line); runnableRE.MatchString(line) {
			p.tests = append(p.tests, line)
		}
	}
	return nil
}

// groupCommand is exec.CommandContext with the child in a process group of
// its own, the whole group killed when ctx ends: the compiler processes under
// go, or whatever a test started, go with it.
func groupCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
	return cmd
}

// killGroup sends SIGKILL to the process group led by cmd's process.
// A group already gone is not an error.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		return err
	}
	return nil
}
