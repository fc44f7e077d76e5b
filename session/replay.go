package session

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// ReplayCache remembers the ids of the DPoP proofs a server has
// accepted, so that none is accepted twice within its window (RFC 9449
// §11.1); package middleware names a proof by its key's thumbprint and
// its jti. [*MemoryStore] serves one process; session/redisstore's Store
// serves several instances sharing a Redis.
type ReplayCache interface {
	// Add records id until the instant until and reports whether id was
	// new: true the first time, false while a record of id lives. Checking
	// and recording are one atomic step, so that of concurrent calls with
	// the same id, on every client of the same backend, exactly one gets
	// true. A cache may keep a record longer than until, never shorter,
	// and may store a digest of id instead of id. An error means the cache
	// could not answer (the store errors of [Store] apply); the caller
	// then refuses the proof.
	Add(ctx context.Context, id string, until time.Time) (bool, error)
}

var _ ReplayCache = (*MemoryStore)(nil)

// replaySweepInterval is how often the replay set forgets expired ids:
// a write sweeps the set when the last sweep is this old. A set full of
// live ids so costs one sweep per interval, not one per proof, and frees
// the room of expired ids within one interval.
const replaySweepInterval = time.Second

// replaySet holds proof ids by their SHA-256 digest (a fixed size per
// entry whatever the id) with the Unix nanosecond until which each is
// kept.
type replaySet struct {
	mu        sync.Mutex
	ids       map[[sha256.Size]byte]int64
	lastSweep time.Time
}

// Add implements [ReplayCache]: it holds at most MaxEntries ids
// (the bound of [MemoryStoreOptions], counted apart from revocations),
// forgets each once its until has passed, and when full of live ids
// refuses new ones with [ErrStoreFull] rather than forget one early. An
// until that has already passed records nothing.
func (s *MemoryStore) Add(_ context.Context, id string, until time.Time) (bool, error) {
	now := s.now()
	if !now.Before(until) {
		return true, nil
	}
	key := sha256.Sum256(jose.BytesView(id))
	r := &s.replay
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = make(map[[sha256.Size]byte]int64)
	}
	if old, seen := r.ids[key]; seen && now.UnixNano() < old {
		return false, nil
	}
	if now.Sub(r.lastSweep) >= replaySweepInterval || now.Before(r.lastSweep) {
		r.lastSweep = now
		for k, exp := range r.ids {
			if now.UnixNano() >= exp {
				delete(r.ids, k)
			}
		}
	}
	if len(r.ids) >= s.max {
		return false, ErrStoreFull
	}
	r.ids[key] = until.UnixNano()
	return true, nil
}
