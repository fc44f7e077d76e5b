package sessiontest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// asymmetric are the algorithms whose keys an Issuer publishes.
var asymmetric = []string{"ES256", "EdDSA", "RS256", "PS256"}

// newVerifier returns the Manager of a resource server that verifies iss's
// tokens from its published key set, on iss's clock.
func newVerifier(t *testing.T, iss *sessiontest.Issuer) *session.Manager {
	t.Helper()
	remote, err := jwks.NewRemote(iss.JWKSURL(), jwks.RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remote.Close)
	m, err := session.New(remote, session.Options{Clock: iss.Now})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestToken(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "HS256", session.Options{TTL: 10 * time.Minute})
	start := iss.Now()
	tests := []struct {
		name    string
		opts    []sessiontest.TokenOption
		wantExp time.Time
		wantErr error
	}{
		{name: "default TTL", wantExp: start.Add(10 * time.Minute)},
		{name: "longer", opts: []sessiontest.TokenOption{sessiontest.WithExpiresIn(2 * time.Hour)}, wantExp: start.Add(2 * time.Hour)},
		{name: "one second", opts: []sessiontest.TokenOption{sessiontest.WithExpiresIn(time.Second)}, wantExp: start.Add(time.Second)},
		{name: "expires now", opts: []sessiontest.TokenOption{sessiontest.WithExpiresIn(0)}, wantExp: start, wantErr: session.ErrExpired},
		{name: "expired a minute ago", opts: []sessiontest.TokenOption{sessiontest.WithExpiresIn(-time.Minute)}, wantExp: start.Add(-time.Minute), wantErr: session.ErrExpired},
		{name: "with claims", opts: []sessiontest.TokenOption{sessiontest.WithClaims(map[string]any{"scope": "read"})}, wantExp: start.Add(10 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := iss.Token("123", tt.opts...)
			if !tok.Claims.ExpiresAt.Equal(tt.wantExp) {
				t.Errorf("got exp %v, want %v", tok.Claims.ExpiresAt, tt.wantExp)
			}
			c, err := iss.Manager.Verify(context.Background(), tok.Value)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("got Verify error %v, want %v", err, tt.wantErr)
			}
			if err == nil && (c.UserID != "123" || !c.Renewable()) {
				t.Errorf("got claims %+v, want user 123 with a session", c)
			}
		})
	}
	t.Run("claims kept", func(t *testing.T) {
		tok := iss.Token("7", sessiontest.WithClaims(map[string]any{"scope": "read write"}))
		c, err := iss.Manager.Verify(context.Background(), tok.Value)
		if err != nil {
			t.Fatal(err)
		}
		if !middleware.HasScope(c, "write") {
			scope, _ := c.Claim("scope")
			t.Errorf("got scope %s, want scope write", scope)
		}
	})
}

// TestAlgorithms: each algorithm signs with its own key, a new one for
// every Issuer, pinned to that algorithm, under its thumbprint as kid.
func TestAlgorithms(t *testing.T) {
	for _, alg := range append([]string{"HS256"}, asymmetric...) {
		t.Run(alg, func(t *testing.T) {
			iss := sessiontest.NewIssuer(t, alg, session.Options{})
			tok := iss.Token("123")
			header, _, _ := strings.Cut(tok.Value, ".")
			var h struct{ Alg, Kid string }
			if err := decodeSegment(header, &h); err != nil {
				t.Fatal(err)
			}
			if h.Alg != alg {
				t.Errorf("got alg %q, want %q", h.Alg, alg)
			}
			if alg == "HS256" {
				if h.Kid != "" {
					t.Errorf("got kid %q, want none", h.Kid)
				}
				// Signed with the published Secret.
				signed, sig, _ := strings.Cut(tok.Value[len(header)+1:], ".")
				mac := hmac.New(sha256.New, []byte(sessiontest.Secret))
				io.WriteString(mac, header+"."+signed)
				if want := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)); sig != want {
					t.Errorf("got signature %q, want HMAC-SHA256 with Secret %q", sig, want)
				}
				return
			}
			other := sessiontest.NewIssuer(t, alg, session.Options{})
			if o := other.Token("123"); strings.HasPrefix(o.Value, header+".") {
				t.Errorf("got the same header (kid %q) from two Issuers, want a key each", h.Kid)
			}
			// The kid is the thumbprint of the published key.
			remote, err := jwks.NewRemote(iss.JWKSURL(), jwks.RemoteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer remote.Close()
			k, err := remote.VerificationKey(context.Background(), "", h.Kid)
			if err != nil {
				t.Fatalf("got %v for the token's kid %q, want the published key", err, h.Kid)
			}
			if thumb, err := jwks.Thumbprint(k); err != nil || thumb != h.Kid || k.Algorithm() != alg {
				t.Errorf("got key %v with thumbprint %q (%v), want %s under kid %q", k, thumb, err, alg, h.Kid)
			}
		})
	}
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// TestThroughJWKS: a resource server verifies an Issuer's tokens from its
// published key set, as in production, and shares its clock.
func TestThroughJWKS(t *testing.T) {
	for _, alg := range asymmetric {
		t.Run(alg, func(t *testing.T) {
			iss := sessiontest.NewIssuer(t, alg, session.Options{TTL: 30 * time.Minute})
			stranger := sessiontest.NewIssuer(t, alg, session.Options{})
			auth, err := middleware.New(newVerifier(t, iss), middleware.Options{})
			if err != nil {
				t.Fatal(err)
			}
			h := auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id, _ := middleware.UserIDFromContext(r.Context())
				io.WriteString(w, id)
			}))
			valid := iss.Token("123").Value
			tests := []struct {
				name    string
				advance time.Duration
				token   string
				want    int
				wantErr string
			}{
				{name: "valid", token: valid, want: 200},
				{name: "expired", token: iss.Token("123", sessiontest.WithExpiresIn(-time.Second)).Value, want: 401, wantErr: "token expired"},
				{name: "tampered", token: sessiontest.Tamper(valid), want: 401, wantErr: "token invalid"},
				{name: "another issuer's key", token: stranger.Token("123").Value, want: 401, wantErr: "token invalid"},
				{name: "29 minutes later", advance: 29 * time.Minute, token: valid, want: 200},
				{name: "31 minutes later", advance: 2 * time.Minute, token: valid, want: 401, wantErr: "token expired"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					iss.Advance(tt.advance)
					r := httptest.NewRequest("GET", "/", nil)
					r.Header.Set("Authorization", "Bearer "+tt.token)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, r)
					if rec.Code != tt.want {
						t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, tt.want)
					}
					if tt.want == 200 && rec.Body.String() != "123" {
						t.Errorf("got body %q, want 123", rec.Body)
					}
					if got := rec.Header().Get("WWW-Authenticate"); !strings.Contains(got, tt.wantErr) {
						t.Errorf("got WWW-Authenticate %q, want %q in it", got, tt.wantErr)
					}
				})
			}
		})
	}
}

