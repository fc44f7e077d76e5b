package sessiontest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/sessiontest"
)

func TestToken(t *testing.T) {
	env := sessiontest.New(t, session.Options{TTL: 10 * time.Minute})
	start := sessiontest.Start()
	tests := []struct {
		name    string
		opts    []sessiontest.TokenOption
		wantExp time.Time
		wantErr error
	}{
		{name: "default TTL", wantExp: start.Add(10 * time.Minute)},
		{name: "longer", opts: []sessiontest.TokenOption{sessiontest.ExpiresIn(2 * time.Hour)}, wantExp: start.Add(2 * time.Hour)},
		{name: "one second", opts: []sessiontest.TokenOption{sessiontest.ExpiresIn(time.Second)}, wantExp: start.Add(time.Second)},
		{name: "expires now", opts: []sessiontest.TokenOption{sessiontest.ExpiresIn(0)}, wantExp: start, wantErr: session.ErrExpired},
		{name: "expired a minute ago", opts: []sessiontest.TokenOption{sessiontest.ExpiresIn(-time.Minute)}, wantExp: start.Add(-time.Minute), wantErr: session.ErrExpired},
		{name: "with claims", opts: []sessiontest.TokenOption{sessiontest.WithClaims(map[string]any{"scope": "read"})}, wantExp: start.Add(10 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := env.Token("123", tt.opts...)
			if !tok.Claims.ExpiresAt.Equal(tt.wantExp) {
				t.Errorf("got exp %v, want %v", tok.Claims.ExpiresAt, tt.wantExp)
			}
			c, err := env.Manager.Verify(context.Background(), tok.Value)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("got Verify error %v, want %v", err, tt.wantErr)
			}
			if err == nil && (c.UserID != "123" || !c.Renewable()) {
				t.Errorf("got claims %+v, want user 123 with a session", c)
			}
		})
	}
	t.Run("claims kept", func(t *testing.T) {
		c := env.Claims("7", sessiontest.WithClaims(map[string]any{"scope": "read write"}))
		if !middleware.HasScope(c, "write") {
			scope, _ := c.Claim("scope")
			t.Errorf("got scope %s, want scope write", scope)
		}
	})
}

func TestTamper(t *testing.T) {
	env := sessiontest.New(t)
	tok := env.Token("123").Value
	bad := sessiontest.Tamper(tok)
	if bad == tok || len(bad) != len(tok) || strings.Count(bad, ".") != 2 {
		t.Fatalf("got %q, want the token with one character changed", bad)
	}
	if _, err := env.Manager.Verify(context.Background(), bad); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("got %v, want ErrInvalid", err)
	}
	if got := sessiontest.Tamper(bad); got == bad {
		t.Error("got the same string from Tamper twice, want a change each time")
	}
	for _, s := range []string{"", "x", "a.b."} {
		if got := sessiontest.Tamper(s); got == s {
			t.Errorf("Tamper(%q): got it unchanged", s)
		}
	}
}

func TestClockAndRenewal(t *testing.T) {
	env := sessiontest.New(t, session.Options{TTL: 30 * time.Minute, RenewWithin: 10 * time.Minute})
	c := env.Claims("123")
	if env.Manager.ShouldRenew(c) {
		t.Fatal("got a fresh token due for renewal, want not")
	}
	env.Clock.Advance(25 * time.Minute)
	if !env.Manager.ShouldRenew(c) {
		t.Error("got no renewal 5 minutes before expiry, want one")
	}
	env.Clock.Set(sessiontest.Start().Add(time.Hour))
	if got := env.Clock.Now(); !got.Equal(sessiontest.Start().Add(time.Hour)) {
		t.Errorf("got %v after Set, want %v", got, sessiontest.Start().Add(time.Hour))
	}
}

func TestHandlerAndRequest(t *testing.T) {
	env := sessiontest.New(t)
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := middleware.UserIDFromContext(r.Context())
		if !ok {
			http.Error(w, "no user", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, id)
	})
	rec := httptest.NewRecorder()
	env.Handler(me, "42").ServeHTTP(rec, httptest.NewRequest("GET", "/me", nil))
	if rec.Code != 200 || rec.Body.String() != "42" {
		t.Errorf("Handler: got %d %q, want 200 42", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	me.ServeHTTP(rec, env.Request("GET", "/me", "43"))
	if rec.Code != 200 || rec.Body.String() != "43" {
		t.Errorf("Request: got %d %q, want 200 43", rec.Code, rec.Body.String())
	}
}

func TestThroughMiddleware(t *testing.T) {
	env := sessiontest.New(t)
	auth, err := middleware.New(env.Manager, middleware.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := auth.Authenticate(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tok := env.Token("123").Value
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"valid", tok, 200},
		{"expired", env.Token("123", sessiontest.ExpiresIn(-time.Second)).Value, 401},
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
	env := sessiontest.New(t, session.Options{Issuer: "https://issuer.example", UserIDClaim: "sub"})
	c := env.Claims("alice", sessiontest.ExpiresIn(time.Minute))
	if c.Issuer != "https://issuer.example" || c.UserID != "alice" {
		t.Errorf("got %+v, want the Env's issuer and user id claim", c)
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
		{"bad option", func(tb testing.TB) { sessiontest.New(tb, session.Options{TTL: -time.Second}) }},
		{"bad user id", func(tb testing.TB) { sessiontest.New(tb).Token("") }},
		{"claims of an expired token", func(tb testing.TB) { sessiontest.New(tb).Claims("1", sessiontest.ExpiresIn(-time.Second)) }},
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
