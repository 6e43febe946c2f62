package labrpc

// The seam between labrpc's ends and servers and a real transport: an end
// whose calls a Caller carries, and the entry by which a transport's server
// hands a request to a Server. Nothing here touches the simulated Network.

// Caller carries one encoded request to a server elsewhere and brings back
// its encoded reply. svcMeth is "Service.Method"; args is the labgob
// encoding of a Call's args, and reply that of the handler's reply, as a
// Server's Dispatch takes and returns them. ok is false when the reply did
// not come back, for whatever reason (no connection, a deadline, the
// server could not dispatch the request): like Call's false, it means
// "don't know", since the handler may have run. Call must return within a
// bounded time and be safe to use from many goroutines at once.
type Caller interface {
	Call(svcMeth string, args []byte) (reply []byte, ok bool)
}

// MakeRemoteEnd returns an end whose Calls c carries, for peers that run
// in separate processes. Call keeps its contract and its checks: args are
// labgob-encoded as for an end of a Network, the reply is decoded with
// labgob's checks, and false means the reply did not come back. The end
// belongs to no Network: no Network counts its calls, and NetworkMade
// returns the zero time.
func MakeRemoteEnd(c Caller) *ClientEnd {
	return &ClientEnd{remote: c}
}

// callRemote is Call on a remote end.
func (e *ClientEnd) callRemote(svcMeth string, args any, reply any) bool {
	rep, ok := e.remote.Call(svcMeth, encodeArgs(svcMeth, args))
	if !ok {
		return false
	}
	return decodeReply(svcMeth, rep, reply)
}

// Dispatch runs the handler for svcMeth ("Service.Method") on a request
// that arrived from elsewhere, as a Network delivers one: args is the
// labgob encoding of the handler's args, and reply is the labgob encoding
// of its reply. ok is false, and the reason reported on stderr as for a
// Call on a Network, if the service or method is unknown or args or the
// reply cannot be coded; then the handler did not run, or its reply is
// lost. The handler runs in the caller's goroutine. Many Dispatches may
// run at once, and the request counts in GetCount.
func (rs *Server) Dispatch(svcMeth string, args []byte) (reply []byte, ok bool) {
	rep := rs.dispatch(svcMeth, args)
	return rep.reply, rep.ok
}
