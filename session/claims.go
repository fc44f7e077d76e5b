package session

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Claims is the typed content of a verified token.
type Claims struct {
	// UserID is the user id claim (user_id by default, see [WithUserIDClaim]).
	// A JSON integer is kept as its exact decimal text: 123 reads as "123".
	UserID string
	// SessionID is the sid claim: created at login and kept across every
	// renewal. Empty for tokens that this library did not issue.
	SessionID string
	// TokenID is the jti claim, unique per token.
	TokenID string
	// Issuer is the iss claim.
	Issuer string
	// IssuedAt is the iat claim; zero when absent.
	IssuedAt time.Time
	// NotBefore is the nbf claim; zero when absent.
	NotBefore time.Time
	// ExpiresAt is the exp claim, always present in a verified token.
	ExpiresAt time.Time
	// AuthTime is the auth_time claim: when the user logged in. Zero for
	// tokens that this library did not issue.
	AuthTime time.Time

	// aud is the aud claim, a single string as one element; extra holds
	// the application claims, each as its JSON text. Neither is written
	// after decoding, so copies of a Claims may share them: callers read
	// them through [Claims.Audience], which copies, and [Claims.Claim].
	aud   []string
	extra map[string]string
	// tokenHash identifies a token that carries neither sid nor jti, so it
	// can still be revoked.
	tokenHash string
	// audience holds a single-string aud, which aud then refers to.
	audience [1]string
}

// Audience returns a copy of the aud claim (a single string reads as one
// element), or nil when the token has none.
func (c *Claims) Audience() []string { return slices.Clone(c.aud) }

// Claim returns the JSON text of the application claim name, exactly as
// the token carries it, and whether the token carries it. Application
// claims are the ones this library does not interpret; they are kept
// across renewals. Decode one with encoding/json:
//
//	raw, ok := claims.Claim("roles")
//	var roles []string
//	err := json.Unmarshal([]byte(raw), &roles)
func (c *Claims) Claim(name string) (string, bool) {
	raw, ok := c.extra[name]
	return raw, ok
}

// StartedBy reports whether the token's session had started by the
// instant at: its auth_time (the login, kept across renewals), or for a
// token without one its iat, is not after at; a token that carries
// neither counts as started. [Manager.RevokeUser] made at at covers
// exactly the tokens of that user for which StartedBy holds, renewed ones
// included, since renewal keeps auth_time.
func (c *Claims) StartedBy(at time.Time) bool {
	start := c.start()
	return start.IsZero() || !start.After(at)
}

// start returns the auth_time, else the iat, else the zero time.
func (c *Claims) start() time.Time {
	if !c.AuthTime.IsZero() {
		return c.AuthTime
	}
	return c.IssuedAt
}

// Renewable reports whether the token carries the sid and auth_time claims
// that renewal needs. Tokens from other issuers are verified but never
// renewed.
func (c *Claims) Renewable() bool {
	return c.SessionID != "" && !c.AuthTime.IsZero()
}

// RevocationKey returns the key under which the token is revoked: its
// session id when present (so one revocation covers every renewed token of
// the session), else its token id, else a digest of its signature.
func (c *Claims) RevocationKey() string {
	return string(c.appendRevocationKey(nil))
}

// appendRevocationKey appends [Claims.RevocationKey] to dst, so that
// lookups can build it without allocating.
func (c *Claims) appendRevocationKey(dst []byte) []byte {
	switch {
	case c.SessionID != "":
		return append(append(dst, "sid:"...), c.SessionID...)
	case c.TokenID != "":
		return append(append(dst, "jti:"...), c.TokenID...)
	default:
		return append(append(dst, "tok:"...), c.tokenHash...)
	}
}

// registered lists the claim names this library interprets, all ASCII. An
// application claim may not use them, nor any spelling that differs only in
// case.
var registered = [...]string{"exp", "iat", "nbf", "jti", "sid", "auth_time", "iss", "aud", "sub", "user_id"}

// Bounds for NumericDate values: not negative, not past the year 9999.
const maxNumericDate = 253402300799

// decodeClaims decodes a claims object strictly. userIDClaim names the user
// id member.
func decodeClaims(payload string, userIDClaim string) (*Claims, error) {
	c := &Claims{}
	sc := scanner{s: payload}
	// seen marks the registered claims read so far, one bit each, so that
	// duplicates are caught without comparing names; application claims
	// are caught by their map.
	var seen uint16
	err := sc.members(func(name string) error {
		var bit uint16
		var err error
		switch name {
		case userIDClaim:
			bit = 1 << 0
			c.UserID, err = sc.userID()
		case "exp":
			bit = 1 << 1
			c.ExpiresAt, err = sc.numericDate(false)
		case "iat":
			bit = 1 << 2
			c.IssuedAt, err = sc.numericDate(false)
		case "nbf":
			bit = 1 << 3
			c.NotBefore, err = sc.numericDate(false)
		case "auth_time":
			bit = 1 << 4
			c.AuthTime, err = sc.numericDate(true)
		case "jti":
			bit = 1 << 5
			c.TokenID, err = sc.nonEmptyString("jti")
		case "sid":
			bit = 1 << 6
			c.SessionID, err = sc.nonEmptyString("sid")
		case "iss":
			bit = 1 << 7
			c.Issuer, err = sc.nonEmptyString("iss")
		case "aud":
			bit = 1 << 8
			c.aud, err = sc.audience(&c.audience)
		default:
			if confusable(name, userIDClaim) {
				return invalid("claim name differs from a registered claim only in letter case or Unicode folding")
			}
			if _, dup := c.extra[name]; dup {
				return errDuplicateMember
			}
			var raw string
			if raw, err = sc.rawValue(); err == nil {
				if c.extra == nil {
					c.extra = make(map[string]string)
				}
				c.extra[name] = raw
			}
			return err
		}
		if seen&bit != 0 {
			return errDuplicateMember
		}
		seen |= bit
		return err
	}, false)
	switch {
	case err != nil:
		return nil, err
	case !sc.end():
		return nil, invalid("trailing data after the claims object")
	case seen&(1<<1) == 0:
		return nil, invalid("exp claim missing")
	case c.UserID == "":
		return nil, invalid("user id claim missing")
	}
	return c, nil
}

