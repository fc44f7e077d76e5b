package session

import (
	"encoding/base64"
	"slices"
	"strconv"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// appendClaims encodes c as a compact JSON object. Only the names this
// library defines are written, plus the application claims in c.extra,
// whose names were validated when they entered.
func appendClaims(dst []byte, c *Claims, userIDClaim string) []byte {
	dst = append(dst, '{')
	dst = jose.AppendJSONString(dst, userIDClaim)
	dst = append(dst, ':')
	dst = jose.AppendJSONString(dst, c.UserID)
	if c.SessionID != "" {
		dst = append(dst, `,"sid":`...)
		dst = jose.AppendJSONString(dst, c.SessionID)
	}
	if !c.AuthTime.IsZero() {
		dst = append(dst, `,"auth_time":`...)
		dst = appendNumericDate(dst, c.AuthTime)
	}
	dst = append(dst, `,"iat":`...)
	dst = strconv.AppendInt(dst, c.IssuedAt.Unix(), 10)
	dst = append(dst, `,"exp":`...)
	dst = strconv.AppendInt(dst, c.ExpiresAt.Unix(), 10)
	dst = append(dst, `,"jti":`...)
	dst = jose.AppendJSONString(dst, c.TokenID)
	if c.Issuer != "" {
		dst = append(dst, `,"iss":`...)
		dst = jose.AppendJSONString(dst, c.Issuer)
	}
	if c.KeyThumbprint != "" {
		dst = append(dst, `,"cnf":{"jkt":`...)
		dst = jose.AppendJSONString(dst, c.KeyThumbprint)
		dst = append(dst, '}')
	}
	switch len(c.aud) {
	case 0:
	case 1:
		dst = append(dst, `,"aud":`...)
		dst = jose.AppendJSONString(dst, c.aud[0])
	default:
		dst = append(dst, `,"aud":[`...)
		for i, a := range c.aud {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jose.AppendJSONString(dst, a)
		}
		dst = append(dst, ']')
	}
	return append(appendApplicationClaims(dst, c), '}')
}

// appendApplicationClaims appends ,"name":value for each application
// claim of c, in name order.
func appendApplicationClaims(dst []byte, c *Claims) []byte {
	names := make([]string, 0, len(c.extra))
	for name := range c.extra {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		dst = append(dst, ',')
		dst = jose.AppendJSONString(dst, name)
		dst = append(dst, ':')
		dst = append(dst, c.extra[name]...)
	}
	return dst
}

// appendNumericDate appends t as a NumericDate: whole seconds, with a
// fraction of up to three digits when t has milliseconds.
func appendNumericDate(dst []byte, t time.Time) []byte {
	dst = strconv.AppendInt(dst, t.Unix(), 10)
	ms := t.Nanosecond() / int(time.Millisecond)
	if ms == 0 {
		return dst
	}
	digits := [3]byte{byte('0' + ms/100), byte('0' + ms/10%10), byte('0' + ms%10)}
	n := 3
	for digits[n-1] == '0' {
		n--
	}
	return append(append(dst, '.'), digits[:n]...)
}

// b64 is the only base64 alphabet and spelling tokens use: URL-safe,
// unpadded, with canonical trailing bits.
var b64 = base64.RawURLEncoding.Strict()
