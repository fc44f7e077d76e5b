package middleware_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

func mustCookie(t testing.TB, name string, opts middleware.CookieOptions) *middleware.Cookie {
	t.Helper()
	c, err := middleware.NewCookie(name, opts)
	if err != nil {
		t.Fatalf("NewCookie: %v", err)
	}
	return c
}

func TestNewCookieErrors(t *testing.T) {
	tests := []struct {
		name   string
		cookie string
		opts   middleware.CookieOptions
	}{
		{name: "empty name", cookie: ""},
		{name: "space in name", cookie: "a b"},
		{name: "semicolon in name", cookie: "a;b"},
		{name: "equals in name", cookie: "a=b"},
		{name: "relative path", cookie: "s", opts: middleware.CookieOptions{Path: "api"}},
		{name: "semicolon in path", cookie: "s", opts: middleware.CookieOptions{Path: "/a;Domain=evil"}},
		{name: "control character in path", cookie: "s", opts: middleware.CookieOptions{Path: "/a\nb"}},
		{name: "SameSite None", cookie: "s", opts: middleware.CookieOptions{SameSite: http.SameSiteNoneMode}},
		{name: "SameSite default", cookie: "s", opts: middleware.CookieOptions{SameSite: http.SameSiteDefaultMode}},
		{name: "bad trusted origin", cookie: "s", opts: middleware.CookieOptions{TrustedOrigins: []string{"example.com"}}},
		{name: "trusted origin with path", cookie: "s", opts: middleware.CookieOptions{TrustedOrigins: []string{"https://example.com/app"}}},
		{name: "__Host- insecure", cookie: "__Host-s", opts: middleware.CookieOptions{Insecure: true}},
		{name: "__host- insecure, any case", cookie: "__host-s", opts: middleware.CookieOptions{Insecure: true}},
		{name: "__Host- on a sub-path", cookie: "__Host-s", opts: middleware.CookieOptions{Path: "/app"}},
		{name: "__Secure- insecure", cookie: "__Secure-s", opts: middleware.CookieOptions{Insecure: true}},
		{name: "expiry cookie named like the session cookie", cookie: "s", opts: middleware.CookieOptions{ExpiryCookie: "s"}},
		{name: "invalid expiry cookie name", cookie: "s", opts: middleware.CookieOptions{ExpiryCookie: "a b"}},
		{name: "__Host- expiry cookie insecure", cookie: "s", opts: middleware.CookieOptions{ExpiryCookie: "__Host-e", Insecure: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := middleware.NewCookie(tt.cookie, tt.opts)
			if err == nil || c != nil {
				t.Fatalf("got %v, %v; want nil and an error", c, err)
			}
			if !strings.HasPrefix(err.Error(), "middleware: ") {
				t.Errorf("got error %q, want the package prefix", err)
			}
		})
	}
}

