package middleware

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/session"
)

// checkedProof is a proof that fits its request.
type checkedProof struct {
	*jose.Proof
	// staleNonce: the proof's nonce is accepted but a fresh one should
	// be sent (RFC 9449 §8.2).
	staleNonce bool
}

// checkProof runs the checks of RFC 9449 §4.3 that need no replay
// cache on u, the proof of r whose form and key [jose.ParseProofKey] has
// checked: its signature and claims ([jose.UnverifiedProof.Verify]), htm,
// htu, the iat window, ath when tok (the presented access token) is not
// "", and the server nonce when nonces are on. It returns the failure to
// answer with when a check fails.
func (a *Auth) checkProof(r *http.Request, u *jose.UnverifiedProof, tok string) (checkedProof, failure, error) {
	d := a.dpop
	p, err := u.Verify()
	if err != nil {
		return checkedProof{}, failProof, asProofError(err)
	}
	if p.Method != r.Method {
		return checkedProof{}, failProof, errProofMethod
	}
	if !d.htuMatches(r, p.URL) {
		return checkedProof{}, failProof, errProofURL
	}
	now := d.now()
	switch {
	case p.IssuedAt.Before(now.Add(-d.maxAge)):
		return checkedProof{}, failProof, errProofStale
	case p.IssuedAt.After(now.Add(d.maxFuture)):
		return checkedProof{}, failProof, errProofFuture
	}
	if tok != "" && !tokenHashMatches(p.TokenHash, tok) {
		return checkedProof{}, failProof, errProofTokenHash
	}
	c := checkedProof{Proof: p}
	if d.nonces != nil {
		ok, current := d.nonces.check(p.Nonce)
		if !ok {
			return checkedProof{}, failNonce, errProofNonce
		}
		c.staleNonce = !current
	}
	return c, failure{}, nil
}

// tokenHashMatches reports whether ath is base64url(SHA-256(tok)).
func tokenHashMatches(ath, tok string) bool {
	var want [43]byte
	if len(ath) != len(want) {
		return false
	}
	sum := sha256.Sum256([]byte(tok))
	base64.RawURLEncoding.Encode(want[:], sum[:])
	return ath == string(want[:])
}

// recordProof records the proof in cache for as long as it could be
// accepted, and fails a proof seen before. A cache that cannot
// answer fails the request closed (503). The record's id is the key's
// thumbprint and the jti, so that a jti counts per client: the signature
// fixes the key, and a thumbprint never contains ".".
func (a *Auth) recordProof(r *http.Request, p checkedProof, cache session.ReplayCache) (failure, error) {
	until := p.IssuedAt.Add(a.dpop.maxAge + time.Second) // iat has whole seconds
	fresh, err := cache.Add(r.Context(), replayID(p.Proof), until)
	switch {
	case err != nil:
		return failUnavailable, err
	case !fresh:
		return failProof, errProofReplayed
	}
	return failure{}, nil
}

// replayID returns the replay cache id of p: its key's thumbprint, ".",
// and its jti.
func replayID(p *jose.Proof) string {
	return p.Thumbprint + "." + p.ID
}
