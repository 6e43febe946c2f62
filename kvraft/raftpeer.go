package kvraft

import "raftlab/raft"

// Raft returns the server's Raft peer, so that a real node can register it
// as an RPC service and read its Status (course harnesses reach it as kv.rf
// instead).
func (kv *KVServer) Raft() *raft.Raft { return kv.rf }