func TestCookieSetAndClear(t *testing.T) {
	f := newFixture(t) // TTL 30 minutes
	tok := f.issue(t, "123")
	exp := tok.Claims.ExpiresAt.Unix()
	tests := []struct {
		name      string
		cookie    *middleware.Cookie
		host      string // "" for a nil request
		wantSet   []string
		wantClear []string
	}{
		{
			name:      "defaults (empty Path, zero SameSite)",
			cookie:    mustCookie(t, "__Host-session", middleware.CookieOptions{}),
			host:      "api.example",
			wantSet:   []string{"__Host-session=" + tok.Value + "; Max-Age=1800; Path=/; HttpOnly; Secure; SameSite=Lax"},
			wantClear: []string{"__Host-session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"},
		},
		{
			name:   "path, strict, expiry cookie",
			cookie: mustCookie(t, "s", middleware.CookieOptions{Path: "/api", SameSite: http.SameSiteStrictMode, ExpiryCookie: "s_exp"}),
			host:   "api.example",
			wantSet: []string{
				"s=" + tok.Value + "; Max-Age=1800; Path=/api; HttpOnly; Secure; SameSite=Strict",
				"s_exp=" + itoa(exp) + "; Max-Age=1800; Path=/api; Secure; SameSite=Strict",
			},
			wantClear: []string{
				"s=; Max-Age=0; Path=/api; HttpOnly; Secure; SameSite=Strict",
				"s_exp=; Max-Age=0; Path=/api; Secure; SameSite=Strict",
			},
		},
	}
	// The Host header decides nothing: a secure cookie stays Secure on a
	// loopback host, an insecure one drops Secure everywhere.
	secure := mustCookie(t, "s", middleware.CookieOptions{ExpiryCookie: "s_exp"})
	insecure := mustCookie(t, "s", middleware.CookieOptions{Insecure: true, ExpiryCookie: "s_exp"})
	for _, host := range []string{"", "127.0.0.1:8080", "localhost", "[::1]:8080", "example.com", "10.0.0.1:8080", "localhost.evil.example"} {
		label := host
		if label == "" {
			label = "a nil request"
		}
		tests = append(tests, struct {
			name      string
			cookie    *middleware.Cookie
			host      string
			wantSet   []string
			wantClear []string
		}{
			name:      "secure, " + label,
			cookie:    secure,
			host:      host,
			wantSet:   []string{"s=" + tok.Value + "; Max-Age=1800; Path=/; HttpOnly; Secure; SameSite=Lax", "s_exp=" + itoa(exp) + "; Max-Age=1800; Path=/; Secure; SameSite=Lax"},
			wantClear: []string{"s=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax", "s_exp=; Max-Age=0; Path=/; Secure; SameSite=Lax"},
		}, struct {
			name      string
			cookie    *middleware.Cookie
			host      string
			wantSet   []string
			wantClear []string
		}{
			name:      "insecure, " + label,
			cookie:    insecure,
			host:      host,
			wantSet:   []string{"s=" + tok.Value + "; Max-Age=1800; Path=/; HttpOnly; SameSite=Lax", "s_exp=" + itoa(exp) + "; Max-Age=1800; Path=/; SameSite=Lax"},
			wantClear: []string{"s=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax", "s_exp=; Max-Age=0; Path=/; SameSite=Lax"},
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *http.Request
			if tt.host != "" {
				r = httptest.NewRequest(http.MethodPost, "/login", nil)
				r.Host = tt.host
			}
			rec := httptest.NewRecorder()
			tt.cookie.Set(rec, r, tok)
			checkSetCookies(t, rec.Header(), tt.wantSet)
			rec = httptest.NewRecorder()
			tt.cookie.Clear(rec, r)
			checkSetCookies(t, rec.Header(), tt.wantClear)
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func checkSetCookies(t *testing.T, h http.Header, want []string) {
	t.Helper()
	got := h.Values("Set-Cookie")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got Set-Cookie\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	for _, v := range got {
		if _, err := http.ParseSetCookie(v); err != nil {
			t.Errorf("got Set-Cookie %q that net/http cannot parse: %v", v, err)
		}
	}
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("got Cache-Control %q, want no-store", got)
	}
}

// TestCookieMaxAgeFollowsToken: Max-Age is the token's own lifetime, so a
// token cut short by the session's maximum lifetime gets a cookie that
// ends with it, and a full renewal a cookie as long as the TTL.
func TestCookieMaxAgeFollowsToken(t *testing.T) {
	f := newFixtureWith(t, session.Options{TTL: 30 * time.Minute, MaxLifetime: time.Hour})
	c := mustCookie(t, "s", middleware.CookieOptions{})
	tok := f.issue(t, "123")
	tests := []struct {
		name    string
		advance time.Duration
		want    string
	}{
		{name: "renewed with the full TTL", advance: 25 * time.Minute, want: "Max-Age=1800;"},
		{name: "renewed up to the session's end", advance: 25 * time.Minute, want: "Max-Age=600;"},
	}
	claims := tok.Claims
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Advance(tt.advance)
			next, err := f.m.Renew(context.Background(), claims)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			c.Set(rec, nil, next)
			if got := rec.Header().Get("Set-Cookie"); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %s", got, tt.want)
			}
			claims = next.Claims
		})
	}
	t.Run("sub-second lifetime rounds up", func(t *testing.T) {
		rec := httptest.NewRecorder()
		c.Set(rec, nil, &session.Token{Value: "x", ExpiresIn: 1500 * time.Millisecond})
		if got := rec.Header().Get("Set-Cookie"); !strings.Contains(got, "Max-Age=2;") {
			t.Errorf("got %q, want Max-Age=2", got)
		}
	})
}

