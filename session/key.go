package session

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// Key is a signing or verification key pinned to exactly one algorithm.
// The algorithm always comes from the Key, never from a token header.
// Build one with [HS256] from a secret, with [NewKey] from crypto key
// material (a private key signs, a public key only verifies) or an HS384
// or HS512 secret, or with [ParsePEM].
//
// A Key is a small handle, cheap to copy and comparable: copies are equal,
// and two Keys built separately are not, even from the same material.
// Its key material is checked and prepared once, when it is built; what
// is wrong with it is reported by [New], [NewKeySet] and [KeySet.Add],
// which refuse it. A Key is also the [Keys] of a Manager with one key.
type Key struct{ p *jose.Key }

// HS256 returns an HMAC-SHA256 key. The secret is copied. [New] refuses
// secrets shorter than 32 bytes (RFC 7518 §3.2).
func HS256(secret []byte) Key {
	return Key{jose.NewHMACKey("HS256", bytes.Clone(secret))}
}

// signingKey returns a Key on private; validation reports what is wrong
// with it.
func signingKey(alg string, private crypto.Signer) Key {
	return Key{jose.NewSigningKey(alg, private)}
}

func verifyingKey(alg string, public crypto.PublicKey) Key {
	return Key{jose.NewVerifyingKey(alg, public)}
}

var errZeroKey = errors.New("session: key is the zero Key; build it with session.HS256, session.NewKey or session.ParsePEM")

// keyError reports what is wrong with a key's material in this package's
// name. It holds a single pointer, so that returning it allocates nothing.
type keyError struct{ err *jose.Error }

func (e keyError) Error() string { return "session: " + e.err.Detail }
func (e keyError) Unwrap() error { return e.err }

// check reports what is wrong with k, if anything: a Key that passes signs
// (if it can) and verifies without panicking.
func (k Key) check() error {
	if k.p == nil || k.p.Algorithm() == "" {
		return errZeroKey
	}
	if err := k.p.Err(); err != nil {
		if je, ok := err.(*jose.Error); ok {
			return keyError{je}
		}
		return err
	}
	return nil
}

// CanSign reports whether the key can sign tokens (it holds a secret or a
// private key), as opposed to only verifying them.
func (k Key) CanSign() bool { return k.p != nil && k.p.CanSign() }

// WithID returns a copy of k with the key id that tokens signed by it carry
// in their kid header and that selects it on verification. The copy is a
// new Key, not equal to k.
func (k Key) WithID(kid string) Key {
	if k.p == nil {
		return k
	}
	return Key{k.p.WithID(kid)}
}

// Algorithm returns the JWS algorithm the key is pinned to.
func (k Key) Algorithm() string {
	if k.p == nil {
		return ""
	}
	return k.p.Algorithm()
}

// ID returns the key id, or "" when none was set.
func (k Key) ID() string {
	if k.p == nil {
		return ""
	}
	return k.p.ID()
}

// Public returns the public key of an asymmetric key: an
// *ecdsa.PublicKey for ES256, ES384 and ES512, an ed25519.PublicKey for
// EdDSA and Ed25519, an *rsa.PublicKey for RS* and PS*. It is nil for an
// HMAC (HS*) key, whose secret never leaves the Key.
func (k Key) Public() crypto.PublicKey {
	if k.p == nil {
		return nil
	}
	return k.p.Public()
}

// String describes the key without its secret.
func (k Key) String() string {
	switch {
	case k.p == nil:
		return "zero key"
	case k.p.ID() == "":
		return k.p.Algorithm() + " key"
	}
	return fmt.Sprintf("%s key %q", k.p.Algorithm(), k.p.ID())
}

// GoString describes the key without its secret, for %#v.
func (k Key) GoString() string { return "session.Key(" + k.String() + ")" }

// SigningKey returns k and whether it can sign, making a single Key the
// [Keys] of a Manager.
func (k Key) SigningKey() (Key, bool) { return k, k.CanSign() }

// VerificationKey returns k for a token without kid, for a token with any
// kid when k has no key id, and for a token whose kid is k's key id. Any
// other kid is refused with an error matching [ErrInvalid]. The issuer is
// not consulted: a single Key is one issuer's.
func (k Key) VerificationKey(_ context.Context, _, kid string) (Key, error) {
	if kid != "" && k.ID() != "" && kid != k.ID() {
		return Key{}, errUnknownKey
	}
	return k, nil
}
