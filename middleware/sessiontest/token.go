package sessiontest

import (
	"context"
	"net/http"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// TokenOption configures [Issuer.Token] and [Issuer.Handler].
type TokenOption func(*tokenConfig)

type tokenConfig struct {
	expiresIn    time.Duration
	expiresInSet bool
	extra        map[string]any
}

// WithExpiresIn sets the token's exp to the clock's now plus d, truncated to
// whole seconds. Zero or negative gives a token that has already expired
// (issued one second before its exp). Default: the Manager's TTL, as at a
// real login.
func WithExpiresIn(d time.Duration) TokenOption {
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
// options it is what the Issuer's Manager issues now; [WithExpiresIn] chooses
// another expiry, in the past too.
func (iss *Issuer) Token(userID string, opts ...TokenOption) *session.Token {
	iss.t.Helper()
	var cfg tokenConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	m := iss.Manager
	if cfg.expiresInSet {
		// A manager whose clock stands at the issue time and whose TTL
		// reaches the wanted exp: issued now when the lifetime allows,
		// else one second before exp.
		now := iss.Now()
		ttl, issued := cfg.expiresIn, now
		if ttl < time.Second {
			ttl, issued = time.Second, now.Add(cfg.expiresIn-time.Second)
		}
		var err error
		if m, err = iss.newManager(func() time.Time { return issued }, ttl); err != nil {
			iss.t.Fatalf("sessiontest: %v", err)
		}
	}
	tok, err := m.Issue(context.Background(), userID, cfg.extra)
	if err != nil {
		iss.t.Fatalf("sessiontest: issue a token for %q: %v", userID, err)
	}
	return tok
}

// Handler wraps h so that every request reaches it authenticated as
// userID: its context carries the verified claims of a token minted now
// (see [Issuer.Token] for opts), read by [middleware.ClaimsFromContext]
// and [middleware.UserIDFromContext] as in production. Nothing is checked
// per request; to test the middleware as well, send [Issuer.Token] in an
// Authorization header instead.
func (iss *Issuer) Handler(h http.Handler, userID string, opts ...TokenOption) http.Handler {
	iss.t.Helper()
	tok := iss.Token(userID, opts...)
	claims, err := iss.Manager.Verify(context.Background(), tok.Value)
	if err != nil {
		iss.t.Fatalf("sessiontest: the token for %q does not verify (expired?): %v", userID, err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(middleware.NewContext(r.Context(), claims)))
	})
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
