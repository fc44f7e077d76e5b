package main

import (
	"crypto/hkdf"
	"crypto/sha256"
	"net/http"
	"time"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// serverConfig is what newServer needs besides the Manager.
type serverConfig struct {
	// insecureCookie drops the cookies' Secure attribute, for plain HTTP;
	// run sets it only when the demo listens on a loopback address.
	insecureCookie bool
	// publicURL is the origin clients reach the API at: DPoP proofs' htu
	// must name it. "" takes each request's own scheme and Host.
	publicURL string
	// dpopNonce requires server nonces in DPoP proofs, made with a key
	// derived from secret, so that every instance with the same secret
	// accepts them.
	dpopNonce bool
	secret    []byte
	// replay remembers accepted proofs; nil keeps them in this process.
	replay session.ReplayCache
	// loginReplay, when not nil, remembers the proofs of /login in
	// place of replay or the middleware's own in-memory cache.
	loginReplay session.ReplayCache
}

// dpopOptions returns the middleware's DPoP settings for c: proofs and
// bearer tokens are both accepted; a token bound at login works only with
// proofs of its key.
func (c serverConfig) dpopOptions() (middleware.DPoPOptions, error) {
	// A nil ReplayCache gives the API and /login an in-memory cache
	// each, so that a flood of login proofs, which anyone can send
	// before any credential check, never fills the API's.
	opts := middleware.DPoPOptions{PublicURL: c.publicURL, ReplayCache: c.replay}
	if c.dpopNonce {
		// A key of its own for nonces, derived from JWT_SECRET: the
		// same on every instance, never the token signing key itself.
		key, err := hkdf.Key(sha256.New, c.secret, nil, "jwtsession examples/basic: DPoP nonces", 32)
		if err != nil {
			return opts, err
		}
		opts.NonceSecret = key
	}
	return opts, nil
}

// tokenEndpointError returns the error handler of /login's proof check:
// it answers a refused proof as a token endpoint does (RFC 9449 §5, §8),
// 400 with invalid_dpop_proof, or use_dpop_nonce with the DPoP-Nonce
// header that the middleware has already set, rather than a resource's
// 401; other failures keep their status. hooks observe the answer that
// is sent.
func tokenEndpointError(hooks middleware.Hooks) func(http.ResponseWriter, *http.Request, *middleware.Error) {
	return func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
		if e.Status == http.StatusUnauthorized {
			e2 := *e
			e2.Status = http.StatusBadRequest
			e = &e2
		}
		if hooks.Rejected != nil {
			hooks.Rejected(r, e, middleware.Fingerprint{})
		}
		middleware.WriteError(w, r, e)
	}
}

// writeToken answers 200 with tok as /login and /refresh do: token_type
// "DPoP" for a token bound to a key, else "Bearer"; not to be cached.
func writeToken(w http.ResponseWriter, tok *session.Token, bound bool) {
	tokenType := "Bearer"
	if bound {
		tokenType = "DPoP"
	}
	w.Header().Set("Cache-Control", "no-store")
	demo.WriteJSON(w, http.StatusOK, demo.TokenResponse{
		AccessToken: tok.Value,
		TokenType:   tokenType,
		ExpiresIn:   int64(tok.ExpiresIn / time.Second),
	})
}
