package session

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// The defaults [New] applies to zero fields of [Options], and the bounds
// it enforces.
const (
	defaultTTL           = 30 * time.Minute
	defaultMaxLifetime   = 24 * time.Hour
	defaultUserIDClaim   = "user_id"
	defaultMaxTokenSize  = 8 << 10
	defaultVerifiedCache = 4096
	maxLeeway            = 5 * time.Minute
)

// Options configures a [Manager]. The zero value is ready to use: each
// zero field takes the default it documents. [New] checks the options and
// refuses an invalid configuration with an error that says what to fix.
type Options struct {
	// TTL is the lifetime of each issued or renewed token, at least one
	// second. Default: 30 minutes.
	TTL time.Duration
	// RenewWithin is the renewal threshold: a token with less than
	// RenewWithin left is renewed by the sliding refresh. It must lie in
	// (0, TTL]. Default: one third of the TTL.
	RenewWithin time.Duration
	// MaxLifetime is the absolute session limit counted from auth_time
	// (login); past it nothing is renewed and the user logs in again. It
	// must be at least the TTL. Default: 24 hours.
	MaxLifetime time.Duration
	// Leeway is the clock skew tolerated on exp, nbf and iat, at most 5
	// minutes. Default: 0.
	Leeway time.Duration
	// Issuer is the iss claim written into tokens and required on
	// verification. Default: none (iss is neither written nor checked).
	Issuer string
	// Audience lists the audiences of the Manager's tokens. Issued tokens
	// carry them in aud (one as a string, several as an array), and
	// verification requires aud to include at least one of them. Each
	// must be non-empty. Default: none (aud is not written, and a token
	// that carries aud is rejected, as RFC 7519 §4.1.3 requires).
	Audience []string
	// Typ selects the values of the typ header that verification
	// accepts; see [TypHeader]. Default: [TypJWT].
	Typ TypHeader
	// UserIDClaim is the claim that carries the user id; "sub" is the
	// usual choice for tokens from other issuers. Registered claim names
	// other than "sub" are refused. Default: "user_id".
	UserIDClaim string
	// Clock is the source of the current time, for tests.
	// Default: [time.Now].
	Clock func() time.Time
	// Store is the revocation store. Default: a new [MemoryStore] with
	// its default bound, which serves a single process only.
	Store Store
	// MaxTokenSize is the longest token accepted, in bytes, at least 256;
	// longer ones are rejected before any decoding. Default: 8192 (8 KiB).
	MaxTokenSize int
	// VerifiedTokenCache bounds the verified-token cache, in tokens: a
	// repeated token that already verified skips the signature check (its
	// exp, nbf and the revocation store are still checked on every use,
	// and so is its key: a token stays only while the Manager's [Keys]
	// give, for its iss and kid, the Key that verified it). Entries are keyed by
	// the whole token, so no forged token can hit one.
	//
	// Default (0): 4096 entries, holding only tokens verified by
	// asymmetric (ES*, EdDSA, RS*, PS*) keys, whose signature checks cost
	// tens of microseconds: an HMAC (HS*) check is cheap enough that
	// holding thousands of tokens in memory is rarely worth it, and a
	// cache that never held a token costs nothing. A positive bound
	// caches the tokens of every key, HMAC included. A negative value
	// turns the cache off.
	VerifiedTokenCache int
}

// TypHeader selects the values of a token's typ header that verification
// accepts. Whatever it says, a typ other than JWT, at+jwt and
// application/at+jwt (in any letter case) is refused, and tokens issued
// by a Manager carry typ JWT.
type TypHeader int

const (
	// TypJWT accepts tokens whose typ is JWT or absent, and refuses
	// access tokens of RFC 9068 (typ at+jwt), so that a token of another
	// kind is never mistaken for a session token.
	TypJWT TypHeader = iota
	// TypJWTOrAccessToken accepts typ JWT, an absent typ, and the at+jwt
	// of RFC 9068 JWT access tokens, for a resource server that takes
	// the tokens of issuers of both kinds.
	TypJWTOrAccessToken
	// TypAccessToken requires typ at+jwt (or application/at+jwt), as RFC
	// 9068 §4 asks of a resource server that accepts JWT access tokens
	// only. A Manager that can sign is refused with it, since its own
	// tokens carry typ JWT. Read the access token's client_id and scope
	// claims with [Claims.Claim].
	TypAccessToken
)

