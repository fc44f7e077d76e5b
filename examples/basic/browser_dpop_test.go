package main

import (
	"io"
	"log"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

// TestBrowserDPoPNonce drives the page's DPoP transport against the demo
// with -dpop-nonce: the page retries its login and its first call with the
// nonce the server hands out, and both succeed.
func TestBrowserDPoPNonce(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the DevTools pipe needs file descriptors 3 and 4, which Windows processes do not inherit")
	}
	bin, ok := findChromium()
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium not found, and CI=true requires the browser test: install Debian's chromium package (.ci/run does), or set JWTSESSION_CHROMIUM")
		}
		t.Skip("Chromium not found: skipping the browser test")
	}
	m, err := session.New(session.HS256(testSecret), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(m, log.New(io.Discard, "", 0), serverConfig{insecureCookie: true, dpopNonce: true, secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	p := startChromium(t, bin).newPage(t, srv.URL+"/")
	p.waitFor("the page to load", `document.body && document.body.dataset.ready === 'true'`)
	p.click("transport-dpop")
	p.typeInto("username", "alice")
	p.typeInto("password", "wonderland")
	p.click("login")
	p.waitFor("the user id", `document.getElementById('user').textContent === '123'`)
	var entries string
	p.mustEval(`[...document.querySelectorAll('#log li')].map((li) => li.textContent).join('\n')`, &entries)
	if n := strings.Count(entries, "server asked for a DPoP nonce"); n != 1 {
		t.Errorf("got %d nonce retries in the page's log, want 1 (the login's; /me reuses the nonce):\n%s", n, entries)
	}
	if !strings.Contains(entries, "token_type DPoP") || !strings.Contains(entries, "GET /me → 200") {
		t.Errorf("page log:\n%s\nwant a DPoP login and GET /me → 200", entries)
	}
	var token string
	p.mustEval(`state.token`, &token)
	if c, err := m.Verify(t.Context(), token); err != nil || c.KeyThumbprint == "" {
		t.Errorf("got the page's token verifying to %v, %v; want a bound token", c, err)
	}
}
