package middleware

import (
	"context"

	"github.com/jwtsession/jwtsession/session"
)

// claimsKey is the context key for verified claims. Its type is
// unexported, so no other package can read or overwrite the value.
type claimsKey struct{}

// The value under claimsKey is one of three pointer types, which record
// the transport at no extra cost: *session.Claims for the Authorization
// header (and [NewContext]), *extractedClaims for a [WithExtractor]
// extractor, and *cookieClaims for the cookie of [WithCookie]; or
// anonymous, for a request that [Authenticate] let through without a
// token in optional mode. Any value marks the request as having passed
// Authenticate, which [Renew] insists on.
type (
	extractedClaims session.Claims
	cookieClaims    struct {
		claims *session.Claims
		cookie *Cookie
	}
	anonymous struct{}
)

// NewContext returns a copy of ctx carrying claims, as [Authenticate] does
// for a token from the Authorization header ([TransportHeader]).
// Handlers' tests can use it to build an authenticated request.
func NewContext(ctx context.Context, claims *session.Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

// ClaimsFromContext returns the verified claims that [Authenticate] put into
// ctx, and whether there were any.
func ClaimsFromContext(ctx context.Context) (*session.Claims, bool) {
	return claimsOf(ctx.Value(claimsKey{}))
}

// claimsOf returns the claims of a value stored under claimsKey.
func claimsOf(v any) (*session.Claims, bool) {
	switch v := v.(type) {
	case *session.Claims:
		return v, v != nil
	case *cookieClaims:
		return v.claims, v.claims != nil
	case *extractedClaims:
		return (*session.Claims)(v), v != nil
	}
	return nil, false
}

// Transport says where the token of an authenticated request came from.
type Transport uint8

const (
	// TransportHeader: the Authorization header, read by the default
	// extractor (and with [WithCookie]).
	TransportHeader Transport = iota + 1
	// TransportCookie: the cookie of [WithCookie]. [Renew] renews such a
	// token by re-setting the cookie, never in a response header.
	TransportCookie
	// TransportExtractor: an extractor set with [WithExtractor].
	TransportExtractor
)

// String returns "header", "cookie" or "extractor".
func (t Transport) String() string {
	switch t {
	case TransportHeader:
		return "header"
	case TransportCookie:
		return "cookie"
	case TransportExtractor:
		return "extractor"
	}
	return "unknown"
}

// TransportFromContext returns where the token of the verified claims in
// ctx came from, and whether ctx has verified claims. Claims put there
// with [NewContext] count as [TransportHeader].
func TransportFromContext(ctx context.Context) (Transport, bool) {
	switch v := ctx.Value(claimsKey{}).(type) {
	case *session.Claims:
		return TransportHeader, v != nil
	case *cookieClaims:
		return TransportCookie, v.claims != nil
	case *extractedClaims:
		return TransportExtractor, v != nil
	}
	return 0, false
}

// cookieOf returns the cookie the token came from for a value stored
// under claimsKey, or nil.
func cookieOf(v any) *Cookie {
	if v, ok := v.(*cookieClaims); ok {
		return v.cookie
	}
	return nil
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
