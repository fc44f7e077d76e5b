package session

import (
	"bytes"
	"fmt"
)

// MinHMACSecretSize is the shortest HS256 secret accepted: 32 bytes, the
// hash output size required by RFC 7518 §3.2.
const MinHMACSecretSize = 32

// Key is a signing or verification key pinned to exactly one algorithm.
// The algorithm always comes from the Key, never from a token header.
// Build one with [HS256]; a Key is validated by [New].
type Key struct {
	alg    string
	id     string
	secret []byte
}

// HS256 returns an HMAC-SHA256 key. The secret is copied. [New] refuses
// secrets shorter than [MinHMACSecretSize] bytes.
func HS256(secret []byte) Key {
	return Key{alg: "HS256", secret: bytes.Clone(secret)}
}

// WithID returns a copy of k with the key id that tokens signed by it carry
// in their kid header and that selects it on verification.
func (k Key) WithID(kid string) Key {
	k.id = kid
	return k
}

// Algorithm returns the JWS algorithm the key is pinned to.
func (k Key) Algorithm() string { return k.alg }

// ID returns the key id, or "" when none was set.
func (k Key) ID() string { return k.id }

// String describes the key without its secret.
func (k Key) String() string {
	if k.id == "" {
		return k.alg + " key"
	}
	return fmt.Sprintf("%s key %q", k.alg, k.id)
}

// GoString describes the key without its secret, for %#v.
func (k Key) GoString() string { return "session.Key(" + k.String() + ")" }

// validate reports what is wrong with k, if anything.
func (k Key) validate() error {
	switch {
	case k.alg == "":
		return fmt.Errorf("session: key is the zero Key; build it with session.HS256")
	case k.alg == "HS256" && len(k.secret) < MinHMACSecretSize:
		return fmt.Errorf("session: HS256 secret is %d bytes; at least %d random bytes are required (RFC 7518 §3.2)", len(k.secret), MinHMACSecretSize)
	case !validClaimString(k.id) && k.id != "":
		return fmt.Errorf("session: key id must be valid UTF-8 without NUL")
	}
	return nil
}
