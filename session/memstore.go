package session

import (
	"context"
	"errors"
	"sync"
	"time"
)

// defaultMemoryStoreEntries is the default bound of a [MemoryStore].
const defaultMemoryStoreEntries = 100_000

// ErrStoreFull is returned by [MemoryStore] when a revocation would exceed
// its bound, no recorded revocation has expired yet, and no user's records
// can be merged. Revocations are never dropped to make room: dropping one
// would make revoked tokens valid again.
var ErrStoreFull = errors.New("session: revocation store is full")

// sweepInterval is how often a write also forgets expired records.
const sweepInterval = time.Minute

// MemoryStoreOptions configures [NewMemoryStore]. The zero value is ready to
// use.
type MemoryStoreOptions struct {
	// MaxEntries bounds, separately, two sets of records: the
	// revocations (of sessions, tokens and users) and the DPoP proof ids
	// of [MemoryStore.Add] (the store as a [ReplayCache]). Each set holds
	// at most MaxEntries records, so memory is bounded by up to twice
	// MaxEntries records. A proof id is kept for its proof's window, 65
	// seconds with package middleware's defaults (MaxAge 60 s plus
	// MaxFuture 5 s), so the default bound serves about 100,000 / 65,
	// some 1,500 proofs per second, before Add refuses new ids.
	// Default: 100,000.
	MaxEntries int
	// Clock is the source of the current time, used to forget records
	// whose tokens can no longer be valid. Default: [time.Now].
	Clock func() time.Time
}

// MemoryStore is an in-process [Store]: bounded, safe for concurrent use,
// and forgetting each record once the tokens it covers can no longer be
// valid. Revocations are not shared between processes: a deployment of
// several instances needs a shared store such as session/redisstore. It
// never fails for being unreachable. Revoked allocates nothing.
//
// When full, it first forgets expired records; if that is not enough, it
// merges the records of the user with the most (such as one who logs in
// and out in a loop) into one revocation of that user: the user is logged
// out everywhere, including sessions started within 5 minutes (the
// largest [Options.Leeway]) after the merge, which covers tokens stamped
// by a clock running that much ahead.
// So one user's revocations never crowd out another's, and no revocation
// is weakened. Only when no user holds two records or more does a
// revocation fail, with [ErrStoreFull].
//
// It is also a [ReplayCache]: [MemoryStore.Add] records DPoP proof ids in
// a set of its own, apart from the revocations and bounded by the same
// [MemoryStoreOptions.MaxEntries]. A full set of live ids refuses new ones
// with [ErrStoreFull]; no id is forgotten before its until.
type MemoryStore struct {
	max int
	now func() time.Time

	mu    sync.RWMutex
	keys  map[string]keyRevocation
	users map[string]userRevocation
	// perUser counts the records in keys of each known user.
	perUser   map[string]int
	lastSweep time.Time

	// replay holds the DPoP proof ids of [MemoryStore.Add].
	replay replaySet
}

type keyRevocation struct {
	until  time.Time
	userID string // "" when unknown
}

type userRevocation struct {
	at    time.Time // tokens that had started by this instant are revoked
	until time.Time
}

// NewMemoryStore returns an empty [MemoryStore].
func NewMemoryStore(opts MemoryStoreOptions) *MemoryStore {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = defaultMemoryStoreEntries
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &MemoryStore{
		max:     opts.MaxEntries,
		now:     opts.Clock,
		keys:    make(map[string]keyRevocation),
		users:   make(map[string]userRevocation),
		perUser: make(map[string]int),
	}
}

// Revoke implements [Store].
func (s *MemoryStore) Revoke(_ context.Context, key, userID string, until time.Time) error {
	now := s.now()
	if !now.Before(until) {
		return nil // covers nothing any more
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, exists := s.keys[key]; exists {
		if until.After(old.until) {
			old.until = until
			s.keys[key] = old
		}
		return nil
	}
	if err := s.makeRoom(now); err != nil {
		return err
	}
	s.keys[key] = keyRevocation{until: until, userID: userID}
	if userID != "" {
		s.perUser[userID]++
	}
	return nil
}

// RevokeUser implements [Store].
func (s *MemoryStore) RevokeUser(_ context.Context, userID string, at, until time.Time) error {
	now := s.now()
	if !now.Before(until) {
		return nil // covers nothing any more
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.users[userID]; !exists {
		if err := s.makeRoom(now); err != nil {
			return err
		}
	}
	s.addUser(userID, userRevocation{at: at.Truncate(time.Millisecond), until: until})
	return nil
}

// addUser records rec for userID, keeping the later at and until of rec
// and any record already there. s.mu is held.
func (s *MemoryStore) addUser(userID string, rec userRevocation) {
	if old, exists := s.users[userID]; exists {
		rec.at = later(rec.at, old.at)
		rec.until = later(rec.until, old.until)
	}
	s.users[userID] = rec
}

// Revoked implements [Store].
func (s *MemoryStore) Revoked(_ context.Context, c *Claims) (bool, error) {
	var buf [64]byte
	key := c.appendRevocationKey(buf[:0])
	s.mu.RLock()
	rec, keyFound := s.keys[string(key)]
	user, userFound := s.users[c.UserID]
	s.mu.RUnlock()
	if !keyFound && !userFound {
		return false, nil
	}
	now := s.now()
	if keyFound && now.Before(rec.until) {
		return true, nil
	}
	if userFound && now.Before(user.until) && c.StartedBy(user.at) {
		return true, nil
	}
	return false, nil
}

// len returns the number of records held.
func (s *MemoryStore) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.keys) + len(s.users)
}

// makeRoom makes room for one record: it forgets expired records when
// the store is full or a sweep is due, then merges the records of the user
// with the most, and reports [ErrStoreFull] when no room is left. s.mu is
// held.
func (s *MemoryStore) makeRoom(now time.Time) error {
	if len(s.keys)+len(s.users) >= s.max || now.Sub(s.lastSweep) >= sweepInterval {
		s.lastSweep = now
		for k, rec := range s.keys {
			if !now.Before(rec.until) {
				s.deleteKey(k, rec)
			}
		}
		for k, rec := range s.users {
			if !now.Before(rec.until) {
				delete(s.users, k)
			}
		}
	}
	if len(s.keys)+len(s.users) < s.max {
		return nil
	}
	if s.mergeLargest(now) && len(s.keys)+len(s.users) < s.max {
		return nil
	}
	return ErrStoreFull
}

// mergeLargest replaces the records of the user whose merge frees the most
// room by one revocation of that user, and reports whether it freed any.
// s.mu is held.
func (s *MemoryStore) mergeLargest(now time.Time) bool {
	var userID string
	best := 0
	for u, n := range s.perUser {
		if _, exists := s.users[u]; !exists {
			n-- // the merge adds a user record
		}
		if n > best {
			userID, best = u, n
		}
	}
	if best == 0 {
		return false
	}
	rec := userRevocation{at: now.Add(maxLeeway).Truncate(time.Millisecond)}
	for k, kr := range s.keys {
		if kr.userID == userID {
			rec.until = later(rec.until, kr.until)
			s.deleteKey(k, kr)
		}
	}
	s.addUser(userID, rec)
	return true
}

// deleteKey forgets the record rec of key. s.mu is held.
func (s *MemoryStore) deleteKey(key string, rec keyRevocation) {
	delete(s.keys, key)
	if rec.userID == "" {
		return
	}
	if s.perUser[rec.userID]--; s.perUser[rec.userID] == 0 {
		delete(s.perUser, rec.userID)
	}
}
