package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/session"
)

// Defaults applied by [New].
const (
	// DefaultPrefix starts every key of the store.
	DefaultPrefix = "jwtsession:"
	// DefaultClockSkew is how long a key outlives its until by default.
	DefaultClockSkew = time.Minute
	// DefaultCacheTTL is the longest an answer of Redis stays in the
	// process's cache by default, invalidation aside.
	DefaultCacheTTL = 5 * time.Minute
	// DefaultMaxStaleness is how long after the last sign of life of a
	// Redis node its cached answers are served at most, by default.
	DefaultMaxStaleness = 2 * time.Second
)

// maxStalenessLimit is the largest [Options.MaxStaleness] that [New]
// accepts.
const maxStalenessLimit = time.Minute

// Options configures [New]. The zero value is ready to use.
type Options struct {
	// Prefix starts every key, so that several applications (or tests)
	// can share one Redis. A hash tag in it, such as "{jwtsession}:",
	// puts every key into one Cluster slot. Default: [DefaultPrefix].
	Prefix string
	// ClockSkew is how far the Redis server's clock may run ahead of the
	// clocks of the servers that verify tokens: each key lives this much
	// longer than its until, so that Redis never drops a revocation before
	// the servers consider it over. It must not be negative.
	// Default: [DefaultClockSkew] (1 minute).
	ClockSkew time.Duration
	// Clock is the source of the current time, compared with each record's
	// until. Default: [time.Now].
	Clock func() time.Time
	// CacheTTL bounds how long a record read by a check, or its absence,
	// stays in the client-side cache. Redis invalidates an entry as soon
	// as its key changes, so this bound only matters if an invalidation
	// were lost; an entry of a key that exists never outlives the key
	// (rueidis caps it with the key's PTTL). It must not be negative.
	// Default: [DefaultCacheTTL] (5 minutes).
	CacheTTL time.Duration
	// MaxStaleness bounds how long after the last sign of life of a
	// Redis node a check may still be answered from the client-side
	// cache. The store sends a PING to each node when its last answered
	// PING is older than half of this (in the background, at most one at
	// a time per node, about two a second per node under load); once it
	// is older than MaxStaleness, checks read Redis without the cache,
	// waiting at most MaxStaleness for the answer, so that a Redis that
	// went silent without closing the connection fails closed. It must
	// not be negative nor above 1 minute.
	// Default: [DefaultMaxStaleness] (2 seconds).
	MaxStaleness time.Duration
}

// Store is a [session.Store] on Redis with server-assisted client-side
// caching. It is safe for concurrent use by any number of goroutines and
// instances. See the package documentation for its key layout, expiry,
// cache and consistency.
type Store struct {
	client   rueidis.Client
	prefix   string
	skewMS   int64  // ClockSkew in milliseconds, rounded up
	skewArg  string // skewMS as a script argument
	now      func() time.Time
	cacheTTL time.Duration
	maxStale time.Duration
	live     *liveness
	own      ownWrites
}

var _ session.Store = (*Store)(nil)