// cookieRequest builds a request to https://api.example with the session
// cookie tok (when not "") and extra headers.
func cookieRequest(method, tok string, header map[string]string) *http.Request {
	r := httptest.NewRequest(method, "https://api.example/orders", nil)
	if tok != "" {
		r.AddCookie(&http.Cookie{Name: "session", Value: tok})
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return r
}

func TestAuthenticateCookie(t *testing.T) {
	f := newFixture(t)
	valid := f.issue(t, "123").Value
	other := f.issue(t, "456").Value
	cookie := mustCookie(t, "session", middleware.CookieOptions{TrustedOrigins: []string{"https://app.example"}})
	auth := mustAuthenticate(t, f.m, middleware.Options{Cookie: cookie})
	tests := []struct {
		name       string
		r          *http.Request
		wantStatus int
		wantUser   string
		wantCookie bool   // the token came from the cookie
		wantCode   string // for failures
	}{
		{name: "cookie, GET", r: cookieRequest("GET", valid, nil), wantStatus: 200, wantUser: "123", wantCookie: true},
		{name: "header only", r: bearer(cookieRequest("GET", "", nil), valid), wantStatus: 200, wantUser: "123"},
		{name: "header wins over the cookie", r: bearer(cookieRequest("GET", other, nil), valid), wantStatus: 200, wantUser: "123"},
		{name: "header with extra spaces wins", r: func() *http.Request {
			r := cookieRequest("GET", other, nil)
			r.Header.Set("Authorization", "Bearer   "+valid)
			return r
		}(), wantStatus: 200, wantUser: "123"},
		{name: "bad header, no fallback to the cookie", r: bearer(cookieRequest("GET", valid, nil), "garbage"), wantStatus: 401, wantCode: "invalid_token"},
		{name: "malformed header, no fallback", r: func() *http.Request {
			r := cookieRequest("GET", valid, nil)
			r.Header.Set("Authorization", "Bearer a b")
			return r
		}(), wantStatus: 400, wantCode: "invalid_request"},
		{name: "another scheme, then the cookie", r: func() *http.Request {
			r := cookieRequest("GET", valid, nil)
			r.Header.Set("Authorization", "Basic YTpi")
			return r
		}(), wantStatus: 200, wantUser: "123", wantCookie: true},
		{name: "two cookies", r: func() *http.Request {
			r := cookieRequest("GET", valid, nil)
			r.AddCookie(&http.Cookie{Name: "session", Value: other})
			return r
		}(), wantStatus: 400, wantCode: "invalid_request"},
		{name: "invalid cookie", r: cookieRequest("GET", "garbage", nil), wantStatus: 401, wantCode: "invalid_token"},
		{name: "no credentials", r: cookieRequest("GET", "", nil), wantStatus: 401},
		{name: "other cookies only", r: func() *http.Request {
			r := cookieRequest("GET", "", nil)
			r.AddCookie(&http.Cookie{Name: "theme", Value: "dark"})
			return r
		}(), wantStatus: 401},

		// Cross-origin protection of cookie-authenticated unsafe requests.
		{name: "POST cross-site", r: cookieRequest("POST", valid, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}), wantStatus: 403, wantCode: "cross_origin_request"},
		{name: "DELETE same-site but cross-origin", r: cookieRequest("DELETE", valid, map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://other.api.example"}), wantStatus: 403, wantCode: "cross_origin_request"},
		{name: "POST cross-site with an invalid token", r: cookieRequest("POST", "garbage", map[string]string{"Sec-Fetch-Site": "cross-site"}), wantStatus: 403, wantCode: "cross_origin_request"},
		{name: "POST Origin mismatch, no Sec-Fetch-Site", r: cookieRequest("POST", valid, map[string]string{"Origin": "https://evil.example"}), wantStatus: 403, wantCode: "cross_origin_request"},
		{name: "POST same-origin", r: cookieRequest("POST", valid, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://api.example"}), wantStatus: 200, wantUser: "123", wantCookie: true},
		{name: "POST Origin matches Host, no Sec-Fetch-Site", r: cookieRequest("POST", valid, map[string]string{"Origin": "https://api.example"}), wantStatus: 200, wantUser: "123", wantCookie: true},
		{name: "POST user-initiated (Sec-Fetch-Site none)", r: cookieRequest("POST", valid, map[string]string{"Sec-Fetch-Site": "none"}), wantStatus: 200, wantUser: "123", wantCookie: true},
		{name: "POST from a non-browser client", r: cookieRequest("POST", valid, nil), wantStatus: 200, wantUser: "123", wantCookie: true},
		{name: "POST from a trusted origin", r: cookieRequest("POST", valid, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example"}), wantStatus: 200, wantUser: "123", wantCookie: true},
		{name: "GET cross-site is safe", r: cookieRequest("GET", valid, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}), wantStatus: 200, wantUser: "123", wantCookie: true},
		{name: "POST cross-site with a header token", r: bearer(cookieRequest("POST", "", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}), valid), wantStatus: 200, wantUser: "123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.wantStatus != 200 {
					t.Fatal("got handler called, want the request refused")
				}
				if got, _ := middleware.UserIDFromContext(r.Context()); got != tt.wantUser {
					t.Errorf("got user %q, want %q", got, tt.wantUser)
				}
				if got, ok := middleware.CookieFromContext(r.Context()); ok != tt.wantCookie || ok && got != cookie {
					t.Errorf("got CookieFromContext %p, %v; want the cookie: %v", got, ok, tt.wantCookie)
				}
			}))
			res, body := serve(h, tt.r)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d (body %q)", res.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus == 200 {
				return
			}
			if e := decodeError(t, body); tt.wantCode != "" && e.Error != tt.wantCode {
				t.Errorf("got error %q, want %q", e.Error, tt.wantCode)
			}
			got := res.Header.Values("WWW-Authenticate")
			if tt.wantCode == "cross_origin_request" {
				if len(got) != 0 {
					t.Errorf("got WWW-Authenticate %q on a cross-origin refusal, want none", got)
				}
			} else {
				want := 1 // the Bearer challenge, and a DPoP one on 401
				if res.StatusCode == http.StatusUnauthorized {
					want = 2
				}
				if len(got) != want || !strings.HasPrefix(got[0], "Bearer ") {
					t.Errorf("got WWW-Authenticate %q, want the Bearer challenge first, %d in all", got, want)
				}
			}
		})
	}
}

