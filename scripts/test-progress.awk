# scripts/test-progress.awk: turns `go test -json` into a line per test as
# it ends, and at the end prints the whole output of everything that failed.
#
#   go test -json ./... 2>&1 | LC_ALL=C awk -f scripts/test-progress.awk
#
# A line per top-level test that passes or is skipped, and per test or
# subtest that fails, then go test's own line per package:
#
#    0:03 PASS raft TestInitialElection3A (3.52s)
#    0:41 ok   raftlab/raft 41.2s
#
# The clock on the left is minutes:seconds since go test's first event. At
# the end, under "== output of what failed", comes the output of each failed
# test (a panic's stack included), of each test still running when its
# package failed (a timeout), of each failed package outside its tests, and
# of each failed build. Lines that are not JSON (go's own errors) are passed
# through as they come. Run it with LC_ALL=C: it rebuilds UTF-8 bytes from
# \u escapes with printf's %c. The exit status is go test's to give: this
# filter always exits 0.

# jstr returns the JSON string value of key in the current line, unescaped,
# or "" if the line has no such key.
function jstr(key,    s, i, c, n) {
	i = index($0, "\"" key "\":\"")
	if (i == 0)
		return ""
	s = substr($0, i + length(key) + 4)
	if (key == "Output") # always the last field: the value ends with "}
		return unjson(substr(s, 1, length(s) - 2))
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\\")
			i++
		else if (c == "\"")
			break
	}
	return unjson(substr(s, 1, i - 1))
}

# jnum returns the number value of key in the current line, or 0.
function jnum(key,    i) {
	i = index($0, "\"" key "\":")
	return i ? substr($0, i + length(key) + 3) + 0 : 0
}

function unjson(s,    out, p, c, cp, lo) {
	out = ""
	while ((p = index(s, "\\")) > 0) {
		out = out substr(s, 1, p - 1)
		c = substr(s, p + 1, 1)
		if (c == "u") {
			cp = hexval(substr(s, p + 2, 4))
			s = substr(s, p + 6)
			if (cp >= 55296 && cp < 56320 && substr(s, 1, 2) == "\\u") {
				lo = hexval(substr(s, 3, 4))
				if (lo >= 56320 && lo < 57344) {
					cp = 65536 + (cp - 55296) * 1024 + (lo - 56320)
					s = substr(s, 7)
				}
			}
			out = out utf8(cp)
			continue
		}
		if (c == "n") c = "\n"
		else if (c == "t") c = "\t"
		else if (c == "r") c = "\r"
		else if (c == "b") c = "\b"
		else if (c == "f") c = "\f"
		out = out c # and \" \\ \/ stand for themselves
		s = substr(s, p + 2)
	}
	return out s
}

function hexval(h,    v, i) {
	v = 0
	h = tolower(h)
	for (i = 1; i <= length(h); i++)
		v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return v
}

function utf8(cp) {
	if (cp < 128)
		return sprintf("%c", cp)
	if (cp < 2048)
		return sprintf("%c%c", 192 + int(cp / 64), 128 + cp % 64)
	if (cp < 65536)
		return sprintf("%c%c%c", 224 + int(cp / 4096), 128 + int(cp / 64) % 64, 128 + cp % 64)
	return sprintf("%c%c%c%c", 240 + int(cp / 262144), 128 + int(cp / 4096) % 64,
		128 + int(cp / 64) % 64, 128 + cp % 64)
}

# tick sets now to the time since the first event as m:ss, from the event's
# Time ("2006-01-02T15:04:05.999999999Z07:00"); an event without one leaves
# it as it was.
function tick(    t, secs, d) {
	t = jstr("Time")
	if (t != "") {
		secs = substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18)
		if (start == "")
			start = secs
		d = secs - start
		if (d < 0)
			d += 86400
		now = sprintf("%3d:%02d", int(d / 60), int(d % 60))
	}
}

# failed records a failure: a title and the output that goes with it.
function failed(title, out) {
	nfail++
	failtitle[nfail] = title
	failout[nfail] = out
}

# unfinished deals with the tests of pkg that started and never ended,
# when the package has ended: they ran out of time, or the test binary died.
function unfinished(pkg, pkgfailed,    k, part) {
	for (k in running) {
		split(k, part, SUBSEP)
		if (part[1] != pkg)
			continue
		if (pkgfailed) {
			show(sprintf("%s FAIL %s %s (did not finish)", now, short, part[2]))
			failed(pkg " " part[2] " (did not finish)", out[k])
		}
		delete out[k]
		delete running[k]
	}
}

# unusual returns the lines of a package's own output other than the
# summary every run prints (PASS, FAIL, ok/FAIL with the package, exit status).
function unusual(out,    n, lines, i, rest) {
	n = split(out, lines, "\n")
	rest = ""
	for (i = 1; i <= n; i++)
		if (lines[i] != "" && lines[i] !~ /^(PASS|FAIL|ok  \t.*|FAIL\t.*|exit status [0-9]+|testing: warning: no tests to run)$/)
			rest = rest lines[i] "\n"
	return rest
}

function show(line) {
	print line
	fflush()
}

BEGIN {
	now = "  0:00"
	start = ""
}

!/^\{/ {
	show($0)
	next
}

{
	tick()
	action = jstr("Action")
	pkg = jstr("Package")
	test = jstr("Test")
	key = pkg SUBSEP test
	short = pkg
	sub(/^[^\/]*\/?/, "", short) # raftlab/raft -> raft; the root package -> ""
	if (short == "")
		short = "."
}

action == "build-output" {
	build[jstr("ImportPath")] = build[jstr("ImportPath")] jstr("Output")
	next
}
action == "build-fail" {
	failed("build of " jstr("ImportPath"), build[jstr("ImportPath")])
	next
}

action == "run" {
	running[key] = 1
	next
}

action == "output" {
	if (test != "") {
		out[key] = out[key] jstr("Output")
		next
	}
	line = jstr("Output")
	pkgout[pkg] = pkgout[pkg] line
	if (line ~ /^(ok  |FAIL|\?   )\t/) { # go test's line for the package
		unfinished(pkg, line ~ /^FAIL/)
		sub(/\n$/, "", line)
		gsub(/\t/, " ", line)
		show(now " " line)
	}
	next
}

(action == "pass" || action == "skip" || action == "fail") && test != "" {
	if (action == "fail" || test !~ /\//)
		show(sprintf("%s %-4s %s %s (%.2fs)", now, toupper(action), short, test, jnum("Elapsed")))
	if (action == "fail")
		failed(pkg " " test, out[key])
	delete out[key]
	delete running[key]
	next
}

(action == "pass" || action == "skip" || action == "fail") {
	unfinished(pkg, action == "fail")
	if (action == "fail" && (rest = unusual(pkgout[pkg])) != "")
		failed(pkg " (outside its tests)", rest)
	delete pkgout[pkg]
}

END {
	if (nfail == 0)
		exit 0
	print ""
	print "== output of what failed"
	for (i = 1; i <= nfail; i++) {
		print "--- " failtitle[i]
		printf "%s", failout[i]
		if (failout[i] != "" && failout[i] !~ /\n$/)
			print ""
	}
}
