package middleware

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/jwtsession/jwtsession/session"
)

// RequireScope returns a guard that lets a request through only when its
// verified claims grant every scope in scope, a space-separated list such
// as "orders:read orders:write". The granted scopes are the union of the
// "scope" claim (a space-separated string, RFC 8693) and the "scp" claim
// (an array of strings, or a space-separated string).
//
// Mount it after [Authenticate]. A request refused by the guard gets 403
// with WWW-Authenticate: Bearer realm="...", error="insufficient_scope",
// error_description="insufficient scope", scope="<scope>" (RFC 6750 §3.1);
// a request that reaches it without verified claims (no Authenticate in
// front, or an anonymous request in optional mode) gets 401 as a missing
// token, never 403. The next handler never runs after a refusal. opts may
// be [WithRealm], [WithErrorHandler] and [WithHooks] (Rejected); the
// constructor refuses a scope list that is empty or holds characters RFC
// 6749 §3.3 forbids.
func RequireScope(scope string, opts ...Option) (func(http.Handler) http.Handler, error) {
	var scopes []string
	for s := range spaceFields(scope) {
		scopes = append(scopes, s)
	}
	if len(scopes) == 0 {
		return nil, errors.New("middleware: RequireScope needs at least one scope")
	}
	for _, s := range scopes {
		if !validScope(s) {
			return nil, fmt.Errorf("middleware: scope %q holds a character that RFC 6749 forbids (space, '\"', '\\\\' or a control character)", s)
		}
	}
	return newGuard(func(c *session.Claims) bool {
		for _, s := range scopes {
			if !grantsScope(c, s) {
				return false
			}
		}
		return true
	}, strings.Join(scopes, " "), opts)
}

// RequireClaim returns a guard that lets a request through only when the
// application claim name (see [session.Claims.Claim]) is the JSON string
// value, or an array of strings that contains value: RequireClaim("role",
// "admin") admits {"role": "admin"} and {"role": ["admin", "ops"]}. Claims
// of other JSON types never match; use [Require] for them, for the
// registered claims (exp, iss, aud, …) and for the user id.
//
// A refused request gets 403 insufficient_scope (without a scope
// parameter); otherwise it behaves as [RequireScope].
func RequireClaim(name, value string, opts ...Option) (func(http.Handler) http.Handler, error) {
	switch name {
	case "":
		return nil, errors.New("middleware: RequireClaim needs a claim name")
	case "exp", "iat", "nbf", "jti", "sid", "auth_time", "iss", "aud":
		return nil, fmt.Errorf("middleware: RequireClaim checks application claims; %q is registered: use Require with a predicate", name)
	}
	return newGuard(func(c *session.Claims) bool { return HasClaim(c, name, value) }, "", opts)
}

// Require returns a guard that lets a request through only when allow
// returns true for its verified claims. allow must be safe for concurrent
// use and must not modify the claims. A refused request gets 403
// insufficient_scope (without a scope parameter); otherwise it behaves as
// [RequireScope].
func Require(allow func(c *session.Claims) bool, opts ...Option) (func(http.Handler) http.Handler, error) {
	if allow == nil {
		return nil, errors.New("middleware: Require needs a predicate; got nil")
	}
	return newGuard(allow, "", opts)
}

// HasScope reports whether c grants every scope in the space-separated
// list scope, as [RequireScope] checks it. An empty list is never granted.
func HasScope(c *session.Claims, scope string) bool {
	if c == nil {
		return false
	}
	n := 0
	for s := range spaceFields(scope) {
		if !grantsScope(c, s) {
			return false
		}
		n++
	}
	return n > 0
}

// HasClaim reports whether the application claim name of c is the string
// value or an array of strings containing it, as [RequireClaim] checks
// it.
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

type guard struct {
	allow   func(*session.Claims) bool
	onError ErrorHandler
	hooks   Hooks
	// missing and refused are the precomputed WWW-Authenticate values.
	missing, refused string
}

