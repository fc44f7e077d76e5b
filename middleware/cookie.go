package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// Cookie is the cookie transport for browser sessions: the token travels
// in an HttpOnly cookie that scripts cannot read, instead of an
// Authorization header. Build it with [NewCookie], then use the same value
// everywhere: [Options.Cookie] makes [Auth.Authenticate] read it (and
// protect cookie-authenticated requests against cross-site request
// forgery), [Auth.Renew] re-sets it when the token came from it,
// [Cookie.Set] sets it at login and [Cookie.Clear] removes it at logout. A
// Cookie is immutable and safe for concurrent use.
//
// The cookie is HttpOnly, Secure (unless [CookieOptions.Insecure] drops
// it, for development over plain HTTP), SameSite=Lax or Strict, on Path
// "/" unless set otherwise, host-only (no Domain), and its Max-Age is the
// token's lifetime, so it lives exactly as long as the token it carries
// and each renewal re-sets both: it never runs out before the session
// could slide.
type Cookie struct {
	name       string
	expiryName string
	// attrs and hintAttrs follow "name=value; Max-Age=N": the session
	// cookie's and the expiry cookie's attributes.
	attrs      string
	hintAttrs  string
	protection *http.CrossOriginProtection
}

// CookieOptions configures [NewCookie]. The zero value works: every field
// documents its default.
type CookieOptions struct {
	// Path is the cookie's Path: the browser sends the cookie only to URLs
	// under it. Default: "/".
	Path string

	// SameSite is [http.SameSiteLaxMode] or [http.SameSiteStrictMode];
	// Strict also withholds the cookie when the user follows a link from
	// another site. Default (zero): Lax.
	SameSite http.SameSite

	// Insecure drops the Secure attribute from the cookies, on every
	// response, so that a development server on plain HTTP works. It is
	// for development over plain HTTP only; never set it in production,
	// where the browser would then send the session cookie over plain HTTP
	// too. The choice is the application's, made once at startup: no
	// request (and no Host header) changes it. Names with the __Host- or
	// __Secure- prefix refuse it. Default: false, always Secure.
	Insecure bool

	// TrustedOrigins lets unsafe cookie-authenticated requests from these
	// origins through the cross-origin protection, each in the form
	// "scheme://host[:port]" (see
	// [http.CrossOriginProtection.AddTrustedOrigin]). Default: none; only
	// same-origin requests (and requests from non-browser clients, which
	// send neither Sec-Fetch-Site nor Origin) pass.
	TrustedOrigins []string

	// ExpiryCookie, when set, names a second cookie that scripts can read
	// (not HttpOnly): it holds the token's exp as Unix seconds, never the
	// token, so a page can show when the session runs out. It is set,
	// renewed and cleared with the session cookie. Default: "", none.
	ExpiryCookie string
}

// NewCookie returns the cookie transport for the cookie name. It refuses
// an invalid name or path, a SameSite mode other than Lax or Strict, an
// invalid trusted origin, and an insecure cookie with a name that needs
// Secure (__Host-, __Secure-); a __Host- name also needs Path "/".
// "__Host-session" is the strongest choice on HTTPS: the browser then
// refuses the cookie from subdomains and from plain HTTP.
func NewCookie(name string, opts CookieOptions) (*Cookie, error) {
	path := opts.Path
	if path == "" {
		path = "/"
	}
	var sameSite string
	switch opts.SameSite {
	case 0, http.SameSiteLaxMode:
		sameSite = "Lax"
	case http.SameSiteStrictMode:
		sameSite = "Strict"
	default:
		return nil, errors.New("middleware: CookieOptions.SameSite must be http.SameSiteLaxMode or http.SameSiteStrictMode")
	}
	if !validPath(path) {
		return nil, fmt.Errorf("middleware: CookieOptions.Path %q must start with '/' and hold no ';' or control characters", path)
	}
	names := []string{name}
	if opts.ExpiryCookie != "" {
		names = append(names, opts.ExpiryCookie)
	}
	for _, n := range names {
		if !validHeaderName(n) {
			return nil, fmt.Errorf("middleware: cookie name %q is not a valid token", n)
		}
		host, secure := hasPrefixFold(n, "__Host-"), hasPrefixFold(n, "__Secure-")
		switch {
		case (host || secure) && opts.Insecure:
			return nil, fmt.Errorf("middleware: cookie %q needs Secure; it cannot be used with CookieOptions.Insecure", n)
		case host && path != "/":
			return nil, fmt.Errorf("middleware: cookie %q needs Path \"/\"", n)
		}
	}
	if opts.ExpiryCookie == name {
		return nil, fmt.Errorf("middleware: CookieOptions.ExpiryCookie must not be named like the session cookie %q", name)
	}
	protection := http.NewCrossOriginProtection()
	for _, o := range opts.TrustedOrigins {
		if err := protection.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("middleware: CookieOptions.TrustedOrigins: %w", err)
		}
	}
	secure := "; Secure"
	if opts.Insecure {
		secure = ""
	}
	return &Cookie{
		name:       name,
		expiryName: opts.ExpiryCookie,
		attrs:      "; Path=" + path + "; HttpOnly" + secure + "; SameSite=" + sameSite,
		hintAttrs:  "; Path=" + path + secure + "; SameSite=" + sameSite,
		protection: protection,
	}, nil
}

