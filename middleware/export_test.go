package middleware

import "github.com/jwtsession/jwtsession/session"

// Internals that the external tests reach.

// SessionCalls is what an Auth calls on its manager.
type SessionCalls = sessionCalls

// WithSessionCalls returns a copy of a that calls s instead of its
// manager, with the Authorization header fast path off: the fast path
// relies on session.Manager.Verify admitting only base64url characters
// and dots, which s need not.
func WithSessionCalls(a *Auth, s SessionCalls) *Auth {
	b := *a
	b.s = s
	b.fast = false
	return &b
}

// FromAuthorizationHeader is the Authorization header parser.
var FromAuthorizationHeader = fromAuthorizationHeader

// MaxAuthorizationLength is the Bearer header cap.
const MaxAuthorizationLength = maxAuthorizationLength

// The causes in Error.Err.
var (
	ErrMalformedAuthorization = errMalformedAuthorization
	ErrMultipleAuthorization  = errMultipleAuthorization
	ErrMultipleTokens         = errMultipleTokens
	ErrAuthorizationTooLong   = errAuthorizationTooLong
	ErrNotAuthenticated       = errNotAuthenticated
	ErrInsufficientScope      = errInsufficientScope
)

// TokenReplayCache is the replay cache of Proof and CheckProof.
func TokenReplayCache(a *Auth) session.ReplayCache { return a.dpop.tokenReplay }
