package raft

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"raftlab/labrpc"
)

// Membership changes, one server at a time (the dissertation's §4.1). A
// configuration is an entry of the log, like a command, and every peer uses
// the latest configuration its log holds, committed or not; the snapshot
// records the configuration it covers. doc.go has the rules.

// catchUpSlack: a learner whose log is within this many entries of the
// leader's is promoted to voter. One AppendEntries brings it the rest, so
// commitment does not wait on it once it counts.
const catchUpSlack = maxBatch / 8

// Errors of AddServer and RemoveServer. ErrNotLeader and ErrChangeInProgress
// are temporary: the caller retries (at the leader, or shortly).
var (
	ErrFixedConfiguration = errors.New("raft: this peer was made by Make, with the fixed configuration of its peers; membership changes need MakeMember")
	ErrNotLeader          = errors.New("raft: not the leader")
	ErrChangeInProgress   = errors.New("raft: a configuration change is in progress (an entry not yet committed, or a learner catching up)")
	ErrIDInUse            = errors.New("raft: a member with this id and another address exists")
	ErrLastVoter          = errors.New("raft: cannot remove the last voter")
	ErrBadServer          = errors.New("raft: server id out of range")
)

// Options makes a peer whose configuration can change (MakeMember).
type Options struct {
	// Servers is the configuration to start with when the persister holds
	// none. Empty for a server about to be added: it waits, neither voting
	// nor campaigning, until a leader sends it the log.
	Servers []Server
	// Dial returns an end that reaches a member. The peer calls it once
	// per member (again if its address changes), from its own goroutines
	// and without its lock held.
	Dial func(Server) *labrpc.ClientEnd
}

// MakeMember creates a peer whose configuration can change by AddServer
// and RemoveServer. me is its server id. Otherwise it is Make: persister,
// applyCh and the peer's behaviour are the same, and it returns at once.
func MakeMember(me int, persister *Persister, applyCh chan ApplyMsg, opts Options) *Raft {
	initial := Configuration{Servers: slices.Clone(opts.Servers)}
	slices.SortFunc(initial.Servers, func(a, b Server) int { return a.ID - b.ID })
	if err := initial.validate(); err != nil || opts.Dial == nil || me < 0 || me > maxServerID {
		panic(fmt.Sprintf("raft: MakeMember(%d): Options.Dial is %v, initial configuration: %v", me, opts.Dial != nil, err))
	}
	return start(me, persister, applyCh, nil, opts.Dial, initial)
}

// AddServer asks the leader to add server id, reached at addr. It appends a
// configuration with the server as a learner and returns that entry's
// index and the term; once the learner has caught up, the leader appends
// another making it a voter (Configuration shows which). Adding a member
// that exists with the same address changes nothing and returns the
// current configuration's index.
func (rf *Raft) AddServer(id int, addr string) (index int, term int, err error) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if err := rf.changeAllowed(); err != nil {
		return -1, rf.currentTerm, err
	}
	if id < 0 || id > maxServerID {
		return -1, rf.currentTerm, ErrBadServer
	}
	if s, ok := rf.config.server(id); ok {
		if s.Addr != addr {
			return -1, rf.currentTerm, ErrIDInUse
		}
		return rf.configIndex, rf.currentTerm, nil
	}
	if rf.config.learner() != -1 {
		return -1, rf.currentTerm, ErrChangeInProgress
	}
	next := rf.config.with(Server{ID: id, Addr: addr, Learner: true})
	return rf.appendConfig(next, fmt.Sprintf("add S%d (%s) as a learner", id, addr)), rf.currentTerm, nil
}

// RemoveServer asks the leader to remove server id, voter or learner (a
// learner that never catches up is removed this way). It appends the new
// configuration and returns its index and the term. A leader that removes
// itself leads until the change commits, without counting itself, and then
// steps down. Removing a server that is not a member changes nothing.
func (rf *Raft) RemoveServer(id int) (index int, term int, err error) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if err := rf.changeAllowed(); err != nil {
		return -1, rf.currentTerm, err
	}
	s, ok := rf.config.server(id)
	if !ok {
		return rf.configIndex, rf.currentTerm, nil
	}
	next := rf.config.without(id)
	if !s.Learner && len(next.voters()) == 0 {
		return -1, rf.currentTerm, ErrLastVoter
	}
	return rf.appendConfig(next, fmt.Sprintf("remove S%d", id)), rf.currentTerm, nil
}

