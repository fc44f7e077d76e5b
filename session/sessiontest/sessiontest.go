// Package sessiontest helps applications test their own handlers with
// session tokens, in a few lines and without a network:
//
//	env := sessiontest.New(t)                      // manager, fixed key, settable clock
//	h := env.Handler(myHandler, "123")             // requests arrive authenticated as user 123
//	tok := env.Token("123").Value                  // a valid token, for the whole middleware chain
//	old := env.Token("123", sessiontest.ExpiresIn(-time.Minute)).Value // an expired one
//	bad := sessiontest.Tamper(tok)                 // a tampered one
//	env.Clock.Advance(25 * time.Minute)            // move time instead of sleeping
//
// The key is fixed ([Secret]) and the clock starts at a fixed instant
// ([Start]), so tests are repeatable. Never use this package outside
// tests: everybody knows its secret.
//
// To put claims into a request's context the way the middleware does, this
// package imports package middleware: the one exception to the rule that
// nothing under session depends on the HTTP layer. Package session itself
// never imports middleware.
package sessiontest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// Secret is the fixed HS256 secret of every [Env]. It is public: tokens
// signed with it prove nothing outside tests.
const Secret = "jwtsession/sessiontest: a fixed, public, test-only HS256 secret"

// Key returns the HS256 key over [Secret].
func Key() session.Key { return session.HS256([]byte(Secret)) }

// Start returns the instant every [Env]'s clock starts at:
// 2030-01-01 00:00:00 UTC.
func Start() time.Time { return time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC) }

// Clock is a settable clock for [session.Options.Clock], safe for concurrent
// use. It moves only when told to.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Env is a [session.Manager] with the fixed key [Key] and a [Clock]
// starting at [Start], bound to one test. Its methods fail the test (with
// t.Fatal) when something cannot be done, so call them from the test's
// goroutine.
type Env struct {
	// Manager signs and verifies with [Key] and reads Clock.
	Manager *session.Manager
	// Clock is the Manager's clock.
	Clock *Clock

	t    testing.TB
	opts session.Options
}

// New returns an Env. opts, at most one, configure the Manager as in
// [session.New] (TTL, issuer, store, …); the key and the clock are the
// Env's own, so opts.Clock is ignored.
func New(t testing.TB, opts ...session.Options) *Env {
	t.Helper()
	if len(opts) > 1 {
		t.Fatalf("sessiontest: New takes at most one session.Options; got %d", len(opts))
	}
	var o session.Options
	if len(opts) == 1 {
		o = opts[0]
	}
	clock := NewClock(Start())
	o.Clock = clock.Now
	m, err := session.New(Key(), o)
	if err != nil {
		t.Fatalf("sessiontest: %v", err)
	}
	return &Env{Manager: m, Clock: clock, t: t, opts: o}
}

// TokenOption configures [Env.Token].
type TokenOption func(*tokenConfig)

type tokenConfig struct {
	expiresIn    time.Duration
	expiresInSet bool
	extra        map[string]any
}

// ExpiresIn sets the token's exp to the clock's now plus d, truncated to
// whole seconds. Zero or negative gives a token that has already expired
// (issued one second before its exp). Default: the Manager's TTL, as at a
// real login.
func ExpiresIn(d time.Duration) TokenOption {
	return func(c *tokenConfig) { c.expiresIn, c.expiresInSet = d, true }
}

// WithClaims adds application claims, as the extra argument of
// [session.Manager.Issue] does: for example
// WithClaims(map[string]any{"scope": "orders:read", "role": "admin"}).
// Default: none.
func WithClaims(extra map[string]any) TokenOption {
	return func(c *tokenConfig) { c.extra = extra }
}

// Token mints a token for userID, with a new session as at login. Without
// options it is what [session.Manager.Issue] returns now; [ExpiresIn]
// chooses another expiry, in the past too.
func (e *Env) Token(userID string, opts ...TokenOption) *session.Token {
	e.t.Helper()
	var cfg tokenConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	m := e.Manager
	if cfg.expiresInSet {
		// A manager whose clock stands at the issue time and whose TTL
		// reaches the wanted exp: issued now when the lifetime allows,
		// else one second before exp.
		now := e.Clock.Now()
		ttl, issued := cfg.expiresIn, now
		if ttl < time.Second {
			ttl, issued = time.Second, now.Add(cfg.expiresIn-time.Second)
		}
		opts := e.opts
		opts.Clock = func() time.Time { return issued }
		opts.TTL, opts.RenewWithin = ttl, ttl
		opts.MaxLifetime = max(ttl, e.Manager.MaxLifetime())
		var err error
		if m, err = session.New(Key(), opts); err != nil {
			e.t.Fatalf("sessiontest: %v", err)
		}
	}
	tok, err := m.Issue(context.Background(), userID, cfg.extra)
	if err != nil {
		e.t.Fatalf("sessiontest: issue a token for %q: %v", userID, err)
	}
	return tok
}

// Claims returns the verified claims of a new valid token for userID, as
// [middleware.Auth.Authenticate] would put them into a request's context.
func (e *Env) Claims(userID string, opts ...TokenOption) *session.Claims {
	e.t.Helper()
	tok := e.Token(userID, opts...)
	c, err := e.Manager.Verify(context.Background(), tok.Value)
	if err != nil {
		e.t.Fatalf("sessiontest: the token for %q does not verify (expired?): %v", userID, err)
	}
	return c
}

// Handler wraps h so that every request reaches it authenticated as
// userID: its context carries the verified claims of a token minted now,
// read by [middleware.ClaimsFromContext] and [middleware.UserIDFromContext]
// as in production. Nothing is checked per request; to test the
// middleware itself, send [Env.Token] in an Authorization header.
func (e *Env) Handler(h http.Handler, userID string, opts ...TokenOption) http.Handler {
	e.t.Helper()
	claims := e.Claims(userID, opts...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(middleware.NewContext(r.Context(), claims)))
	})
}

// Request returns an httptest request whose context carries the verified
// claims of a new token for userID, for calling a handler directly.
func (e *Env) Request(method, target, userID string, opts ...TokenOption) *http.Request {
	e.t.Helper()
	r := httptest.NewRequest(method, target, nil)
	return r.WithContext(middleware.NewContext(r.Context(), e.Claims(userID, opts...)))
}

// Tamper returns token with one character of its signature changed, so
// that it keeps the compact form but fails verification (as invalid, not
// expired). A string that is not a three-part token is returned with its
// last character changed.
func Tamper(token string) string {
	if token == "" {
		return "x"
	}
	i := len(token) - 1
	for j := len(token) - 1; j >= 0; j-- {
		if token[j] == '.' {
			if j+1 < len(token) {
				i = j + 1 // the signature's first character: six whole bits
			}
			break
		}
	}
	b := []byte(token)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
