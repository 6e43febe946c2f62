package torture

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"raftlab/linearizability"
)

// Bounds on the start and the end of a run.
const (
	startWait = 30 * time.Second // for a first leader
	finalWait = 60 * time.Second // for the healed cluster to answer the final reads
)

// Result is what a run found.
type Result struct {
	Pass    bool     // linearizable, nothing lost, nothing else wrong
	Verdict string   // of the linearizability check: Linearizable, NotLinearizable or CheckUnknown
	Reasons []string // why the run did not pass, one line each
	Summary string   // the printed summary
	Report  string   // the HTML report's path, if one was written
	Dir     string   // the members' data and logs (removed after a pass in a temporary directory)
	Stopped string   // why the clients stopped: the duration passed, or an interruption
}

// Run starts a cluster of cfg.Nodes member processes, runs the clients
// against it while the nemesis injects faults, heals everything, reads
// every key, checks the history, and returns what it found. An error is
// a run that could not be made (bad config, a cluster that never elected
// a leader, files that could not be written); a Result that did not pass
// is a finding.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	temp := cfg.Dir == ""
	if temp {
		if cfg.Dir, err = os.MkdirTemp("", "raftlab-torture-"); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	res := &Result{Dir: cfg.Dir}
	clk := newClock()
	m, err := newMembers(cfg, clk)
	if err != nil {
		return nil, err
	}
	values := ""
	if cfg.MaxValue > 0 {
		values = fmt.Sprintf(", puts of up to %d bytes", cfg.MaxValue)
	}
	cfg.Logf("torture: %d nodes in %s (HTTP %s), %d clients, %d keys, %v, seed %d, faults %s%s",
		cfg.Nodes, cfg.Dir, strings.Join(m.http[:cfg.Nodes], " "), cfg.Clients, cfg.Keys, cfg.Duration, cfg.Seed, faultList(cfg.Faults), values)
	if err := m.startAll(); err != nil {
		m.stopAll()
		return nil, err
	}
	mon := newMonitor(m, clk)
	var snaps *snapWatch
	if cfg.MaxValue > 0 {
		snaps = newSnapWatch(m)
		mon.snaps = snaps
	}
	monCtx, stopMon := context.WithCancel(context.Background())
	monDone := make(chan struct{})
	go func() {
		defer close(monDone)
		var watch sync.WaitGroup
		if snaps != nil {
			watch.Go(func() { snaps.run(monCtx) })
		}
		mon.run(monCtx)
		watch.Wait()
	}()
	stopCluster := func() {
		stopMon()
		<-monDone
		m.stopAll()
	}
	if err := waitLeader(ctx, mon); err != nil {
		stopCluster()
		return nil, fmt.Errorf("%w (node logs in %s)", err, cfg.Dir)
	}

	wl := newWorkload(cfg, clk, m)
	nem := newNemesis(cfg, m, mon, clk)
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	cfg.Logf("torture: running the clients and the nemesis for %v", cfg.Duration)
	var nemDone, clients sync.WaitGroup
	nemDone.Add(1)
	go func() { defer nemDone.Done(); nem.run(runCtx) }()
	for c := range cfg.Clients {
		c := wl.newKvClient(cfg.Seed + uint64(c) + 1)
		clients.Add(1)
		go func() { defer clients.Done(); wl.run(runCtx, c) }()
	}
	<-runCtx.Done()
	workEnd := clk.since()
	res.Stopped = fmt.Sprintf("the %v passed", cfg.Duration)
	if ctx.Err() != nil {
		res.Stopped = fmt.Sprintf("interrupted after %s (%v)", seconds(workEnd), context.Cause(ctx))
		res.Reasons = append(res.Reasons, "the run was "+res.Stopped)
	}
	cfg.Logf("torture: stopping the clients and the nemesis: %s; healing every fault", res.Stopped)
	nemDone.Wait()
	clients.Wait()
	served := finalReads(wl, cfg, clk)
	stopCluster()
	cfg.Logf("torture: cluster stopped; checking %d operations", len(wl.hist.all()))

	ops := wl.hist.all()
	if !served {
		res.Reasons = append(res.Reasons, fmt.Sprintf("the healed cluster did not answer every final read within %v", finalWait))
	}
	j := judge(ops, cfg)
	res.Verdict = j.verdict
	res.Reasons = append(res.Reasons, j.reasons...)
	exits := m.exits()
	res.Reasons = append(res.Reasons, exits...)
	doubles := mon.doubleLeaders()
	for _, d := range doubles {
		res.Reasons = append(res.Reasons, "two leaders in one term: "+d)
	}
	res.Pass = len(res.Reasons) == 0

	rep := &report{cfg: cfg, res: res, ops: ops, workEnd: workEnd, faults: nem.injected(), mon: mon, snaps: snaps, m: m,
		loss: j.loss, info: j.info, checkTook: j.took, torn: countTorn(m), keepDir: !res.Pass || !temp}
	res.Summary = rep.summary()
	if cfg.Out != "" {
		path, err := rep.write(filepath.Join(cfg.Out, "report.html"))
		if err != nil {
			return res, err
		}
		res.Report = path
	}
	if res.Pass && temp {
		os.RemoveAll(cfg.Dir)
	}
	return res, nil
}

