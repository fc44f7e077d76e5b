package session

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// verifiedCache remembers the claims of tokens whose signature and claims
// verified, so that a repeated token skips the signature check. It is keyed
// by the whole token, so no other string can hit an entry; the expiry times
// and the revocation store are still checked on every hit, and so is the
// key (see [Manager.cached]); and it holds at most max entries, evicting
// an arbitrary one when full.
type verifiedCache struct {
	max int
	// used is set by the first put: until then a lookup costs nothing,
	// which keeps the cache free for keys whose tokens it never holds.
	used atomic.Bool

	mu      sync.RWMutex
	entries map[string]verifiedEntry
}

// verifiedEntry is verified claims, the key that verified them and the
// kid of the token's header, under which, with the claims' iss, the
// Manager's keys gave it.
type verifiedEntry struct {
	claims *Claims
	key    *jose.Key
	kid    string
}

func newVerifiedCache(max int) *verifiedCache {
	if max <= 0 {
		return nil
	}
	return &verifiedCache{max: max}
}

// get returns the entry of token with a copy of its claims.
func (vc *verifiedCache) get(token string) (verifiedEntry, bool) {
	if !vc.used.Load() {
		return verifiedEntry{}, false
	}
	vc.mu.RLock()
	e, ok := vc.entries[token]
	vc.mu.RUnlock()
	if ok {
		copied := *e.claims
		e.claims = &copied
	}
	return e, ok
}

// put remembers claims verified by key for a token whose header names
// kid; the cache keeps its own copy.
func (vc *verifiedCache) put(token string, c *Claims, key *jose.Key, kid string) {
	copied := *c
	token = strings.Clone(token) // do not pin the request's buffers
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if vc.entries == nil {
		vc.entries = make(map[string]verifiedEntry, min(vc.max, 1024))
		vc.used.Store(true)
	}
	if len(vc.entries) >= vc.max {
		for k := range vc.entries {
			delete(vc.entries, k)
			break
		}
	}
	vc.entries[token] = verifiedEntry{&copied, key, strings.Clone(kid)}
}

// forget drops token, once it is known to have expired or its key is no
// longer the one its iss and kid give.
func (vc *verifiedCache) forget(token string) {
	vc.mu.Lock()
	delete(vc.entries, token)
	vc.mu.Unlock()
}

// len returns the number of entries.
func (vc *verifiedCache) len() int {
	vc.mu.RLock()
	defer vc.mu.RUnlock()
	return len(vc.entries)
}