// Set sets the cookie to tok (as at login), with Max-Age the token's
// lifetime (tok.ExpiresIn, rounded up to whole seconds), and makes the
// response uncacheable: Cache-Control: no-store, with any
// CDN-Cache-Control, "…-CDN-Cache-Control", Surrogate-Control and Expires
// removed. r is the request being answered; Set does not read it, and it
// may be nil. Call it before the response's first byte. [Auth.Renew] never
// overrides it: a handler's own Set wins over a renewal.
func (c *Cookie) Set(w http.ResponseWriter, r *http.Request, tok *session.Token) {
	maxAge := strconv.FormatInt(max(1, int64((tok.ExpiresIn+time.Second-1)/time.Second)), 10)
	h := w.Header()
	h.Add("Set-Cookie", c.name+"="+tok.Value+"; Max-Age="+maxAge+c.attrs)
	if c.expiryName != "" && tok.Claims != nil {
		exp := strconv.FormatInt(tok.Claims.ExpiresAt.Unix(), 10)
		h.Add("Set-Cookie", c.expiryName+"="+exp+"; Max-Age="+maxAge+c.hintAttrs)
	}
	noStore(h)
}

// Clear removes the cookie (and the expiry cookie), as at logout, and
// makes the response uncacheable as [Cookie.Set] does. Clearing does not
// revoke the token: call [session.Manager.Revoke] as well. [Auth.Renew] never
// overrides it: after Clear, the response carries no renewed cookie. r
// may be nil.
func (c *Cookie) Clear(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Set-Cookie", c.name+"=; Max-Age=0"+c.attrs)
	if c.expiryName != "" {
		h.Add("Set-Cookie", c.expiryName+"=; Max-Age=0"+c.hintAttrs)
	}
	noStore(h)
}

// Check applies the cross-origin protection that [Auth.Authenticate] applies to
// cookie-authenticated requests: safe methods (GET, HEAD, OPTIONS) pass,
// and so do same-origin requests, requests from trusted origins, and
// requests without Sec-Fetch-Site and Origin (non-browser clients); other
// requests get an error. Use it for endpoints that set the cookie without
// being authenticated, such as login, against login CSRF.
func (c *Cookie) Check(r *http.Request) error { return c.protection.Check(r) }

// named reports whether the Set-Cookie value v sets the session cookie or
// the expiry cookie. Cookie names are case-sensitive; spaces around the
// name are ignored, as browsers do.
func (c *Cookie) named(v string) bool {
	name, _, ok := strings.Cut(v, "=")
	if !ok {
		return false
	}
	name = strings.Trim(name, " \t")
	return name == c.name || c.expiryName != "" && name == c.expiryName
}

// validPath reports whether p can be a cookie Path: it starts with '/'
// and holds no ';' and no control characters.
func validPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

// value returns the session cookie's value, or "" when the request has
// none. A request with more than one such cookie is malformed.
func (c *Cookie) value(r *http.Request) (string, error) {
	cookies := r.CookiesNamed(c.name)
	switch len(cookies) {
	case 0:
		return "", nil
	case 1:
		return cookies[0].Value, nil
	}
	return "", errMultipleTokens
}
