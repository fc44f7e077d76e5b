package session

import (
	"strings"
	"sync"
)

// DefaultVerifiedCacheEntries is the default bound of the verified-token
// cache for asymmetric keys (see [WithVerifiedTokenCache]).
const DefaultVerifiedCacheEntries = 4096

// verifiedCache remembers the claims of tokens whose signature and claims
// verified, so that a repeated token skips the signature check. It is keyed
// by the whole token, so no other string can hit an entry; the expiry times
// and the revocation store are still checked on every hit; and it holds at
// most max entries, evicting an arbitrary one when full.
type verifiedCache struct {
	max int

	mu      sync.RWMutex
	entries map[string]verifiedEntry
}

// verifiedEntry is verified claims and the key-set generation that verified
// them; an entry of an older generation may rest on a retired key.
type verifiedEntry struct {
	claims *Claims
	gen    uint64
}

func newVerifiedCache(max int) *verifiedCache {
	if max <= 0 {
		return nil
	}
	return &verifiedCache{max: max, entries: make(map[string]verifiedEntry, min(max, 1024))}
}

// get returns a copy of the cached claims of token, if they were verified
// in key-set generation gen.
func (vc *verifiedCache) get(token string, gen uint64) (*Claims, bool) {
	vc.mu.RLock()
	e, ok := vc.entries[token]
	vc.mu.RUnlock()
	if !ok {
		return nil, false
	}
	if e.gen != gen {
		vc.forget(token)
		return nil, false
	}
	copied := *e.claims
	return &copied, true
}

// put remembers claims verified in key-set generation gen; the cache keeps
// its own copy.
func (vc *verifiedCache) put(token string, c *Claims, gen uint64) {
	copied := *c
	token = strings.Clone(token) // do not pin the request's buffers
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if len(vc.entries) >= vc.max {
		for k := range vc.entries {
			delete(vc.entries, k)
			break
		}
	}
	vc.entries[token] = verifiedEntry{&copied, gen}
}

// forget drops token, once it is known to have expired.
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
