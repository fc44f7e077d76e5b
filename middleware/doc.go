// Package middleware authenticates net/http requests with session tokens.
//
// Every piece is a func(http.Handler) http.Handler, so it chains with
// github.com/justinas/alice, mounts on http.ServeMux, and wraps existing
// handlers:
//
//	auth, err := middleware.Authenticate(manager)   // verify the bearer token
//	renew, err := middleware.Renew(manager)         // sliding refresh
//	chain := alice.New(auth, renew)
//	mux.Handle("GET /me", chain.ThenFunc(me))
//
// [Authenticate] reads the token (by default only from the Authorization
// header, with RFC 6750 §2.1 syntax), verifies it, and puts the claims into
// the request context, where [ClaimsFromContext] and [UserIDFromContext]
// find them. Failures are answered as RFC 6750 describes: 401 with a
// WWW-Authenticate challenge, 400 invalid_request for a malformed request,
// 503 with Retry-After when verification itself is unavailable; the next
// handler is never called after a failure.
//
// [Renew] sends a renewed token in the X-Renewed-Token response header when
// the current one nears expiry, set before the first byte of the body and
// only on responses that are not errors.
package middleware
