package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// Options configures [New]. The zero value works: every field documents
// its default.
type Options struct {
	// Realm names the protection space in WWW-Authenticate challenges:
	// printable ASCII without '"' or '\'. Default: "api".
	Realm string

	// Optional turns on optional authentication: a request without a
	// token reaches the next handler anonymously (no claims in its
	// context), while a malformed request or a bad token is still
	// rejected. Guards answer an anonymous request with 401. Default:
	// false, a token is required.
	Optional bool

	// Cookie turns on the cookie transport: when the request has no
	// token in the Authorization header (which keeps precedence) nor in
	// the query parameter, the token is read from this cookie. An unsafe
	// request (POST, PUT, DELETE, …) authenticated by the cookie must
	// pass the cookie's cross-origin protection ([Cookie.Check]), else it
	// gets 403 with the code "cross_origin_request" and the next handler
	// does not run. [Auth.Renew] renews such a token by re-setting the
	// cookie, never in a response header. It must come from [NewCookie].
	// Default: nil, no cookie is read.
	Cookie *Cookie

	// QueryParameter names a query parameter to read the token from, for
	// clients that cannot send a header (such as EventSource). Tokens in
	// URLs end up in logs and browser history (RFC 6750 §5.3). A request
	// with the parameter twice, or with a token in both the parameter
	// and the Authorization header, is malformed (400). Default: "", the
	// query string is never read.
	QueryParameter string

	// RenewHeader is the response header that carries a renewed token
	// (see [Auth.Renew]). Default: "X-Renewed-Token".
	RenewHeader string

	// RetryAfter is the Retry-After of 503 responses, rounded up to whole
	// seconds; it must not be negative. Default (zero): 5 seconds.
	RetryAfter time.Duration

	// ErrorHandler writes the response for a failed check. Authenticate
	// and the guards have already set WWW-Authenticate (and Retry-After on
	// 503) when they call it; it writes e.Status and a body, and should
	// never send e.Err. The next handler is never called after a failure.
	// Default: [WriteError].
	ErrorHandler func(w http.ResponseWriter, r *http.Request, e *Error)

	// OnRenewError is called when issuing a renewed token fails; the
	// response then goes out without one (the request itself has been
	// authenticated). Default: nil, nothing is called.
	OnRenewError func(r *http.Request, err error)

	// Hooks observe every outcome. Default: none, which costs nothing.
	Hooks Hooks

	// DPoP configures sender-constrained tokens (RFC 9449): the
	// "Authorization: DPoP <token>" scheme with a DPoP proof header, and
	// the proofs that [Auth.CheckProof] checks at login. Default: Bearer
	// and DPoP both accepted, see [DPoPOptions].
	DPoP DPoPOptions
}

// The defaults of [Options].
const (
	defaultRealm       = "api"
	defaultRetryAfter  = 5 * time.Second
	defaultRenewHeader = "X-Renewed-Token"
)

// Auth is a configured authentication layer over one [session.Manager].
// Its methods hand out the middleware: [Auth.Authenticate], [Auth.Renew]
// and the guards [Auth.RequireScope], [Auth.RequireClaim] and
// [Auth.Require], each a func(http.Handler) http.Handler that chains with
// github.com/justinas/alice and any router's Use. Create it with [New]; an
// Auth is immutable and safe for concurrent use.
type Auth struct {
	m *session.Manager
	// s is m, except in this package's tests.
	s sessionCalls
	// fast: the Authorization header fast path, which calls m directly,
	// is sound (see plainBearer): s is m, no query parameter is read, and
	// bearer tokens are accepted.
	fast         bool
	canSign      bool
	realm        string
	optional     bool
	cookie       *Cookie
	query        string
	renewHeader  string
	retryAfter   string
	onError      func(http.ResponseWriter, *http.Request, *Error)
	onRenewError func(*http.Request, error)
	hooks        Hooks
	challenges   challenges
	dpop         *dpopConfig
}

// sessionCalls is what an Auth calls on its manager.
type sessionCalls interface {
	Verify(ctx context.Context, token string) (*session.Claims, error)
	ShouldRenew(c *session.Claims) bool
	Renew(ctx context.Context, c *session.Claims) (*session.Token, error)
}

