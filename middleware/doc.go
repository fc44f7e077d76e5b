// Package middleware authenticates net/http requests with session tokens.
//
// Configure it once with [New], check the one error, then chain the
// methods of the [Auth] it returns: each is a func(http.Handler)
// http.Handler, so it chains with github.com/justinas/alice, chi's Use and
// With, and wraps any handler:
//
//	auth, err := middleware.New(manager, middleware.Options{})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux.Handle("GET /me", alice.New(auth.Authenticate, auth.Renew).ThenFunc(me))
//	mux.Handle("POST /orders", alice.New(auth.Authenticate, auth.RequireScope("orders:write")).ThenFunc(create))
//
// [Auth.Authenticate] reads the token (by default only from the
// Authorization header, with RFC 6750 §2.1 syntax), verifies it, and puts
// the claims into the request context, where [ClaimsFromContext] and
// [UserIDFromContext] find them. Failures are answered as RFC 6750
// describes: 401 with a WWW-Authenticate challenge, 400 invalid_request
// for a malformed request, 503 with Retry-After when verification itself
// is unavailable; the next handler is never called after a failure.
//
// DPoP (RFC 9449) is on by default beside Bearer ([DPoPOptions], in
// [Options.DPoP]): Authenticate also accepts "Authorization: DPoP
// <token>" with a DPoP proof header, and refuses a token bound to a key
// (cnf.jkt) unless a proof of that key comes with it. In that default
// mode every 401 carries two WWW-Authenticate challenges, the Bearer one
// and `DPoP algs="..."`; a bad proof gets 401 invalid_dpop_proof, a
// missing server nonce 401 use_dpop_nonce. A token endpoint such as POST /login
// checks proofs with [Auth.CheckProof] (or [Auth.Proof] without HTTP),
// and its handler, like any handler behind Authenticate, reads the proof
// key's thumbprint with [ThumbprintFromContext].
//
// [Auth.Renew] sends a renewed token in the X-Renewed-Token header when
// the current one nears expiry, set before the first byte of the body and
// only on 2xx responses.
//
// Guards authorize on the verified claims after Authenticate:
// [Auth.RequireScope] (the "scope" and "scp" claims), [Auth.RequireClaim]
// and [Auth.Require] (any predicate) answer 403 insufficient_scope, and
// 401 to a request that reaches them unauthenticated. [HasScope] and
// [HasClaim] make the same checks without HTTP. A guard given a literal
// that can only be a mistake (an empty scope) panics at startup, as
// [http.ServeMux.Handle] does.
//
// Browser sessions can carry the token in an HttpOnly cookie instead of a
// header: a [Cookie] from [NewCookie], read through [Options.Cookie] (with
// cross-origin protection for unsafe requests), re-set by Renew, and set
// and cleared by the login and logout handlers ([CookieFromContext] tells
// them which transport a request used).
//
// Every failure is an [*Error] with a fixed [Reason]; [Options.Hooks]
// observe every outcome (authenticated, rejected, renewed) and cost
// nothing when unset; [SlogHooks] logs them with log/slog, naming tokens
// by their [Fingerprint] only. Package
// github.com/jwtsession/jwtsession/middleware/sessiontest helps
// applications test their own handlers: it signs tokens with keys made in
// the test, publishes them as a JWK Set on loopback, and moves a clock
// that issuer and verifier share.
package middleware
