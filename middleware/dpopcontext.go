package middleware

import (
	"context"

	"github.com/jwtsession/jwtsession/session"
)

// dpopClaims is the value under claimsKey for a token presented with a
// DPoP proof: the claims and the thumbprint of the proof's key.
type dpopClaims struct {
	claims     *session.Claims
	thumbprint string
}

// thumbprintKey is the context key of the thumbprint of a proof checked
// by [Auth.CheckProof].
type thumbprintKey struct{}

// ThumbprintFromContext returns the RFC 7638 thumbprint of the key of
// the request's checked DPoP proof, and whether the request had one: set
// by [Auth.Authenticate] for a request authenticated with DPoP (the key
// the token is bound to) and by [Auth.CheckProof]. A login handler passes
// it to [session.Manager.IssueBound].
func ThumbprintFromContext(ctx context.Context) (string, bool) {
	if v, ok := ctx.Value(claimsKey{}).(*dpopClaims); ok {
		return v.thumbprint, true
	}
	v, ok := ctx.Value(thumbprintKey{}).(string)
	return v, ok
}
