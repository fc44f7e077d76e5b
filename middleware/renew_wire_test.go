package middleware_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// wireClient returns a client for srv with a fresh cookie jar holding
// the session cookie tok (when not ""). It does not follow redirects, so
// the test sees each response as sent.
func wireClient(t *testing.T, srv *httptest.Server, tok string) (*http.Client, *cookiejar.Jar, *url.URL) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: tok, Path: "/"}})
	}
	client := &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second, // a guard against a hang, not a wait
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return client, jar, u
}

// wireDo sends a request with an optional bearer token and returns the
// response with its body read.
func wireDo(t *testing.T, client *http.Client, method, target, bearerTok string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearerTok != "" {
		req.Header.Set("Authorization", "Bearer "+bearerTok)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return res, string(body)
}

// jarValue returns the value the jar holds for the cookie name, or "".
func jarValue(jar *cookiejar.Jar, u *url.URL, name string) string {
	for _, c := range jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// TestRenewHandlerCookieWins: a handler's own Set-Cookie for the session
// cookie (or its expiry cookie) wins over the renewal, as the browser
// sees it: a logout that clears the cookie, or a login as another user,
// must not end with the browser holding the old session.
func TestRenewHandlerCookieWins(t *testing.T) {
	tests := []struct {
		name    string
		handler func(t *testing.T, f *fixture, cookie *middleware.Cookie) http.HandlerFunc
		// want: "cleared" (no session cookie left), "456" (a session of
		// that user), "renewed" (the old session, renewed) or "kept" (the
		// old token as it was).
		want string
	}{
		{name: "logout clears the cookie", want: "cleared", handler: func(t *testing.T, f *fixture, cookie *middleware.Cookie) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				cookie.Clear(w, r)
				w.WriteHeader(http.StatusNoContent)
			}
		}},
		{name: "login as another user with Cookie.Set", want: "456", handler: func(t *testing.T, f *fixture, cookie *middleware.Cookie) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				tok, err := f.m.Issue(r.Context(), "456", nil)
				if err != nil {
					t.Error(err)
					return
				}
				cookie.Set(w, r, tok)
				w.WriteHeader(http.StatusNoContent)
			}
		}},
		{name: "login as another user with http.SetCookie", want: "456", handler: func(t *testing.T, f *fixture, cookie *middleware.Cookie) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				tok, err := f.m.Issue(r.Context(), "456", nil)
				if err != nil {
					t.Error(err)
					return
				}
				http.SetCookie(w, &http.Cookie{Name: "session", Value: tok.Value, Path: "/", HttpOnly: true})
				io.WriteString(w, "switched")
			}
		}},
		{name: "expiry cookie set by the handler", want: "kept", handler: func(t *testing.T, f *fixture, cookie *middleware.Cookie) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "session_exp", Value: "0", Path: "/"})
				io.WriteString(w, "ok")
			}
		}},
		{name: "an unrelated cookie does not stop the renewal", want: "renewed", handler: func(t *testing.T, f *fixture, cookie *middleware.Cookie) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/"})
				http.SetCookie(w, &http.Cookie{Name: "session_extra", Value: "x", Path: "/"})
				io.WriteString(w, "ok")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			cookie := mustCookie(t, "session", middleware.CookieOptions{Insecure: true, ExpiryCookie: "session_exp"})
			chain := authRenewChain(t, f.m, middleware.Options{Cookie: cookie})
			srv := httptest.NewServer(chain.Then(tt.handler(t, f, cookie)))
			defer srv.Close()
			old := f.issue(t, "123")
			f.clock.Advance(nearExpiryAge)
			client, jar, u := wireClient(t, srv, old.Value)

			res, _ := wireDo(t, client, http.MethodPost, srv.URL+"/", "")
			if res.StatusCode/100 != 2 {
				t.Fatalf("got status %d, want the handler's 2xx", res.StatusCode)
			}
			if got := res.Header.Values(defaultRenewHeader); len(got) != 0 {
				t.Errorf("got %s %q on the cookie transport, want none", defaultRenewHeader, got)
			}
			got := jarValue(jar, u, "session")
			switch tt.want {
			case "cleared":
				if got != "" {
					t.Fatalf("got the browser holding session cookie %.12s… after the handler cleared it, want none", got)
				}
			case "kept":
				if got != old.Value {
					t.Fatalf("got session cookie %.12s…, want the old token kept as it was", got)
				}
			default:
				c, err := f.m.Verify(context.Background(), got)
				if err != nil {
					t.Fatalf("got session cookie %.12s… that does not verify: %v", got, err)
				}
				if tt.want == "renewed" {
					if c.SessionID != old.Claims.SessionID || c.TokenID == old.Claims.TokenID {
						t.Fatalf("got sid %q jti %q, want the old session %q renewed", c.SessionID, c.TokenID, old.Claims.SessionID)
					}
					return
				}
				if c.UserID != tt.want || c.SessionID == old.Claims.SessionID {
					t.Fatalf("got the browser holding user %q session %q, want the handler's new session of user %q", c.UserID, c.SessionID, tt.want)
				}
			}
		})
	}
}

