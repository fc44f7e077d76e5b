package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// The browser test drives headless Chromium through the Chrome DevTools
// Protocol over --remote-debugging-pipe (commands on the browser's fd 3,
// replies on its fd 4, each a JSON object ended by NUL), so it needs no
// WebSocket client and adds nothing to go.mod.

// findChromium returns the Chromium binary: $JWTSESSION_CHROMIUM, or the
// first of the usual names on PATH.
func findChromium() (string, bool) {
	if p := os.Getenv("JWTSESSION_CHROMIUM"); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// cdpMessage is a DevTools protocol message: a reply (ID set) or an event.
type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    any             `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// chromium is a running headless Chromium and its protocol pipe.
type chromium struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *lockedBuffer

	wmu     sync.Mutex
	w       io.WriteCloser
	nextID  atomic.Int64
	mu      sync.Mutex
	pending map[int64]chan cdpMessage
	closed  chan struct{} // closed when the browser's pipe ends
}

// lockedBuffer collects Chromium's stderr for failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < 64<<10 {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startChromium starts headless Chromium with a fresh profile in a
// temporary directory and kills it (and its helpers) in t.Cleanup.
func startChromium(t *testing.T, bin string) *chromium {
	t.Helper()
	profile := t.TempDir()
	// fd 3: the browser reads commands; fd 4: it writes replies.
	cmdRead, cmdWrite, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	replyRead, replyWrite, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile,
		"--remote-debugging-pipe",
		"--window-size=900,700",
		"about:blank",
	)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	cmd.ExtraFiles = []*os.File{cmdRead, replyWrite}
	stderr := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	cmdRead.Close()
	replyWrite.Close()
	c := &chromium{t: t, cmd: cmd, stderr: stderr, w: cmdWrite, pending: map[int64]chan cdpMessage{}, closed: make(chan struct{})}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// Ask politely, then make sure: the browser and every helper
		// process of its group are gone when the test ends.
		c.send(cdpMessage{ID: c.nextID.Add(1), Method: "Browser.close"})
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
		killProcessGroup(cmd)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("chromium (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
		}
		cmdWrite.Close()
		replyRead.Close()
	})
	go c.read(replyRead)
	return c
}

// read dispatches the browser's replies to the waiting calls; events are
// not needed (the test polls the page instead).
func (c *chromium) read(r io.Reader) {
	defer close(c.closed)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		frame, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(frame[:len(frame)-1], &m) != nil || m.ID == 0 {
			continue
		}
		c.mu.Lock()
		ch := c.pending[m.ID]
		delete(c.pending, m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

func (c *chromium) send(m cdpMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err = c.w.Write(append(b, 0))
	return err
}

// call sends a command (to the page of sessionID, or to the browser for
// "") and decodes its result into out (when not nil), within 20 seconds.
func (c *chromium) call(sessionID, method string, params any, out any) error {
	id := c.nextID.Add(1)
	ch := make(chan cdpMessage, 1)
	c.mu.Lock()
	c.pending[id] = ch
	c.mu.Unlock()
	if err := c.send(cdpMessage{ID: id, SessionID: sessionID, Method: method, Params: params}); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-c.closed:
		return fmt.Errorf("%s: the browser closed its pipe; its output:\n%s", method, c.stderr.String())
	case <-time.After(20 * time.Second):
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return fmt.Errorf("%s: no reply in 20 s", method)
	}
}

// page is one tab in its own browser context (own cookies).
type page struct {
	c         *chromium
	t         *testing.T
	session   string
	contextID string
}

func (c *chromium) newPage(t *testing.T, url string) *page {
	t.Helper()
	var bc struct {
		BrowserContextID string `json:"browserContextId"`
	}
	if err := c.call("", "Target.createBrowserContext", map[string]any{}, &bc); err != nil {
		t.Fatal(err)
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := c.call("", "Target.createTarget", map[string]any{"url": url, "browserContextId": bc.BrowserContextID}, &target); err != nil {
		t.Fatal(err)
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	// A fixed viewport, so the screenshot shows the whole page.
	viewport := map[string]any{"width": 900, "height": 680, "deviceScaleFactor": 1, "mobile": false}
	if err := c.call(attached.SessionID, "Emulation.setDeviceMetricsOverride", viewport, nil); err != nil {
		t.Fatal(err)
	}
	return &page{c: c, t: t, session: attached.SessionID, contextID: bc.BrowserContextID}
}

// eval evaluates a JavaScript expression in the page (awaiting a
// promise) and decodes its value into out.
func (p *page) eval(expr string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.c.call(p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res)
	if err != nil {
		return err
	}
	if d := res.ExceptionDetails; d != nil {
		return fmt.Errorf("%s: %s %s", expr, d.Text, d.Exception.Description)
	}
	if out != nil && len(res.Result.Value) > 0 {
		return json.Unmarshal(res.Result.Value, out)
	}
	return nil
}

func (p *page) mustEval(expr string, out any) {
	p.t.Helper()
	if err := p.eval(expr, out); err != nil {
		p.t.Fatal(err)
	}
}

// waitFor polls a boolean expression every 100 ms, at most 150 times.
func (p *page) waitFor(what, expr string) {
	p.t.Helper()
	var last error
	for range 150 {
		var ok bool
		if last = p.eval(expr, &ok); last == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	var status, logText string
	p.eval(`document.getElementById('status').textContent`, &status)
	p.eval(`document.getElementById('log').innerText`, &logText)
	p.t.Fatalf("waited 15 s for %s (%s): last error %v; page status %q, log:\n%s", what, expr, last, status, logText)
}

// click clicks the element with the mouse, at its centre, as a user
// would.
func (p *page) click(id string) {
	p.t.Helper()
	var box struct{ X, Y float64 }
	p.mustEval(fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.scrollIntoView(); const r = e.getBoundingClientRect(); return {X: r.x + r.width / 2, Y: r.y + r.height / 2}; })()`, id), &box)
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		ev := map[string]any{"type": typ, "x": box.X, "y": box.Y}
		if typ != "mouseMoved" {
			ev["button"], ev["clickCount"] = "left", 1
		}
		if err := p.c.call(p.session, "Input.dispatchMouseEvent", ev, nil); err != nil {
			p.t.Fatal(err)
		}
	}
}

