package session

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// This file holds the Store wrappers that change how revocation checks
// behave when the store is slow or down. Without them, verification fails
// closed: a store that cannot answer makes [Manager.Verify] return
// [ErrUnavailable], which the middleware answers with 503 and Retry-After.

// FailOpen returns a [Store] that answers "not revoked" when s cannot be
// reached, instead of failing verification. Only errors matching
// [ErrStoreUnavailable] are turned into "not revoked", and only while the
// check's own context is live: a check whose context was cancelled or ran
// out (a client that hangs up, a request deadline) still fails closed, as
// does any other error of s. onUnavailable, when not nil, is called with each
// such error (log it, count it, page someone); it must be safe for
// concurrent use. Revoke and RevokeUser are passed through unchanged: a
// logout that could not be recorded is reported as an error, never
// pretended.
//
// The risk: while s is unreachable, every revoked token (logged-out
// sessions, users logged out everywhere, e.g. after a password change) is
// accepted again until its own exp, and an attacker who can make the
// store unreachable, for instance by overloading it, can replay a stolen
// token that was revoked. Choose it only where availability matters more
// than revocation, and keep token lifetimes short. When combined with
// [CacheNotRevoked], put FailOpen outside, FailOpen(CacheNotRevoked(s)),
// so that the answers given during an outage are not cached.
func FailOpen(s Store, onUnavailable func(ctx context.Context, err error)) (Store, error) {
	if s == nil {
		return nil, errors.New("session: FailOpen needs a Store; got nil")
	}
	return &failOpenStore{Store: s, onUnavailable: onUnavailable}, nil
}

type failOpenStore struct {
	Store
	onUnavailable func(ctx context.Context, err error)
}

// Revoked implements [Store]: "not revoked" when the inner store is
// unreachable.
func (s *failOpenStore) Revoked(ctx context.Context, c *Claims) (bool, error) {
	revoked, err := s.Store.Revoked(ctx, c)
	// A request whose own context ended (a client that hung up, a
	// deadline of the application) is no outage: it fails closed, or
	// a client could skip the check by cancelling its request.
	if err != nil && ctx.Err() == nil && errors.Is(err, ErrStoreUnavailable) {
		if s.onUnavailable != nil {
			s.onUnavailable(ctx, err)
		}
		return false, nil
	}
	return revoked, err
}

// maxCacheAge is the longest [CacheOptions.MaxAge] that [CacheNotRevoked]
// accepts: a revocation made elsewhere must not take longer than this to
// take effect.
const maxCacheAge = time.Minute

// defaultCacheEntries is the default bound of [CacheNotRevoked].
const defaultCacheEntries = 10_000

// CacheOptions configures [CacheNotRevoked].
type CacheOptions struct {
	// MaxAge is how long a "not revoked" answer is reused, and so the bound
	// on how late a revocation made through another instance takes effect
	// on this one. Required: it must be positive and at most one minute.
	MaxAge time.Duration
	// MaxEntries bounds the number of cached answers; when full, an
	// arbitrary answer is dropped (dropping one only costs a lookup).
	// Default: 10,000.
	MaxEntries int
	// Clock is the source of the current time. Default: [time.Now].
	Clock func() time.Time
}

// CacheNotRevoked returns a [Store] that remembers the "not revoked"
// answers of s in this process for at most opts.MaxAge, so that a token
// seen again within that time costs no round trip. "Revoked" answers and
// errors are never cached.
//
// The bound: a revocation recorded in s by another instance (or by any
// other client of the backend) takes effect on this instance at most
// MaxAge after s acknowledged it; a check that starts MaxAge or more after
// that always sees it. Revocations made through this wrapper take effect
// on this instance at once: they drop the cached answers they cover. Add
// MaxAge to the store's own consistency delay (such as replica lag) when
// stating how late a logout can be.
func CacheNotRevoked(s Store, opts CacheOptions) (Store, error) {
	switch {
	case s == nil:
		return nil, errors.New("session: CacheNotRevoked needs a Store; got nil")
	case opts.MaxAge <= 0 || opts.MaxAge > maxCacheAge:
		return nil, fmt.Errorf("session: cache max age is %v; it must be positive and at most %v", opts.MaxAge, maxCacheAge)
	case opts.MaxEntries < 0:
		return nil, fmt.Errorf("session: cache max entries is %d; it must not be negative", opts.MaxEntries)
	}
	if opts.MaxEntries == 0 {
		opts.MaxEntries = defaultCacheEntries
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &cacheStore{
		inner:   s,
		maxAge:  opts.MaxAge,
		max:     opts.MaxEntries,
		now:     opts.Clock,
		entries: make(map[string]cacheEntry),
	}, nil
}

type cacheStore struct {
	inner  Store
	maxAge time.Duration
	max    int
	now    func() time.Time

	mu        sync.RWMutex
	entries   map[string]cacheEntry // by revocation key
	gen       uint64                // counts local revocations
	lastSweep time.Time
}

// cacheEntry is a "not revoked" answer for the token with this revocation
// key, user id and session start (see [Claims.StartedBy]).
type cacheEntry struct {
	userID  string
	start   int64
	expires time.Time
}

// noStart stands for a token without auth_time and iat.
const noStart = math.MinInt64

func startOf(c *Claims) int64 {
	if start := c.start(); !start.IsZero() {
		return start.UnixMilli()
	}
	return noStart
}

// Revoked implements [Store]. A cached answer is found without
// allocating.
func (s *cacheStore) Revoked(ctx context.Context, c *Claims) (bool, error) {
	var buf [64]byte
	key := c.appendRevocationKey(buf[:0])
	start := s.now()
	s.mu.RLock()
	e, found := s.entries[string(key)]
	gen := s.gen
	s.mu.RUnlock()
	if found && e.userID == c.UserID && e.start == startOf(c) && start.Before(e.expires) {
		return false, nil
	}
	revoked, err := s.inner.Revoked(ctx, c)
	if err != nil || revoked {
		return revoked, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A local revocation while the store was asked may be one the answer
	// missed: do not cache it.
	if s.gen == gen {
		s.makeRoom(start)
		s.entries[string(key)] = cacheEntry{userID: c.UserID, start: startOf(c), expires: start.Add(s.maxAge)}
	}
	return false, nil
}

// Revoke implements [Store] and drops the cached answer for key.
func (s *cacheStore) Revoke(ctx context.Context, key, userID string, until time.Time) error {
	err := s.inner.Revoke(ctx, key, userID, until)
	// After the write, so that an answer read before it and cached
	// meanwhile goes too; on error as well, as the write may have landed.
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	delete(s.entries, key)
	return err
}

// RevokeUser implements [Store] and drops the cached answers for userID.
func (s *cacheStore) RevokeUser(ctx context.Context, userID string, at, until time.Time) error {
	err := s.inner.RevokeUser(ctx, userID, at, until)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	for k, e := range s.entries {
		if e.userID == userID {
			delete(s.entries, k)
		}
	}
	return err
}

// makeRoom keeps the cache within its bound. s.mu is held.
func (s *cacheStore) makeRoom(now time.Time) {
	if len(s.entries) < s.max {
		return
	}
	if now.Sub(s.lastSweep) >= s.maxAge {
		s.lastSweep = now
		for k, e := range s.entries {
			if !now.Before(e.expires) {
				delete(s.entries, k)
			}
		}
	}
	for k := range s.entries {
		if len(s.entries) < s.max {
			break
		}
		delete(s.entries, k)
	}
}
