package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtsession/jwtsession/session"
)

// Defaults applied by [New].
const (
	// DefaultPrefix starts every key of the store.
	DefaultPrefix = "jwtsession:"
	// DefaultClockSkew is how long a key outlives its until by default.
	DefaultClockSkew = time.Minute
)

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
}

// Store is a [session.Store] on Redis. It is safe for concurrent use by
// any number of goroutines and instances. See the package documentation
// for its key layout, expiry, round trips and consistency.
type Store struct {
	client redis.UniversalClient
	prefix string
	skewMS string // ClockSkew in milliseconds, as a script argument
	now    func() time.Time
	// mget is set for a client of one node (or of a Sentinel-managed
	// master), where both keys of a check can be read with one MGET.
	mget bool
}

var _ session.Store = (*Store)(nil)

// New returns a [Store] on client. It refuses a nil client and a negative
// clock skew.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if isNil(client) {
		return nil, errors.New("redisstore: New needs a redis.UniversalClient; got nil")
	}
	if opts.ClockSkew < 0 {
		return nil, fmt.Errorf("redisstore: clock skew is %v; it must not be negative", opts.ClockSkew)
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
	return &Store{
		client: client,
		prefix: opts.Prefix,
		skewMS: strconv.FormatInt(int64((opts.ClockSkew+time.Millisecond-1)/time.Millisecond), 10),
		now:    opts.Clock,
		mget:   isSingle(client),
	}, nil
}

// isNil reports whether c is nil or a typed nil of the go-redis clients.
func isNil(c redis.UniversalClient) bool {
	switch c := c.(type) {
	case nil:
		return true
	case *redis.Client:
		return c == nil
	case *redis.ClusterClient:
		return c == nil
	case *redis.Ring:
		return c == nil
	}
	return false
}

// isSingle reports whether c talks to one server, so that keys in any
// hash slot can be read with one MGET. Cluster and Ring clients spread
// keys over several servers.
func isSingle(c redis.UniversalClient) bool {
	_, ok := c.(*redis.Client)
	return ok
}

// revokeScript records a session (or token) revocation: KEYS[1] the key,
// ARGV[1] until (Unix ms), ARGV[2] the clock skew (ms). A record that
// already lasts as long or longer is left as it is.
var revokeScript = redis.NewScript(`
local new = tonumber(ARGV[1])
local old = tonumber(redis.call('GET', KEYS[1]) or '')
if old and old >= new then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', string.format('%d', new + tonumber(ARGV[2])))
return 1
`)

// revokeUserScript records a user revocation: KEYS[1] the key, ARGV[1]
// at (Unix ms), ARGV[2] until (Unix ms), ARGV[3] the clock skew (ms). It
// keeps the later cutoff and the later until of the old and new record,
// reading an old record's cutoff as [Revoked] does.
var revokeUserScript = redis.NewScript(`
local b, u = tonumber(ARGV[1]), tonumber(ARGV[2])
local old = redis.call('GET', KEYS[1])
if old then
  local ob, ou = string.match(old, '^(%d+):(%d+)$')
  if ob then
    ob, ou = tonumber(ob), tonumber(ou)
    if ob < ` + strconv.FormatInt(secondsCutoffBelow, 10) + ` then ob = ob * 1000 - 1 end
    if ob >= b and ou >= u then
      return 0
    end
    if ob > b then b = ob end
    if ou > u then u = ou end
  end
end
redis.call('SET', KEYS[1], string.format('%d:%d', b, u), 'PXAT', string.format('%d', u + tonumber(ARGV[3])))
return 1
`)

// secondsCutoffBelow tells the cutoffs of user records written by
// earlier versions, which held "tokens with iat before" in Unix seconds,
// from cutoffs in Unix milliseconds: every cutoff in seconds until the
// year 5138 lies below it, every cutoff in milliseconds since 1973 above.
// An old cutoff B in seconds reads as B*1000-1 ms, which covers the same
// tokens.
const secondsCutoffBelow = 100_000_000_000

// cutoffMS returns the cutoff of a user record in Unix milliseconds.
func cutoffMS(v int64) int64 {
	if v < secondsCutoffBelow {
		return v*1000 - 1
	}
	return v
}

