package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jwtsession/jwtsession/session"
)

// Renewer decides on and issues renewed tokens. [*session.Manager]
// implements it.
type Renewer interface {
	ShouldRenew(c *session.Claims) bool
	Renew(ctx context.Context, c *session.Claims) (*session.Token, error)
}

// RenewOption configures [Renew].
type RenewOption func(*renewConfig)

type renewConfig struct {
	header  string
	onError func(r *http.Request, err error)
	hooks   Hooks
}

// WithRenewHeader sets the response header that carries the renewed token.
// Default: [DefaultRenewHeader] ("X-Renewed-Token").
func WithRenewHeader(name string) RenewOption { return func(c *renewConfig) { c.header = name } }

// WithRenewErrorFunc sets a function called when issuing a renewed token
// fails (the response then goes out without one; the request itself has
// already been authenticated). Default: none.
func WithRenewErrorFunc(f func(r *http.Request, err error)) RenewOption {
	return func(c *renewConfig) { c.onError = f }
}

// WithRenewHooks sets hooks for renewals: Renewed is called after a
// renewed token was set on the response (see [Hooks]). Default: none,
// which costs nothing.
func WithRenewHooks(h Hooks) RenewOption { return func(c *renewConfig) { c.hooks = h } }

// Renew returns the sliding-refresh middleware. Mounted after
// [Authenticate], it renews the request's token when r.ShouldRenew says so
// (with a [session.Manager]: less than the renewal threshold left and the
// session younger than its maximum lifetime) and sends the renewed token,
// as a bare compact JWT, in the X-Renewed-Token header (see
// [WithRenewHeader]). It also lists that header in
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
// [WithCookie] (or its expiry cookie), as after a logout
// ([Cookie.Clear]) or a new login ([Cookie.Set]), Renew adds nothing.
//
// A token that came from the cookie of [WithCookie] ([TransportCookie]) is
// renewed on the same transport: the cookie is re-set ([Cookie.Set]) and
// no header carries the token, so scripts never see it.
// The wrapped ResponseWriter keeps http.Flusher, http.Hijacker,
// io.ReaderFrom and [http.ResponseController] working.
//
// Requests without claims in their context (anonymous ones in optional
// mode) pass through untouched. A request that did not pass
// [Authenticate] first (and carries no claims from [NewContext]) makes
// Renew panic: it is mounted without Authenticate before it, or in the
// wrong order, and would silently renew nothing.
//
// Renew refuses a Renewer that reports it cannot sign, such as a
// [session.Manager] built on verification-only keys ([session.Manager.CanSign]).
func Renew(r Renewer, opts ...RenewOption) (func(http.Handler) http.Handler, error) {
	if m, ok := r.(*session.Manager); r == nil || ok && m == nil {
		return nil, errors.New("middleware: Renew needs a Renewer such as *session.Manager; got nil")
	}
	if s, ok := r.(interface{ CanSign() bool }); ok && !s.CanSign() {
		return nil, errors.New("middleware: Renew needs a Renewer that can sign tokens; this one holds only verification keys (mount Authenticate without Renew, or give the Manager a signing key)")
	}
	cfg := renewConfig{header: DefaultRenewHeader}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if !validHeaderName(cfg.header) {
		return nil, fmt.Errorf("middleware: renew header %q is not a valid header name", cfg.header)
	}
	cfg.header = http.CanonicalHeaderKey(cfg.header)
	return func(next http.Handler) http.Handler {
		return &renewHandler{renewer: r, cfg: cfg, next: next}
	}, nil
}

// renewWithoutAuthenticate is the panic value of Renew on a request that
// did not pass Authenticate.
const renewWithoutAuthenticate = "middleware: Renew is mounted without Authenticate before it; " +
	"mount Authenticate first, as in alice.New(auth, renew), or put the claims into the request context with NewContext"

type renewHandler struct {
	renewer Renewer
	cfg     renewConfig
	next    http.Handler
}

func (h *renewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := r.Context().Value(claimsKey{})
	if v == nil {
		panic(renewWithoutAuthenticate)
	}
	claims, ok := claimsOf(v)
	if !ok || !h.renewer.ShouldRenew(claims) {
		h.next.ServeHTTP(w, r)
		return
	}
	rw := &renewWriter{ResponseWriter: w, h: h, r: r, claims: claims, cookie: cookieOf(v)}
	h.next.ServeHTTP(rw, r)
	rw.decide(http.StatusOK)
}

// addRenewedToken issues the renewed token and sets the headers, unless
// the handler already put a token on the response. cookie is the cookie
// the request's token came from, or nil.
func (h *renewHandler) addRenewedToken(w http.ResponseWriter, r *http.Request, claims *session.Claims, cookie *Cookie) {
	hdr := w.Header()
	if h.handlerSetToken(hdr, cookie) {
		return
	}
	tok, err := h.renewer.Renew(r.Context(), claims)
	if err != nil {
		if h.cfg.onError != nil {
			h.cfg.onError(r, err)
		}
		return
	}
	if cookie != nil {
		cookie.Set(w, r, tok)
	} else {
		hdr.Set(h.cfg.header, tok.Value)
		hdr.Add("Access-Control-Expose-Headers", h.cfg.header)
		noStore(hdr)
	}
	if h.cfg.hooks.Renewed != nil {
		h.cfg.hooks.Renewed(r, tok.Claims, Fingerprint{tok.Value})
	}
}

// handlerSetToken reports whether hdr already carries the renew header or
// a Set-Cookie for cookie's cookies (when cookie is not nil): the
// handler's own token, which Renew must not override. Header names are
// compared in any letter case, since a handler may write the map
// directly.
func (h *renewHandler) handlerSetToken(hdr http.Header, cookie *Cookie) bool {
	for k, values := range hdr {
		switch {
		case equalFoldASCII(k, h.cfg.header):
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

// validHeaderName reports whether name is a non-empty RFC 9110 token.
func validHeaderName(name string) bool {
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return false
		}
	}
	return name != ""
}
