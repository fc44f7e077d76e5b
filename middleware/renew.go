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
// Access-Control-Expose-Headers and sets Cache-Control: no-store.
//
// The header is written just before the handler's first byte (or its
// WriteHeader, or its return), and only on responses below 400: an error
// response never carries a renewed token. The token is signed only then,
// so an error response costs no signature. Requests without claims in
// their context (anonymous ones in optional mode) pass through untouched.
//
// A token that came from the cookie of [WithCookie] ([TransportCookie]) is
// renewed on the same transport: the cookie is re-set ([Cookie.Set]) and
// no header carries the token, so scripts never see it.
// The wrapped ResponseWriter keeps http.Flusher, http.Hijacker,
// io.ReaderFrom and [http.ResponseController] working.
func Renew(r Renewer, opts ...RenewOption) (func(http.Handler) http.Handler, error) {
	if m, ok := r.(*session.Manager); r == nil || ok && m == nil {
		return nil, errors.New("middleware: Renew needs a Renewer such as *session.Manager; got nil")
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

type renewHandler struct {
	renewer Renewer
	cfg     renewConfig
	next    http.Handler
}

func (h *renewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	claims, ok := ClaimsFromContext(r.Context())
	if !ok || !h.renewer.ShouldRenew(claims) {
		h.next.ServeHTTP(w, r)
		return
	}
	rw := &renewWriter{ResponseWriter: w, h: h, r: r, claims: claims}
	h.next.ServeHTTP(rw, r)
	rw.decide(http.StatusOK)
}

// addRenewedToken issues the renewed token and sets the headers.
func (h *renewHandler) addRenewedToken(w http.ResponseWriter, r *http.Request, claims *session.Claims) {
	tok, err := h.renewer.Renew(r.Context(), claims)
	if err != nil {
		if h.cfg.onError != nil {
			h.cfg.onError(r, err)
		}
		return
	}
	if cookie := cookieFromContext(r.Context()); cookie != nil {
		cookie.Set(w, r, tok)
	} else {
		hdr := w.Header()
		hdr.Set(h.cfg.header, tok.Value)
		hdr.Add("Access-Control-Expose-Headers", h.cfg.header)
		hdr.Set("Cache-Control", "no-store")
	}
	if h.cfg.hooks.Renewed != nil {
		h.cfg.hooks.Renewed(r, tok.Claims, Fingerprint{tok.Value})
	}
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
