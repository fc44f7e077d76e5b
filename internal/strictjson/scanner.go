package strictjson

import "strings"

// MaxDepth bounds the nesting of the objects and arrays a Scanner skips.
const MaxDepth = 32

// Scanner reads one JSON text from a string. Its zero value reads "";
// [New] starts one on a string.
type Scanner struct {
	s   string
	pos int
}

// New returns a Scanner at the start of s.
func New(s string) Scanner { return Scanner{s: s} }

func (sc *Scanner) skipSpace() {
	for sc.pos < len(sc.s) {
		c := sc.s[sc.pos]
		if c > ' ' || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return
		}
		sc.pos++
	}
}

// Consume skips white space and reports whether the next byte is c,
// consuming it if so.
func (sc *Scanner) Consume(c byte) bool {
	sc.skipSpace()
	if sc.pos < len(sc.s) && sc.s[sc.pos] == c {
		sc.pos++
		return true
	}
	return false
}

// Next skips white space and returns the next byte without consuming it,
// or 0 at the end.
func (sc *Scanner) Next() byte {
	sc.skipSpace()
	if sc.pos < len(sc.s) {
		return sc.s[sc.pos]
	}
	return 0
}

// Rest skips white space and returns the unread input, for a caller that
// reads a value with a grammar of its own (a stricter number, say) and
// then calls [Scanner.Skip] past it. The caller must consume a whole JSON
// value: the Scanner does not check what is skipped.
func (sc *Scanner) Rest() string {
	sc.skipSpace()
	return sc.s[sc.pos:]
}

// Skip consumes the next n bytes of what [Scanner.Rest] returned.
func (sc *Scanner) Skip(n int) { sc.pos += n }

// End reports whether only white space remains.
func (sc *Scanner) End() bool {
	sc.skipSpace()
	return sc.pos == len(sc.s)
}

// Object reads an object, calling member for each name with the Scanner
// positioned at the value; member must consume the value. Duplicate names
// are rejected with [ErrDuplicateMember]; an error from member is returned
// as it is.
func (sc *Scanner) Object(member func(name string) error) error {
	return sc.members(member, true)
}

// Members reads an object like [Scanner.Object] but leaves duplicate
// names to the caller, which tells them apart more cheaply when it knows
// the names to expect.
func (sc *Scanner) Members(member func(name string) error) error {
	return sc.members(member, false)
}

func (sc *Scanner) members(member func(name string) error, checkDup bool) error {
	if !sc.Consume('{') {
		return errObjectExpected
	}
	if sc.Consume('}') {
		return nil
	}
	var small [16]string
	seen := small[:0]
	var many map[string]struct{}
	for {
		if sc.Next() != '"' {
			return errNameExpected
		}
		name, err := sc.Str()
		if err != nil {
			return err
		}
		switch {
		case !checkDup:
		case many == nil:
			for _, s := range seen {
				if s == name {
					return ErrDuplicateMember
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
				return ErrDuplicateMember
			}
			many[name] = struct{}{}
		}
		if !sc.Consume(':') {
			return errColonExpected
		}
		if err := member(name); err != nil {
			return err
		}
		if sc.Consume(',') {
			continue
		}
		if sc.Consume('}') {
			return nil
		}
		return errObjectSeparator
	}
}

// SkipValue validates and skips any JSON value, nested at most [MaxDepth]
// deep.
func (sc *Scanner) SkipValue() error { return sc.skipValue(1) }

func (sc *Scanner) skipValue(depth int) error {
	if depth > MaxDepth {
		return errTooDeep
	}
	switch c := sc.Next(); {
	case c == '"':
		_, err := sc.Str()
		return err
	case c == '{':
		return sc.Object(func(string) error { return sc.skipValue(depth + 1) })
	case c == '[':
		sc.pos++
		if sc.Consume(']') {
			return nil
		}
		for {
			if err := sc.skipValue(depth + 1); err != nil {
				return err
			}
			if sc.Consume(',') {
				continue
			}
			if sc.Consume(']') {
				return nil
			}
			return errArraySeparator
		}
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := sc.Number()
		return err
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if strings.HasPrefix(sc.s[sc.pos:], lit) {
				sc.pos += len(lit)
				return nil
			}
		}
		return errValueExpected
	}
}

// RawValue validates a value as [Scanner.SkipValue] does and returns its
// exact text.
func (sc *Scanner) RawValue() (string, error) {
	sc.skipSpace()
	start := sc.pos
	if err := sc.SkipValue(); err != nil {
		return "", err
	}
	return sc.s[start:sc.pos], nil
}

// Number reads a JSON number and returns its text.
func (sc *Scanner) Number() (string, error) {
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
		i = digits(s, i)
	default:
		return "", errNumber
	}
	if i < len(s) && s[i] == '.' {
		d := i + 1
		if i = digits(s, d); i == d {
			return "", errNumber
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		if i = digits(s, d); i == d {
			return "", errNumber
		}
	}
	sc.pos = i
	return s[start:i], nil
}

// digits returns the index of the first byte at or after i in s that is
// not an ASCII digit.
func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
