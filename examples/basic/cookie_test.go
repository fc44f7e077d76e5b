package main

import (
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// browser is an HTTP client with a cookie jar that sends the headers a
// browser would send from origin (none when origin is "").
type browser struct {
	t      *testing.T
	d      *testServer
	client *http.Client
	origin string
	site   string // Sec-Fetch-Site
}

func newBrowser(t *testing.T, d *testServer) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, d: d, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}, origin: d.url, site: "same-origin"}
}

func (b *browser) do(method, path, body string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.d.url+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	if b.site != "" {
		req.Header.Set("Sec-Fetch-Site", b.site)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// cookie returns the jar's value of the named cookie, or "".
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.d.url)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

const cookieLogin = `{"username":"alice","password":"wonderland","transport":"cookie"}`

func TestCookieLogin(t *testing.T) {
	d := newDemo(t)
	b := newBrowser(t, d)
	resp := b.do("POST", "/login", cookieLogin)
	wantStatus(t, resp, http.StatusOK)
	body := decode[map[string]any](t, resp)
	if _, ok := body["access_token"]; ok || body["token_type"] != "cookie" || body["expires_in"] != float64(1800) {
		t.Errorf("got body %v, want token_type cookie, expires_in 1800 and no token", body)
	}
	var session, expiry *http.Cookie
	for _, c := range resp.Cookies() {
		switch c.Name {
		case sessionCookie:
			session = c
		case expiryCookie:
			expiry = c
		}
	}
	if session == nil || expiry == nil {
		t.Fatalf("got cookies %v, want %s and %s", resp.Cookies(), sessionCookie, expiryCookie)
	}
	// Plain HTTP on loopback: no Secure, everything else as in production.
	if !session.HttpOnly || session.Secure || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.MaxAge != 1800 {
		t.Errorf("got session cookie %+v, want HttpOnly, SameSite=Lax, Path /, Max-Age 1800", session)
	}
	if expiry.HttpOnly || expiry.Value != strconv.FormatInt(d.clock.Now().Add(30*time.Minute).Unix(), 10) {
		t.Errorf("got expiry cookie %+v, want a readable cookie with the token's exp", expiry)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("got Cache-Control %q, want no-store", got)
	}

	resp = b.do("GET", "/me", "")
	wantStatus(t, resp, http.StatusOK)
	if got := decode[map[string]string](t, resp); got["user_id"] != "123" {
		t.Errorf("got %v, want user_id 123", got)
	}
}

func TestCookieLoginRefusals(t *testing.T) {
	d := newDemo(t)
	tests := []struct {
		name   string
		origin string
		site   string
		body   string
		want   int
	}{
		{"cross-site login (login CSRF)", "https://evil.example", "cross-site", cookieLogin, http.StatusForbidden},
		{"unknown transport", "", "", `{"username":"alice","password":"wonderland","transport":"query"}`, http.StatusBadRequest},
		{"wrong password", "", "same-origin", `{"username":"alice","password":"x","transport":"cookie"}`, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, d)
			b.origin, b.site = tt.origin, tt.site
			wantStatus(t, b.do("POST", "/login", tt.body), tt.want)
			if got := b.cookie(sessionCookie); got != "" {
				t.Errorf("got a session cookie, want none")
			}
		})
	}
}

func TestCookieSessionSlidesAndLogsOut(t *testing.T) {
	d := newDemo(t)
	b := newBrowser(t, d)
	wantStatus(t, b.do("POST", "/login", cookieLogin), http.StatusOK)
	first := b.cookie(sessionCookie)

	d.clock.Advance(21 * time.Minute) // under -renew-within
	resp := b.do("GET", "/me", "")
	wantStatus(t, resp, http.StatusOK)
	if got := resp.Header.Get("X-Renewed-Token"); got != "" {
		t.Errorf("got X-Renewed-Token on the cookie transport, want the cookie re-set instead")
	}
	second := b.cookie(sessionCookie)
	if second == "" || second == first {
		t.Fatal("got the cookie unchanged near expiry, want it renewed")
	}
	if got, want := b.cookie(expiryCookie), strconv.FormatInt(d.clock.Now().Add(30*time.Minute).Unix(), 10); got != want {
		t.Errorf("got expiry cookie %q, want %q", got, want)
	}

	// Explicit refresh re-sets the cookie as well.
	resp = b.do("POST", "/refresh", "")
	wantStatus(t, resp, http.StatusOK)
	if body := decode[map[string]any](t, resp); body["token_type"] != "cookie" || body["access_token"] != nil {
		t.Errorf("got refresh body %v, want the cookie shape", body)
	}
	if b.cookie(sessionCookie) == second {
		t.Error("got the cookie unchanged by /refresh, want a new token")
	}

	// A cross-site form cannot log the user out (or do anything unsafe).
	evil := *b
	evil.origin, evil.site = "https://evil.example", "cross-site"
	resp = evil.do("POST", "/logout", "")
	wantStatus(t, resp, http.StatusForbidden)
	if got := decode[map[string]string](t, resp)["error"]; got != "cross_origin_request" {
		t.Errorf("got error %q, want cross_origin_request", got)
	}
	wantStatus(t, b.do("GET", "/me", ""), http.StatusOK)

	wantStatus(t, b.do("POST", "/logout", ""), http.StatusNoContent)
	if got := b.cookie(sessionCookie) + b.cookie(expiryCookie); got != "" {
		t.Errorf("got cookies %q after logout, want them cleared", got)
	}
	wantStatus(t, b.do("GET", "/me", ""), http.StatusUnauthorized)
	// The tokens are revoked, not only forgotten by the browser.
	for _, tok := range []string{first, second} {
		wantStatus(t, d.do("GET", "/me", tok, ""), http.StatusUnauthorized)
	}
}

