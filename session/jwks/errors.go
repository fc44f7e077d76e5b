package jwks

import "github.com/jwtsession/jwtsession/session"

// keyError wraps a session sentinel with a fixed detail, for the errors a
// [Remote] returns to a Manager. Values are created once.
type keyError struct {
	kind   error
	detail string
}

func (e *keyError) Error() string { return e.kind.Error() + ": " + e.detail }
func (e *keyError) Unwrap() error { return e.kind }

var (
	errUnknownKid      = &keyError{session.ErrInvalid, "no key of the remote key set matches the token's kid"}
	errNoKid           = &keyError{session.ErrInvalid, "token has no kid and the remote key set holds several keys"}
	errKeysNotFetched  = &keyError{session.ErrUnavailable, "remote key set not fetched yet"}
	errKeysUnreachable = &keyError{session.ErrUnavailable, "remote key set unreachable and the token's key is unknown"}
)

var (
	errUnknownIssuer = &keyError{session.ErrInvalid, "the token's iss is not one of the configured issuers"}
	errNotDiscovered = &keyError{session.ErrUnavailable, "the token's issuer has not been discovered yet"}
)