// typeInto replaces the text of an input with text, typed.
func (p *page) typeInto(id, text string) {
	p.t.Helper()
	p.mustEval(fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.focus(); e.select(); })()`, id), nil)
	if err := p.c.call(p.session, "Input.insertText", map[string]any{"text": text}, nil); err != nil {
		p.t.Fatal(err)
	}
}

func (p *page) screenshot(path string) {
	p.t.Helper()
	var shot struct {
		Data string `json:"data"`
	}
	if err := p.c.call(p.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		p.t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		p.t.Fatalf("got a screenshot that is not a PNG (%v)", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// cookies returns the browser context's cookies by name.
func (p *page) cookies() map[string]map[string]any {
	p.t.Helper()
	var res struct {
		Cookies []map[string]any `json:"cookies"`
	}
	if err := p.c.call("", "Storage.getCookies", map[string]any{"browserContextId": p.contextID}, &res); err != nil {
		p.t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, c := range res.Cookies {
		out[fmt.Sprint(c["name"])] = c
	}
	return out
}

// TestBrowser drives the demo page in headless Chromium, for the header,
// the cookie and the DPoP transport (proofs signed by WebCrypto): log in, wait past the renewal threshold, see
// the renewed token taken up (the countdown jumps forward), log out, see
// /me fail. The browser's countdown runs on its own clock, so the server
// keeps real time too, with TTLs short enough that the wait takes about
// three seconds.
func TestBrowser(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the DevTools pipe needs file descriptors 3 and 4, which Windows processes do not inherit")
	}
	bin, ok := findChromium()
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium not found, and CI=true requires the browser test: install Debian's chromium package (.ci/run does), or set JWTSESSION_CHROMIUM")
		}
		t.Skip("Chromium not found: skipping the browser test (install Debian's chromium package, or set JWTSESSION_CHROMIUM to a Chromium or Chrome binary)")
	}

	// A token is renewed once less than renewWithin is left: three
	// seconds after login, with nine seconds of margin before it expires.
	const (
		ttl         = 12 * time.Second
		renewWithin = 9 * time.Second
	)
	m, err := session.New(session.HS256(testSecret), session.Options{
		TTL:         ttl,
		RenewWithin: renewWithin,
		MaxLifetime: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(m, log.New(io.Discard, "", 0), serverConfig{insecureCookie: true}) // httptest serves on loopback
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h) // 127.0.0.1, a free port
	t.Cleanup(srv.Close)

	browser := startChromium(t, bin)
	var version struct {
		Product string `json:"product"`
	}
	if err := browser.call("", "Browser.getVersion", nil, &version); err != nil {
		t.Fatal(err)
	}
	t.Logf("driving %s", version.Product)

	for _, transport := range []string{"header", "cookie", "dpop"} {
		t.Run(transport, func(t *testing.T) {
			p := browser.newPage(t, srv.URL+"/")
			p.waitFor("the page to load", `document.body && document.body.dataset.ready === 'true'`)

			// Log in.
			p.click("transport-" + transport)
			p.typeInto("username", "alice")
			p.typeInto("password", "wonderland")
			p.click("login")
			p.waitFor("the user id", `document.getElementById('user').textContent === '123'`)
			var exp1 int64
			p.mustEval(`Number(document.getElementById('countdown').dataset.exp)`, &exp1)
			if want := time.Now().Add(ttl).Unix(); exp1 < want-5 || exp1 > want+1 {
				t.Errorf("got exp %d on the page, want about %d", exp1, want)
			}
			var countdown string
			p.mustEval(`document.getElementById('countdown').textContent`, &countdown)
			if !strings.HasSuffix(countdown, " s") {
				t.Errorf("got countdown %q, want seconds", countdown)
			}

			// Past the renewal threshold, the next call brings a renewed
			// token, which the page takes up: the expiry jumps forward.
			// The wait is real (the browser's clock cannot be moved) and
			// bounded by the TTL.
			threshold := time.Unix(exp1, 0).Add(-renewWithin + 300*time.Millisecond)
			time.Sleep(min(time.Until(threshold), ttl))
			p.click("me")
			p.waitFor("the renewed token taken up", fmt.Sprintf(`document.getElementById('renewals').textContent === '1' && Number(document.getElementById('countdown').dataset.exp) > %d`, exp1))
			var exp2 int64
			p.mustEval(`Number(document.getElementById('countdown').dataset.exp)`, &exp2)
			if exp2 < exp1+int64((ttl-renewWithin)/time.Second) {
				t.Errorf("got exp %d after renewal, want at least %d s after %d", exp2, (ttl-renewWithin)/time.Second, exp1)
			}
			p.waitFor("the countdown to show the new expiry", fmt.Sprintf(`parseInt(document.getElementById('countdown').textContent) > %d`, int64(renewWithin/time.Second)))

			// The token, as the page (header) or the browser (cookie) holds it.
			var token string
			switch transport {
			case "header":
				p.mustEval(`state.token`, &token)
			case "dpop":
				p.mustEval(`state.token`, &token)
				var extractable bool
				p.mustEval(`state.key.privateKey.extractable`, &extractable)
				if extractable {
					t.Error("got an extractable DPoP private key, want one no script can export")
				}
				// Without the page's key, the token is worth nothing.
				req, _ := http.NewRequest("GET", srv.URL+"/me", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("got status %d for the bound token as Bearer, want 401", res.StatusCode)
				}
			case "cookie":
				c := p.cookies()[sessionCookie]
				if c == nil {
					t.Fatalf("got no %s cookie in the browser", sessionCookie)
				}
				token = fmt.Sprint(c["value"])
				if c["httpOnly"] != true || c["sameSite"] != "Lax" {
					t.Errorf("got cookie %v, want HttpOnly and SameSite=Lax", c)
				}
				var seen string
				p.mustEval(`String(state.token) + ' ' + document.cookie`, &seen)
				if strings.Contains(seen, token) {
					t.Error("got the cookie's token readable by the page, want it HttpOnly")
				}
			}
			c, err := m.Verify(t.Context(), token)
			if err != nil || c.ExpiresAt.Unix() != exp2 {
				t.Fatalf("got the browser's token verifying to %v, %v; want the renewed token expiring at %d", c, err, exp2)
			}
			if bound := c.KeyThumbprint != ""; bound != (transport == "dpop") {
				t.Errorf("got cnf.jkt %q in the %s transport's renewed token", c.KeyThumbprint, transport)
			}

			shot := filepath.Join(t.TempDir(), "demo-"+transport+".png")
			p.screenshot(shot)
			t.Logf("screenshot: %s", shot)
			if dir := os.Getenv("JWTSESSION_SCREENSHOT_DIR"); dir != "" {
				p.screenshot(filepath.Join(dir, "demo-"+transport+".png"))
			}

			// Log out: /me fails from the page, and the token is revoked.
			p.click("logout")
			p.waitFor("the logout", `document.getElementById('status').textContent === 'logged out'`)
			p.click("me")
			p.waitFor("/me to fail", `document.getElementById('status').textContent.startsWith('GET /me: 401')`)
			if transport == "cookie" {
				if c := p.cookies()[sessionCookie]; c != nil {
					t.Errorf("got cookie %v after logout, want it cleared", c)
				}
			}
			req, _ := http.NewRequest("GET", srv.URL+"/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("got status %d for the logged-out token, want 401", res.StatusCode)
			}
		})
	}
}
