package middleware

import (
	"context"

	"github.com/jwtsession/jwtsession/session"
)

// claimsKey is the context key for verified claims. Its type is
// unexported, so no other package can read or overwrite the value.
type claimsKey struct{}

// The value under claimsKey is *session.Claims for a token from the
// Authorization header or the query parameter (and for [NewContext]),
// *cookieClaims for a token from the cookie of [Options.Cookie], which
// records the cookie at no extra cost, *dpopClaims for a token presented
// with a DPoP proof, which records the proof key's thumbprint, or anonymous for a request that
// [Auth.Authenticate] let through without a token in optional mode. Any
// value marks the request as having passed Authenticate, which
// [Auth.Renew] insists on.
type (
	cookieClaims struct {
		claims *session.Claims
		cookie *Cookie
	}
	anonymous struct{}
)

// NewContext returns a copy of ctx carrying claims, as
// [Auth.Authenticate] does for a token from the Authorization header.
// Tests of handlers can use it to build an authenticated request.
func NewContext(ctx context.Context, claims *session.Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

// newContext records the claims and the cookie the token came from (nil
// for a header or query token).
func newContext(ctx context.Context, claims *session.Claims, cookie *Cookie) context.Context {
	if cookie != nil {
		return context.WithValue(ctx, claimsKey{}, &cookieClaims{claims: claims, cookie: cookie})
	}
	return NewContext(ctx, claims)
}

// ClaimsFromContext returns the verified claims that [Auth.Authenticate]
// put into ctx, and whether there were any.
func ClaimsFromContext(ctx context.Context) (*session.Claims, bool) {
	return claimsOf(ctx.Value(claimsKey{}))
}

// UserIDFromContext returns the verified user id that [Auth.Authenticate]
// put into ctx, and whether there was one.
func UserIDFromContext(ctx context.Context) (string, bool) {
	c, ok := ClaimsFromContext(ctx)
	if !ok {
		return "", false
	}
	return c.UserID, true
}

// CookieFromContext returns the [Cookie] that the token of the verified
// claims in ctx came from, and whether it came from a cookie at all (not
// from the Authorization header or the query string). A refresh or logout
// handler uses it to answer on the same transport: [Cookie.Set] the new
// token, or [Cookie.Clear] the cookie.
func CookieFromContext(ctx context.Context) (*Cookie, bool) {
	if v, ok := ctx.Value(claimsKey{}).(*cookieClaims); ok && v.claims != nil {
		return v.cookie, true
	}
	return nil, false
}

// claimsOf returns the claims of a value stored under claimsKey.
func claimsOf(v any) (*session.Claims, bool) {
	switch v := v.(type) {
	case *session.Claims:
		return v, v != nil
	case *cookieClaims:
		return v.claims, v.claims != nil
	case *dpopClaims:
		return v.claims, v.claims != nil
	}
	return nil, false
}

// cookieOf returns the cookie the token came from for a value stored
// under claimsKey, or nil.
func cookieOf(v any) *Cookie {
	if v, ok := v.(*cookieClaims); ok {
		return v.cookie
	}
	return nil
}