// Revoke implements [session.Store]: one script, one round trip. The
// user id is not needed: Redis bounds its memory by its own policy.
func (s *Store) Revoke(ctx context.Context, key, _ string, until time.Time) error {
	if !s.now().Before(until) {
		return nil // covers nothing any more
	}
	err := revokeScript.Run(ctx, s.client, []string{s.sessionKey(key)}, strconv.FormatInt(ceilMS(until), 10), s.skewMS).Err()
	if err != nil {
		return wrap("revoke", err)
	}
	return nil
}

// RevokeUser implements [session.Store]: one script, one round trip.
func (s *Store) RevokeUser(ctx context.Context, userID string, at, until time.Time) error {
	if !s.now().Before(until) {
		return nil // covers nothing any more
	}
	err := revokeUserScript.Run(ctx, s.client, []string{s.userKey(userID)},
		strconv.FormatInt(max(at.UnixMilli(), 0), 10), strconv.FormatInt(ceilMS(until), 10), s.skewMS).Err()
	if err != nil {
		return wrap("revoke user", err)
	}
	return nil
}

// Revoked implements [session.Store] in one round trip: an MGET of the
// session key and the user key on a single node or Sentinel, or two GETs
// in one pipeline on a Cluster or Ring, whose parts go to their nodes in
// parallel.
func (s *Store) Revoked(ctx context.Context, c *session.Claims) (bool, error) {
	keyVal, keyFound, userVal, userFound, err := s.read(ctx, s.sessionKey(c.RevocationKey()), s.userKey(c.UserID))
	if err != nil {
		return false, wrap("revoked", err)
	}
	if !keyFound && !userFound {
		return false, nil
	}
	now := s.now()
	if keyFound {
		until, err := strconv.ParseInt(keyVal, 10, 64)
		if err != nil {
			return false, fmt.Errorf("redisstore: revoked: session record %q is not a Unix time in ms", keyVal)
		}
		if now.Before(time.UnixMilli(until)) {
			return true, nil
		}
	}
	if userFound {
		a, u, ok := strings.Cut(userVal, ":")
		at, err1 := strconv.ParseInt(a, 10, 64)
		until, err2 := strconv.ParseInt(u, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return false, fmt.Errorf("redisstore: revoked: user record %q is not <at>:<until>", userVal)
		}
		if now.Before(time.UnixMilli(until)) && c.StartedBy(time.UnixMilli(cutoffMS(at))) {
			return true, nil
		}
	}
	return false, nil
}

// read fetches the session key and the user key in one round trip.
func (s *Store) read(ctx context.Context, key, user string) (keyVal string, keyFound bool, userVal string, userFound bool, err error) {
	if s.mget {
		vals, err := s.client.MGet(ctx, key, user).Result()
		if err != nil {
			return "", false, "", false, err
		}
		if len(vals) != 2 {
			return "", false, "", false, fmt.Errorf("MGET of 2 keys returned %d values", len(vals))
		}
		keyVal, keyFound = vals[0].(string)
		userVal, userFound = vals[1].(string)
		return keyVal, keyFound, userVal, userFound, nil
	}
	pipe := s.client.Pipeline()
	keyCmd := pipe.Get(ctx, key)
	userCmd := pipe.Get(ctx, user)
	pipe.Exec(ctx) // errors are read per command below
	if keyVal, keyFound, err = value(keyCmd); err != nil {
		return "", false, "", false, err
	}
	if userVal, userFound, err = value(userCmd); err != nil {
		return "", false, "", false, err
	}
	return keyVal, keyFound, userVal, userFound, nil
}

func (s *Store) sessionKey(key string) string { return s.prefix + "rev:" + key }
func (s *Store) userKey(userID string) string { return s.prefix + "user:" + userID }

// value returns the string of a GET, whether the key exists, and the
// error of the command other than a missing key.
func value(cmd *redis.StringCmd) (string, bool, error) {
	v, err := cmd.Result()
	switch {
	case errors.Is(err, redis.Nil):
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

// unavailable reports whether err means that Redis could not answer: any
// failure that is not a reply of the server (network, timeout, ctx,
// closed client, exhausted pool), and the replies of a server that cannot
// serve right now.
func unavailable(err error) bool {
	var reply redis.Error
	if !errors.As(err, &reply) {
		return true
	}
	return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) ||
		redis.IsMasterDownError(err) || redis.IsClusterDownError(err) ||
		redis.IsTryAgainError(err) || redis.IsMaxClientsError(err) ||
		redis.IsNoReplicasError(err) || redis.HasErrorPrefix(err, "BUSY ")
}