// config is the validated configuration of a Manager: [Options] with
// every default applied.
type config struct {
	ttl          time.Duration
	renewWithin  time.Duration
	maxLifetime  time.Duration
	leeway       time.Duration
	issuer       string
	audience     []string
	typ          TypHeader
	userIDClaim  string
	now          func() time.Time
	store        Store
	maxTokenSize int
	// cacheEntries is the verified-token cache bound, 0 when off;
	// cacheAll records that Options.VerifiedTokenCache chose a bound, so
	// that the cache holds the tokens of every key.
	cacheEntries int
	cacheAll     bool
}

// newConfig applies the defaults to the zero fields of o and validates
// the result.
func newConfig(o Options) (config, error) {
	c := config{
		ttl:          o.TTL,
		renewWithin:  o.RenewWithin,
		maxLifetime:  o.MaxLifetime,
		leeway:       o.Leeway,
		issuer:       o.Issuer,
		audience:     slices.Clone(o.Audience),
		typ:          o.Typ,
		userIDClaim:  o.UserIDClaim,
		now:          o.Clock,
		store:        o.Store,
		maxTokenSize: o.MaxTokenSize,
		cacheEntries: o.VerifiedTokenCache,
		cacheAll:     o.VerifiedTokenCache > 0,
	}
	if c.ttl == 0 {
		c.ttl = defaultTTL
	}
	if c.renewWithin == 0 && c.ttl > 0 {
		c.renewWithin = c.ttl / 3
	}
	if c.maxLifetime == 0 {
		c.maxLifetime = defaultMaxLifetime
	}
	if c.userIDClaim == "" {
		c.userIDClaim = defaultUserIDClaim
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.maxTokenSize == 0 {
		c.maxTokenSize = defaultMaxTokenSize
	}
	switch {
	case c.cacheEntries == 0:
		c.cacheEntries = defaultVerifiedCache
	case c.cacheEntries < 0:
		c.cacheEntries = 0
	}
	switch {
	case c.ttl < time.Second:
		return c, fmt.Errorf("session: Options.TTL is %v; it must be at least one second", c.ttl)
	case c.renewWithin <= 0 || c.renewWithin > c.ttl:
		return c, fmt.Errorf("session: Options.RenewWithin is %v; it must be positive and at most the TTL (%v)", c.renewWithin, c.ttl)
	case c.maxLifetime < c.ttl:
		return c, fmt.Errorf("session: Options.MaxLifetime is %v; it must be at least the TTL (%v)", c.maxLifetime, c.ttl)
	case c.leeway < 0:
		return c, fmt.Errorf("session: Options.Leeway is %v; it must not be negative", c.leeway)
	case c.leeway > maxLeeway:
		return c, fmt.Errorf("session: Options.Leeway is %v; it must be at most %v", c.leeway, maxLeeway)
	case c.maxTokenSize < 256:
		return c, fmt.Errorf("session: Options.MaxTokenSize is %d bytes; it must be at least 256", c.maxTokenSize)
	case c.issuer != "" && !jose.ValidString(c.issuer):
		return c, fmt.Errorf("session: Options.Issuer: the issuer must be valid UTF-8 without NUL")
	case slices.ContainsFunc(c.audience, func(a string) bool { return !jose.ValidString(a) }):
		return c, fmt.Errorf("session: Options.Audience: each audience must be non-empty valid UTF-8 without NUL")
	case c.typ < TypJWT || c.typ > TypAccessToken:
		return c, fmt.Errorf("session: Options.Typ %d is not one of TypJWT, TypJWTOrAccessToken, TypAccessToken", c.typ)
	case !jose.ValidString(c.userIDClaim):
		return c, fmt.Errorf("session: Options.UserIDClaim: the user id claim name must be valid UTF-8 without NUL")
	case c.userIDClaim != "user_id" && c.userIDClaim != "sub" && isRegistered(c.userIDClaim):
		return c, fmt.Errorf("session: Options.UserIDClaim: user id claim %q is a registered claim; use \"user_id\", \"sub\" or an application name", c.userIDClaim)
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
