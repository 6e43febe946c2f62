package main

// A headless Chromium driven over the DevTools protocol, for testing the
// live cluster page in a real browser. The protocol runs over a pipe
// (--remote-debugging-pipe: the browser reads commands on its fd 3 and
// writes answers and events on its fd 4, each message JSON ended by a NUL
// byte), so no websocket and no port are needed:
//
//	b := startBrowser(t)                 skips the test when no Chromium is installed
//	b.navigate(url)
//	v := b.eval(js)                      the expression's value, JSON-decoded into any
//	b.click(selector)                    a real mouse click at the element's centre
//	b.screenshot(path)                   a PNG of the viewport
//	b.exceptions()                       uncaught exceptions the page threw
//
// The browser runs in its own process group and profile directory; Cleanup
// closes it and kills the group.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// chromiumInstall is what a machine without a browser needs.
const chromiumInstall = "apt-get install -y chromium"

// chromiumNames are the binary names Debian's and other packages install.
var chromiumNames = []string{"chromium", "chromium-headless-shell", "chromium-browser", "google-chrome"}

// cdpTimeout bounds each protocol call.
const cdpTimeout = 20 * time.Second

type browser struct {
	t       *testing.T
	cmd     *exec.Cmd
	toB     *os.File // our end of the browser's fd 3
	stderr  *syncBuffer
	session string // the page target's flattened session id

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpMessage
	thrown  []string // Runtime.exceptionThrown descriptions
	closed  bool     // the browser's output ended
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// startBrowser starts headless Chromium with a blank page attached, or
// skips the test, naming the install line, when none is installed.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	var path string
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skipf("no headless Chromium (looked for %s); install it with: %s", strings.Join(chromiumNames, ", "), chromiumInstall)
	}
	profile := t.TempDir()
	cmdR, cmdW, err := os.Pipe() // commands: we write, the browser reads on fd 3
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe() // answers and events: the browser writes on fd 4
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, toB: cmdW, stderr: &syncBuffer{}, waiting: map[int]chan cdpMessage{}}
	b.cmd = exec.Command(path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-background-networking", "--disable-sync", "--mute-audio",
		"--window-size=1280,1000", "--user-data-dir="+profile,
		"--remote-debugging-pipe", "about:blank")
	b.cmd.ExtraFiles = []*os.File{cmdR, outW}
	b.cmd.Stderr = b.stderr
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	cmdR.Close()
	outW.Close()
	done := make(chan struct{})
	go func() { b.cmd.Wait(); close(done) }()
	go b.read(outR)
	t.Cleanup(func() {
		b.callTimeout("Browser.close", nil, "", 5*time.Second)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-done
		cmdW.Close()
		if t.Failed() {
			t.Logf("chromium's stderr:\n%s", b.stderr)
		}
	})

	var target struct {
		TargetID string `json:"targetId"`
	}
	b.decode(b.call("Target.createTarget", map[string]any{"url": "about:blank"}, ""), &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.decode(b.call("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, ""), &attached)
	b.session = attached.SessionID
	b.call("Page.enable", nil, b.session)
	b.call("Runtime.enable", nil, b.session)
	return b
}

// read delivers the browser's messages: answers to their callers,
// exceptions to b.thrown.
func (b *browser) read(r *os.File) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.closed = true
			for id, ch := range b.waiting {
				close(ch)
				delete(b.waiting, id)
			}
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.waiting[m.ID]; ok {
				ch <- m
				delete(b.waiting, m.ID)
			}
		} else if m.Method == "Runtime.exceptionThrown" {
			var p struct {
				ExceptionDetails struct {
					Text      string `json:"text"`
					Exception struct {
						Description string `json:"description"`
					} `json:"exception"`
				} `json:"exceptionDetails"`
			}
			json.Unmarshal(m.Params, &p)
			b.thrown = append(b.thrown, p.ExceptionDetails.Text+" "+p.ExceptionDetails.Exception.Description)
		}
		b.mu.Unlock()
	}
}

// call sends one command and returns its result; a protocol error or no
// answer within cdpTimeout fails the test.
func (b *browser) call(method string, params any, session string) json.RawMessage {
	b.t.Helper()
	res, err := b.callTimeout(method, params, session, cdpTimeout)
	if err != nil {
		b.t.Fatal(err)
	}
	return res
}

func (b *browser) callTimeout(method string, params any, session string, d time.Duration) (json.RawMessage, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, fmt.Errorf("chromium: %s: the browser has exited", method)
	}
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.waiting[id] = ch
	b.mu.Unlock()

	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if _, err := b.toB.Write(append(data, 0)); err != nil {
		return nil, fmt.Errorf("chromium: sending %s: %v", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("chromium: %s: the browser exited before answering", method)
		}
		if m.Error != nil {
			return nil, fmt.Errorf("chromium: %s: %s (code %d)", method, m.Error.Message, m.Error.Code)
		}
		return m.Result, nil
	case <-time.After(d):
		b.mu.Lock()
		delete(b.waiting, id)
		b.mu.Unlock()
		return nil, fmt.Errorf("chromium: %s: no answer in %v", method, d)
	}
}

