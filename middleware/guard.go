package middleware

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/jwtsession/jwtsession/session"
)

// RequireScope returns a guard that lets a request through only when its
// verified claims grant every one of scopes, such as
// RequireScope("orders:read", "orders:write"). The granted scopes are the
// union of the "scope" claim (a space-separated string, RFC 8693) and the
// "scp" claim (an array of strings, or a space-separated string).
//
// Mount it after [Auth.Authenticate]. A request refused by the guard gets
// 403 with WWW-Authenticate: Bearer realm="...", error="insufficient_scope",
// error_description="insufficient scope", scope="<scopes>" (RFC 6750
// §3.1); a request that reaches it without verified claims (no
// Authenticate in front, or an anonymous request in optional mode) gets
// 401 as a missing token, never 403. The next handler never runs after a
// refusal; [Options.ErrorHandler] writes the response and
// [Hooks.Rejected] sees it.
//
// RequireScope panics, at startup, without scopes or on a scope that RFC
// 6749 §3.3 forbids (empty, or holding a space, '"', '\' or a character
// outside printable ASCII): each scope is its own argument.
func (a *Auth) RequireScope(scopes ...string) func(http.Handler) http.Handler {
	if len(scopes) == 0 {
		panic("middleware: RequireScope needs at least one scope")
	}
	for _, s := range scopes {
		if !validScope(s) {
			panic(fmt.Sprintf("middleware: RequireScope: %q is not a scope: RFC 6749 allows printable ASCII "+
				"without spaces, '\"' and '\\'; pass each scope as its own argument", s))
		}
	}
	scopes = slices.Clone(scopes)
	return a.guard(func(c *session.Claims) bool {
		for _, s := range scopes {
			if !grantsScope(c, s) {
				return false
			}
		}
		return true
	}, strings.Join(scopes, " "))
}

// RequireClaim returns a guard that lets a request through only when the
// application claim name (see [session.Claims.Claim]) is the JSON string
// value, or an array of strings that contains value: RequireClaim("role",
// "admin") admits {"role": "admin"} and {"role": ["admin", "ops"]}. Claims
// of other JSON types never match; use [Auth.Require] for them, for the
// registered claims (exp, iss, aud, …) and for the user id.
//
// A refused request gets 403 insufficient_scope (without a scope
// parameter); otherwise it behaves as [Auth.RequireScope]. RequireClaim
// panics, at startup, on an empty name or a registered claim name.
func (a *Auth) RequireClaim(name, value string) func(http.Handler) http.Handler {
	switch name {
	case "":
		panic("middleware: RequireClaim needs a claim name")
	case "exp", "iat", "nbf", "jti", "sid", "auth_time", "iss", "aud":
		panic(fmt.Sprintf("middleware: RequireClaim checks application claims; %q is registered: use Require with a predicate", name))
	}
	return a.guard(func(c *session.Claims) bool { return HasClaim(c, name, value) }, "")
}

// Require returns a guard that lets a request through only when allow
// returns true for its verified claims. allow must be safe for concurrent
// use and must not modify the claims. A refused request gets 403
// insufficient_scope (without a scope parameter); otherwise it behaves as
// [Auth.RequireScope]. Require panics, at startup, on a nil allow.
func (a *Auth) Require(allow func(c *session.Claims) bool) func(http.Handler) http.Handler {
	if allow == nil {
		panic("middleware: Require needs a predicate; got nil")
	}
	return a.guard(allow, "")
}

// HasScope reports whether c grants every one of scopes, as
// [Auth.RequireScope] checks them. No scopes, or a string that is not a
// scope (such as one holding a space), is never granted.
func HasScope(c *session.Claims, scopes ...string) bool {
	if c == nil || len(scopes) == 0 {
		return false
	}
	for _, s := range scopes {
		if !validScope(s) || !grantsScope(c, s) {
			return false
		}
	}
	return true
}

// HasClaim reports whether the application claim name of c is the string
// value or an array of strings containing it, as [Auth.RequireClaim]
// checks it.
func HasClaim(c *session.Claims, name, value string) bool {
	if c == nil {
		return false
	}
	raw, ok := c.Claim(name)
	return ok && jsonHasString(raw, value, false)
}

// grantsScope reports whether the scope or scp claim of c grants s.
func grantsScope(c *session.Claims, s string) bool {
	if raw, ok := c.Claim("scope"); ok && jsonHasString(raw, s, true) {
		return true
	}
	raw, ok := c.Claim("scp")
	return ok && jsonHasString(raw, s, true)
}

// guard returns the middleware of a guard; scope, when not "", goes into
// the challenge of a refusal.
func (a *Auth) guard(allow func(*session.Claims) bool, scope string) func(http.Handler) http.Handler {
	g := &guard{a: a, allow: allow, refused: challenge(a.realm, failScope, scope)}
	return func(next http.Handler) http.Handler { return &guardHandler{g: g, next: next} }
}

type guard struct {
	a     *Auth
	allow func(*session.Claims) bool
	// refused is the precomputed WWW-Authenticate value of a refusal.
	refused string
}

type guardHandler struct {
	g    *guard
	next http.Handler
}

func (h *guardHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := h.g
	c, ok := ClaimsFromContext(r.Context())
	switch {
	case !ok:
		g.a.fail(w, r, failMissing, errNotAuthenticated, "")
	case !g.allow(c):
		w.Header().Set("WWW-Authenticate", g.refused)
		g.a.reject(w, r, failScope.newError(errInsufficientScope), Fingerprint{})
	default:
		h.next.ServeHTTP(w, r)
	}
}

// validScope reports whether s is an RFC 6749 scope-token:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func validScope(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}
