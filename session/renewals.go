package session

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// renewalReuse is how long [Manager.Renew] hands out the same successor
// for the same token: within it, a token is signed at most once per
// presented token on a Manager, however many requests present it.
const renewalReuse = 30 * time.Second

// renewalEntries bounds the successors remembered. When it is reached,
// expired ones are dropped, then arbitrary ones; dropping one only costs
// a signature.
const renewalEntries = 4096

// renewals remembers recent successors by the jti of the token they
// renew, and signs each one once even under concurrent requests.
type renewals struct {
	group singleflight.Group

	mu      sync.Mutex
	entries map[string]renewal
}

// renewal is a successor and when it was signed.
type renewal struct {
	tok    *Token
	signed time.Time
}

// get returns a copy of the successor of jti signed within
// [renewalReuse] before now.
func (rs *renewals) get(jti string, now time.Time) (*Token, bool) {
	rs.mu.Lock()
	e, ok := rs.entries[jti]
	rs.mu.Unlock()
	if !ok || !fresh(e, now) {
		return nil, false
	}
	return e.tok.clone(), true
}

// fresh reports whether e may still be handed out at now.
func fresh(e renewal, now time.Time) bool {
	return !now.Before(e.signed) && now.Sub(e.signed) < renewalReuse && now.Before(e.tok.Claims.ExpiresAt)
}

// do returns the successor of jti: a fresh remembered one, or the one
// sign makes, signing once for all callers that ask at the same time.
func (rs *renewals) do(jti string, now time.Time, sign func() (*Token, error)) (*Token, error) {
	if tok, ok := rs.get(jti, now); ok {
		return tok, nil
	}
	v, err, _ := rs.group.Do(jti, func() (any, error) {
		if tok, ok := rs.get(jti, now); ok {
			return tok, nil
		}
		tok, err := sign()
		if err != nil {
			return nil, err
		}
		rs.put(jti, renewal{tok: tok.clone(), signed: now})
		return tok, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Token).clone(), nil
}

func (rs *renewals) put(jti string, e renewal) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.entries == nil {
		rs.entries = make(map[string]renewal)
	}
	if len(rs.entries) >= renewalEntries {
		for k, old := range rs.entries {
			if !fresh(old, e.signed) {
				delete(rs.entries, k)
			}
		}
		for k := range rs.entries {
			if len(rs.entries) < renewalEntries {
				break
			}
			delete(rs.entries, k)
		}
	}
	rs.entries[jti] = e
}

// clone returns a copy of t whose Claims the caller may modify.
func (t *Token) clone() *Token {
	c := *t
	claims := *t.Claims
	c.Claims = &claims
	return &c
}

// ShouldRenew reports whether the sliding refresh should renew c now: the
// token is renewable, has less than the renewal threshold left, its
// session is younger than the maximum lifetime, and a renewed token would
// expire later than c.
func (m *Manager) ShouldRenew(c *Claims) bool {
	if !c.Renewable() || m.signingKey() == nil {
		return false
	}
	now := m.now()
	if c.ExpiresAt.Sub(now) >= m.cfg.renewWithin {
		return false
	}
	exp, ok := m.renewedExpiry(c, now)
	return ok && exp.Unix() > c.ExpiresAt.Unix()
}

// renewedExpiry returns min(now+TTL, auth_time+MaxLifetime) and whether
// the session may still be renewed at now.
func (m *Manager) renewedExpiry(c *Claims, now time.Time) (time.Time, bool) {
	end := c.AuthTime.Add(m.cfg.maxLifetime)
	if !now.Before(end) {
		return time.Time{}, false
	}
	exp := now.Add(m.cfg.ttl)
	if end.Before(exp) {
		exp = end
	}
	return exp, true
}

// Renew issues the successor of verified claims c: same user id, session
// id, auth_time and application claims; a new jti and iat; and
// exp = min(now+TTL, auth_time+MaxLifetime). It returns [ErrNotRenewable]
// for tokens without sid or auth_time and for sessions past their maximum
// lifetime, [ErrExpired] for an expired c, and [ErrRevoked] when the
// session or user has been revoked since c was verified: it asks the
// revocation store again, so that a logout made while a request was being
// served is never undone by the renewal at its end. c must come from
// [Manager.Verify]; use [Manager.Refresh] for a token string.
//
// A token is signed at most once per 30 seconds per presented token:
// renewing the same c again within that time returns the same successor
// (after the same checks), so that a client polling inside the renewal
// window costs no signature per request.
func (m *Manager) Renew(ctx context.Context, c *Claims) (*Token, error) {
	if !c.Renewable() {
		return nil, errNoSession
	}
	now := m.now()
	if !now.Before(c.ExpiresAt.Add(m.cfg.leeway)) {
		return nil, errExpired
	}
	exp, ok := m.renewedExpiry(c, now)
	if !ok {
		return nil, errLifetimeReached
	}
	if m.signingKey() == nil {
		return nil, fmt.Errorf("session: renew: %w", errVerifyOnly)
	}
	if err := m.checkRevoked(ctx, c); err != nil {
		return nil, err
	}
	sign := func() (*Token, error) {
		next := &Claims{
			UserID:    c.UserID,
			SessionID: c.SessionID,
			AuthTime:  c.AuthTime,
			extra:     c.extra,
			// The successor is bound to the same key.
			KeyThumbprint: c.KeyThumbprint,
		}
		return m.sign(next, now, exp)
	}
	if c.TokenID == "" {
		return sign()
	}
	return m.renewals.do(c.TokenID, now, sign)
}

// Refresh verifies token and returns its successor, as [Manager.Renew].
// Expired, revoked and invalid tokens are refused with the error of
// [Manager.Verify]. A token bound to a DPoP key (cnf.jkt) is refused
// with an error matching [ErrInvalid]: it is refreshed only with a proof
// of its key, through [Manager.RefreshBound].
func (m *Manager) Refresh(ctx context.Context, token string) (*Token, error) {
	c, err := m.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	if c.KeyThumbprint != "" {
		return nil, errBoundToken
	}
	return m.Renew(ctx, c)
}
