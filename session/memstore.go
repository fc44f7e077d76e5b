package session

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultMemoryStoreEntries is the default bound of a [MemoryStore].
const DefaultMemoryStoreEntries = 100_000

// ErrStoreFull is returned by [MemoryStore] when a revocation would exceed
// its bound and no recorded revocation has expired yet. Revocations are
// never dropped to make room: dropping one would make revoked tokens valid
// again.
var ErrStoreFull = errors.New("session: revocation store is full")

// sweepInterval is how often a write also forgets expired records.
const sweepInterval = time.Minute

// MemoryStoreOptions configures [NewMemoryStore]. The zero value is ready to
// use.
type MemoryStoreOptions struct {
	// MaxEntries bounds the number of records (sessions and users).
	// Default: [DefaultMemoryStoreEntries].
	MaxEntries int
	// Clock is the source of the current time, used to forget records
	// whose tokens can no longer be valid. Default: [time.Now].
	Clock func() time.Time
}

// MemoryStore is an in-process [Store]: bounded, safe for concurrent use,
// and forgetting each record once the tokens it covers can no longer be
// valid. Revocations are not shared between processes: a deployment of
// several instances needs a shared store such as session/redisstore. It
// never fails for being unreachable; its only error is [ErrStoreFull].
// Revoked allocates nothing.
type MemoryStore struct {
	max int
	now func() time.Time

	mu        sync.RWMutex
	keys      map[string]time.Time
	users     map[string]userRevocation
	lastSweep time.Time
}

type userRevocation struct {
	before int64 // tokens with iat before this Unix time are revoked
	until  time.Time
}

// NewMemoryStore returns an empty [MemoryStore].
func NewMemoryStore(opts MemoryStoreOptions) *MemoryStore {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMemoryStoreEntries
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &MemoryStore{
		max:   opts.MaxEntries,
		now:   opts.Clock,
		keys:  make(map[string]time.Time),
		users: make(map[string]userRevocation),
	}
}

// Revoke implements [Store].
func (s *MemoryStore) Revoke(_ context.Context, key string, until time.Time) error {
	if !s.now().Before(until) {
		return nil // covers nothing any more
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.keys[key]
	if !exists {
		if err := s.makeRoom(); err != nil {
			return err
		}
	}
	if !exists || until.After(old) {
		s.keys[key] = until
	}
	return nil
}

// RevokeUser implements [Store].
func (s *MemoryStore) RevokeUser(_ context.Context, userID string, before, until time.Time) error {
	if !s.now().Before(until) {
		return nil // covers nothing any more
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.users[userID]
	if !exists {
		if err := s.makeRoom(); err != nil {
			return err
		}
	}
	rec := userRevocation{before: before.Unix(), until: until}
	if exists {
		rec.before = max(rec.before, old.before)
		if old.until.After(rec.until) {
			rec.until = old.until
		}
	}
	s.users[userID] = rec
	return nil
}

// Revoked implements [Store].
func (s *MemoryStore) Revoked(_ context.Context, c *Claims) (bool, error) {
	var buf [64]byte
	key := c.appendRevocationKey(buf[:0])
	s.mu.RLock()
	until, keyFound := s.keys[string(key)]
	user, userFound := s.users[c.UserID]
	s.mu.RUnlock()
	if !keyFound && !userFound {
		return false, nil
	}
	now := s.now()
	if keyFound && now.Before(until) {
		return true, nil
	}
	if userFound && now.Before(user.until) && (c.IssuedAt.IsZero() || c.IssuedAt.Unix() < user.before) {
		return true, nil
	}
	return false, nil
}

// Len returns the number of records held.
func (s *MemoryStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.keys) + len(s.users)
}

// makeRoom forgets expired records when the store is full or a sweep is
// due, and reports [ErrStoreFull] when no room is left. s.mu is held.
func (s *MemoryStore) makeRoom() error {
	now := s.now()
	full := len(s.keys)+len(s.users) >= s.max
	if full || now.Sub(s.lastSweep) >= sweepInterval {
		s.lastSweep = now
		for k, until := range s.keys {
			if !now.Before(until) {
				delete(s.keys, k)
			}
		}
		for k, rec := range s.users {
			if !now.Before(rec.until) {
				delete(s.users, k)
			}
		}
	}
	if len(s.keys)+len(s.users) >= s.max {
		return ErrStoreFull
	}
	return nil
}
