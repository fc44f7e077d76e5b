package middleware

import "time"

// Defaults applied by [Authenticate] and [Renew].
const (
	DefaultRealm       = "api"
	DefaultRetryAfter  = 5 * time.Second
	DefaultRenewHeader = "X-Renewed-Token"
)

// Option configures [Authenticate] and the guards ([RequireScope],
// [RequireClaim], [Require]). The guards accept [WithRealm],
// [WithErrorHandler] and [WithHooks], so one option list can serve both,
// and refuse the others.
type Option func(*authConfig)

type authConfig struct {
	realm   string
	extract Extractor
	// nilExtractor records WithExtractor(nil), a configuration error.
	nilExtractor bool
	onError      ErrorHandler
	optional     bool
	retryAfter   time.Duration
	// retryAfterSet, cookieSet: the option was given (guards refuse it).
	retryAfterSet bool
	cookie        *Cookie
	cookieSet     bool
	hooks         Hooks
}

// WithRealm sets the realm of the WWW-Authenticate challenge: printable
// ASCII without '"' or '\'. Default: [DefaultRealm] ("api").
func WithRealm(realm string) Option { return func(c *authConfig) { c.realm = realm } }

// WithExtractor sets where the token is read from. Combine sources with
// [FromAny]. Default: [FromAuthorizationHeader]; the query string is
// never read unless asked for here. Read a cookie with [WithCookie], never
// with an extractor: only WithCookie protects cookie-authenticated
// requests against cross-site request forgery and renews the token in the
// cookie rather than in a header that scripts can read.
func WithExtractor(e Extractor) Option {
	return func(c *authConfig) {
		if e == nil {
			c.nilExtractor = true
		}
		c.extract = e
	}
}

// WithErrorHandler replaces the writer of failure responses. Default:
// [WriteError].
func WithErrorHandler(h ErrorHandler) Option { return func(c *authConfig) { c.onError = h } }

// WithOptional turns on optional authentication: a request without a token
// reaches the next handler anonymously (no claims in its context), while a
// malformed request or a bad token is still rejected. Default: off (a token
// is required).
func WithOptional() Option { return func(c *authConfig) { c.optional = true } }

// WithRetryAfter sets the Retry-After of 503 responses, rounded up to whole
// seconds. Default: [DefaultRetryAfter] (5 seconds).
func WithRetryAfter(d time.Duration) Option {
	return func(c *authConfig) { c.retryAfter, c.retryAfterSet = d, true }
}

// WithCookie turns on the cookie transport: when the request has no token
// in the Authorization header (which keeps precedence), the token is read
// from c's cookie. An unsafe request (POST, PUT, DELETE, …) authenticated
// by the cookie must pass c's cross-origin protection
// ([http.CrossOriginProtection]), else it gets 403 with the code
// "cross_origin_request" and the next handler does not run. The request
// context records [TransportCookie], so [Renew] renews the token by
// re-setting the cookie. Default: no cookie is read.
func WithCookie(c *Cookie) Option {
	return func(cfg *authConfig) { cfg.cookie, cfg.cookieSet = c, true }
}

// WithHooks sets functions called on each outcome: Authenticated after a
// token verified, Rejected after a failed check (see [Hooks]). Default:
// none, which costs nothing.
func WithHooks(h Hooks) Option { return func(c *authConfig) { c.hooks = h } }