// judgement is what the checks of a history found.
type judgement struct {
	loss    writeLoss
	verdict string
	info    linearizability.LinearizationInfo
	took    time.Duration // by the linearizability check
	reasons []string      // why the history fails the run, one line each
}

// judge checks a run's history: its writes against the final reads
// (checkWrites), and its linearizability within cfg.CheckTimeout.
func judge(ops []op, cfg Config) judgement {
	j := judgement{loss: checkWrites(ops, cfg.Keys)}
	j.verdict, j.info, j.took = checkHistory(ops, cfg.CheckTimeout)
	if j.verdict != Linearizable {
		j.reasons = append(j.reasons, "the history is "+j.verdict+brokenAt(j.info))
	}
	for _, what := range []struct {
		list []string
		name string
	}{{j.loss.lostLines(), "acknowledged writes lost"}, {j.loss.twice, "writes applied twice"}, {j.loss.phantom, "values no client wrote"}} {
		if len(what.list) > 0 {
			j.reasons = append(j.reasons, fmt.Sprintf("%d %s, first: %s", len(what.list), what.name, what.list[0]))
		}
	}
	return j
}

// brokenAt names the first key that failed the check and the operation
// that could not be placed, for a reason line.
func brokenAt(info linearizability.LinearizationInfo) string {
	if info.Err != nil {
		return ": " + info.Err.Error()
	}
	for _, p := range info.Partitions {
		if p.Result != linearizability.Illegal || p.Stuck < 0 || p.Stuck >= len(p.History) {
			continue
		}
		o := p.History[p.Stuck]
		return fmt.Sprintf(": %s, %s (called at %s, returned at %s) cannot be linearized",
			p.Label, kvModel.DescribeOperation(o.Input, o.Output), seconds(time.Duration(o.Call)), seconds(time.Duration(o.Return)))
	}
	return ""
}

// waitLeader waits until the monitor has seen a leader.
func waitLeader(ctx context.Context, mon *monitor) error {
	ctx, cancel := context.WithTimeout(ctx, startWait)
	defer cancel()
	for mon.leader() < 0 {
		if !wait(ctx, sampleEvery) {
			return fmt.Errorf("no leader within %v of starting the cluster", startWait)
		}
	}
	return nil
}

// finalReads reads every key through the healed cluster, each read a new
// client's, and reports whether all of them were answered.
func finalReads(wl *workload, cfg Config, clk *clock) bool {
	deadline := clk.since() + finalWait
	all := true
	for k := range cfg.Keys {
		if clk.since() > deadline {
			all = false
			cfg.Logf("torture: no time left for the final read of %s", key(k))
			continue
		}
		c := wl.newKvClient(cfg.Seed ^ uint64(k+1)<<32)
		for {
			o := c.do(linearizability.KvGet, key(k), true)
			if !o.unknown {
				break
			}
			if clk.since() > deadline {
				all = false
				cfg.Logf("torture: the final read of %s got no answer", key(k))
				break
			}
		}
	}
	return all
}

// countTorn counts the torn records the members' logs say they dropped.
func countTorn(m *members) int {
	n := 0
	for id := range m.slotsUsed() {
		b, err := os.ReadFile(m.logPath(id))
		if err != nil {
			continue
		}
		n += strings.Count(string(b), "a record torn by a crash during an append")
	}
	return n
}

func faultList(kinds []string) string {
	if len(kinds) == 0 {
		return "none"
	}
	return strings.Join(kinds, ",")
}
