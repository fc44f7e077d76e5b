package redisstore

import (
	"sync"
	"time"
)

// userRecord is a user revocation: the cutoff and the until, in Unix ms.
type userRecord struct{ at, until int64 }

// ownWrites holds the revocations a store wrote, until each one's until,
// so that the store's own checks see them at once even while the cache
// still holds the entry that Redis is about to invalidate. Its memory
// is bounded by the revocations this store wrote that still run.
type ownWrites struct {
	mu        sync.Mutex
	rev       map[string]int64
	user      map[string]userRecord
	nextSweep int // size at which expired entries are dropped
}

func (o *ownWrites) revoke(key string, until int64, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rev[key] = max(o.rev[key], until)
	o.sweep(now)
}

func (o *ownWrites) revokeUser(key string, r userRecord, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	old := o.user[key]
	o.user[key] = userRecord{at: max(old.at, r.at), until: max(old.until, r.until)}
	o.sweep(now)
}

// sweep drops the records that are over once the maps have doubled since
// the last sweep, so that writes cost amortized constant time.
func (o *ownWrites) sweep(now time.Time) {
	n := len(o.rev) + len(o.user)
	if n < o.nextSweep {
		return
	}
	ms := now.UnixMilli()
	for k, u := range o.rev {
		if u <= ms {
			delete(o.rev, k)
		}
	}
	for k, r := range o.user {
		if r.until <= ms {
			delete(o.user, k)
		}
	}
	o.nextSweep = max(2*(len(o.rev)+len(o.user)), 64)
}

// merge returns the later of what Redis said and what this store wrote.
func (o *ownWrites) merge(sk, uk string, sessUntil int64, user userRecord) (int64, userRecord) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.rev) == 0 && len(o.user) == 0 {
		return sessUntil, user
	}
	if u, ok := o.rev[sk]; ok {
		sessUntil = max(sessUntil, u)
	}
	if r, ok := o.user[uk]; ok {
		user = userRecord{at: max(user.at, r.at), until: max(user.until, r.until)}
	}
	return sessUntil, user
}
