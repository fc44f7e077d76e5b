package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/session"
)

var _ session.ReplayCache = (*Store)(nil)

// Add implements [session.ReplayCache] with one command and no other
// round trip: SET <prefix>dpop:<digest> 1 NX PXAT <ms>, where digest is
// the base64url SHA-256 of id (so every key has the same small size
// whatever the id) and the key expires ClockSkew after until. Redis sets
// the key only when it is absent, atomically, so of the instances that
// present one id exactly one is told it is new. An unreachable Redis is
// reported as [session.ErrStoreUnavailable]. An until that has already
// passed records nothing.
func (s *Store) Add(ctx context.Context, id string, until time.Time) (bool, error) {
	if !s.now().Before(until) {
		return true, nil
	}
	cmd := s.client.B().Set().Key(s.replayKey(id)).Value("1").Nx().
		Pxat(time.UnixMilli(ceilMS(until) + s.skewMS)).Build()
	err := s.client.Do(ctx, cmd).Error()
	switch {
	case err == nil:
		return true, nil
	case rueidis.IsRedisNil(err):
		return false, nil // NX: the key exists
	}
	return false, wrap("record DPoP proof id", err)
}

// replayKey returns the key of a proof id.
func (s *Store) replayKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return s.prefix + "dpop:" + base64.RawURLEncoding.EncodeToString(sum[:])
}
