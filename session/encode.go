package session

import (
	"encoding/base64"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendClaims encodes c as a compact JSON object. Only the names this
// library defines are written, plus the application claims in c.extra,
// whose names were validated when they entered.
func appendClaims(dst []byte, c *Claims, userIDClaim string) []byte {
	dst = append(dst, '{')
	dst = appendJSONString(dst, userIDClaim)
	dst = append(dst, ':')
	dst = appendJSONString(dst, c.UserID)
	if c.SessionID != "" {
		dst = append(dst, `,"sid":`...)
		dst = appendJSONString(dst, c.SessionID)
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
	dst = appendJSONString(dst, c.TokenID)
	if c.Issuer != "" {
		dst = append(dst, `,"iss":`...)
		dst = appendJSONString(dst, c.Issuer)
	}
	if c.KeyThumbprint != "" {
		dst = append(dst, `,"cnf":{"jkt":`...)
		dst = appendJSONString(dst, c.KeyThumbprint)
		dst = append(dst, '}')
	}
	switch len(c.aud) {
	case 0:
	case 1:
		dst = append(dst, `,"aud":`...)
		dst = appendJSONString(dst, c.aud[0])
	default:
		dst = append(dst, `,"aud":[`...)
		for i, a := range c.aud {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, a)
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
		dst = appendJSONString(dst, name)
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

// appendJSONString appends s as a JSON string. s must be valid UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validClaimString reports whether s can be written into a claim and read
// back unchanged: non-empty, valid UTF-8, no NUL.
func validClaimString(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
	}
	return true
}

// b64 is the only base64 alphabet and spelling tokens use: URL-safe,
// unpadded, with canonical trailing bits.
var b64 = base64.RawURLEncoding.Strict()