// Configuration returns the peer's current configuration (the latest in its
// log), the index of its entry (0 for the initial one) and whether this
// peer knows it committed.
func (rf *Raft) Configuration() (cfg Configuration, index int, committed bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.config.clone(), rf.configIndex, rf.configIndex <= rf.commitIndex
}

// changeAllowed: only a leader of a changeable configuration changes it, one
// change at a time. A leader appends its configuration again on election,
// so a change also waits until the leader has committed an entry of its
// own term (the fix to single-server changes across leader changes, Ongaro
// on raft-dev, 2015). Caller holds rf.mu.
func (rf *Raft) changeAllowed() error {
	switch {
	case rf.dial == nil:
		return ErrFixedConfiguration
	case rf.role != leader || rf.killed() || !rf.leavingSince.IsZero():
		return ErrNotLeader
	case rf.configIndex > rf.commitIndex:
		return ErrChangeInProgress
	}
	return nil
}

// appendConfig appends cfg as a leader's entry and starts using it. Caller
// holds rf.mu.
func (rf *Raft) appendConfig(cfg Configuration, why string) int {
	rf.log.append(Entry{Term: rf.currentTerm, Command: cfg})
	index := rf.log.lastIndex()
	rf.refreshConfig(index)
	rf.dlog(tConfig, "%s: configuration %v at index %d", why, cfg, index)
	rf.commitIfAlone()
	rf.replicateCond.Broadcast()
	return index
}

// refreshConfig finds the latest configuration after the log changed from
// index from on (from <= log.firstIndex() after a rewrite), and follows it.
// Caller holds rf.mu.
func (rf *Raft) refreshConfig(from int) {
	cfg, index, ok := rf.log.lastConfig(max(from, rf.log.firstIndex()))
	if !ok {
		if from > rf.log.firstIndex() {
			return // no new configuration entry
		}
		cfg, index = rf.snapshotConfig(), rf.log.snapshotIndex
	}
	if index == rf.configIndex && index != 0 && slices.Equal(cfg.Servers, rf.config.Servers) {
		return
	}
	if index < rf.configIndex {
		rf.dlog(tConfig, "configuration at %d discarded with the log: back to %v at %d", rf.configIndex, cfg, index)
	}
	rf.config, rf.configIndex = cfg, index
	rf.followConfig()
}

// snapshotConfig is the configuration as of the snapshot: recorded with it,
// or the initial one. Caller holds rf.mu.
func (rf *Raft) snapshotConfig() Configuration {
	if rf.log.snapshotConfig != nil {
		return *rf.log.snapshotConfig
	}
	return rf.initialConfig
}

// configAt returns the configuration in force at index i (held in the log,
// i >= log.snapshotIndex). Caller holds rf.mu.
func (rf *Raft) configAt(i int) Configuration {
	for j := i; j > rf.log.snapshotIndex; j-- {
		if c, ok := rf.log.entry(j).Command.(Configuration); ok {
			return c
		}
	}
	return rf.snapshotConfig()
}

// followConfig keeps one progress, and one replicator, per member other
// than this peer, and drops those of servers no longer members (their
// replicators see it and end). Caller holds rf.mu.
func (rf *Raft) followConfig() {
	now := time.Now()
	for _, s := range rf.config.Servers {
		if s.ID == rf.me {
			continue
		}
		if pr := rf.progress[s.ID]; pr != nil && pr.server.Addr == s.Addr {
			pr.server = s
			continue
		}
		pr := &progress{server: s, nextIndex: rf.log.lastIndex() + 1, lastReply: now}
		if rf.peers != nil {
			pr.end = rf.peers[s.ID]
		}
		rf.progress[s.ID] = pr
		go rf.replicator(s.ID, pr)
	}
	for id := range rf.progress {
		if _, ok := rf.config.server(id); !ok {
			delete(rf.progress, id)
		}
	}
	rf.replicateCond.Broadcast()
}