// New returns the authentication layer that verifies tokens with m,
// configured by opts. It checks the whole configuration once and refuses,
// with an error that says what to fix, a nil manager, an invalid realm,
// renew header name or query parameter name, a negative RetryAfter, a
// Cookie that does not come from [NewCookie], a Cookie or QueryParameter
// with [DPoPRequired] (both carry bearer tokens only), and invalid
// [DPoPOptions].
func New(m *session.Manager, opts Options) (*Auth, error) {
	if m == nil {
		return nil, errors.New("middleware: New needs a *session.Manager; got nil")
	}
	realm := opts.Realm
	if realm == "" {
		realm = defaultRealm
	}
	renewHeader := opts.RenewHeader
	if renewHeader == "" {
		renewHeader = defaultRenewHeader
	}
	retryAfter := opts.RetryAfter
	if retryAfter == 0 {
		retryAfter = defaultRetryAfter
	}
	onError := opts.ErrorHandler
	if onError == nil {
		onError = WriteError
	}
	switch {
	case !validRealm(realm):
		return nil, fmt.Errorf("middleware: Options.Realm %q must be printable ASCII without '\"' or '\\'", realm)
	case !validHeaderName(renewHeader):
		return nil, fmt.Errorf("middleware: Options.RenewHeader %q is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~ only)", renewHeader)
	case opts.QueryParameter != "" && !validQueryName(opts.QueryParameter):
		return nil, fmt.Errorf("middleware: Options.QueryParameter %q must be printable ASCII without spaces, '&', '=', '#', '+' or '%%'", opts.QueryParameter)
	case retryAfter < 0:
		return nil, fmt.Errorf("middleware: Options.RetryAfter is %v; it must not be negative", retryAfter)
	case opts.Cookie != nil && opts.Cookie.protection == nil:
		return nil, errors.New("middleware: Options.Cookie must come from NewCookie")
	case opts.DPoP.Mode == DPoPRequired && opts.Cookie != nil:
		return nil, errors.New("middleware: Options.Cookie carries bearer tokens, which Options.DPoP.Mode DPoPRequired refuses; drop the Cookie or use DPoPAllowed")
	case opts.DPoP.Mode == DPoPRequired && opts.QueryParameter != "":
		return nil, errors.New("middleware: Options.QueryParameter carries bearer tokens, which Options.DPoP.Mode DPoPRequired refuses; drop the QueryParameter or use DPoPAllowed")
	}
	dpop, err := newDPoP(m, opts.DPoP)
	if err != nil {
		return nil, err
	}
	return &Auth{
		m:            m,
		s:            m,
		fast:         opts.QueryParameter == "" && dpop.mode != DPoPRequired,
		canSign:      m.CanSign(),
		realm:        realm,
		optional:     opts.Optional,
		cookie:       opts.Cookie,
		query:        opts.QueryParameter,
		renewHeader:  http.CanonicalHeaderKey(renewHeader),
		retryAfter:   strconv.FormatInt(int64((retryAfter+time.Second-1)/time.Second), 10),
		onError:      onError,
		onRenewError: opts.OnRenewError,
		hooks:        opts.Hooks,
		challenges:   newChallenges(realm),
		dpop:         dpop,
	}, nil
}

// fail sets the challenge headers, tells the hook, and calls the error
// handler. tok is the rejected token, or "" when there was none.
func (a *Auth) fail(w http.ResponseWriter, r *http.Request, f failure, err error, tok string) {
	h := w.Header()
	if f.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", a.retryAfter)
	} else {
		a.setChallenges(h, f, false)
	}
	a.reject(w, r, f.newError(err), Fingerprint{tok})
}

// reject tells the hook about e and calls the error handler; the
// challenge is already set.
func (a *Auth) reject(w http.ResponseWriter, r *http.Request, e *Error, fp Fingerprint) {
	if a.hooks.Rejected != nil {
		a.hooks.Rejected(r, e, fp)
	}
	a.onError(w, r, e)
}

// validRealm reports whether realm can be written as a quoted-string
// without escapes: printable ASCII without '"' and '\'.
func validRealm(realm string) bool {
	for i := 0; i < len(realm); i++ {
		if c := realm[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return realm != ""
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

// validQueryName reports whether name is a query parameter name that
// reads the same encoded and decoded: printable ASCII without space, '&',
// '=', '#', '+' and '%'.
func validQueryName(name string) bool {
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c <= ' ' || c >= 0x7f, c == '&', c == '=', c == '#', c == '+', c == '%':
			return false
		}
	}
	return name != ""
}