func TestAuthenticateCookieOptional(t *testing.T) {
	f := newFixture(t)
	auth := mustAuthenticate(t, f.m, middleware.Options{Cookie: mustCookie(t, "session", middleware.CookieOptions{}), Optional: true})
	t.Run("anonymous", func(t *testing.T) {
		called := false
		res, _ := serve(auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			called = true
			if _, ok := middleware.CookieFromContext(r.Context()); ok {
				t.Error("got a cookie for an anonymous request, want none")
			}
		})), cookieRequest("POST", "", map[string]string{"Sec-Fetch-Site": "cross-site"}))
		if res.StatusCode != 200 || !called {
			t.Errorf("got status %d, called %v; want 200, called", res.StatusCode, called)
		}
	})
	t.Run("cross-site cookie still refused", func(t *testing.T) {
		res, _ := serve(auth(mustNotRun(t)), cookieRequest("POST", f.issue(t, "1").Value, map[string]string{"Sec-Fetch-Site": "cross-site"}))
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("got status %d, want 403", res.StatusCode)
		}
	})
}

// TestAuthenticateCookieWithQuery: with a query parameter too, the
// cookie is read when neither the header nor the parameter has a token.
func TestAuthenticateCookieWithQuery(t *testing.T) {
	f := newFixture(t)
	valid := f.issue(t, "123").Value
	other := f.issue(t, "456").Value
	auth := mustAuthenticate(t, f.m, middleware.Options{QueryParameter: "access_token", Cookie: mustCookie(t, "session", middleware.CookieOptions{})})
	tests := []struct {
		name       string
		r          *http.Request
		wantUser   string
		wantCookie bool
	}{
		{"query", httptest.NewRequest("GET", "/?access_token="+valid, nil), "123", false},
		{"query wins over the cookie", func() *http.Request {
			r := httptest.NewRequest("GET", "/?access_token="+valid, nil)
			r.AddCookie(&http.Cookie{Name: "session", Value: other})
			return r
		}(), "123", false},
		{"cookie", cookieRequest("GET", valid, nil), "123", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			res, _ := serve(auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				if got, _ := middleware.UserIDFromContext(r.Context()); got != tt.wantUser {
					t.Errorf("got user %q, want %q", got, tt.wantUser)
				}
				if _, ok := middleware.CookieFromContext(r.Context()); ok != tt.wantCookie {
					t.Errorf("got the token from the cookie %v, want %v", ok, tt.wantCookie)
				}
			})), tt.r)
			if res.StatusCode != 200 || !called {
				t.Errorf("got status %d, called %v; want 200, called", res.StatusCode, called)
			}
		})
	}
}

