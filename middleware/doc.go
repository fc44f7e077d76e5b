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
// only on 2xx responses.
//
// Guards authorize on the verified claims after Authenticate:
// [RequireScope] (the "scope" and "scp" claims), [RequireClaim] and
// [Require] (any predicate) answer 403 insufficient_scope, and 401 to a
// request that reaches them unauthenticated.
//
// Browser sessions can carry the token in an HttpOnly cookie instead of a
// header: a [Cookie] from [NewCookie], read by [WithCookie] (with
// cross-origin protection for unsafe requests), re-set by Renew, and set
// and cleared by the login and logout handlers.
//
// [Hooks] observe every outcome (authenticated, rejected with a
// [Reason], renewed) and cost nothing when unset; [SlogHooks] logs them
// with log/slog, naming tokens by their [Fingerprint] only. Package
// github.com/jwtsession/jwtsession/session/sessiontest helps applications
// test their own handlers.
package middleware
