package session

import (
	"context"
	"fmt"
	"time"
)

// Revoke rejects the token of c and, for a token with a session id, every
// token of its session, renewed ones included ("log out"). The record
// lasts until no token it covers can be valid any more.
func (m *Manager) Revoke(ctx context.Context, c *Claims) error {
	until := c.ExpiresAt
	if c.SessionID != "" {
		end := m.now().Add(m.maxLife)
		if !c.AuthTime.IsZero() {
			// Tokens of this library's sessions end by then.
			end = c.AuthTime.Add(m.maxLife)
		}
		until = later(until, end)
	}
	if err := m.cfg.store.Revoke(ctx, c.RevocationKey(), c.UserID, until.Add(m.cfg.leeway)); err != nil {
		return fmt.Errorf("session: revoke: %w", err)
	}
	return nil
}

// RevokeSession rejects every token of the session sid, for as long as a
// token of a session that exists now could live. It is meant for
// administration; a logout calls [Manager.Revoke], which also tells the
// store the user, so that one user's revocations cannot crowd out
// another's.
func (m *Manager) RevokeSession(ctx context.Context, sid string) error {
	if sid == "" {
		return fmt.Errorf("session: revoke: empty session id")
	}
	until := m.now().Add(m.maxLife + m.cfg.leeway)
	if err := m.cfg.store.Revoke(ctx, "sid:"+sid, "", until); err != nil {
		return fmt.Errorf("session: revoke: %w", err)
	}
	return nil
}

// RevokeUser rejects every token of userID whose session had started by
// now, to the millisecond ("log out everywhere"; see [Claims.StartedBy]):
// every session's tokens, renewed ones included, however they are renewed
// later. Sessions started after it, such as those of a new login, are
// accepted. For tokens of other issuers, which carry no auth_time, iat
// stands in for the session start, in whole seconds: a token issued in
// the same second as the revocation is covered too.
func (m *Manager) RevokeUser(ctx context.Context, userID string) error {
	if userID == "" {
		return fmt.Errorf("session: revoke: empty user id")
	}
	now := m.now()
	until := now.Add(m.maxLife + m.cfg.leeway)
	if err := m.cfg.store.RevokeUser(ctx, userID, now.Truncate(time.Millisecond), until); err != nil {
		return fmt.Errorf("session: revoke: %w", err)
	}
	return nil
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
