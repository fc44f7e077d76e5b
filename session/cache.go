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
	entries map[string]*Claims
}

func newVerifiedCache(max int) *verifiedCache {
	if max <= 0 {
		return nil
	}
	return &verifiedCache{max: max, entries: make(map[string]*Claims, min(max, 1024))}
}

// get returns a copy of the cached claims of token.
func (vc *verifiedCache) get(token string) (*Claims, bool) {
	vc.mu.RLock()
	c, ok := vc.entries[token]
	vc.mu.RUnlock()
	if !ok {
		return nil, false
	}
	copied := *c
	return &copied, true
}

// put remembers verified claims; the cache keeps its own copy.
func (vc *verifiedCache) put(token string, c *Claims) {
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
	vc.entries[token] = &copied
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
