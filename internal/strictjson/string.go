package strictjson

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Str reads a JSON string and returns its decoded value. A string without
// escapes is returned as a substring of the input, without allocating.
func (sc *Scanner) Str() (string, error) {
	if !sc.Consume('"') {
		return "", errStringExpected
	}
	s, start := sc.s, sc.pos
	i := start
	for i < len(s) {
		for i < len(s) && plainASCII[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '"':
			sc.pos = i + 1
			return s[start:i], nil
		case c == '\\':
			return sc.escapedStr(start)
		case c < 0x20:
			return "", errControl
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", errUTF8
			}
			i += n
		}
	}
	return "", errUnterminated
}

// plainASCII marks the bytes a JSON string holds as themselves: ASCII
// other than control characters, '"' and '\\'.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// escapedStr decodes a string containing escapes, from start (just after
// the opening quote).
func (sc *Scanner) escapedStr(start int) (string, error) {
	s := sc.s
	var b strings.Builder
	i := start
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			sc.pos = i + 1
			return b.String(), nil
		case c < 0x20:
			return "", errControl
		case c != '\\':
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", errUTF8
			}
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		if i+1 >= len(s) {
			break
		}
		switch s[i+1] {
		case '"', '\\', '/':
			b.WriteByte(s[i+1])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, err := decodeUnicodeEscape(s[i:])
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
			i += n
			continue
		default:
			return "", errEscape
		}
		i += 2
	}
	return "", errUnterminated
}

// decodeUnicodeEscape decodes \uXXXX (and a following low surrogate) at the
// start of s, returning the rune and the bytes consumed. NUL and lone
// surrogates are rejected.
func decodeUnicodeEscape(s string) (rune, int, error) {
	r1, ok := hex4(s)
	if !ok {
		return 0, 0, errUnicodeEscape
	}
	switch {
	case r1 == 0:
		return 0, 0, errNUL
	case utf16.IsSurrogate(r1):
		if r1 >= 0xDC00 {
			return 0, 0, errSurrogate
		}
		r2, ok := hex4(s[6:])
		if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
			return 0, 0, errSurrogate
		}
		return utf16.DecodeRune(r1, r2), 12, nil
	}
	return r1, 6, nil
}

// hex4 parses "\uXXXX" at the start of s.
func hex4(s string) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
