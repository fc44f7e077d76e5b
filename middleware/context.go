package middleware

import (
	"context"

	"github.com/jwtsession/jwtsession/session"
)

// claimsKey is the context key for verified claims. Its type is
// unexported, so no other package can read or overwrite the value.
type claimsKey struct{}

// NewContext returns a copy of ctx carrying claims, as [Authenticate] does.
// Handlers' tests can use it to build an authenticated request.
func NewContext(ctx context.Context, claims *session.Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

// ClaimsFromContext returns the verified claims that [Authenticate] put into
// ctx, and whether there were any.
func ClaimsFromContext(ctx context.Context) (*session.Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*session.Claims)
	return c, ok && c != nil
}

// UserIDFromContext returns the verified user id that [Authenticate] put
// into ctx, and whether there was one.
func UserIDFromContext(ctx context.Context) (string, bool) {
	c, ok := ClaimsFromContext(ctx)
	if !ok {
		return "", false
	}
	return c.UserID, true
}
