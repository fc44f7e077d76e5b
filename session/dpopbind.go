package session

import (
	"context"
	"fmt"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// thumbprintLen is the length of a base64url SHA-256 thumbprint.
const thumbprintLen = 43

var (
	errBoundToken      = invalid("token is bound to a DPoP key; refresh it with a proof of that key (RefreshBound)")
	errBindingMismatch = invalid("token is not bound to the proof's key")
)

// IssueBound starts a session for userID, as [Manager.Issue], with a
// token bound to a DPoP key (RFC 9449 §6.1): it carries cnf.jkt set to
// thumbprint, the RFC 7638 thumbprint of the client's key, which comes
// from a checked proof (package middleware's check of the login request
// returns it). Every renewal of the session stays bound to the same
// key. A thumbprint that is not the base64url of a SHA-256 hash is
// refused.
func (m *Manager) IssueBound(ctx context.Context, userID, thumbprint string, extra map[string]any) (*Token, error) {
	if !validThumbprint(thumbprint) {
		return nil, fmt.Errorf("session: IssueBound: %q is not an RFC 7638 SHA-256 thumbprint (43 base64url characters)", thumbprint)
	}
	return m.issue(userID, thumbprint, extra)
}

// RefreshBound verifies a token bound to a DPoP key and returns its
// successor, bound to the same key, as [Manager.Refresh] does for a
// bearer token. thumbprint is the thumbprint of the key of the request's
// proof, checked against the request (middleware.ThumbprintFromContext
// behind Authenticate); a token bound to another key, or not bound at all,
// is refused with an error matching [ErrInvalid].
func (m *Manager) RefreshBound(ctx context.Context, token, thumbprint string) (*Token, error) {
	c, err := m.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	if c.KeyThumbprint == "" || c.KeyThumbprint != thumbprint {
		return nil, errBindingMismatch
	}
	return m.Renew(ctx, c)
}

// validThumbprint reports whether s is the canonical base64url of 32
// bytes.
func validThumbprint(s string) bool {
	if len(s) != thumbprintLen {
		return false
	}
	var buf [33]byte
	n, err := b64.Decode(buf[:], jose.BytesView(s))
	return err == nil && n == 32
}

// confirmation reads the cnf claim (RFC 7800): an object whose only
// member is jkt, the SHA-256 thumbprint of a DPoP key. Other confirmation
// methods (jwk, x5t#S256, …) are refused rather than ignored, since
// ignoring one would accept a bound token without its proof.
func confirmation(sc *strictjson.Scanner) (string, error) {
	if sc.Next() != '{' {
		return "", invalid("cnf is not an object")
	}
	var jkt string
	err := sc.Object(func(name string) error {
		if name != "jkt" {
			return invalid("cnf holds a member other than jkt")
		}
		var err error
		jkt, err = jose.ReadString(sc, "cnf.jkt")
		if err == nil && !validThumbprint(jkt) {
			err = invalid("cnf.jkt is not a SHA-256 thumbprint")
		}
		return err
	})
	if err == nil && jkt == "" {
		err = invalid("cnf has no jkt")
	}
	return jkt, err
}
