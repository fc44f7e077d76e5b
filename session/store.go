package session

import (
	"context"
	"time"
)

// Store records revocations. [MemoryStore] serves one process; a shared
// store such as session/redisstore serves several instances of a server,
// so that a logout on one is a logout on all. [FailOpen] wraps a Store to
// change its failure policy, at a documented cost.
//
// The contract, which the session/storetest suite checks:
//
//   - Implementations are safe for concurrent use.
//   - "Now" is the store's own clock (for the stores of this module, the
//     Clock of their options, [time.Now] by default). A record covers
//     tokens while now is before its until; once until has passed the
//     record may be forgotten, and a store forgets it on its own, so
//     stores never grow without bound.
//   - A revocation is never weakened by a later one: a second Revoke of the
//     same key keeps the later until, and a second RevokeUser of the same
//     user keeps the later at and the later until.
//   - A write that returned nil is seen by every later Revoked call on the
//     same store (for a shared store: through every client of the same
//     backend, within the consistency the store documents).
//   - Errors say whether the store was reachable. An error that matches
//     [ErrStoreUnavailable] means the store could not be reached or did
//     not answer in time (ctx done included): retrying later may succeed,
//     and a failed write may or may not have taken effect. Any other error
//     means the store answered and refused, such as [ErrStoreFull].
//   - ctx bounds each call; a store that does I/O stops when ctx is done
//     and reports that as [ErrStoreUnavailable].
type Store interface {
	// Revoke rejects every token whose [Claims.RevocationKey] is key until
	// the instant until, after which such tokens can no longer be valid and
	// the record may be forgotten. userID is the user whose tokens key
	// covers, or "" when unknown; a bounded store may use it to keep one
	// user's revocations from crowding out another's, but only ever by
	// revoking more of that user's tokens, never fewer. A store may round
	// until up to its precision (at most one millisecond), never down. An
	// until that has already passed records nothing.
	Revoke(ctx context.Context, key, userID string, until time.Time) error
	// RevokeUser rejects every token c of userID (compared byte for byte)
	// for which c.StartedBy(at) holds ("log out everywhere"), keeping the
	// record until the instant until. A store keeps at to the millisecond
	// (it may truncate it to a whole millisecond). An until that has
	// already passed records nothing.
	RevokeUser(ctx context.Context, userID string, at, until time.Time) error
	// Revoked reports whether c has been revoked, by its revocation key or
	// by its user. It must not modify c. It runs on every verification, so
	// it should answer in at most one round trip to its backend. An error
	// means the store could not answer; [Manager.Verify] then fails closed
	// with [ErrUnavailable].
	Revoked(ctx context.Context, c *Claims) (bool, error)
}

// ErrStoreUnavailable reports that a revocation store could not be reached
// or did not answer in time. Stores wrap it (together with the cause) so
// that callers can tell an outage from a refusal. It also matches
// [ErrUnavailable] under [errors.Is], so a failed [Manager.Revoke] and a
// verification that could not consult the store are both recognised as a
// server-side fault, answered with 503 by the middleware.
var ErrStoreUnavailable error = storeUnavailableError{}

type storeUnavailableError struct{}

func (storeUnavailableError) Error() string { return "session: revocation store unavailable" }

// Is makes [ErrStoreUnavailable] match [ErrUnavailable].
func (storeUnavailableError) Is(target error) bool { return target == ErrUnavailable }
