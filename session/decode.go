package session

import (
	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// registered lists the claim names this library interprets, all ASCII. An
// application claim may not use them, nor any spelling that differs only in
// case.
var registered = [...]string{"exp", "iat", "nbf", "jti", "sid", "auth_time", "iss", "aud", "sub", "user_id", "cnf"}

// decodeClaims decodes a claims object strictly. userIDClaim names the user
// id member.
func decodeClaims(payload string, userIDClaim string) (*Claims, error) {
	c := &Claims{}
	sc := strictjson.New(payload)
	// seen marks the registered claims read so far, one bit each, so that
	// duplicates are caught without comparing names; application claims
	// are caught by their map.
	var seen uint16
	err := sc.Members(func(name string) error {
		var bit uint16
		var err error
		switch name {
		case userIDClaim:
			bit = 1 << 0
			c.UserID, err = userID(&sc)
		case "exp":
			bit = 1 << 1
			c.ExpiresAt, err = jose.ReadNumericDate(&sc, false)
		case "iat":
			bit = 1 << 2
			c.IssuedAt, err = jose.ReadNumericDate(&sc, false)
		case "nbf":
			bit = 1 << 3
			c.NotBefore, err = jose.ReadNumericDate(&sc, false)
		case "auth_time":
			bit = 1 << 4
			c.AuthTime, err = jose.ReadNumericDate(&sc, true)
		case "jti":
			bit = 1 << 5
			c.TokenID, err = jose.ReadString(&sc, "jti")
		case "sid":
			bit = 1 << 6
			c.SessionID, err = jose.ReadString(&sc, "sid")
		case "iss":
			bit = 1 << 7
			c.Issuer, err = jose.ReadString(&sc, "iss")
		case "aud":
			bit = 1 << 8
			c.aud, err = audience(&sc, &c.audience)
		case "cnf":
			bit = 1 << 9
			c.KeyThumbprint, err = confirmation(&sc)
		default:
			if confusable(name, userIDClaim) {
				return invalid("claim name differs from a registered claim only in letter case or Unicode folding")
			}
			if _, dup := c.extra[name]; dup {
				return strictjson.ErrDuplicateMember
			}
			var raw string
			if raw, err = sc.RawValue(); err == nil {
				if c.extra == nil {
					c.extra = make(map[string]string)
				}
				c.extra[name] = raw
			}
			return err
		}
		if seen&bit != 0 {
			return strictjson.ErrDuplicateMember
		}
		seen |= bit
		return err
	})
	switch {
	case err != nil:
		return nil, jsonInvalid(err)
	case !sc.End():
		return nil, invalid("trailing data after the claims object")
	case seen&(1<<1) == 0:
		return nil, invalid("exp claim missing")
	case c.UserID == "":
		return nil, invalid("user id claim missing")
	}
	return c, nil
}

// userID reads the user id: a non-empty string, or a non-negative JSON
// integer kept as its exact decimal text.
func userID(sc *strictjson.Scanner) (string, error) {
	switch c := sc.Next(); {
	case c == '"':
		return jose.ReadString(sc, "user id")
	case c >= '0' && c <= '9':
		n, err := sc.Number()
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

// audience reads aud: a string or a non-empty array of non-empty strings.
// A single string is kept in one, which spares an allocation.
func audience(sc *strictjson.Scanner, one *[1]string) ([]string, error) {
	if sc.Next() == '"' {
		s, err := jose.ReadString(sc, "aud")
		one[0] = s
		return one[:], err
	}
	if !sc.Consume('[') {
		return nil, invalid("aud is not a string or an array of strings")
	}
	var aud []string
	for {
		s, err := jose.ReadString(sc, "aud")
		if err != nil {
			return nil, err
		}
		aud = append(aud, s)
		if sc.Consume(',') {
			continue
		}
		if sc.Consume(']') {
			return aud, nil
		}
		return nil, invalid("aud is not a string or an array of strings")
	}
}
