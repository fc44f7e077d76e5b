package session

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

var errDuplicateMember = invalid("duplicate JSON member")

// maxJSONDepth bounds the nesting of objects and arrays in application
// claims and ignored header members.
const maxJSONDepth = 32

// scanner is a strict, allocation-light JSON reader over a decoded token
// part. It accepts RFC 8259 JSON only, and additionally rejects duplicate
// object members at any depth, invalid UTF-8, lone surrogates and NUL
// characters in strings.
type scanner struct {
	s   string
	pos int
}

func (sc *scanner) skipSpace() {
	for sc.pos < len(sc.s) {
		c := sc.s[sc.pos]
		if c > ' ' || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return
		}
		sc.pos++
	}
}

// consume skips white space and reports whether the next byte is c,
// consuming it if so.
func (sc *scanner) consume(c byte) bool {
	sc.skipSpace()
	if sc.pos < len(sc.s) && sc.s[sc.pos] == c {
		sc.pos++
		return true
	}
	return false
}

// peek skips white space and returns the next byte, or 0 at the end.
func (sc *scanner) peek() byte {
	sc.skipSpace()
	if sc.pos < len(sc.s) {
		return sc.s[sc.pos]
	}
	return 0
}

// end reports whether only white space remains.
func (sc *scanner) end() bool {
	sc.skipSpace()
	return sc.pos == len(sc.s)
}

// object reads an object, calling member for each name with the scanner
// positioned at the value; member must consume the value. Duplicate names
// are rejected.
func (sc *scanner) object(member func(name string) error) error {
	return sc.members(member, true)
}

// members reads an object like [scanner.object]; with checkDup false the
// caller rejects duplicate names itself.
func (sc *scanner) members(member func(name string) error, checkDup bool) error {
	if !sc.consume('{') {
		return invalid("JSON object expected")
	}
	if sc.consume('}') {
		return nil
	}
	var small [16]string
	seen := small[:0]
	var many map[string]struct{}
	for {
		if sc.peek() != '"' {
			return invalid("JSON member name expected")
		}
		name, err := sc.str()
		if err != nil {
			return err
		}
		switch {
		case !checkDup:
		case many == nil:
			for _, s := range seen {
				if s == name {
					return errDuplicateMember
				}
			}
			seen = append(seen, name)
			if len(seen) == cap(small) {
				many = make(map[string]struct{}, 2*len(seen))
				for _, s := range seen {
					many[s] = struct{}{}
				}
			}
		default:
			if _, dup := many[name]; dup {
				return errDuplicateMember
			}
			many[name] = struct{}{}
		}
		if !sc.consume(':') {
			return invalid("JSON ':' expected")
		}
		if err := member(name); err != nil {
			return err
		}
		if sc.consume(',') {
			continue
		}
		if sc.consume('}') {
			return nil
		}
		return invalid("JSON ',' or '}' expected")
	}
}

// skipValue validates and skips any JSON value, bounded by maxJSONDepth.
func (sc *scanner) skipValue(depth int) error {
	if depth > maxJSONDepth {
		return invalid("JSON nested too deeply")
	}
	switch c := sc.peek(); {
	case c == '"':
		_, err := sc.str()
		return err
	case c == '{':
		return sc.object(func(string) error { return sc.skipValue(depth + 1) })
	case c == '[':
		sc.pos++
		if sc.consume(']') {
			return nil
		}
		for {
			if err := sc.skipValue(depth + 1); err != nil {
				return err
			}
			if sc.consume(',') {
				continue
			}
			if sc.consume(']') {
				return nil
			}
			return invalid("JSON ',' or ']' expected")
		}
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := sc.number()
		return err
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if strings.HasPrefix(sc.s[sc.pos:], lit) {
				sc.pos += len(lit)
				return nil
			}
		}
		return invalid("JSON value expected")
	}
}

// rawValue validates a value and returns its exact text.
func (sc *scanner) rawValue() (string, error) {
	sc.skipSpace()
	start := sc.pos
	if err := sc.skipValue(1); err != nil {
		return "", err
	}
	return sc.s[start:sc.pos], nil
}

// number reads a JSON number and returns its text.
func (sc *scanner) number() (string, error) {
	sc.skipSpace()
	s, start := sc.s, sc.pos
	i := start
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return "", invalid("malformed JSON number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return "", invalid("malformed JSON number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return "", invalid("malformed JSON number")
		}
	}
	sc.pos = i
	return s[start:i], nil
}

// str reads a JSON string and returns its decoded value. A string without
// escapes is returned as a substring of the input, without allocating.
func (sc *scanner) str() (string, error) {
	if !sc.consume('"') {
		return "", invalid("JSON string expected")
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
			return "", invalid("control character in JSON string")
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", invalid("invalid UTF-8 in JSON string")
			}
			i += n
		}
	}
	return "", invalid("unterminated JSON string")
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
func (sc *scanner) escapedStr(start int) (string, error) {
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
			return "", invalid("control character in JSON string")
		case c != '\\':
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", invalid("invalid UTF-8 in JSON string")
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
			return "", invalid("invalid JSON escape")
		}
		i += 2
	}
	return "", invalid("unterminated JSON string")
}

// decodeUnicodeEscape decodes \uXXXX (and a following low surrogate) at the
// start of s, returning the rune and the bytes consumed. NUL and lone
// surrogates are rejected.
func decodeUnicodeEscape(s string) (rune, int, error) {
	r1, ok := hex4(s)
	if !ok {
		return 0, 0, invalid("invalid JSON \\u escape")
	}
	switch {
	case r1 == 0:
		return 0, 0, invalid("NUL character in JSON string")
	case utf16.IsSurrogate(r1):
		if r1 >= 0xDC00 {
			return 0, 0, invalid("lone surrogate in JSON string")
		}
		r2, ok := hex4(s[6:])
		if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
			return 0, 0, invalid("lone surrogate in JSON string")
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