func (b *browser) decode(raw json.RawMessage, v any) {
	b.t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		b.t.Fatalf("chromium: decoding %s: %v", raw, err)
	}
}

// navigate loads url in the page and waits for its load event.
func (b *browser) navigate(url string) {
	b.t.Helper()
	var r struct {
		ErrorText string `json:"errorText"`
	}
	b.decode(b.call("Page.navigate", map[string]any{"url": url}, b.session), &r)
	if r.ErrorText != "" {
		b.t.Fatalf("chromium: loading %s: %s", url, r.ErrorText)
	}
	b.waitJS(10*time.Second, "the page to load", `document.readyState === "complete"`)
}

// eval evaluates a JavaScript expression in the page and returns its value.
func (b *browser) eval(expr string) any {
	b.t.Helper()
	var r struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	b.decode(b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, b.session), &r)
	if r.ExceptionDetails != nil {
		b.t.Fatalf("chromium: evaluating %s: %s", expr, r.ExceptionDetails.Text)
	}
	return r.Result.Value
}

// evalString is eval of an expression whose value is a string.
func (b *browser) evalString(expr string) string {
	b.t.Helper()
	s, _ := b.eval(expr).(string)
	return s
}

// waitJS waits up to d for expr to be true in the page.
func (b *browser) waitJS(d time.Duration, what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for b.eval("!!("+expr+")") != true {
		if time.Now().After(deadline) {
			b.t.Fatalf("chromium: waited %v for %s (%s)", d, what, expr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// click clicks the element that selector finds, as a person would: the
// mouse is pressed and released at its centre, in the viewport.
func (b *browser) click(selector string) {
	b.t.Helper()
	q, _ := json.Marshal(selector)
	v := b.eval(`(() => { const e = document.querySelector(` + string(q) + `); if (!e) return null;
		e.scrollIntoView({block: "center"}); const r = e.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	xy, ok := v.([]any)
	if !ok || len(xy) != 2 {
		b.t.Fatalf("chromium: no element %s to click", selector)
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		p := map[string]any{"type": typ, "x": xy[0], "y": xy[1]}
		if typ != "mouseMoved" {
			p["button"], p["clickCount"] = "left", 1
		}
		b.call("Input.dispatchMouseEvent", p, b.session)
	}
}

// screenshot writes a PNG of the viewport to path.
func (b *browser) screenshot(path string) {
	b.t.Helper()
	var r struct {
		Data string `json:"data"`
	}
	b.decode(b.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, b.session), &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatalf("chromium: screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// exceptions returns the uncaught exceptions the page threw so far.
func (b *browser) exceptions() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.thrown...)
}

// typeInto focuses the input that selector finds, empties it, and types
// text into it as keyboard input.
func (b *browser) typeInto(selector, text string) {
	b.t.Helper()
	b.click(selector)
	q, _ := json.Marshal(selector)
	b.eval(`(() => { const e = document.querySelector(` + string(q) + `); e.value = ""; e.focus(); return true; })()`)
	b.call("Input.insertText", map[string]any{"text": text}, b.session)
	if got := b.evalString(`document.querySelector(` + string(q) + `).value`); got != text {
		b.t.Fatalf("typed %q into %s; it holds %q", text, selector, got)
	}
}

// The driver itself, on a page of the test's own: a click is a real mouse
// click (a handler that ignores synthetic events counts it), typed text
// arrives as input, exceptions are caught, and the screenshot is a PNG.
func TestBrowserDriver(t *testing.T) {
	b := startBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<!doctype html><html><body style="height:3000px">
<input id="in"><output id="out"></output>
<button id="b" style="position:absolute;top:2000px" onclick="if (event.isTrusted) { document.getElementById('out').textContent = 'clicked ' + document.getElementById('in').value }">go</button>
<button id="boom" onclick="null.x">boom</button>
</body></html>`)
	}))
	defer srv.Close()
	b.navigate(srv.URL)
	b.typeInto("#in", "a<b")
	b.click("#b") // below the fold: scrolled into view first
	b.waitJS(5*time.Second, "the click's effect", `document.getElementById("out").textContent === "clicked a<b"`)
	b.click("#boom")
	deadline := time.Now().Add(5 * time.Second)
	for len(b.exceptions()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the page's TypeError was not reported")
		}
		time.Sleep(20 * time.Millisecond)
	}
	path := filepath.Join(t.TempDir(), "shot.png")
	b.screenshot(path)
	png, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes, %v)", path, len(png), err)
	}
}