// confusable reports whether name differs from a registered claim name, or
// from userIDClaim, yet equals it under Unicode case folding: other
// decoders would read it as that claim. encoding/json, and every Go decoder
// that matches member names to struct fields as it does, folds with
// [strings.EqualFold]: "ſub" (with U+017F, LATIN SMALL LETTER LONG S) reads
// as "sub", and U+212A (KELVIN SIGN) as "k".
func confusable(name, userIDClaim string) bool {
	runes, ascii := runeCount(name)
	if foldsToOther(name, runes, ascii, registered[:]) {
		return true
	}
	// userIDClaim may hold any runes. Folding maps rune to rune, and a
	// rune outside ASCII takes two bytes or more, so a userIDClaim that
	// folds to name has at least as many bytes as name has runes, and as
	// many bytes as an ASCII name only when it is ASCII itself.
	u := userIDClaim
	switch {
	case u == name || len(u) < runes || name == "":
		return false
	case ascii && len(u) == len(name):
		return equalFoldASCII(u, name)
	case ascii && u[0] < utf8.RuneSelf && u[0]|0x20 != name[0]|0x20:
		return false // the first runes differ beyond ASCII case
	}
	return strings.EqualFold(u, name)
}

// foldsToOther reports whether name, of the given rune count, differs from
// one of names, which are all ASCII, yet equals it under Unicode case
// folding. Folding maps rune to rune, so only names with as many runes
// (bytes, being ASCII) are compared, and an all-ASCII name only by ASCII
// case: the usual name costs a length comparison per entry.
func foldsToOther(name string, runes int, ascii bool, names []string) bool {
	for _, n := range names {
		if len(n) != runes || n == name {
			continue
		}
		if ascii && equalFoldASCII(n, name) || !ascii && strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// runeCount returns the number of runes in s and whether all are ASCII.
func runeCount(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s), false
		}
	}
	return len(s), true
}

// equalFoldASCII reports whether a and b are equal under ASCII case
// folding.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y || (x < 'a' || x > 'z') && a[i] != b[i] {
			return false
		}
	}
	return true
}

// userID reads the user id: a non-empty string, or a non-negative JSON
// integer kept as its exact decimal text.
func (sc *scanner) userID() (string, error) {
	switch c := sc.peek(); {
	case c == '"':
		return sc.nonEmptyString("user id")
	case c >= '0' && c <= '9':
		n, err := sc.number()
		if err != nil {
			return "", err
		}
		for i := 0; i < len(n); i++ {
			if n[i] < '0' || n[i] > '9' {
				return "", invalid("user id is not an integer or a string")
			}
		}
		return n, nil
	}
	return "", invalid("user id is not an integer or a string")
}

func (sc *scanner) nonEmptyString(what string) (string, error) {
	if sc.peek() != '"' {
		return "", invalid(what + " is not a string")
	}
	s, err := sc.str()
	if err == nil && s == "" {
		err = invalid(what + " is empty")
	}
	return s, err
}

// numericDate reads a NumericDate: a non-negative JSON number without
// exponent, at most year 9999. A fraction is truncated: to the
// millisecond with ms (auth_time, which this library writes to the
// millisecond so that a login right after a RevokeUser is told apart from
// the sessions it covers), else to the second (exp, iat and nbf, so that
// exp never moves later).
func (sc *scanner) numericDate(ms bool) (time.Time, error) {
	sc.skipSpace()
	s, i := sc.s, sc.pos
	var v int64
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		v = v*10 + int64(s[i]-'0')
		if v > maxNumericDate {
			return time.Time{}, invalid("time claim out of range")
		}
		i++
	}
	switch {
	case i == start:
		return time.Time{}, invalid("time claim is not a non-negative number")
	case s[start] == '0' && i > start+1:
		return time.Time{}, invalid("malformed JSON number")
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
			return time.Time{}, invalid("malformed JSON number")
		}
		for d := i - frac; d < 3; d++ {
			milli *= 10
		}
		if !ms {
			milli = 0
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		return time.Time{}, invalid("time claim uses an exponent")
	}
	sc.pos = i
	return time.Unix(v, milli*int64(time.Millisecond)), nil
}

// audience reads aud: a string or a non-empty array of non-empty strings.
// A single string is kept in one, which spares an allocation.
func (sc *scanner) audience(one *[1]string) ([]string, error) {
	if sc.peek() == '"' {
		s, err := sc.nonEmptyString("aud")
		one[0] = s
		return one[:], err
	}
	if !sc.consume('[') {
		return nil, invalid("aud is not a string or an array of strings")
	}
	var aud []string
	for {
		s, err := sc.nonEmptyString("aud")
		if err != nil {
			return nil, err
		}
		aud = append(aud, s)
		if sc.consume(',') {
			continue
		}
		if sc.consume(']') {
			return aud, nil
		}
		return nil, invalid("aud is not a string or an array of strings")
	}
}

// hasAudience reports whether aud lists want.
func (c *Claims) hasAudience(want string) bool {
	return slices.Contains(c.aud, want)
}