func TestJWKSURL(t *testing.T) {
	var u string
	t.Run("served", func(t *testing.T) {
		iss := sessiontest.NewIssuer(t, "ES256", session.Options{})
		u = iss.JWKSURL()
		if again := iss.JWKSURL(); again != u {
			t.Errorf("got %q then %q, want one URL", u, again)
		}
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		if ip := net.ParseIP(pu.Hostname()); pu.Scheme != "http" || ip == nil || !ip.IsLoopback() || pu.Path != "/.well-known/jwks.json" {
			t.Errorf("got %q, want http on a loopback address at /.well-known/jwks.json", u)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var set struct {
			Keys []struct{ Kty, Kid, Alg, D string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "application/jwk-set+json" {
			t.Errorf("got %d %q, want 200 application/jwk-set+json", resp.StatusCode, ct)
		}
		if len(set.Keys) != 1 || set.Keys[0].Kty != "EC" || set.Keys[0].Alg != "ES256" || set.Keys[0].Kid == "" || set.Keys[0].D != "" {
			t.Errorf("got keys %+v, want one public ES256 key with a kid", set.Keys)
		}
	})
	// The server closed when the test ended.
	client := &http.Client{Timeout: 5 * time.Second}
	if resp, err := client.Get(u); err == nil {
		resp.Body.Close()
		t.Errorf("got %s from %s after its test ended, want the server closed", resp.Status, u)
	}
}

func TestTamper(t *testing.T) {
	for _, alg := range append([]string{"HS256"}, asymmetric...) {
		t.Run(alg, func(t *testing.T) {
			iss := sessiontest.NewIssuer(t, alg, session.Options{})
			tok := iss.Token("123").Value
			bad := sessiontest.Tamper(tok)
			if bad == tok || len(bad) != len(tok) || strings.Count(bad, ".") != 2 {
				t.Fatalf("got %q, want the token with one character changed", bad)
			}
			if _, err := iss.Manager.Verify(context.Background(), bad); !errors.Is(err, session.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
			if got := sessiontest.Tamper(bad); got == bad {
				t.Error("got the same string from Tamper twice, want a change each time")
			}
		})
	}
	for _, s := range []string{"", "x", "a.b."} {
		if got := sessiontest.Tamper(s); got == s {
			t.Errorf("Tamper(%q): got it unchanged", s)
		}
	}
}

func TestClockAndRenewal(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "HS256", session.Options{TTL: 30 * time.Minute, RenewWithin: 10 * time.Minute})
	start := iss.Now()
	if wall := time.Now(); start.After(wall) || wall.Sub(start) > time.Minute || start.Nanosecond() != 0 {
		t.Errorf("got the clock at %v, want the current time %v truncated to the second", start, wall)
	}
	c, err := iss.Manager.Verify(context.Background(), iss.Token("123").Value)
	if err != nil {
		t.Fatal(err)
	}
	if iss.Manager.ShouldRenew(c) {
		t.Fatal("got a fresh token due for renewal, want not")
	}
	iss.Advance(25 * time.Minute)
	if !iss.Manager.ShouldRenew(c) {
		t.Error("got no renewal 5 minutes before expiry, want one")
	}
	iss.Advance(-time.Hour)
	if got, want := iss.Now(), start.Add(-35*time.Minute); !got.Equal(want) {
		t.Errorf("got %v after moving back, want %v", got, want)
	}
}

// TestClockConcurrent: the clock may be read by servers while the test
// moves it (run with -race).
func TestClockConcurrent(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "HS256", session.Options{})
	start := iss.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				iss.Advance(time.Second)
				iss.Now()
			}
		})
	}
	wg.Wait()
	if got, want := iss.Now(), start.Add(400*time.Second); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestHandler(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "EdDSA", session.Options{})
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := middleware.ClaimsFromContext(r.Context())
		if !ok {
			http.Error(w, "no user", http.StatusUnauthorized)
			return
		}
		scope, _ := c.Claim("scope")
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", c.UserID, scope, body)
	})
	tests := []struct {
		name string
		h    http.Handler
		req  *http.Request
		want string
	}{
		{"GET", iss.Handler(echo, "42"), httptest.NewRequest("GET", "/me", nil), "42  "},
		{"POST with claims", iss.Handler(echo, "43", sessiontest.WithClaims(map[string]any{"scope": "orders:write"})),
			httptest.NewRequest("POST", "/orders", strings.NewReader("order")), `43 "orders:write" order`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.h.ServeHTTP(rec, tt.req)
			if rec.Code != 200 || rec.Body.String() != tt.want {
				t.Errorf("got %d %q, want 200 %q", rec.Code, rec.Body, tt.want)
			}
		})
	}
	rec := httptest.NewRecorder()
	echo.ServeHTTP(rec, httptest.NewRequest("GET", "/me", nil))
	if rec.Code != 401 {
		t.Errorf("got %d without Handler, want 401", rec.Code)
	}
}

