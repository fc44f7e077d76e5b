package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/jwtsession/jwtsession/session"
)

// Verifier verifies a token and returns its claims. [*session.Manager]
// implements it. Errors should wrap the session sentinels
// ([session.ErrUnavailable] for server-side faults); any other error is
// answered as an invalid token.
type Verifier interface {
	Verify(ctx context.Context, token string) (*session.Claims, error)
}

// Authenticate returns middleware that extracts the token, verifies it with
// v, and calls the next handler with the verified claims in the request
// context (read them with [ClaimsFromContext] or [UserIDFromContext]).
//
// It fails closed. A request without a token gets 401 with
// WWW-Authenticate: Bearer realm="..." and no error code; a malformed
// request 400 invalid_request; a bad, expired or revoked token 401
// invalid_token; a server-side fault (keys or revocation store
// unavailable) 503 with Retry-After. The next handler is never called after
// a failure. The query string is never read unless [WithExtractor] asks
// for it, and cookies only with [WithCookie], which also protects
// cookie-authenticated requests against cross-site request forgery.
// [WithHooks] observes every outcome. Every request it passes on,
// including an anonymous one in optional mode, carries a mark in its
// context that [Renew] checks.
//
// The result is a func(http.Handler) http.Handler, so it chains with
// github.com/justinas/alice and any router's Use.
func Authenticate(v Verifier, opts ...Option) (func(http.Handler) http.Handler, error) {
	if m, ok := v.(*session.Manager); v == nil || ok && m == nil {
		return nil, errors.New("middleware: Authenticate needs a Verifier such as *session.Manager; got nil")
	}
	cfg := authConfig{
		realm:      DefaultRealm,
		onError:    WriteError,
		retryAfter: DefaultRetryAfter,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	headerOnly := cfg.extract == nil && !cfg.nilExtractor
	if headerOnly {
		cfg.extract = FromAuthorizationHeader
	}
	// The fast path relies on session.Manager admitting only base64url
	// characters and dots in a token that verifies.
	_, isManager := v.(*session.Manager)
	switch {
	case !validRealm(cfg.realm):
		return nil, fmt.Errorf("middleware: realm %q must be non-empty printable ASCII without '\"' or '\\'", cfg.realm)
	case cfg.nilExtractor:
		return nil, errors.New("middleware: extractor is nil")
	case cfg.onError == nil:
		return nil, errors.New("middleware: error handler is nil")
	case cfg.retryAfter < 0:
		return nil, fmt.Errorf("middleware: Retry-After is %v; it must not be negative", cfg.retryAfter)
	case cfg.cookieSet && cfg.cookie == nil:
		return nil, errors.New("middleware: WithCookie needs a *Cookie from NewCookie; got nil")
	}
	a := &authenticator{
		verifier:   v,
		extract:    cfg.extract,
		headerOnly: headerOnly,
		fast:       headerOnly && isManager,
		onError:    cfg.onError,
		optional:   cfg.optional,
		cookie:     cfg.cookie,
		hooks:      cfg.hooks,
		challenges: newChallenges(cfg.realm),
		retryAfter: strconv.FormatInt(int64((cfg.retryAfter+999_999_999)/1_000_000_000), 10),
	}
	return func(next http.Handler) http.Handler {
		return &authHandler{a: a, next: next}
	}, nil
}

// plainBearer returns the token of the common form "Bearer <token>" (one
// Authorization header, the scheme spelled "Bearer", one space) without
// checking its characters. The fast path, taken only with a
// *session.Manager, acts on it only when the token verifies (the Manager
// admits nothing but base64url characters and dots, valid RFC 6750
// syntax) or has valid b64token syntax: in both cases the full extractor
// would have returned the same token.
func plainBearer(r *http.Request) (string, bool) {
	values := r.Header["Authorization"]
	if len(values) != 1 {
		return "", false
	}
	v := values[0]
	const prefix = "Bearer "
	if len(v) <= len(prefix) || len(v) > MaxAuthorizationLength || v[:len(prefix)] != prefix || v[len(prefix)] == ' ' {
		return "", false
	}
	return v[len(prefix):], true
}

var errNoClaims = errors.New("middleware: verifier returned no claims and no error")

// authenticator is the immutable, precomputed configuration.
type authenticator struct {
	verifier Verifier
	// extract is the configured extractor; with none configured it is
	// FromAuthorizationHeader and headerOnly is set.
	extract    Extractor
	headerOnly bool
	// fast: headerOnly with a *session.Manager (see plainBearer).
	fast     bool
	onError  ErrorHandler
	optional bool
	// cookie, when set, is read when the extractor finds no token.
	cookie     *Cookie
	hooks      Hooks
	challenges challenges
	retryAfter string
}

type authHandler struct {
	a    *authenticator
	next http.Handler
}

func (h *authHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := h.a
	if a.fast {
		if tok, ok := plainBearer(r); ok {
			claims, err := a.verifier.Verify(r.Context(), tok)
			if err == nil && claims != nil {
				if a.hooks.Authenticated != nil {
					a.hooks.Authenticated(r, claims, Fingerprint{tok})
				}
				h.next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), claims)))
				return
			}
			// With valid b64token syntax the full extractor returns this
			// very token, so the failure is the token's; otherwise the
			// full path below answers the malformed request.
			if isB64Token(tok) {
				if err == nil {
					err = errNoClaims
				}
				a.fail(w, r, classify(err), err, tok)
				return
			}
		}
	}
	tok, err := a.extract(r)
	if err != nil {
		a.fail(w, r, failRequest, err, "")
		return
	}
	var cookie *Cookie
	if tok == "" && a.cookie != nil {
		if tok, err = a.cookie.extract(r); err != nil {
			a.fail(w, r, failRequest, err, "")
			return
		}
		if tok != "" {
			// The browser attaches the cookie to cross-site requests
			// too: refuse those before spending a verification.
			if err := a.cookie.Check(r); err != nil {
				a.fail(w, r, failCrossOrigin, err, tok)
				return
			}
			cookie = a.cookie
		}
	}
	if tok == "" {
		if a.optional {
			// Mark the request as having passed Authenticate (see Renew),
			// keeping claims an earlier Authenticate put there.
			if ctx := r.Context(); ctx.Value(claimsKey{}) == nil {
				r = r.WithContext(context.WithValue(ctx, claimsKey{}, anonymous{}))
			}
			h.next.ServeHTTP(w, r)
			return
		}
		a.fail(w, r, failMissing, nil, "")
		return
	}
	claims, err := a.verifier.Verify(r.Context(), tok)
	if err == nil && claims == nil {
		err = errNoClaims
	}
	if err != nil {
		a.fail(w, r, classify(err), err, tok)
		return
	}
	if a.hooks.Authenticated != nil {
		a.hooks.Authenticated(r, claims, Fingerprint{tok})
	}
	h.next.ServeHTTP(w, r.WithContext(a.newContext(r.Context(), claims, cookie)))
}

// newContext records the claims and the transport the token came on.
func (a *authenticator) newContext(ctx context.Context, claims *session.Claims, cookie *Cookie) context.Context {
	switch {
	case cookie != nil:
		return context.WithValue(ctx, claimsKey{}, &cookieClaims{claims: claims, cookie: cookie})
	case !a.headerOnly:
		return context.WithValue(ctx, claimsKey{}, (*extractedClaims)(claims))
	}
	return NewContext(ctx, claims)
}

// fail sets the challenge headers, tells the hook, and calls the error
// handler. tok is the rejected token, or "" when there was none.
func (a *authenticator) fail(w http.ResponseWriter, r *http.Request, f failure, err error, tok string) {
	h := w.Header()
	if f.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", a.retryAfter)
	} else if c, ok := a.challenges[f]; ok {
		h.Set("WWW-Authenticate", c)
	}
	e := f.newError(err)
	if a.hooks.Rejected != nil {
		a.hooks.Rejected(r, e, Fingerprint{tok})
	}
	a.onError(w, r, e)
}
