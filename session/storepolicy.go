package session

import (
	"context"
	"errors"
)

// This file holds the Store wrappers that change how revocation checks
// behave when the store is slow or down. Without them, verification fails
// closed: a store that cannot answer makes [Manager.Verify] return
// [ErrUnavailable], which the middleware answers with 503 and Retry-After.

// FailOpen returns a [Store] that answers "not revoked" when s cannot be
// reached, instead of failing verification. Only errors matching
// [ErrStoreUnavailable] are turned into "not revoked", and only while the
// check's own context is live: a check whose context was cancelled or ran
// out (a client that hangs up, a request deadline) still fails closed, as
// does any other error of s. onUnavailable, when not nil, is called with each
// such error (log it, count it, page someone); it must be safe for
// concurrent use. Revoke and RevokeUser are passed through unchanged: a
// logout that could not be recorded is reported as an error, never
// pretended.
//
// The risk: while s is unreachable, every revoked token (logged-out
// sessions, users logged out everywhere, e.g. after a password change) is
// accepted again until its own exp, and an attacker who can make the
// store unreachable, for instance by overloading it, can replay a stolen
// token that was revoked. Choose it only where availability matters more
// than revocation, and keep token lifetimes short.
func FailOpen(s Store, onUnavailable func(ctx context.Context, err error)) (Store, error) {
	if s == nil {
		return nil, errors.New("session: FailOpen needs a Store; got nil")
	}
	return &failOpenStore{Store: s, onUnavailable: onUnavailable}, nil
}

type failOpenStore struct {
	Store
	onUnavailable func(ctx context.Context, err error)
}

// Revoked implements [Store]: "not revoked" when the inner store is
// unreachable.
func (s *failOpenStore) Revoked(ctx context.Context, c *Claims) (bool, error) {
	revoked, err := s.Store.Revoked(ctx, c)
	// A request whose own context ended (a client that hung up, a
	// deadline of the application) is no outage: it fails closed, or
	// a client could skip the check by cancelling its request.
	if err != nil && ctx.Err() == nil && errors.Is(err, ErrStoreUnavailable) {
		if s.onUnavailable != nil {
			s.onUnavailable(ctx, err)
		}
		return false, nil
	}
	return revoked, err
}