// afterCommit carries a change on once its entry commits: a leader no longer
// in the configuration steps down, and a learner that has caught up
// becomes a voter. Caller holds rf.mu.
func (rf *Raft) afterCommit() {
	if rf.role != leader || rf.configIndex > rf.commitIndex || rf.dial == nil {
		return
	}
	if !rf.config.isVoter(rf.me) {
		if rf.leavingSince.IsZero() {
			rf.dlog(tConfig, "the configuration without me committed at %d: telling the others, then stepping down", rf.configIndex)
			rf.leavingSince = time.Now()
			rf.replicateCond.Broadcast()
		}
		rf.stepDownIfTold(time.Now())
		return
	}
	id := rf.config.learner()
	if id == -1 {
		return
	}
	// Caught up: it holds the entry that made it a learner (so it has
	// answered this leader) and is within catchUpSlack of the log's end.
	if pr := rf.progress[id]; pr != nil && pr.matchIndex >= rf.configIndex && pr.matchIndex+catchUpSlack >= rf.log.lastIndex() {
		rf.appendConfig(rf.config.promoted(id), fmt.Sprintf("S%d caught up (match %d of %d): promote", id, pr.matchIndex, rf.log.lastIndex()))
	}
}

// stepDownIfTold ends the leadership of a leader that removed itself, once
// every other member has acknowledged an AppendEntries carrying the commit
// of that change, or leaderLease has passed since it committed: without
// this, the others learn of the commit only from the next leader, and a
// removal waiting for "committed" at another member waits an election
// longer. Caller holds rf.mu.
func (rf *Raft) stepDownIfTold(now time.Time) {
	if rf.role != leader || rf.leavingSince.IsZero() {
		return
	}
	told := true
	for _, s := range rf.config.Servers {
		if pr := rf.progress[s.ID]; s.ID != rf.me && (pr == nil || pr.ackedCommit < rf.configIndex) {
			told = false
		}
	}
	if told || now.Sub(rf.leavingSince) >= leaderLease {
		rf.dlog(tConfig, "stepping down: the others were told of the commit at %d (%v)", rf.configIndex, told)
		rf.becomeFollower(rf.currentTerm)
	}
}

// commitIfAlone commits at once what a leader that is the only voter has
// appended. Caller holds rf.mu.
func (rf *Raft) commitIfAlone() {
	if v := rf.config.voters(); len(v) == 1 && v[0] == rf.me {
		rf.advanceCommit()
	}
}

// canCampaign: a voter of its own configuration starts elections; a
// learner, a removed server and a server waiting to be added do not, so
// they cannot disrupt the cluster (§4.2.3; pre-vote and leaderLease stop a
// removed server that does not know it was removed). One exception
// (§4.2.2): a server whose latest configuration, not yet committed as far
// as it knows, removed it from one where it voted: a leader that removed
// itself and lost leadership before the change committed. It may hold the
// newest log, which the others, still on the old configuration, need in
// their leader; so it campaigns in the new configuration (without counting
// itself, as quorum does), and once it leads, commits the change and steps
// down (afterCommit). Caller holds rf.mu.
func (rf *Raft) canCampaign() bool {
	if rf.config.isVoter(rf.me) {
		return true
	}
	return rf.configIndex > rf.commitIndex && rf.configIndex > rf.log.snapshotIndex &&
		rf.configAt(rf.configIndex-1).isVoter(rf.me)
}

// quorum reports whether the voters for which has is true are a majority
// of the configuration's voters. Caller holds rf.mu.
func (rf *Raft) quorum(has func(id int) bool) bool {
	voters := rf.config.voters()
	n := 0
	for _, id := range voters {
		if has(id) {
			n++
		}
	}
	return n > len(voters)/2
}

// idLimit bounds the server ids of requests: a fixed configuration's
// peers, or any id for a changeable one (a server added later may lead).
func (rf *Raft) idLimit() int {
	if rf.peers != nil {
		return len(rf.peers)
	}
	return maxServerID + 1
}
