package torture

import (
	"strings"
	"testing"
	"time"

	"raftlab/linearizability"
)

const ms = time.Millisecond

func write(kind uint8, k, token string, call, ret time.Duration) op {
	return op{kind: kind, key: k, value: token + ";", call: call, ret: ret}
}

func finalRead(k, value string, at time.Duration) op {
	return op{kind: linearizability.KvGet, key: k, final: true, full: value, call: at, ret: at + ms,
		out: linearizability.DigestKvOutput(value)}
}

// The final value must hold every acknowledged write called after the put
// that leads it returned; one called before may have been replaced.
func TestCheckWritesFindsLostWrites(t *testing.T) {
	A, P := linearizability.KvAppend, linearizability.KvPut
	ops := []op{
		write(A, "k0", "a1", 0, 10*ms),                                   // before the put: may be replaced
		write(P, "k0", "p1", 5*ms, 20*ms),                                // the put that leads the value
		write(A, "k0", "a2", 21*ms, 30*ms),                               // after it: kept
		write(A, "k0", "a3", 31*ms, 40*ms),                               // after it: LOST
		write(A, "k1", "b1", 0, 10*ms),                                   // no put on k1: every append stays
		write(A, "k1", "b2", 11*ms, 20*ms),                               // LOST
		write(P, "k1", "q1", 21*ms, 30*ms),                               // an acknowledged put that vanished: LOST
		{kind: A, key: "k1", value: "b3;", call: 31 * ms, unknown: true}, // unknown: may be absent
		finalRead("k0", "p1;a2;", 100*ms),
		finalRead("k1", "b1;", 100*ms),
	}
	l := checkWrites(ops, 2)
	got := strings.Join(l.lostLines(), "\n")
	for _, want := range []string{"append a3 to k0", "append b2 to k1", "put q1 to k1"} {
		if !strings.Contains(got, want) {
			t.Errorf("lost writes lack %q:\n%s", want, got)
		}
	}
	if len(l.lost) != 3 || len(l.twice)+len(l.phantom)+len(l.missing) != 0 {
		t.Fatalf("checkWrites = %+v; want exactly 3 lost", l)
	}
}

// A token read twice is a write applied twice; one no client wrote, or
// wrote to another key, is a phantom; a key without a final read is said.
func TestCheckWritesFindsDuplicatesAndPhantoms(t *testing.T) {
	A := linearizability.KvAppend
	ops := []op{
		write(A, "k0", "a1", 0, 10*ms),
		write(A, "k0", "a2", 11*ms, 20*ms),
		write(A, "k2", "c1", 0, 10*ms),
		finalRead("k0", "a1;a2;a1;zz;c1;", 100*ms),
	}
	l := checkWrites(ops, 3)
	if len(l.twice) != 1 || !strings.Contains(l.twice[0], "a1 in key k0") {
		t.Errorf("twice = %q, want a1 in key k0", l.twice)
	}
	if len(l.phantom) != 2 {
		t.Errorf("phantom = %q, want zz and c1 (written to k2)", l.phantom)
	}
	if strings.Join(l.missing, ",") != "k1,k2" {
		t.Errorf("missing = %q, want k1,k2", l.missing)
	}
	if l.ok() {
		t.Error("ok() with findings")
	}
	if l := checkWrites(ops[:2], 0); len(l.lost) != 0 || !l.ok() {
		t.Errorf("no final reads and no keys asked: %+v", l)
	}
	// A put of unknown outcome that leads the final value may have taken
	// effect after everything: the appends before it are not lost.
	P := linearizability.KvPut
	ops = []op{
		{kind: P, key: "k0", value: "p1;", call: 5 * ms, unknown: true},
		write(A, "k0", "a1", 10*ms, 11*ms),
		finalRead("k0", "p1;", 100*ms),
	}
	if l := checkWrites(ops, 1); !l.ok() {
		t.Errorf("no final reads and no keys asked: %+v", l)
	}
}

