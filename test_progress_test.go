package main

// The test of scripts/test-progress.awk, the filter scripts/check puts
// after go test -json: fed a recorded stream, it must print a line per test
// as it ends and, at the end, the output of everything that failed.

import (
	"os/exec"
	"strings"
	"testing"
)

func TestTestProgressFilter(t *testing.T) {
	if _, err := exec.LookPath("awk"); err != nil {
		t.Skipf("needs awk: %v", err)
	}
	// Shaped after go test -json's own events (Go 1.26): a passing package,
	// one with a failing subtest and a test that hangs until the timeout,
	// a failed build, and a line from go itself.
	input := `{"ImportPath":"m/b [m/b.test]","Action":"build-output","Output":"# m/b [m/b.test]\n"}
{"ImportPath":"m/b [m/b.test]","Action":"build-output","Output":"b/b_test.go:3:27: declared and not used: x\n"}
{"ImportPath":"m/b [m/b.test]","Action":"build-fail"}
{"Time":"2026-11-23T23:59:50.5Z","Action":"start","Package":"m/a"}
{"Time":"2026-11-23T23:59:50.6Z","Action":"run","Package":"m/a","Test":"TestOK"}
{"Time":"2026-11-23T23:59:50.6Z","Action":"output","Package":"m/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Time":"2026-11-23T23:59:50.7Z","Action":"run","Package":"m/a","Test":"TestOK/sub"}
{"Time":"2026-11-23T23:59:50.8Z","Action":"pass","Package":"m/a","Test":"TestOK/sub","Elapsed":0.1}
{"Time":"2026-11-23T23:59:51.9Z","Action":"pass","Package":"m/a","Test":"TestOK","Elapsed":1.25}
{"Time":"2026-11-23T23:59:52Z","Action":"output","Package":"m/a","Output":"ok  \tm/a\t1.5s\n"}
{"Time":"2026-11-23T23:59:52Z","Action":"pass","Package":"m/a","Elapsed":1.5}
go: some message from go itself
{"Time":"2026-11-24T00:00:53Z","Action":"start","Package":"m"}
{"Time":"2026-11-24T00:00:53Z","Action":"run","Package":"m","Test":"TestA"}
{"Time":"2026-11-24T00:00:53Z","Action":"output","Package":"m","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Time":"2026-11-24T00:00:53Z","Action":"output","Package":"m","Test":"TestA","Output":"a \u003cb\u003e \u0026 \"q\" \\ \u00e9\ttab \ud83d\ude00\n"}
{"Time":"2026-11-24T00:00:53Z","Action":"run","Package":"m","Test":"TestA/sub"}
{"Time":"2026-11-24T00:00:53Z","Action":"output","Package":"m","Test":"TestA/sub","Output":"    a_test.go:3: sub fails\n"}
{"Time":"2026-11-24T00:00:53Z","Action":"fail","Package":"m","Test":"TestA/sub","Elapsed":0}
{"Time":"2026-11-24T00:00:54Z","Action":"output","Package":"m","Test":"TestA","Output":"--- FAIL: TestA (0.00s)\n"}
{"Time":"2026-11-24T00:00:54Z","Action":"fail","Package":"m","Test":"TestA","Elapsed":0.5}
{"Time":"2026-11-24T00:00:54Z","Action":"run","Package":"m","Test":"TestHang"}
{"Time":"2026-11-24T00:00:54Z","Action":"output","Package":"m","Test":"TestHang","Output":"=== RUN   TestHang\n"}
{"Time":"2026-11-24T00:00:56Z","Action":"output","Package":"m","Test":"TestHang","Output":"panic: test timed out after 2s\n"}
{"Time":"2026-11-24T00:00:56Z","Action":"output","Package":"m","Output":"FAIL\tm\t3.0s\n"}
{"Time":"2026-11-24T00:00:56Z","Action":"fail","Package":"m","Elapsed":3}
{"Time":"2026-11-24T00:00:56Z","Action":"start","Package":"m/b"}
{"Time":"2026-11-24T00:00:56Z","Action":"output","Package":"m/b","Output":"FAIL\tm/b [build failed]\n"}
{"Time":"2026-11-24T00:00:56Z","Action":"fail","Package":"m/b","Elapsed":0,"FailedBuild":"m/b [m/b.test]"}
`
	want := `  0:01 PASS a TestOK (1.25s)
  0:01 ok   m/a 1.5s
go: some message from go itself
  1:02 FAIL . TestA/sub (0.00s)
  1:03 FAIL . TestA (0.50s)
  1:05 FAIL . TestHang (did not finish)
  1:05 FAIL m 3.0s
  1:05 FAIL m/b [build failed]

== output of what failed
--- build of m/b [m/b.test]
# m/b [m/b.test]
b/b_test.go:3:27: declared and not used: x
--- m TestA/sub
    a_test.go:3: sub fails
--- m TestA
=== RUN   TestA
a <b> & "q" \ é	tab 😀
--- FAIL: TestA (0.00s)
--- m TestHang (did not finish)
=== RUN   TestHang
panic: test timed out after 2s
`
	cmd := exec.Command("awk", "-f", "scripts/test-progress.awk")
	cmd.Env = append(cmd.Environ(), "LC_ALL=C")
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("awk -f scripts/test-progress.awk: %v\n%s", err, out)
	}
	if string(out) != want {
		t.Errorf("awk -f scripts/test-progress.awk printed:\n%s\nwant:\n%s", out, want)
	}
}
