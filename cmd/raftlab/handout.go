package main

// raftlab handout: the student copy of the lab (internal/handout).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"time"

	"raftlab/internal/handout"
)

const handoutUsage = "usage: raftlab handout -o DIR [-src DIR] [-vet=false]"

func runHandout(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("handout", flag.ContinueOnError)
	out := fs.String("o", "", "write the student copy into `DIR` (new, or empty)")
	src := fs.String("src", ".", "raftlab's module, or a `DIR` inside it")
	vet := fs.Bool("vet", true, "run go vet ./... on the copy, as a check that it compiles, tests and all")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), handoutUsage)
		fmt.Fprintln(fs.Output(), "Writes a student copy of the lab into DIR: the whole module (labgob, labrpc, linearizability, the batch runner, the harnesses and tests, unchanged) with raft's and kvraft's solution replaced by skeleton code that compiles and says, citing Figure 2, what each piece must do. internal/handout/manifest.txt says what is replaced and what is left out (the cluster, the raftlab command, tests of raftlab's internals), with a reason on each line. On the copy every test of the parts fails until a student writes the lab. Exit status 0: written (and vetted); 1: the manifest does not match the tree, DIR is not empty, or go vet failed; 2: bad usage.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "handout", "unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return usageErr(stderr, "handout", "-o DIR is required: where to write the student copy")
	}
	root, err := handout.FindModule(*src)
	if err != nil {
		return usageErr(stderr, "handout", "-src: %v", err)
	}
	sum, err := handout.Build(root, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "handout: %s from %s\n", *out, root)
	fmt.Fprintf(stdout, "  %d files copied unchanged\n", sum.Copied)
	fmt.Fprintf(stdout, "  %d skeleton files: %v\n", len(sum.Skeleton), sum.Skeleton)
	fmt.Fprintf(stdout, "  %d paths left out: %v\n", len(sum.Omitted), sum.Omitted)
	if *vet {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "vet", "./...")
		cmd.Dir = *out
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Run(); err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return fmt.Errorf("go vet ./... on the handout in %s failed (above)", *out)
			}
			return fmt.Errorf("go vet ./... on the handout: %v", err)
		}
		fmt.Fprintln(stdout, "  go vet ./...: clean")
	}
	fmt.Fprintf(stdout, "next: cd %s && go test -run 3A ./raft   # fails until the student writes raft\n", *out)
	return nil
}
