package jose

import (
	"time"
	"unicode/utf8"

	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// maxNumericDate is the largest NumericDate read: the last second of the
// year 9999.
const maxNumericDate = 253402300799

// ReadString reads a string that must not be empty; what names it in
// errors.
func ReadString(sc *strictjson.Scanner, what string) (string, error) {
	if sc.Next() != '"' {
		return "", fail(what + " is not a string")
	}
	s, err := sc.Str()
	if err == nil && s == "" {
		err = fail(what + " is empty")
	}
	return s, err
}

// ReadNumericDate reads a NumericDate: a non-negative JSON number without
// exponent, at most year 9999. A fraction is truncated: to the
// millisecond with ms (auth_time, which package session writes to the
// millisecond so that a login right after a RevokeUser is told apart from
// the sessions it covers), else to the second (exp, iat and nbf, so that
// exp never moves later).
func ReadNumericDate(sc *strictjson.Scanner, ms bool) (time.Time, error) {
	s := sc.Rest()
	i := 0
	var v int64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		v = v*10 + int64(s[i]-'0')
		if v > maxNumericDate {
			return time.Time{}, fail("time claim out of range")
		}
		i++
	}
	switch {
	case i == 0:
		return time.Time{}, fail("time claim is not a non-negative number")
	case s[0] == '0' && i > 1:
		return time.Time{}, fail("malformed JSON number")
	}
	var milli int64
	if i < len(s) && s[i] == '.' {
		i++
		frac := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i-frac < 3 {
				milli = milli*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == frac {
			return time.Time{}, fail("malformed JSON number")
		}
		for d := i - frac; d < 3; d++ {
			milli *= 10
		}
		if !ms {
			milli = 0
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		return time.Time{}, fail("time claim uses an exponent")
	}
	sc.Skip(i)
	return time.Unix(v, milli*int64(time.Millisecond)), nil
}

// AppendJSONString appends s as a JSON string. s must be valid UTF-8.
func AppendJSONString(dst []byte, s string) []byte {
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

// ValidString reports whether s can be written into a claim and read
// back unchanged: non-empty, valid UTF-8, no NUL.
func ValidString(s string) bool {
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
