package session

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// Keys supplies the keys a [Manager] signs and verifies with. It is
// implemented by [Key] (one key), by [*KeySet] (rotation) and by the
// remote key sets of package jwks (another service's published keys, or
// those of several OpenID Connect issuers); any other source, such as a
// KMS, implements it the same way. Its methods must be safe for
// concurrent use and cheap for a kid they know: the Manager calls them on
// every verification.
type Keys interface {
	// SigningKey returns the key that signs new tokens; ok is false when
	// the keys only verify. The key must be able to sign.
	SigningKey() (key Key, ok bool)
	// VerificationKey returns the key for a token whose claims name issuer
	// in iss and whose protected header names kid ("" when the token has
	// none). The Manager decodes the claims strictly, but has not checked
	// the signature yet: a source of several issuers' keys must return
	// only a key of issuer, so that a key of one issuer never verifies a
	// token claiming another; a source of one issuer's keys ignores it.
	// An unknown issuer or kid is an error matching [ErrInvalid]; keys
	// that cannot be had right now (a remote set not fetched yet) an error
	// matching [ErrUnavailable]. Any other error is reported as
	// ErrUnavailable. The Manager checks that the header's alg is the
	// key's own.
	//
	// While a key is accepted, VerificationKey should return the same Key
	// for its issuer and kid, not a new one built from the same material:
	// the verified-token cache keeps a token only as long as its issuer
	// and kid still give the Key that verified it.
	VerificationKey(ctx context.Context, issuer, kid string) (Key, error)
}

// checkKeys reports what is wrong with keys for [New]: a nil or invalid
// Key, a nil pointer, or a signing key that is not valid or cannot sign.
func checkKeys(keys Keys) error {
	if keys == nil {
		return errors.New("session: New needs keys, such as session.HS256(secret); got nil")
	}
	if v := reflect.ValueOf(keys); v.Kind() == reflect.Pointer && v.IsNil() {
		return fmt.Errorf("session: New needs keys; got a nil %T", keys)
	}
	if k, ok := keys.(Key); ok {
		return k.check()
	}
	if k, ok := keys.SigningKey(); ok {
		if err := k.check(); err != nil {
			return err
		}
		if !k.CanSign() {
			return fmt.Errorf("session: the signing key %v only verifies", k)
		}
	}
	return nil
}

var errBadKey = &tokenError{ErrUnavailable, "the keys gave a key that is not valid"}

// verificationKey asks m's keys for the key of issuer and kid, and
// reports what they answer in this package's terms.
func (m *Manager) verificationKey(ctx context.Context, issuer, kid string) (*jose.Key, error) {
	k, err := m.keys.VerificationKey(ctx, issuer, kid)
	switch {
	case err != nil && (errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnavailable)):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: keys: %w", ErrUnavailable, err)
	case k.check() != nil:
		return nil, errBadKey
	}
	return k.p, nil
}

// signingKey returns m's signing key, or nil when m only verifies.
func (m *Manager) signingKey() *jose.Key {
	if k, ok := m.keys.SigningKey(); ok && k.p != nil && k.p.Err() == nil && k.CanSign() {
		return k.p
	}
	return nil
}