// New returns a [Store] on client. It refuses a nil client, a negative
// clock skew, a negative cache TTL, and a negative MaxStaleness or one
// above 1 minute. The store does not own the client, and New
// does not contact Redis.
func New(client rueidis.Client, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: New needs a rueidis.Client; got nil")
	}
	if opts.ClockSkew < 0 {
		return nil, fmt.Errorf("redisstore: clock skew is %v; it must not be negative", opts.ClockSkew)
	}
	if opts.CacheTTL < 0 {
		return nil, fmt.Errorf("redisstore: cache TTL is %v; it must not be negative", opts.CacheTTL)
	}
	if opts.MaxStaleness < 0 || opts.MaxStaleness > maxStalenessLimit {
		return nil, fmt.Errorf("redisstore: max staleness is %v; it must not be negative nor above %v", opts.MaxStaleness, maxStalenessLimit)
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.ClockSkew == 0 {
		opts.ClockSkew = DefaultClockSkew
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.MaxStaleness == 0 {
		opts.MaxStaleness = DefaultMaxStaleness
	}
	skewMS := int64((opts.ClockSkew + time.Millisecond - 1) / time.Millisecond)
	return &Store{
		client:   client,
		prefix:   opts.Prefix,
		skewMS:   skewMS,
		skewArg:  strconv.FormatInt(skewMS, 10),
		now:      opts.Clock,
		cacheTTL: opts.CacheTTL,
		maxStale: opts.MaxStaleness,
		live:     newLiveness(client, opts.MaxStaleness),
		own:      ownWrites{rev: map[string]int64{}, user: map[string]userRecord{}},
	}, nil
}

// Revoke implements [session.Store]: one script, one round trip. The
// user id is not needed: Redis bounds its memory by its own policy.
func (s *Store) Revoke(ctx context.Context, key, _ string, until time.Time) error {
	now := s.now()
	if !now.Before(until) {
		return nil // covers nothing any more
	}
	k, u := s.sessionKey(key), ceilMS(until)
	err := s.write(ctx, revokeScript, []string{k}, []string{strconv.FormatInt(u, 10), s.skewArg})
	if err != nil {
		return wrap("revoke", err)
	}
	s.own.revoke(k, u, now)
	return nil
}

// write runs one of the revocation scripts. A run that failed on the
// connection itself (Redis closed it, as a restarted Redis leaves every
// connection of the client's pool to find out once, with retries off) is
// sent once more while ctx is live: the scripts only ever raise a record
// to a later time, so running one twice records the same thing.
func (s *Store) write(ctx context.Context, script *rueidis.Lua, keys, args []string) error {
	err := script.Exec(ctx, s.client, keys, args).Error()
	var reply *rueidis.RedisError
	if err != nil && !errors.As(err, &reply) && ctx.Err() == nil {
		err = script.Exec(ctx, s.client, keys, args).Error()
	}
	return err
}

// RevokeUser implements [session.Store]: one script, one round trip.
func (s *Store) RevokeUser(ctx context.Context, userID string, at, until time.Time) error {
	now := s.now()
	if !now.Before(until) {
		return nil // covers nothing any more
	}
	k, rec := s.userKey(userID), userRecord{at: max(at.UnixMilli(), 0), until: ceilMS(until)}
	err := s.write(ctx, revokeUserScript, []string{k},
		[]string{strconv.FormatInt(rec.at, 10), strconv.FormatInt(rec.until, 10), s.skewArg})
	if err != nil {
		return wrap("revoke user", err)
	}
	s.own.revokeUser(k, rec, now)
	return nil
}

// Revoked implements [session.Store]. It reads the session key and the
// user key through the client-side cache (one GET each, sent together and
// only on a miss), and merges what it read with the revocations this
// store wrote itself, so that they count at once whatever the timing of
// Redis's invalidations.
func (s *Store) Revoked(ctx context.Context, c *session.Claims) (bool, error) {
	sk, uk := s.sessionKey(c.RevocationKey()), s.userKey(c.UserID)
	keyVal, keyFound, userVal, userFound, err := s.read(ctx, sk, uk)
	if err != nil {
		return false, wrap("revoked", err)
	}
	var sessUntil int64
	var user userRecord
	if keyFound {
		if sessUntil, err = strconv.ParseInt(keyVal, 10, 64); err != nil {
			return false, fmt.Errorf("redisstore: revoked: session record %q is not a Unix time in ms", keyVal)
		}
	}
	if userFound {
		a, u, ok := strings.Cut(userVal, ":")
		at, err1 := strconv.ParseInt(a, 10, 64)
		until, err2 := strconv.ParseInt(u, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return false, fmt.Errorf("redisstore: revoked: user record %q is not <at>:<until>", userVal)
		}
		user = userRecord{at: cutoffMS(at), until: until}
	}
	sessUntil, user = s.own.merge(sk, uk, sessUntil, user)
	now := s.now()
	if sessUntil != 0 && now.Before(time.UnixMilli(sessUntil)) {
		return true, nil
	}
	if user.until != 0 && now.Before(time.UnixMilli(user.until)) && c.StartedBy(time.UnixMilli(user.at)) {
		return true, nil
	}
	return false, nil
}

func (s *Store) sessionKey(key string) string { return s.prefix + "rev:" + key }
func (s *Store) userKey(userID string) string { return s.prefix + "user:" + userID }

// value returns the string of a GET, whether the key exists, and the
// error of the command other than a missing key.
func value(r rueidis.RedisResult) (string, bool, error) {
	v, err := r.ToString()
	switch {
	case rueidis.IsRedisNil(err):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return v, true, nil
}

// ceilMS returns t in Unix milliseconds, rounded up.
func ceilMS(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

// wrap prefixes err with the operation and marks it with
// [session.ErrStoreUnavailable] when Redis could not be reached or cannot
// serve right now.
func wrap(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("redisstore: %s: %w: %w", op, session.ErrStoreUnavailable, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// unavailablePrefixes start the error replies of a server that cannot
// serve right now.
var unavailablePrefixes = []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY ", "NOREPLICAS", "ERR max number of clients"}

// unavailable reports whether err means that Redis could not answer: any
// failure that is not a reply of the server (network, timeout, ctx,
// closed client, lost connection), and the replies of a server that
// cannot serve right now.
func unavailable(err error) bool {
	var reply *rueidis.RedisError
	if !errors.As(err, &reply) {
		return true
	}
	msg := reply.Error()
	for _, p := range unavailablePrefixes {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
