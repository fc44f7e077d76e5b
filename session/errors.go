package session

import (
	"errors"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// Sentinel errors returned by [Manager.Verify], [Manager.Refresh] and
// [Manager.Renew]. Match them with [errors.Is]; the wrapped message says what
// was wrong without ever echoing the token.
var (
	// ErrInvalid reports a token that is malformed, badly signed, or carries
	// claims that fail validation.
	ErrInvalid = errors.New("session: invalid token")
	// ErrExpired reports a token whose exp (plus leeway) has passed.
	ErrExpired = errors.New("session: token expired")
	// ErrNotYetValid reports a token whose nbf or iat lies in the future
	// (beyond the leeway).
	ErrNotYetValid = errors.New("session: token not yet valid")
	// ErrRevoked reports a token whose session or user has been revoked.
	ErrRevoked = errors.New("session: token revoked")
	// ErrUnavailable reports a server-side fault: keys or the revocation
	// store could not be consulted. It is never the client's fault.
	ErrUnavailable = errors.New("session: verification unavailable")
	// ErrNotRenewable reports a valid token that cannot be renewed: it was
	// not issued by this library (no sid or auth_time) or its session has
	// reached the maximum lifetime. The user must log in again.
	ErrNotRenewable = errors.New("session: token cannot be renewed")
)

// tokenError wraps a sentinel with a fixed detail. Values are created once,
// so rejecting a token allocates nothing for its error.
type tokenError struct {
	kind   error
	detail string
}

func (e *tokenError) Error() string { return e.kind.Error() + ": " + e.detail }
func (e *tokenError) Unwrap() error { return e.kind }

func invalid(detail string) error { return &tokenError{ErrInvalid, detail} }

// Errors for the common rejections, built once.
var (
	errTooLong            = invalid("token exceeds the size limit")
	errUnknownKey         = invalid("no key matches the token's kid")
	errNoKid              = invalid("token has no kid and the key set holds several keys")
	errAlgorithm          = invalid("header alg does not match the key's algorithm")
	errExpired            = &tokenError{ErrExpired, "exp has passed"}
	errNotBefore          = &tokenError{ErrNotYetValid, "nbf is in the future"}
	errIssuedInFuture     = &tokenError{ErrNotYetValid, "iat is in the future"}
	errSessionRevoked     = &tokenError{ErrRevoked, "session revoked"}
	errNoSession          = &tokenError{ErrNotRenewable, "token has no sid or auth_time"}
	errLifetimeReached    = &tokenError{ErrNotRenewable, "session reached its maximum lifetime"}
	errIssuerMismatch     = invalid("iss does not match")
	errAudienceMismatch   = invalid("aud does not include the expected audience")
	errAudienceUnexpected = invalid("aud is present but no audience is configured")
	errTypAccessToken     = invalid("header typ is at+jwt, which is not accepted")
	errTypNotAccessToken  = invalid("header typ is not at+jwt")
	errLifetime           = invalid("token lifetime exceeds the maximum lifetime")
	errAuthTimeFuture     = invalid("auth_time is in the future")
)

var errVerifyOnly = errors.New("session: the key only verifies; signing needs a private key or secret")

// joseError reports a rejection by the JOSE engine as [ErrInvalid]. It
// holds a single pointer, so that wrapping one of the engine's prebuilt
// errors allocates nothing.
type joseError struct{ err *jose.Error }

func (e joseError) Error() string        { return ErrInvalid.Error() + ": " + e.err.Detail }
func (e joseError) Is(target error) bool { return target == ErrInvalid }
func (e joseError) Unwrap() error        { return e.err }

// jsonError reports a syntax error of the strict JSON reader as
// [ErrInvalid]. It holds a single pointer, so that wrapping one of the
// reader's prebuilt errors allocates nothing.
type jsonError struct{ err *strictjson.Error }

func (e jsonError) Error() string        { return ErrInvalid.Error() + ": " + e.err.Detail }
func (e jsonError) Is(target error) bool { return target == ErrInvalid }
func (e jsonError) Unwrap() error        { return e.err }

// jsonInvalid returns err, a syntax error of the JSON reader or a
// rejection by the JOSE engine, reported as [ErrInvalid], or any other
// error unchanged.
func jsonInvalid(err error) error {
	switch e := err.(type) {
	case *strictjson.Error:
		return jsonError{e}
	case *jose.Error:
		return joseError{e}
	}
	return err
}