// TestRenewCookieTransport: a token that came in the cookie is renewed in
// the cookie, never in a header; a header token in the header.
func TestRenewCookieTransport(t *testing.T) {
	f := newFixture(t)
	cookie := mustCookie(t, "session", middleware.CookieOptions{ExpiryCookie: "session_exp"})
	h := authRenewChain(t, f.m, middleware.Options{Cookie: cookie})
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)

	t.Run("cookie", func(t *testing.T) {
		res, _ := serve(h.Then(noop), cookieRequest("GET", tok.Value, nil))
		if res.StatusCode != 200 {
			t.Fatalf("got status %d, want 200", res.StatusCode)
		}
		for _, name := range []string{defaultRenewHeader, "Access-Control-Expose-Headers"} {
			if got := res.Header.Get(name); got != "" {
				t.Errorf("got %s %q on the cookie transport, want none: scripts must not see the token", name, got)
			}
		}
		var renewed, hint *http.Cookie
		for _, c := range res.Cookies() {
			switch c.Name {
			case "session":
				renewed = c
			case "session_exp":
				hint = c
			}
		}
		if renewed == nil || hint == nil {
			t.Fatalf("got cookies %v, want session and session_exp re-set", res.Cookies())
		}
		claims, err := f.m.Verify(context.Background(), renewed.Value)
		if err != nil {
			t.Fatalf("renewed cookie token: %v", err)
		}
		if claims.SessionID != tok.Claims.SessionID || claims.TokenID == tok.Claims.TokenID {
			t.Errorf("got sid %q jti %q, want the same session and a new token", claims.SessionID, claims.TokenID)
		}
		if renewed.MaxAge != 1800 || !renewed.HttpOnly || !renewed.Secure || renewed.SameSite != http.SameSiteLaxMode || renewed.Path != "/" {
			t.Errorf("got cookie %+v, want Max-Age 1800, HttpOnly, Secure, SameSite=Lax, Path /", renewed)
		}
		if hint.HttpOnly || hint.Value != itoa(claims.ExpiresAt.Unix()) {
			t.Errorf("got expiry cookie %+v, want a readable cookie holding %d", hint, claims.ExpiresAt.Unix())
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("got Cache-Control %q, want no-store", got)
		}
	})
	t.Run("header", func(t *testing.T) {
		res, _ := serve(h.Then(noop), bearer(httptest.NewRequest("GET", "/", nil), tok.Value))
		if res.Header.Get(defaultRenewHeader) == "" {
			t.Error("got no renewed token header on the header transport, want one")
		}
		if got := res.Header.Values("Set-Cookie"); len(got) != 0 {
			t.Errorf("got Set-Cookie %q on the header transport, want none", got)
		}
	})
	t.Run("error response", func(t *testing.T) {
		res, _ := serve(h.ThenFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}), cookieRequest("GET", tok.Value, nil))
		if got := res.Header.Values("Set-Cookie"); len(got) != 0 {
			t.Errorf("got Set-Cookie %q on a 500, want none", got)
		}
	})
}