func TestCookieLogoutAll(t *testing.T) {
	d := newDemo(t)
	b := newBrowser(t, d)
	wantStatus(t, b.do("POST", "/login", cookieLogin), http.StatusOK)
	cookie := b.cookie(sessionCookie)
	header := d.login().AccessToken // another session, on the header transport
	d.clock.Advance(time.Second)

	evil := *b
	evil.origin, evil.site = "https://evil.example", "cross-site"
	wantStatus(t, evil.do("POST", "/logout-all", ""), http.StatusForbidden)
	wantStatus(t, d.do("GET", "/me", header, ""), http.StatusOK)

	wantStatus(t, b.do("POST", "/logout-all", ""), http.StatusNoContent)
	if got := b.cookie(sessionCookie) + b.cookie(expiryCookie); got != "" {
		t.Errorf("got cookies %q after logout-all, want them cleared", got)
	}
	wantStatus(t, d.do("GET", "/me", cookie, ""), http.StatusUnauthorized)
	wantStatus(t, d.do("GET", "/me", header, ""), http.StatusUnauthorized)
}

func TestPage(t *testing.T) {
	d := newDemo(t)
	tests := []struct {
		path, contentType, contains string
	}{
		{"/", "text/html; charset=utf-8", `<script src="/static/app.js" defer></script>`},
		{"/static/app.js", "text/javascript; charset=utf-8", "X-Renewed-Token"},
		{"/static/style.css", "text/css; charset=utf-8", "#countdown"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp := d.do("GET", tt.path, "", "")
			wantStatus(t, resp, http.StatusOK)
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("got Content-Type %q, want %q", got, tt.contentType)
			}
			if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") || strings.Contains(got, "unsafe-inline") {
				t.Errorf("got CSP %q, want script-src 'self' and no unsafe-inline", got)
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), tt.contains) {
				t.Errorf("got body without %q", tt.contains)
			}
		})
	}
	for _, path := range []string{"/nope", "/static/", "/static/missing.js"} {
		t.Run(path, func(t *testing.T) {
			resp := d.do("GET", path, "", "")
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("got %d for %s, want 404", resp.StatusCode, path)
			}
		})
	}
}

func TestLoopbackAddr(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.1:0", true},
		{"127.1.2.3:8080", true},
		{"[::1]:8080", true},
		{"[::ffff:127.0.0.1]:8080", true},
		{"localhost:8080", true},
		{"LocalHost:8080", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
		{"[2001:db8::1]:8080", false},
		{"128.0.0.1:8080", false},
		{"example.com:8080", false},
		{"localhost.example.com:8080", false},
		{"127.0.0.1", false}, // no port: not a listen address
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := loopbackAddr(tt.addr); got != tt.want {
				t.Errorf("loopbackAddr(%q): got %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

// TestCookieSecureUnlessLoopback: the session cookie drops Secure only
// when run listens on a loopback address; newServer without it keeps
// Secure even for a loopback request.
func TestCookieSecureUnlessLoopback(t *testing.T) {
	sessionCookieOf := func(t *testing.T, resp *http.Response) *http.Cookie {
		t.Helper()
		wantStatus(t, resp, http.StatusOK)
		for _, c := range resp.Cookies() {
			if c.Name == sessionCookie {
				return c
			}
		}
		t.Fatalf("got cookies %v, want %s", resp.Cookies(), sessionCookie)
		return nil
	}

	m, err := session.New(session.HS256(testSecret), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(m, log.New(io.Discard, "", 0), serverConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	d := &testServer{t: t, url: srv.URL}
	if c := sessionCookieOf(t, d.do("POST", "/login", "", cookieLogin)); !c.Secure {
		t.Errorf("newServer without insecureCookie: got session cookie %+v, want Secure", c)
	}

	var logs runLog
	r := startRun(t, []string{"-addr", "127.0.0.1:0"}, noEnv, &logs)
	d = &testServer{t: t, url: r.url}
	if c := sessionCookieOf(t, d.do("POST", "/login", "", cookieLogin)); c.Secure {
		t.Errorf("run on 127.0.0.1: got session cookie %+v, want it without Secure", c)
	}
}
