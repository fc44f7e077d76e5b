package middleware

import (
	"net/http"

	"github.com/jwtsession/jwtsession/session"
)

// Renew is the sliding-refresh middleware. Mounted after
// [Auth.Authenticate], it renews the request's token when the manager's
// [session.Manager.ShouldRenew] says so (less than the renewal threshold
// left and the session younger than its maximum lifetime) and sends the
// renewed token, as a bare compact JWT, in the X-Renewed-Token header
// ([Options.RenewHeader]), which it also lists in
// Access-Control-Expose-Headers.
//
// The header is written just before the handler's first byte (or its
// WriteHeader, or its return), and only on 2xx responses: errors,
// redirects and 304 Not Modified never carry a renewed token. The token is
// signed only then, so such a response costs no signature. A response
// that carries a renewed token is never cacheable: Cache-Control is set to
// no-store, and CDN-Cache-Control (RFC 9213), any other
// "…-CDN-Cache-Control", Surrogate-Control and Expires are removed.
//
// The handler's own choice wins: when, at that moment, the response
// already carries the renew header or a Set-Cookie for the cookie of
// [Options.Cookie] (or its expiry cookie), as after a logout
// ([Cookie.Clear]) or a new login ([Cookie.Set]), Renew adds nothing.
// Nor does a response whose handler revoked the session: the manager
// refuses to renew it.
//
// A token that came from the cookie is renewed on the same transport: the
// cookie is re-set ([Cookie.Set]) and no header carries the token, so
// scripts never see it. The wrapped ResponseWriter keeps http.Flusher,
// http.Hijacker, io.ReaderFrom and [http.ResponseController] working.
//
// Requests without claims in their context (anonymous ones in optional
// mode) pass through untouched.
//
// Renew panics when it is mounted (when it is called with next, at
// startup) on an Auth whose manager cannot sign, such as one built on
// verification-only keys ([session.Manager.CanSign]): it could never
// renew. It panics on a request that did not pass Authenticate first (and
// carries no claims from [NewContext]): it is mounted without
// Authenticate before it, or in the wrong order, and would silently renew
// nothing.
func (a *Auth) Renew(next http.Handler) http.Handler {
	if !a.canSign {
		panic("middleware: Renew needs a Manager that can sign tokens; this one holds only verification keys " +
			"(mount Authenticate without Renew, or give the Manager a signing key)")
	}
	return &renewHandler{a: a, next: next}
}

// renewWithoutAuthenticate is the panic value of Renew on a request that
// did not pass Authenticate.
const renewWithoutAuthenticate = "middleware: Renew is mounted without Authenticate before it; " +
	"mount Authenticate first, as in alice.New(auth.Authenticate, auth.Renew), " +
	"or put the claims into the request context with NewContext"

type renewHandler struct {
	a    *Auth
	next http.Handler
}

func (h *renewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := r.Context().Value(claimsKey{})
	if v == nil {
		panic(renewWithoutAuthenticate)
	}
	claims, ok := claimsOf(v)
	if !ok || !h.a.s.ShouldRenew(claims) {
		h.next.ServeHTTP(w, r)
		return
	}
	rw := &renewWriter{ResponseWriter: w, a: h.a, r: r, claims: claims, cookie: cookieOf(v)}
	h.next.ServeHTTP(rw, r)
	rw.decide(http.StatusOK)
}

// addRenewedToken issues the renewed token and sets the headers, unless
// the handler already put a token on the response. cookie is the cookie
// the request's token came from, or nil.
func (a *Auth) addRenewedToken(w http.ResponseWriter, r *http.Request, claims *session.Claims, cookie *Cookie) {
	hdr := w.Header()
	if a.handlerSetToken(hdr, cookie) {
		return
	}
	tok, err := a.s.Renew(r.Context(), claims)
	if err != nil {
		if a.onRenewError != nil {
			a.onRenewError(r, err)
		}
		return
	}
	if cookie != nil {
		cookie.Set(w, r, tok)
	} else {
		hdr.Set(a.renewHeader, tok.Value)
		hdr.Add("Access-Control-Expose-Headers", a.renewHeader)
		noStore(hdr)
	}
	if a.hooks.Renewed != nil {
		a.hooks.Renewed(r, tok.Claims, Fingerprint{tok.Value})
	}
}

// handlerSetToken reports whether hdr already carries the renew header or
// a Set-Cookie for cookie's cookies (when cookie is not nil): the
// handler's own token, which Renew must not override. Header names are
// compared in any letter case, since a handler may write the map
// directly.
func (a *Auth) handlerSetToken(hdr http.Header, cookie *Cookie) bool {
	for k, values := range hdr {
		switch {
		case equalFoldASCII(k, a.renewHeader):
			return true
		case cookie != nil && equalFoldASCII(k, "Set-Cookie"):
			for _, v := range values {
				if cookie.named(v) {
					return true
				}
			}
		}
	}
	return false
}

// noStore makes a response that carries a token uncacheable, by shared
// caches and CDNs too: it removes every CDN-Cache-Control (RFC 9213),
// targeted "…-CDN-Cache-Control", Surrogate-Control and Expires field,
// and sets Cache-Control: no-store.
func noStore(hdr http.Header) {
	for k := range hdr {
		if equalFoldASCII(k, "Cache-Control") || equalFoldASCII(k, "CDN-Cache-Control") ||
			hasSuffixFold(k, "-CDN-Cache-Control") || equalFoldASCII(k, "Surrogate-Control") ||
			equalFoldASCII(k, "Expires") {
			delete(hdr, k)
		}
	}
	hdr.Set("Cache-Control", "no-store")
}
