// Package ui serves the live cluster page of raftlab up -ui: one
// self-contained page that shows a running cluster as RaftScope does and
// acts on it.
//
//	ln, err := ui.Listen("127.0.0.1:0") // loopback only
//	srv := ui.New(ln.Addr().String(), []ui.Node{{ID: 0, URL: "http://127.0.0.1:8000"}, ...}, procs)
//	go srv.HTTPServer().Serve(ln)
//
// procs (Processes) is the process table of whoever started the nodes:
// Kill(id) ends a node's process with SIGKILL, Restart(id) starts its
// command again. The nodes must run with their fault control on (raftlab
// node -faults '{}'; up -ui does so) for partition and heal.
//
// # The page
//
// GET / is one HTML file (page.html, embedded), its script and style
// inline, nothing loaded from elsewhere; the Content-Security-Policy
// allows only that script (by its hash) and requests to this server, and
// no frame may hold it. Every 300 ms it reads GET /api/state and draws:
//
//   - each node as an element with data-node="ID" and data-role="ROLE",
//     ROLE the node's /status role (leader, follower, candidate,
//     pre-candidate) or "down" when its status cannot be read; in it the
//     term, commit and applied indexes, the snapshot boundary ("snap ≤N"),
//     the log's last LogTail (40) entries as cells (the term written in
//     each and its colour; a solid border once committed, a thick one once
//     applied), and buttons button[data-action=kill|restart|partition|heal]
//     each with data-node="ID";
//   - the nodes on a circle with the Raft RPCs of the last second moving
//     from sender to receiver (votes orange, heartbeats grey, entries blue,
//     snapshots purple; one the node's fault control dropped fades out
//     halfway), and a table of the last 40 messages of MessageWindow
//     (5 s): age, from → to, kind (marked "(dropped)"), term, entries;
//   - a put/get box: select#kv-node, input#kv-key, input#kv-value,
//     button#kv-put, button#kv-get, and output#kv-result with the node's
//     answer (its HTTP status and body);
//   - on the root element, data-leader="ID" (empty when no node says it
//     leads) and data-updated="N", the count of successful refreshes.
//
// All text is set with textContent, never parsed as HTML.
//
// # The JSON API
//
//	GET  /api/state      State: now_ms, leader (-1: none), nodes (id, url,
//	                     role, error for a down node, status: the node's
//	                     /status?log=40), messages (every node's
//	                     /messages of the last 5 s, oldest first)
//	POST /api/kill       {"node": ID}: SIGKILL the node's process
//	POST /api/restart    {"node": ID}: start its command again
//	POST /api/partition  {"node": ID}: PUT /faults on every node: the node
//	                     drops all the others, each other drops it
//	POST /api/heal       {}: PUT /faults {} on every node (every drop cleared)
//	POST /api/kv         {"node": ID, "op": "put"|"get", "key": K,
//	                     "value": V}: sent to that node's /kv/K; 200 and
//	                     {"status": S, "body": B}, the node's answer; 502
//	                     if the node did not answer
//
// An action answers 200 and {"message": "..."} saying what was done
// (partition and heal name the nodes that could not take their faults: a
// down node restarts without any); 409 and a line if it could not be
// done (kill of a node not running, restart of one running).
//
// # Who may act
//
// The page can kill nodes, so: the server listens on loopback only
// (Listen refuses any other address); every request's Host must be the
// server's own address (or localhost at its port), so a site whose name
// resolves to 127.0.0.1 cannot reach it (403); an action is POST only
// (405), carries an Origin equal to http://HOST (403 without one or with
// another: a page on another site cannot act), is application/json (415),
// is at most 1 KiB (an action) or 128 KiB (a kv request) (413), and names
// a node of the cluster with known fields only (400). A put's value is at
// most 64 KiB (MaxValue) and a key 1 to 1024 bytes (400).
//
// Files: server.go (routes, the checks, State), actions.go (kill, restart,
// partition, heal, the kv proxy), page.html (the page).
package ui