func TestThroughMiddleware(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "HS256", session.Options{})
	auth, err := middleware.New(iss.Manager, middleware.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := auth.Authenticate(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tok := iss.Token("123").Value
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"valid", tok, 200},
		{"expired", iss.Token("123", sessiontest.WithExpiresIn(-time.Second)).Value, 401},
		{"tampered", sessiontest.Tamper(tok), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tt.token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.want {
				t.Errorf("got %d, want %d", rec.Code, tt.want)
			}
		})
	}
}

func TestOptionsKept(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "ES256", session.Options{Issuer: "https://issuer.example", UserIDClaim: "sub"})
	for _, tok := range []*session.Token{iss.Token("alice"), iss.Token("alice", sessiontest.WithExpiresIn(time.Minute))} {
		c, err := iss.Manager.Verify(context.Background(), tok.Value)
		if err != nil {
			t.Fatal(err)
		}
		if c.Issuer != "https://issuer.example" || c.UserID != "alice" {
			t.Errorf("got %+v, want the Issuer's iss and user id claim", c)
		}
	}
}

// fatalTB records Fatalf instead of stopping the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

// TestFailsTheTest: what cannot be done fails the test through its
// testing.TB.
func TestFailsTheTest(t *testing.T) {
	tests := []struct {
		name string
		run  func(tb testing.TB)
	}{
		{"bad option", func(tb testing.TB) { sessiontest.NewIssuer(tb, "HS256", session.Options{TTL: -time.Second}) }},
		{"unknown algorithm", func(tb testing.TB) { sessiontest.NewIssuer(tb, "ES384", session.Options{}) }},
		{"no algorithm", func(tb testing.TB) { sessiontest.NewIssuer(tb, "", session.Options{}) }},
		{"bad user id", func(tb testing.TB) { sessiontest.NewIssuer(tb, "HS256", session.Options{}).Token("") }},
		{"bad claim", func(tb testing.TB) {
			sessiontest.NewIssuer(tb, "HS256", session.Options{}).Token("1", sessiontest.WithClaims(map[string]any{"exp": 1}))
		}},
		{"handler with an expired token", func(tb testing.TB) {
			sessiontest.NewIssuer(tb, "HS256", session.Options{}).Handler(http.NotFoundHandler(), "1", sessiontest.WithExpiresIn(-time.Second))
		}},
		{"HS256 key set", func(tb testing.TB) { sessiontest.NewIssuer(tb, "HS256", session.Options{}).JWKSURL() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fatalTB{TB: t}
			defer func() {
				if recover() != fake || !strings.HasPrefix(fake.msg, "sessiontest: ") {
					t.Errorf("got message %q, want the test failed with a sessiontest message", fake.msg)
				}
			}()
			tt.run(fake)
		})
	}
}