// TestRenewHandlerHeaderWins: a handler that sets the renew header itself
// keeps its value, and Renew spends no signature on it.
func TestRenewHandlerHeaderWins(t *testing.T) {
	tests := []struct {
		name   string
		header string // the renew header; "" for the default
		set    func(h http.Header, name, value string)
	}{
		{name: "default header", set: func(h http.Header, name, value string) { h.Set(name, value) }},
		{name: "custom header", header: "X-New-Token", set: func(h http.Header, name, value string) { h.Set(name, value) }},
		{name: "written into the map in lower case", set: func(h http.Header, name, value string) {
			h[strings.ToLower(name)] = []string{value}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			name := defaultRenewHeader
			var opts middleware.Options
			if tt.header != "" {
				name = tt.header
				opts.RenewHeader = tt.header
			}
			spy := &spyRenewer{inner: f.m}
			var own string
			srv := httptest.NewServer(authRenew(t, spy.auth(t, opts), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tok, err := f.m.Issue(r.Context(), "456", nil)
				if err != nil {
					t.Error(err)
					return
				}
				own = tok.Value
				tt.set(w.Header(), name, tok.Value)
				io.WriteString(w, "switched")
			})))
			defer srv.Close()
			old := f.issue(t, "123")
			f.clock.Advance(nearExpiryAge)
			client, _, _ := wireClient(t, srv, "")

			res, _ := wireDo(t, client, http.MethodGet, srv.URL+"/", old.Value)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", res.StatusCode)
			}
			if got := res.Header.Values(name); !slices.Equal(got, []string{own}) {
				t.Fatalf("got %s %q, want exactly the handler's own token", name, got)
			}
			if n := spy.renews.Load(); n != 0 {
				t.Errorf("got %d calls to Renew, want none: the handler's token stands", n)
			}
		})
	}
}

// cacheHeaders are response fields that let a shared cache or a CDN keep
// a response.
var cacheHeaders = map[string]string{
	"Cache-Control":                "public, max-age=600",
	"Cdn-Cache-Control":            "max-age=600",
	"Cloudflare-Cdn-Cache-Control": "max-age=600",
	"Surrogate-Control":            "max-age=600",
	"Expires":                      "Thu, 01 Jan 2099 00:00:00 GMT",
}

