package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Extractor finds the token in a request. It returns "" and no error when
// the request carries no token, and an error when the request is malformed
// (answered with 400 invalid_request).
type Extractor func(r *http.Request) (string, error)

// Errors returned by the extractors. [Authenticate] answers them with 400
// and error="invalid_request".
var (
	ErrMalformedAuthorization = errors.New("middleware: malformed Authorization header")
	ErrMultipleAuthorization  = errors.New("middleware: more than one Authorization header")
	ErrMultipleTokens         = errors.New("middleware: more than one token in the request")
	// ErrAuthorizationTooLong reports a Bearer Authorization header longer
	// than [MaxAuthorizationLength]. It matches [ErrMalformedAuthorization]
	// with [errors.Is] as well.
	ErrAuthorizationTooLong = fmt.Errorf("%w: longer than %d bytes", ErrMalformedAuthorization, MaxAuthorizationLength)
)

// MaxAuthorizationLength is the longest Bearer Authorization header value
// [FromAuthorizationHeader] looks at, in bytes: twice the default token
// size cap of package session, so that tokens near that cap still reach the
// verifier (and get its 401 invalid_token) while a hostile header, such as
// half a megabyte of dots, is refused by its length alone, without
// scanning it: 400 invalid_request with [ErrAuthorizationTooLong]. A
// verifier configured for tokens longer than this cannot receive them
// through this extractor.
const MaxAuthorizationLength = 16 << 10

// FromAuthorizationHeader reads a bearer token with the syntax of RFC 6750
// §2.1: exactly one Authorization header, the scheme "Bearer" in any letter
// case, one or more spaces, and one b64token with nothing after it. A
// header with another scheme (such as Basic) counts as no token. A Bearer
// header longer than [MaxAuthorizationLength] is malformed
// ([ErrAuthorizationTooLong]) and is not scanned. It is the default
// [Extractor].
func FromAuthorizationHeader(r *http.Request) (string, error) {
	values := r.Header["Authorization"]
	switch len(values) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", ErrMultipleAuthorization
	}
	return parseBearer(values[0])
}

// parseBearer parses an Authorization header value.
func parseBearer(v string) (string, error) {
	const scheme = "bearer"
	if len(v) < len(scheme) || !equalFoldASCII(v[:len(scheme)], scheme) {
		return "", nil
	}
	rest := v[len(scheme):]
	if rest == "" {
		return "", ErrMalformedAuthorization
	}
	if rest[0] != ' ' {
		// "Bearerx ..." is another scheme.
		if isTokenChar(rest[0]) {
			return "", nil
		}
		return "", ErrMalformedAuthorization
	}
	// The scheme is Bearer: refuse a hostile length before scanning it.
	if len(v) > MaxAuthorizationLength {
		return "", ErrAuthorizationTooLong
	}
	i := 0
	for i < len(rest) && rest[i] == ' ' {
		i++
	}
	tok := rest[i:]
	if !isB64Token(tok) {
		return "", ErrMalformedAuthorization
	}
	return tok, nil
}

// isB64Token reports whether s matches RFC 6750's
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	i := 0
	for i < len(s) && b64TokenChar[s[i]] {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '=' {
		i++
	}
	return i == len(s)
}

var b64TokenChar = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		t[c] = b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' ||
			b == '-' || b == '.' || b == '_' || b == '~' || b == '+' || b == '/'
	}
	return t
}()

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// fromCookie returns an [Extractor] that reads the token from the cookie
// name. A request with more than one such cookie is malformed. It is the
// extractor of [Cookie]; applications read the cookie with [WithCookie],
// which adds the cross-origin protection and renews in the cookie.
func fromCookie(name string) Extractor {
	return func(r *http.Request) (string, error) {
		cookies := r.CookiesNamed(name)
		switch len(cookies) {
		case 0:
			return "", nil
		case 1:
			return cookies[0].Value, nil
		}
		return "", ErrMultipleTokens
	}
}

// FromQuery returns an [Extractor] that reads the token from the query
// parameter name. Tokens in URLs end up in logs and browser history (RFC
// 6750 §5.3); use it only where no header can be sent. A repeated
// parameter is malformed.
func FromQuery(name string) Extractor {
	return func(r *http.Request) (string, error) {
		values := r.URL.Query()[name]
		switch len(values) {
		case 0:
			return "", nil
		case 1:
			return values[0], nil
		}
		return "", ErrMultipleTokens
	}
}

// FromAny returns an [Extractor] that consults every extractor and accepts
// at most one token: a request that presents tokens in two places is
// malformed (RFC 6750 §2), and an error from any extractor is returned.
func FromAny(extractors ...Extractor) Extractor {
	return func(r *http.Request) (string, error) {
		var found string
		for _, extract := range extractors {
			tok, err := extract(r)
			if err != nil {
				return "", err
			}
			if tok == "" {
				continue
			}
			if found != "" {
				return "", ErrMultipleTokens
			}
			found = tok
		}
		return found, nil
	}
}