// Errors that guards put into [Error.Err].
var (
	// ErrNotAuthenticated: a request reached a guard without verified
	// claims in its context.
	ErrNotAuthenticated = errors.New("middleware: no verified claims in the request context; mount Authenticate before the guard")
	// ErrInsufficientScope: a guard refused the request's claims.
	ErrInsufficientScope = errors.New("middleware: the token's claims do not satisfy the guard")
)

func newGuard(allow func(*session.Claims) bool, scope string, opts []Option) (func(http.Handler) http.Handler, error) {
	cfg := authConfig{realm: DefaultRealm, onError: WriteError}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	switch {
	case cfg.extract != nil || cfg.nilExtractor || cfg.optional || cfg.retryAfterSet || cfg.cookieSet:
		return nil, errors.New("middleware: guards take only WithRealm, WithErrorHandler and WithHooks")
	case !validRealm(cfg.realm):
		return nil, fmt.Errorf("middleware: realm %q must be non-empty printable ASCII without '\"' or '\\'", cfg.realm)
	case cfg.onError == nil:
		return nil, errors.New("middleware: error handler is nil")
	}
	g := &guard{
		allow:   allow,
		onError: cfg.onError,
		hooks:   cfg.hooks,
		missing: challenge(cfg.realm, failMissing, ""),
		refused: challenge(cfg.realm, failScope, scope),
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, ok := ClaimsFromContext(r.Context())
			switch {
			case !ok:
				g.fail(w, r, failMissing, g.missing, ErrNotAuthenticated)
			case !g.allow(c):
				g.fail(w, r, failScope, g.refused, ErrInsufficientScope)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}, nil
}

func (g *guard) fail(w http.ResponseWriter, r *http.Request, f failure, challenge string, err error) {
	w.Header().Set("WWW-Authenticate", challenge)
	e := f.newError(err)
	if g.hooks.Rejected != nil {
		g.hooks.Rejected(r, e, Fingerprint{})
	}
	g.onError(w, r, e)
}

// spaceFields yields the non-empty fields of s separated by spaces.
func spaceFields(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for s != "" {
			field, rest, _ := strings.Cut(s, " ")
			if field != "" && !yield(field) {
				return
			}
			s = rest
		}
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

// jsonHasString reports whether raw, a JSON value, is a string equal to
// want or an array with a string element equal to want. With fields, a
// string (but not an array element) counts as a space-separated list.
// The common case, strings without escapes, allocates nothing.
func jsonHasString(raw string, want string, fields bool) bool {
	raw = trimJSONSpace(raw)
	if len(raw) < 2 || !(raw[0] == '"' && raw[len(raw)-1] == '"' || raw[0] == '[' && raw[len(raw)-1] == ']') {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' {
			return jsonHasStringSlow(raw, want, fields)
		}
	}
	if raw[0] == '"' {
		return matchString(raw[1:len(raw)-1], want, fields)
	}
	// An array: '[' *( string ',' ) ']' with optional white space; no
	// element holds an escape, so the next '"' closes a string.
	rest := raw[1:]
	for {
		rest = trimJSONSpace(rest)
		if len(rest) == 0 || rest[0] != '"' {
			return false // an empty array or an element that is not a string
		}
		end := 1
		for end < len(rest) && rest[end] != '"' {
			end++
		}
		if end == len(rest) {
			return false
		}
		if string(rest[1:end]) == want {
			return true
		}
		rest = trimJSONSpace(rest[end+1:])
		if len(rest) == 0 || rest[0] != ',' {
			return false
		}
		rest = rest[1:]
	}
}

// jsonHasStringSlow is jsonHasString for values with escapes.
func jsonHasStringSlow(raw string, want string, fields bool) bool {
	var v any
	if json.Unmarshal([]byte(raw), &v) != nil {
		return false
	}
	switch v := v.(type) {
	case string:
		return matchString(v, want, fields)
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

// matchString reports whether s equals want or, with fields, whether one
// of its space-separated fields does.
func matchString(s string, want string, fields bool) bool {
	if !fields {
		return string(s) == want
	}
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != ' ' {
			i++
		}
		if i > 0 && string(s[:i]) == want {
			return true
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return false
}

func trimJSONSpace(b string) string {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