// TestRenewNoStoreOnTheWire: a response that carries a renewed token, on
// either transport, reaches the client with Cache-Control: no-store and
// none of the handler's CDN or expiry fields; a response without one
// keeps them.
func TestRenewNoStoreOnTheWire(t *testing.T) {
	tests := []struct {
		name      string
		cookie    bool
		age       time.Duration
		wantToken bool
	}{
		{name: "header transport, renewed", age: nearExpiryAge, wantToken: true},
		{name: "cookie transport, renewed", cookie: true, age: nearExpiryAge, wantToken: true},
		{name: "header transport, fresh token", age: 0},
		{name: "cookie transport, fresh token", cookie: true, age: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			cookie := mustCookie(t, "session", middleware.CookieOptions{Insecure: true})
			chain := authRenewChain(t, f.m, middleware.Options{Cookie: cookie})
			srv := httptest.NewServer(chain.ThenFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range cacheHeaders {
					w.Header().Set(k, v)
				}
				// A targeted field written into the map as it came.
				w.Header()["akamai-cdn-cache-control"] = []string{"max-age=600"}
				io.WriteString(w, "ok")
			}))
			defer srv.Close()
			tok := f.issue(t, "123")
			f.clock.Advance(tt.age)
			var res *http.Response
			if tt.cookie {
				client, _, _ := wireClient(t, srv, tok.Value)
				res, _ = wireDo(t, client, http.MethodGet, srv.URL+"/", "")
			} else {
				client, _, _ := wireClient(t, srv, "")
				res, _ = wireDo(t, client, http.MethodGet, srv.URL+"/", tok.Value)
			}
			gotToken := res.Header.Get(defaultRenewHeader) != ""
			for _, c := range res.Cookies() {
				gotToken = gotToken || c.Name == "session" && c.Value != ""
			}
			if gotToken != tt.wantToken {
				t.Fatalf("got a renewed token %v, want %v", gotToken, tt.wantToken)
			}
			if !tt.wantToken {
				for k, v := range cacheHeaders {
					if got := res.Header.Values(k); !slices.Equal(got, []string{v}) {
						t.Errorf("got %s %q without a renewed token, want the handler's %q kept", k, got, v)
					}
				}
				return
			}
			if got := res.Header.Values("Cache-Control"); !slices.Equal(got, []string{"no-store"}) {
				t.Errorf("got Cache-Control %q, want exactly [no-store]", got)
			}
			for _, k := range []string{"Cdn-Cache-Control", "Cloudflare-Cdn-Cache-Control", "Akamai-Cdn-Cache-Control", "Surrogate-Control", "Expires"} {
				if got := res.Header.Values(k); len(got) != 0 {
					t.Errorf("got %s %q beside a renewed token, want it removed", k, got)
				}
			}
		})
	}
}

// TestRenewOnly2xxOnTheWire: redirects and 304 Not Modified get no renewed
// token, on either transport; 2xx responses do.
func TestRenewOnly2xxOnTheWire(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		status  int
	}{
		{name: "200", status: 200, handler: writeOK},
		{name: "206", status: 206, handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Range", "bytes 0-1/10")
			w.WriteHeader(http.StatusPartialContent)
			io.WriteString(w, "ok")
		}},
		{name: "302", status: 302, handler: func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) }},
		{name: "307", status: 307, handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		}},
		{name: "304", status: 304, handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
		}},
	}
	for _, tt := range tests {
		for _, transport := range []string{"header", "cookie"} {
			t.Run(tt.name+" "+transport, func(t *testing.T) {
				f := newFixture(t)
				cookie := mustCookie(t, "session", middleware.CookieOptions{Insecure: true})
				spy := &spyRenewer{inner: f.m}
				a := spy.auth(t, middleware.Options{Cookie: cookie})
				chain := alice.New(a.Authenticate, a.Renew)
				srv := httptest.NewServer(chain.Then(tt.handler))
				defer srv.Close()
				tok := f.issue(t, "123")
				f.clock.Advance(nearExpiryAge)
				var res *http.Response
				if transport == "cookie" {
					client, _, _ := wireClient(t, srv, tok.Value)
					res, _ = wireDo(t, client, http.MethodGet, srv.URL+"/", "")
				} else {
					client, _, _ := wireClient(t, srv, "")
					res, _ = wireDo(t, client, http.MethodGet, srv.URL+"/", tok.Value)
				}
				if res.StatusCode != tt.status {
					t.Fatalf("got status %d, want %d", res.StatusCode, tt.status)
				}
				got := res.Header.Get(defaultRenewHeader) != "" || len(res.Cookies()) != 0
				want := tt.status/100 == 2
				if got != want {
					t.Errorf("got a renewed token %v on %d, want %v (Set-Cookie %q)", got, tt.status, want, res.Header.Values("Set-Cookie"))
				}
				if !want && spy.renews.Load() != 0 {
					t.Errorf("got %d calls to Renew on %d, want none", spy.renews.Load(), tt.status)
				}
			})
		}
	}
}

