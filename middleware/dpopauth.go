package middleware

import (
	"context"
	"net/http"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/session"
)

// dpopToken returns the token of "Authorization: DPoP <token>" (RFC 9449
// §7.1: the scheme in any letter case, one or more spaces, one
// b64token), and whether the request uses that scheme at all. A request
// with several Authorization headers is left to the bearer path, which
// refuses it.
func dpopToken(r *http.Request) (tok string, ok bool, err error) {
	values := r.Header["Authorization"]
	if len(values) != 1 {
		return "", false, nil
	}
	tok, err = parseAuthorization(values[0], "dpop")
	return tok, tok != "" || err != nil, err
}

// serveDPoP authenticates a request that presents tok with the DPoP
// scheme: exactly one DPoP header whose proof fits the request and the
// token, a token that verifies and is bound to the proof's key, and a
// proof id never seen before. The checks run cheapest and least
// client-controlled first, so that a request without a valid bound token
// costs neither a proof signature check nor a replay record: the proof's
// form, header and key with its thumbprint (a malformed proof is
// invalid_dpop_proof); the token (signature, times, revocation: a bad
// token is invalid_token, whatever else is wrong with the proof); the
// token's cnf.jkt against the thumbprint; only then the proof's signature
// and claims; and last the replay record.
func (h *authHandler) serveDPoP(w http.ResponseWriter, r *http.Request, tok string) {
	a := h.a
	proof, f, err := oneProof(r)
	switch {
	case err != nil:
		a.failDPoP(w, r, f, err, "")
		return
	case proof == "":
		a.failDPoP(w, r, failProof, errNoProof, tok)
		return
	}
	if a.query != "" {
		if q, err := fromQuery(r, a.query); err != nil || q != "" {
			a.failDPoP(w, r, failRequest, errMultipleTokens, "")
			return
		}
	}
	var claims *session.Claims
	p, f, err := a.runProof(r, proof, tok, a.dpop.replay, func(u *jose.UnverifiedProof) (failure, error) {
		c, err := a.s.Verify(r.Context(), tok)
		if err == nil && c == nil {
			err = errNoClaims
		}
		switch {
		case err != nil:
			return classify(err), err
		case c.KeyThumbprint == "":
			return failNotDPoPToken, errUnboundDPoP
		case c.KeyThumbprint != u.Thumbprint:
			return failProof, errProofKeyMismatch
		}
		claims = c
		return failure{}, nil
	})
	if err != nil {
		a.failDPoP(w, r, f, err, tok)
		return
	}
	if p.staleNonce {
		a.setNonce(w.Header())
	}
	if a.hooks.Authenticated != nil {
		a.hooks.Authenticated(r, claims, Fingerprint{tok})
	}
	ctx := context.WithValue(r.Context(), claimsKey{}, &dpopClaims{claims: claims, thumbprint: p.Thumbprint})
	h.next.ServeHTTP(w, r.WithContext(ctx))
}

// oneProof returns the DPoP header of r, "" when it has none, and the
// failure of a request with several.
func oneProof(r *http.Request) (string, failure, error) {
	proofs := r.Header["Dpop"]
	switch len(proofs) {
	case 0:
		return "", failure{}, nil
	case 1:
		return proofs[0], failure{}, nil
	}
	return "", failRequest, errMultipleProofs
}

// runProof checks proof, the DPoP header of r, in this order: its form,
// header and key with its thumbprint ([jose.ParseProofKey]); bind, when
// not nil, which may refuse the request before the proof's signature is
// checked; the proof's signature and claims against r and tok
// ([Auth.checkProof]); and last its record in cache. It returns the
// failure to answer with when a step fails.
func (a *Auth) runProof(r *http.Request, proof, tok string, cache session.ReplayCache, bind func(*jose.UnverifiedProof) (failure, error)) (checkedProof, failure, error) {
	u, err := jose.ParseProofKey(proof)
	if err != nil {
		return checkedProof{}, failProof, asProofError(err)
	}
	if bind != nil {
		if f, err := bind(u); err != nil {
			return checkedProof{}, f, err
		}
	}
	p, f, err := a.checkProof(r, u, tok)
	if err != nil {
		return checkedProof{}, f, err
	}
	if f, err := a.recordProof(r, p, cache); err != nil {
		return checkedProof{}, f, err
	}
	return p, failure{}, nil
}

// Proof checks the DPoP proof of a request that [Auth.Authenticate] does
// not authenticate, such as POST /login, and returns the thumbprint of
// its key, for [session.Manager.IssueBound]. A request without a DPoP
// header returns "" and no error (an error in [DPoPRequired] mode), so
// that the login issues a bearer token; with [DPoPDisabled] Proof
// always returns "". A proof must pass every check of RFC 9449 §4.3 that
// Authenticate makes: one DPoP header; form, key and signature; htm; htu;
// the iat window; the server nonce when nonces are on; ath when the
// request also carries "Authorization: DPoP <token>"; and its jti is
// recorded, so the same proof is refused the second time. The record
// goes to the token endpoint's replay cache ([DPoPOptions.ReplayCache]).
// Errors are [*Error] values that say how to answer; [Auth.CheckProof]
// answers them.
//
// Proof must not run on a request that Authenticate or CheckProof has
// passed: they have recorded the proof already, so Proof refuses it as a
// replay. A handler behind them reads the thumbprint with
// [ThumbprintFromContext].
func (a *Auth) Proof(r *http.Request) (thumbprint string, err error) {
	p, f, err := a.proof(r)
	if err != nil {
		return "", f.newError(err)
	}
	return p.thumbprint(), nil
}

// proof runs [Auth.Proof]; p.Proof is nil when the request has no proof.
func (a *Auth) proof(r *http.Request) (checkedProof, failure, error) {
	if !a.dpop.accepts() {
		return checkedProof{}, failure{}, nil
	}
	proof, f, err := oneProof(r)
	switch {
	case err != nil:
		return checkedProof{}, f, err
	case proof == "" && a.dpop.mode == DPoPRequired:
		return checkedProof{}, failProof, errNoProof
	case proof == "":
		return checkedProof{}, failure{}, nil
	}
	tok, _, err := dpopToken(r)
	if err != nil {
		return checkedProof{}, failRequest, err
	}
	return a.runProof(r, proof, tok, a.dpop.tokenReplay, nil)
}

// thumbprint returns the proof key's thumbprint, or "" for no proof.
func (p checkedProof) thumbprint() string {
	if p.Proof == nil {
		return ""
	}
	return p.Thumbprint
}

// CheckProof is the middleware form of [Auth.Proof], for endpoints that
// Authenticate does not cover, such as POST /login: a request with a good
// proof reaches next with the proof key's thumbprint in its context
// ([ThumbprintFromContext]); a request without a DPoP header passes as it
// is (in [DPoPRequired] mode it gets 401); a bad proof gets 401
// invalid_dpop_proof, or use_dpop_nonce with a DPoP-Nonce header, and two
// DPoP headers 400 invalid_request. next never runs after a failure.
// It records proofs where Proof does.
func (a *Auth) CheckProof(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, f, err := a.proof(r)
		if err != nil {
			a.failDPoP(w, r, f, err, "")
			return
		}
		if p.Proof == nil {
			next.ServeHTTP(w, r)
			return
		}
		if p.staleNonce {
			a.setNonce(w.Header())
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), thumbprintKey{}, p.Thumbprint)))
	})
}