// TestCookieSessionThroughServer runs a browser-like session over a real
// loopback server with a cookie jar: login sets the cookie, a request near
// expiry slides it, logout clears it and the old token stops working.
func TestCookieSessionThroughServer(t *testing.T) {
	f := newFixture(t)
	cookie := mustCookie(t, "session", middleware.CookieOptions{Insecure: true})
	a := mustNew(t, f.m, middleware.Options{Cookie: cookie})
	auth, renew := a.Authenticate, a.Renew
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		tok, err := f.m.Issue(r.Context(), "123", nil)
		if err != nil {
			t.Error(err)
			return
		}
		cookie.Set(w, r, tok)
	})
	mux.Handle("GET /me", alice.New(auth, renew).ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.UserIDFromContext(r.Context())
		w.Write([]byte(id))
	}))
	mux.Handle("POST /logout", alice.New(auth).ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := middleware.ClaimsFromContext(r.Context())
		if err := f.m.Revoke(r.Context(), c); err != nil {
			t.Error(err)
		}
		cookie.Clear(w, r)
		w.WriteHeader(http.StatusNoContent)
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	u, _ := url.Parse(srv.URL)
	current := func() string {
		for _, c := range jar.Cookies(u) {
			if c.Name == "session" {
				return c.Value
			}
		}
		return ""
	}
	do := func(method, path string, want int) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("%s %s: got status %d, want %d", method, path, res.StatusCode, want)
		}
	}

	do("POST", "/login", 200)
	first := current()
	if first == "" {
		t.Fatal("got no session cookie after login, want one")
	}
	do("GET", "/me", 200)
	if current() != first {
		t.Error("got the cookie replaced far from expiry, want it kept")
	}
	f.clock.Advance(nearExpiryAge)
	do("GET", "/me", 200)
	second := current()
	if second == "" || second == first {
		t.Fatal("got the cookie unchanged near expiry, want it renewed")
	}
	f.clock.Advance(nearExpiryAge) // past the first token's expiry
	do("GET", "/me", 200)
	do("POST", "/logout", http.StatusNoContent)
	if got := current(); got != "" {
		t.Errorf("got cookie %q after logout, want it cleared", got)
	}
	do("GET", "/me", http.StatusUnauthorized)
	// The token itself is revoked too, not only forgotten by the jar.
	r := cookieRequest("GET", second, nil)
	if res, _ := serve(auth(mustNotRun(t)), r); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("got status %d for the logged-out token, want 401", res.StatusCode)
	}
}

func TestCookieFromContext(t *testing.T) {
	f := newFixture(t)
	cookie := mustCookie(t, "session", middleware.CookieOptions{})
	var got *middleware.Cookie
	var gotOK bool
	auth := mustAuthenticate(t, f.m, middleware.Options{Cookie: cookie})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotOK = middleware.CookieFromContext(r.Context())
	}))
	serve(auth, cookieRequest("GET", f.issue(t, "1").Value, nil))
	if !gotOK || got != cookie {
		t.Fatalf("got %p, %v after a cookie authentication; want %p, true", got, gotOK, cookie)
	}
	tests := []struct {
		name string
		ctx  context.Context
	}{
		{"empty", context.Background()},
		{"NewContext", middleware.NewContext(context.Background(), &session.Claims{UserID: "1"})},
		{"nil claims", middleware.NewContext(context.Background(), nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := middleware.CookieFromContext(tt.ctx); got != nil || ok {
				t.Errorf("got %p, %v; want nil, false", got, ok)
			}
		})
	}
}

