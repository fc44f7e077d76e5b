package session

import (
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