// TestRenewWithoutAuthenticatePanics: Renew that no Authenticate precedes
// would renew nothing, silently; it panics with what to fix instead. A
// request that passed Authenticate (anonymous ones in optional mode
// included) or carries claims from NewContext is served.
func TestRenewWithoutAuthenticatePanics(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	a := mustNew(t, f.m, middleware.Options{})
	renew, auth := a.Renew, a.Authenticate
	optional := mustAuthenticate(t, f.m, middleware.Options{Optional: true})
	withClaims := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(middleware.NewContext(r.Context(), tok.Claims)))
		})
	}
	tests := []struct {
		name      string
		chain     alice.Chain
		bearer    bool
		wantPanic bool
		wantToken bool
	}{
		{name: "Renew alone", chain: alice.New(renew), bearer: true, wantPanic: true},
		{name: "Renew before Authenticate", chain: alice.New(renew, auth), bearer: true, wantPanic: true},
		{name: "Renew before optional Authenticate, anonymous", chain: alice.New(renew, optional), wantPanic: true},
		{name: "Authenticate then Renew", chain: alice.New(auth, renew), bearer: true, wantToken: true},
		{name: "optional Authenticate then Renew, anonymous", chain: alice.New(optional, renew)},
		{name: "optional Authenticate then Renew, with a token", chain: alice.New(optional, renew), bearer: true, wantToken: true},
		{name: "claims from NewContext", chain: alice.New(withClaims, renew), wantToken: true},
		{name: "claims from NewContext, then optional Authenticate, anonymous", chain: alice.New(withClaims, optional, renew), wantToken: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := tt.chain.ThenFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				writeOK(w, r)
			})
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.bearer {
				bearer(r, tok.Value)
			}
			rec := httptest.NewRecorder()
			recovered := func() (v any) {
				defer func() { v = recover() }()
				h.ServeHTTP(rec, r)
				return nil
			}()
			if !tt.wantPanic {
				if recovered != nil {
					t.Fatalf("got panic %v, want the request served", recovered)
				}
				if !called || rec.Code != http.StatusOK {
					t.Fatalf("got called %v, status %d, want the handler's 200", called, rec.Code)
				}
				if got := rec.Header().Get(defaultRenewHeader) != ""; got != tt.wantToken {
					t.Errorf("got a renewed token %v, want %v", got, tt.wantToken)
				}
				return
			}
			msg := fmt.Sprint(recovered)
			if !strings.Contains(msg, "middleware: Renew is mounted without Authenticate before it") {
				t.Fatalf("got panic %q, want one that says Renew needs Authenticate before it", msg)
			}
			if called {
				t.Error("got the handler called, want the panic before it")
			}
		})
	}
}

// TestRenewRefusesVerifyOnly: a Manager without a signing key can never
// renew; Renew panics when it is mounted, at startup, instead of failing
// every renewal. Authenticate alone works with it.
func TestRenewRefusesVerifyOnly(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := session.New(mustKey(t, priv, "EdDSA", ""), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := session.New(mustKey(t, pub, "EdDSA", ""), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		m         *session.Manager
		wantPanic bool
	}{
		{name: "signing manager", m: signer},
		{name: "verify-only manager", m: verifier, wantPanic: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := mustNew(t, tt.m, middleware.Options{})
			if auth.Authenticate(noop) == nil {
				t.Fatal("got no Authenticate handler, want one")
			}
			var h http.Handler
			recovered := func() (v any) {
				defer func() { v = recover() }()
				h = alice.New(auth.Authenticate, auth.Renew).Then(noop)
				return nil
			}()
			if !tt.wantPanic {
				if recovered != nil || h == nil {
					t.Fatalf("got panic %v, want the chain", recovered)
				}
				return
			}
			if recovered == nil {
				t.Fatal("got no panic, want the verify-only manager refused when Renew is mounted")
			}
			if msg := fmt.Sprint(recovered); !strings.HasPrefix(msg, "middleware: ") || !strings.Contains(msg, "sign") {
				t.Errorf("got panic %q, want a middleware message that says it cannot sign", msg)
			}
		})
	}
}

// TestRenewAfterRevokeInHandler: a handler that revokes the session (a
// logout over the header transport) sends no renewed token: the client
// must not get a fresh token of the session it just ended.
func TestRenewAfterRevokeInHandler(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFromContext(r.Context())
		if err := f.m.Revoke(r.Context(), claims); err != nil {
			t.Error(err)
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	defer srv.Close()
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	client, _, _ := wireClient(t, srv, "")

	res, _ := wireDo(t, client, http.MethodPost, srv.URL+"/logout", tok.Value)
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("got status %d, want 204", res.StatusCode)
	}
	if got := res.Header.Values(defaultRenewHeader); len(got) != 0 {
		t.Fatalf("got %s on the response that revoked the session, want none", defaultRenewHeader)
	}
}
