package middleware

import (
	"context"
	"net/http"
)

// Authenticate is the middleware that extracts the request's token,
// verifies it, and calls next with the verified claims in the request
// context (read them with [ClaimsFromContext] or [UserIDFromContext]).
//
// The token is read from the Authorization header with the syntax of RFC
// 6750 §2.1 ("Bearer", in any letter case, one or more spaces, one
// b64token and nothing after it; exactly one such header; a Bearer header
// over 16 KiB is refused unread), and also from [Options.QueryParameter]
// and [Options.Cookie] when they are set. It never reads the query string
// or a cookie otherwise.
//
// With DPoP (RFC 9449, see [DPoPOptions]) it also accepts
// "Authorization: DPoP <token>" with exactly one DPoP proof header, and
// checks everything RFC 9449 §4.3 asks: the proof's form, public key and
// signature; htm against the method; htu against the public URL and
// path; the iat window; ath against the token; the server nonce when
// nonces are on; that the token verifies and is bound (cnf.jkt) to the
// proof's key; and, last, that the proof's jti was never accepted before
// (the replay cache). A bad or replayed proof gets 401
// invalid_dpop_proof, a missing nonce 401 use_dpop_nonce with a
// DPoP-Nonce header, a bad token 401 invalid_token, each with a DPoP
// challenge that lists the accepted algorithms. A token bound to a key
// is refused as Bearer (401 invalid_token), and in [DPoPRequired] mode
// every bearer token is.
//
// It fails closed. A request without a token gets 401 with
// WWW-Authenticate: Bearer realm="..." and no error code; a malformed
// request 400 invalid_request; a bad, expired or revoked token 401
// invalid_token; a server-side fault (keys or revocation store
// unavailable) 503 with Retry-After. The next handler is never called
// after a failure. In optional mode ([Options.Optional]) a request without
// a token passes anonymously. Every request it passes on carries a mark
// in its context that [Auth.Renew] checks.
func (a *Auth) Authenticate(next http.Handler) http.Handler {
	return &authHandler{a: a, next: next}
}

type authHandler struct {
	a    *Auth
	next http.Handler
}

func (h *authHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := h.a
	if a.fast {
		if tok, ok := plainBearer(r); ok {
			claims, err := a.m.Verify(r.Context(), tok)
			if err == nil && claims != nil && claims.KeyThumbprint == "" {
				if a.hooks.Authenticated != nil {
					a.hooks.Authenticated(r, claims, Fingerprint{tok})
				}
				h.next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), claims)))
				return
			}
			// With valid b64token syntax fromAuthorizationHeader returns
			// this very token, so the failure is the token's; otherwise
			// the full path below answers the malformed request.
			if isB64Token(tok) {
				switch {
				case err == nil && claims != nil:
					a.fail(w, r, failBoundBearer, errBoundAsBearer, tok)
				case err == nil:
					a.fail(w, r, classify(errNoClaims), errNoClaims, tok)
				default:
					a.fail(w, r, classify(err), err, tok)
				}
				return
			}
		}
	}
	if a.dpop.accepts() {
		if tok, ok, err := dpopToken(r); ok {
			if err != nil {
				a.failDPoP(w, r, failRequest, err, "")
				return
			}
			h.serveDPoP(w, r, tok)
			return
		}
	}
	tok, cookie, err := a.token(r)
	if err != nil {
		a.fail(w, r, failRequest, err, "")
		return
	}
	if cookie != nil {
		// The browser attaches the cookie to cross-site requests too:
		// refuse those before spending a verification.
		if err := cookie.Check(r); err != nil {
			a.fail(w, r, failCrossOrigin, err, tok)
			return
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
	if a.dpop.mode == DPoPRequired {
		a.fail(w, r, failBearerRefused, errDPoPRequired, tok)
		return
	}
	claims, err := a.s.Verify(r.Context(), tok)
	if err == nil && claims == nil {
		err = errNoClaims
	}
	if err != nil {
		a.fail(w, r, classify(err), err, tok)
		return
	}
	if claims.KeyThumbprint != "" {
		a.fail(w, r, failBoundBearer, errBoundAsBearer, tok)
		return
	}
	if a.hooks.Authenticated != nil {
		a.hooks.Authenticated(r, claims, Fingerprint{tok})
	}
	h.next.ServeHTTP(w, r.WithContext(newContext(r.Context(), claims, cookie)))
}
