package session

import (
	"fmt"
	"strings"
	"time"
)

// Defaults applied by [New] when the matching option is not given.
const (
	DefaultTTL          = 30 * time.Minute
	DefaultMaxLifetime  = 24 * time.Hour
	DefaultLeeway       = 0
	DefaultUserIDClaim  = "user_id"
	DefaultMaxTokenSize = 8 << 10
	// MaxLeeway is the largest leeway [New] accepts.
	MaxLeeway = 5 * time.Minute
)

// Option configures a [Manager]. Options are checked by [New], which
// refuses an invalid configuration with an error that says what to fix.
type Option func(*config)

type config struct {
	ttl          time.Duration
	renewWithin  time.Duration
	maxLifetime  time.Duration
	leeway       time.Duration
	issuer       string
	audience     string
	userIDClaim  string
	now          func() time.Time
	store        Store
	maxTokenSize int
	// cacheEntries is the verified-token cache bound; cacheSet records
	// that WithVerifiedTokenCache chose it.
	cacheEntries int
	cacheSet     bool
}

// WithTTL sets the lifetime of each issued or renewed token.
// Default: [DefaultTTL] (30 minutes).
func WithTTL(d time.Duration) Option { return func(c *config) { c.ttl = d } }

// WithRenewWithin sets the renewal threshold: a token with less than d left
// is renewed by the sliding refresh. It must lie in (0, TTL].
// Default: one third of the TTL.
func WithRenewWithin(d time.Duration) Option { return func(c *config) { c.renewWithin = d } }

// WithMaxLifetime sets the absolute session limit counted from auth_time
// (login); past it nothing is renewed and the user logs in again. It must
// be at least the TTL. Default: [DefaultMaxLifetime] (24 hours).
func WithMaxLifetime(d time.Duration) Option { return func(c *config) { c.maxLifetime = d } }

// WithLeeway sets the clock skew tolerated on exp, nbf and iat, between 0
// and [MaxLeeway]. Default: 0.
func WithLeeway(d time.Duration) Option { return func(c *config) { c.leeway = d } }

// WithIssuer sets the iss claim written into tokens and required on
// verification. Default: none (iss is neither written nor checked).
func WithIssuer(iss string) Option { return func(c *config) { c.issuer = iss } }

// WithAudience sets the aud claim written into tokens; verification then
// requires aud to include it. Default: none (aud is neither written nor
// checked).
func WithAudience(aud string) Option { return func(c *config) { c.audience = aud } }

// WithUserIDClaim sets the claim that carries the user id; "sub" is the
// usual choice for tokens from other issuers. Default: "user_id".
func WithUserIDClaim(name string) Option { return func(c *config) { c.userIDClaim = name } }

// WithClock sets the source of the current time, for tests.
// Default: [time.Now].
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithStore sets the revocation store. Default: a new [MemoryStore] with
// its default bound, which serves a single process only.
func WithStore(s Store) Option { return func(c *config) { c.store = s } }

// WithMaxTokenSize sets the longest token accepted, in bytes; longer ones
// are rejected before any decoding. Default: [DefaultMaxTokenSize] (8 KiB).
func WithMaxTokenSize(n int) Option { return func(c *config) { c.maxTokenSize = n } }

// WithVerifiedTokenCache bounds the verified-token cache: a repeated token
// that already verified skips the signature check (its exp, nbf and the
// revocation store are still checked on every use, and so is its key: a
// token stays only while the Manager's [Keys] give, for its kid, the Key
// that verified it). Entries are keyed by the whole token, so no forged
// token can hit one. 0 turns the cache off; any other bound caches the
// tokens of every key. Default: [DefaultVerifiedCacheEntries] entries,
// holding only tokens verified by ES256, EdDSA, RS256 or PS256 keys, whose
// signature checks cost tens of microseconds: an HS256 check is cheap
// enough that holding thousands of tokens in memory is rarely worth it,
// and a cache that never held a token costs nothing.
func WithVerifiedTokenCache(entries int) Option {
	return func(c *config) { c.cacheEntries, c.cacheSet = entries, true }
}

// newConfig applies opts over the defaults and validates the result.
func newConfig(opts []Option) (config, error) {
	c := config{
		ttl:          DefaultTTL,
		maxLifetime:  DefaultMaxLifetime,
		leeway:       DefaultLeeway,
		userIDClaim:  DefaultUserIDClaim,
		now:          time.Now,
		maxTokenSize: DefaultMaxTokenSize,
		cacheEntries: DefaultVerifiedCacheEntries,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	if c.renewWithin == 0 && c.ttl > 0 {
		c.renewWithin = c.ttl / 3
	}
	switch {
	case c.ttl < time.Second:
		return c, fmt.Errorf("session: TTL is %v; it must be at least one second", c.ttl)
	case c.renewWithin <= 0 || c.renewWithin > c.ttl:
		return c, fmt.Errorf("session: renew threshold is %v; it must be positive and at most the TTL (%v)", c.renewWithin, c.ttl)
	case c.maxLifetime < c.ttl:
		return c, fmt.Errorf("session: max lifetime is %v; it must be at least the TTL (%v)", c.maxLifetime, c.ttl)
	case c.leeway < 0:
		return c, fmt.Errorf("session: leeway is %v; it must not be negative", c.leeway)
	case c.leeway > MaxLeeway:
		return c, fmt.Errorf("session: leeway is %v; it must be at most %v", c.leeway, MaxLeeway)
	case c.now == nil:
		return c, fmt.Errorf("session: clock is nil")
	case c.cacheEntries < 0:
		return c, fmt.Errorf("session: verified-token cache size is %d; it must not be negative (0 turns it off)", c.cacheEntries)
	case c.maxTokenSize < 256:
		return c, fmt.Errorf("session: max token size is %d bytes; it must be at least 256", c.maxTokenSize)
	case c.issuer != "" && !validClaimString(c.issuer):
		return c, fmt.Errorf("session: issuer must be valid UTF-8 without NUL")
	case c.audience != "" && !validClaimString(c.audience):
		return c, fmt.Errorf("session: audience must be valid UTF-8 without NUL")
	case !validClaimString(c.userIDClaim):
		return c, fmt.Errorf("session: user id claim name must be non-empty valid UTF-8")
	case c.userIDClaim != "user_id" && c.userIDClaim != "sub" && isRegistered(c.userIDClaim):
		return c, fmt.Errorf("session: user id claim %q is a registered claim; use \"user_id\", \"sub\" or an application name", c.userIDClaim)
	}
	if c.store == nil {
		c.store = NewMemoryStore(MemoryStoreOptions{Clock: c.now})
	}
	return c, nil
}

// isRegistered reports whether name is a claim this library interprets, in
// any letter case: equal to one under Unicode case folding, as
// encoding/json matches member names to struct fields (see confusable).
func isRegistered(name string) bool {
	for _, r := range registered {
		if strings.EqualFold(r, name) {
			return true
		}
	}
	return false
}

// reservedClaimName reports whether an application claim may not be called
// name: it is a registered claim or the user id claim, in any letter case
// (under Unicode case folding, as for [isRegistered]).
func (c *config) reservedClaimName(name string) bool {
	return isRegistered(name) || strings.EqualFold(name, c.userIDClaim)
}
