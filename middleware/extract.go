package middleware

import (
	"net/http"
	"strings"
)

// maxAuthorizationLength is the longest Bearer Authorization header value
// that is looked at, in bytes: twice the default token size cap of
// package session, so that tokens near that cap still reach verification
// (and get its 401 invalid_token) while a hostile header, such as half a
// megabyte of dots, is refused by its length alone, without scanning it
// (400 invalid_request).
const maxAuthorizationLength = 16 << 10

// token finds the request's token: in the Authorization header, in the
// query parameter when one is configured, and otherwise in the cookie
// when one is configured. It returns "" and no error when the request
// carries none, and an error when the request is malformed. cookie is
// the cookie the token came from, or nil.
func (a *Auth) token(r *http.Request) (tok string, cookie *Cookie, err error) {
	if tok, err = fromAuthorizationHeader(r); err != nil {
		return "", nil, err
	}
	if a.query != "" {
		q, err := fromQuery(r, a.query)
		switch {
		case err != nil:
			return "", nil, err
		case q != "" && tok != "":
			// RFC 6750 §2: clients use one method per request.
			return "", nil, errMultipleTokens
		case q != "":
			tok = q
		}
	}
	if tok != "" || a.cookie == nil {
		return tok, nil, nil
	}
	if tok, err = a.cookie.value(r); err != nil || tok == "" {
		return "", nil, err
	}
	return tok, a.cookie, nil
}

// fromAuthorizationHeader reads a bearer token with the syntax of RFC 6750
// §2.1: exactly one Authorization header, the scheme "Bearer" in any
// letter case, one or more spaces, and one b64token with nothing after
// it. A header with another scheme (such as Basic) counts as no token. A
// Bearer header longer than maxAuthorizationLength is malformed and is
// not scanned.
func fromAuthorizationHeader(r *http.Request) (string, error) {
	values := r.Header["Authorization"]
	switch len(values) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", errMultipleAuthorization
	}
	return parseAuthorization(values[0], "bearer")
}

// parseAuthorization parses an Authorization header value of scheme,
// given in lower case ("bearer" or "dpop"): another scheme is no token.
func parseAuthorization(v, scheme string) (string, error) {
	if len(v) < len(scheme) || !equalFoldASCII(v[:len(scheme)], scheme) {
		return "", nil
	}
	rest := v[len(scheme):]
	if rest == "" {
		return "", errMalformedAuthorization
	}
	if rest[0] != ' ' {
		// "Bearerx ..." is another scheme.
		if isTokenChar(rest[0]) {
			return "", nil
		}
		return "", errMalformedAuthorization
	}
	// The scheme is ours: refuse a hostile length before scanning it.
	if len(v) > maxAuthorizationLength {
		return "", errAuthorizationTooLong
	}
	i := 0
	for i < len(rest) && rest[i] == ' ' {
		i++
	}
	tok := rest[i:]
	if !isB64Token(tok) {
		return "", errMalformedAuthorization
	}
	return tok, nil
}

// plainBearer returns the token of the common form "Bearer <token>" (one
// Authorization header, the scheme spelled "Bearer", one space) without
// checking its characters. The fast path acts on it only when the token
// verifies (a session.Manager admits nothing but base64url characters and
// dots, valid RFC 6750 syntax) or has valid b64token syntax: in both cases
// fromAuthorizationHeader would have returned the same token.
func plainBearer(r *http.Request) (string, bool) {
	values := r.Header["Authorization"]
	if len(values) != 1 {
		return "", false
	}
	v := values[0]
	const prefix = "Bearer "
	if len(v) <= len(prefix) || len(v) > maxAuthorizationLength || v[:len(prefix)] != prefix || v[len(prefix)] == ' ' {
		return "", false
	}
	return v[len(prefix):], true
}

// fromQuery reads the token from the query parameter name. A repeated
// parameter is malformed.
func fromQuery(r *http.Request, name string) (string, error) {
	if r.URL.RawQuery == "" {
		return "", nil
	}
	values := r.URL.Query()[name]
	switch len(values) {
	case 0:
		return "", nil
	case 1:
		return values[0], nil
	}
	return "", errMultipleTokens
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

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix)
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && equalFoldASCII(s[len(s)-len(suffix):], suffix)
}