// An unknown write may take effect at any time after its call, so it
// returns after everything else; an unknown read tells nothing and goes.
// A history whose unknown append shows up late is linearizable; one whose
// acknowledged append is missing from a later read is not.
func TestHistoryOfUnknownOutcomes(t *testing.T) {
	A, G := linearizability.KvAppend, linearizability.KvGet
	get := func(v string, call, ret time.Duration) op {
		return op{kind: G, key: "k0", call: call, ret: ret, out: linearizability.DigestKvOutput(v)}
	}
	ops := []op{
		write(A, "k0", "a1", 0, 10*ms),
		{kind: A, key: "k0", value: "a2;", call: 11 * ms, unknown: true},
		{kind: G, key: "k0", call: 12 * ms, unknown: true},
		get("a1;", 20*ms, 30*ms),
		get("a1;a2;", 40*ms, 50*ms),
	}
	h := toHistory(ops)
	if len(h) != 4 {
		t.Fatalf("%d operations, want 4 (the unknown read left out)", len(h))
	}
	if h[1].Return <= int64(50*ms) {
		t.Fatalf("the unknown append returns at %d, before the end", h[1].Return)
	}
	if v, _, _ := checkHistory(ops, time.Second); v != Linearizable {
		t.Fatalf("verdict %s, want %s", v, Linearizable)
	}
	ops = append(ops, get("a2;", 60*ms, 70*ms)) // a1 acknowledged, then gone
	if v, _, _ := checkHistory(ops, time.Second); v != NotLinearizable {
		t.Fatalf("verdict %s, want %s", v, NotLinearizable)
	}
}

func TestParseFaultsAndCheck(t *testing.T) {
	if k, err := ParseFaults("all"); err != nil || len(k) != len(Kinds) {
		t.Fatalf("all = %v, %v", k, err)
	}
	if k, err := ParseFaults("kill,pause,kill"); err != nil || strings.Join(k, ",") != "kill,pause" {
		t.Fatalf("kill,pause,kill = %v, %v", k, err)
	}
	if k, err := ParseFaults("none"); err != nil || k != nil {
		t.Fatalf("none = %v, %v", k, err)
	}
	if _, err := ParseFaults("kill,fire"); err == nil || !strings.Contains(err.Error(), "fire") {
		t.Fatalf("kill,fire: %v", err)
	}
	good := Config{Binary: "raftlab", Nodes: 3, Clients: 1, Keys: 1, Duration: time.Second}
	for _, v := range []int{0, MinMaxValue, 1_000_000, MaxMaxValue} {
		c := good
		c.MaxValue = v
		if err := Check(c); err != nil {
			t.Fatalf("max value %d: %v", v, err)
		}
	}
	for _, bad := range []func(*Config){
		func(c *Config) { c.Binary = "" }, func(c *Config) { c.Nodes = 2 }, func(c *Config) { c.Nodes = 10 },
		func(c *Config) { c.Clients = 0 }, func(c *Config) { c.Keys = 0 }, func(c *Config) { c.Duration = 0 },
		func(c *Config) { c.MaxDown = 4 }, func(c *Config) { c.Rate = -1 }, func(c *Config) { c.Faults = []string{"fire"} },
		func(c *Config) { c.MaxRaftState = -2 }, func(c *Config) { c.CheckTimeout = -1 },
		func(c *Config) { c.MaxValue = -1 }, func(c *Config) { c.MaxValue = MinMaxValue - 1 }, func(c *Config) { c.MaxValue = MaxMaxValue + 1 },
	} {
		c := good
		bad(&c)
		if err := Check(c); err == nil {
			t.Errorf("Check(%+v) accepted it", c)
		}
	}
}

func TestTickStep(t *testing.T) {
	for _, c := range []struct{ d, want time.Duration }{
		{5 * time.Second, time.Second}, {20 * time.Second, 2 * time.Second}, {60 * time.Second, 5 * time.Second},
		{10 * time.Minute, time.Minute}, {5 * time.Hour, 30 * time.Minute},
	} {
		if got := tickStep(c.d); got != c.want {
			t.Errorf("tickStep(%v) = %v, want %v", c.d, got, c.want)
		}
	}
}
