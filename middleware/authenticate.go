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
// for it.
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
	fast := cfg.extract == nil && !cfg.nilExtractor
	if fast {
		cfg.extract = FromAuthorizationHeader
	}
	switch {
	case !validRealm(cfg.realm):
		return nil, fmt.Errorf("middleware: realm %q must be non-empty printable ASCII without '\"' or '\\'", cfg.realm)
	case cfg.nilExtractor:
		return nil, errors.New("middleware: extractor is nil")
	case cfg.onError == nil:
		return nil, errors.New("middleware: error handler is nil")
	case cfg.retryAfter < 0:
		return nil, fmt.Errorf("middleware: Retry-After is %v; it must not be negative", cfg.retryAfter)
	}
	a := &authenticator{
		verifier:   v,
		extract:    cfg.extract,
		fast:       fast,
		onError:    cfg.onError,
		optional:   cfg.optional,
		challenges: newChallenges(cfg.realm),
		retryAfter: strconv.FormatInt(int64((cfg.retryAfter+999_999_999)/1_000_000_000), 10),
	}
	return func(next http.Handler) http.Handler {
		return &authHandler{a: a, next: next}
	}, nil
}

// plainBearer returns the token of the common form "Bearer <token>" (one
// Authorization header, the scheme spelled "Bearer", one space) without
// checking its characters. The fast path acts on it only when the token
// verifies (a verified compact JWS consists of base64url characters and
// dots, valid RFC 6750 syntax) or has valid b64token syntax: in both cases
// the full extractor would have returned the same token.
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
	// FromAuthorizationHeader and fast is set.
	extract    Extractor
	fast       bool
	onError    ErrorHandler
	optional   bool
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
				a.fail(w, r, classify(err), err)
				return
			}
		}
	}
	tok, err := a.extract(r)
	if err != nil {
		a.fail(w, r, failRequest, err)
		return
	}
	if tok == "" {
		if a.optional {
			h.next.ServeHTTP(w, r)
			return
		}
		a.fail(w, r, failMissing, nil)
		return
	}
	claims, err := a.verifier.Verify(r.Context(), tok)
	if err == nil && claims == nil {
		err = errNoClaims
	}
	if err != nil {
		a.fail(w, r, classify(err), err)
		return
	}
	h.next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), claims)))
}

// fail sets the challenge headers and calls the error handler.
func (a *authenticator) fail(w http.ResponseWriter, r *http.Request, f failure, err error) {
	h := w.Header()
	if f.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", a.retryAfter)
	} else {
		h.Set("WWW-Authenticate", a.challenges[f])
	}
	a.onError(w, r, &Error{Status: f.status, Code: f.code, Description: f.description, Err: err})
}
