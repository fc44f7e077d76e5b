package session

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Claims is the typed content of a verified token.
type Claims struct {
	// UserID is the user id claim (user_id by default, see
	// [Options.UserIDClaim]).
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
	// KeyThumbprint is the jkt member of the cnf claim (RFC 9449 §6.1):
	// the RFC 7638 thumbprint of the key the token is bound to, or "" for
	// an unbound (bearer) token. A bound token is good only with a DPoP
	// proof signed by that key; [Manager.Verify] does not check one, the
	// caller must (package middleware does). Renewal keeps it.
	KeyThumbprint string

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

// Decode decodes the application claims (see [Claims.Claim]) into v, as
// [json.Unmarshal] decodes an object; v is usually a pointer to a struct
// whose json tags name the claims:
//
//	var app struct {
//		Role  string   `json:"role"`
//		Teams []string `json:"teams"`
//	}
//	err := claims.Decode(&app)
//
// The registered claims (the user id, exp, sid, …) are not in the object:
// read them from c's fields. encoding/json matches names regardless of
// letter case, so give application claims names that differ in more than
// case.
func (c *Claims) Decode(v any) error {
	obj := appendApplicationClaims([]byte{'{'}, c)
	if len(obj) > 1 {
		obj = append(obj[:1], obj[2:]...) // the first claim's leading comma
	}
	if err := json.Unmarshal(append(obj, '}'), v); err != nil {
		return fmt.Errorf("session: decode the application claims: %w", err)
	}
	return nil
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

// hasAudience reports whether aud lists want.
func (c *Claims) hasAudience(want string) bool {
	return slices.Contains(c.aud, want)
}
