package session

import (
	"context"
	"time"
)

// Store records revocations. Implementations must be safe for concurrent
// use. [MemoryStore] serves one process; a shared store (such as Redis)
// serves several.
type Store interface {
	// Revoke rejects every token whose [Claims.RevocationKey] is key until
	// the instant until, after which such tokens can no longer be valid and
	// the record may be forgotten.
	Revoke(ctx context.Context, key string, until time.Time) error
	// RevokeUser rejects every token of userID issued before the instant
	// before (and tokens of userID without iat), keeping the record until
	// the instant until.
	RevokeUser(ctx context.Context, userID string, before, until time.Time) error
	// Revoked reports whether c has been revoked. An error means the store
	// could not answer; verification then fails closed with [ErrUnavailable].
	Revoked(ctx context.Context, c *Claims) (bool, error)
}