func TestCookieCheck(t *testing.T) {
	c := mustCookie(t, "session", middleware.CookieOptions{})
	if err := c.Check(cookieRequest("POST", "", map[string]string{"Sec-Fetch-Site": "cross-site"})); err == nil {
		t.Error("got no error for a cross-site POST, want one")
	}
	if err := c.Check(cookieRequest("POST", "", map[string]string{"Sec-Fetch-Site": "same-origin"})); err != nil {
		t.Errorf("got %v for a same-origin POST, want nil", err)
	}
}

// BenchmarkAuthenticateCookie is Authenticate on a valid HS256 token in
// the cookie (compare BenchmarkAuthenticate/HS256, the header): the cost
// of parsing the Cookie header, the cross-origin check, and recording the
// transport.
func BenchmarkAuthenticateCookie(b *testing.B) {
	alg := benchAlgs(b)[0] // HS256
	m := benchManager(b, alg.key, session.Options{VerifiedTokenCache: -1})
	auth := mustAuthenticate(b, m, middleware.Options{Cookie: mustCookie(b, "session", middleware.CookieOptions{})})
	tok := benchToken(b, alg.key, benchNow)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		b.Run(method, func(b *testing.B) {
			req := cookieRequest(method, tok, map[string]string{"Sec-Fetch-Site": "same-origin"})
			serveLoop(b, auth(noop), req, "")
		})
	}
}

// TestCookieAttributesIgnoreHost: the cookie's attributes are the
// application's choice, never the request's. Behind a reverse proxy that
// forwards to 127.0.0.1 (and sends that as the Host), and for any Host a
// client sends, the Set-Cookie is the same: Secure unless the application
// chose CookieOptions.Insecure.
func TestCookieAttributesIgnoreHost(t *testing.T) {
	tests := []struct {
		name       string
		insecure   bool
		wantSecure bool
	}{
		{name: "default", wantSecure: true},
		{name: "Insecure", insecure: true, wantSecure: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			cookie := mustCookie(t, "session", middleware.CookieOptions{Insecure: tt.insecure, ExpiryCookie: "session_exp"})
			backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tok, err := f.m.Issue(r.Context(), "123", nil)
				if err != nil {
					t.Error(err)
					return
				}
				cookie.Set(w, r, tok)
				w.WriteHeader(http.StatusNoContent)
			}))
			defer backend.Close()
			target, err := url.Parse(backend.URL)
			if err != nil {
				t.Fatal(err)
			}
			// The proxy sends the backend's own address as the Host, as
			// nginx's proxy_pass does by default.
			proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }})
			defer proxy.Close()
			client := &http.Client{Timeout: 10 * time.Second}
			routes := []struct{ name, url, host string }{
				{"direct, public Host", backend.URL, "app.example"},
				{"direct, localhost", backend.URL, "localhost"},
				{"through the proxy", proxy.URL, "app.example"},
			}
			for _, route := range routes {
				req, err := http.NewRequest(http.MethodPost, route.url+"/login", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Host = route.host
				res, err := client.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", route.name, err)
				}
				res.Body.Close()
				cookies := res.Cookies()
				if len(cookies) != 2 {
					t.Fatalf("%s: got cookies %v, want the session and expiry cookies", route.name, cookies)
				}
				for _, c := range cookies {
					if c.Secure != tt.wantSecure {
						t.Errorf("%s: got cookie %s with Secure %v, want %v whatever the Host", route.name, c.Name, c.Secure, tt.wantSecure)
					}
				}
			}
		})
	}
}
