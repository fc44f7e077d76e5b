package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"sync"
)

// Key is key material pinned to one algorithm, its validation error and,
// for a valid key, what signing and verifying need, prepared once. Build
// one with [NewHMACKey], [NewSigningKey] or [NewVerifyingKey]; a Key is
// never modified afterwards, so it is safe for concurrent use.
type Key struct {
	alg string
	id  string
	// secret is an HMAC key's; private signs and public verifies the
	// others (private is nil for a verification-only key).
	secret  []byte
	private crypto.Signer
	public  crypto.PublicKey
	// err is what is wrong with the material; the fields below are set
	// only when it is nil.
	err error

	// spec is the algorithm alg names.
	spec *algorithm
	// macs holds keyed HMAC states for HS* keys; nil otherwise.
	macs *sync.Pool
	// sigSize is the length of a raw signature, sigLen of its encoding.
	sigSize, sigLen int
	// header is the base64url protected header of tokens this key signs.
	header string
}

// NewHMACKey returns an HS* key on secret, which it keeps: the caller
// must not modify secret afterwards.
func NewHMACKey(alg string, secret []byte) *Key {
	return newKey(&Key{alg: alg, secret: secret})
}

// NewSigningKey returns a key on private, with its public half when
// private is well-formed enough to compute one without panicking;
// validation reports what is wrong with the others.
func NewSigningKey(alg string, private crypto.Signer) *Key {
	p := &Key{alg: alg, private: private}
	if ed, ok := private.(ed25519.PrivateKey); ok && len(ed) != ed25519.PrivateKeySize {
		return newKey(p) // Public would slice past its end
	}
	if private != nil && !isNil(private) {
		p.public = private.Public()
	}
	return newKey(p)
}

// NewVerifyingKey returns a key that only verifies, on public.
func NewVerifyingKey(alg string, public crypto.PublicKey) *Key {
	return newKey(&Key{alg: alg, public: public})
}

// newKey validates p and, when it is valid, prepares it.
func newKey(p *Key) *Key {
	p.spec = algorithms[p.alg]
	if p.err = p.validate(); p.err == nil {
		p.prepare()
	}
	return p
}

// WithID returns a new Key on k's material carrying the key id kid,
// which the protected header of the tokens it signs names.
func (k *Key) WithID(kid string) *Key {
	p := &Key{alg: k.alg, id: kid, secret: k.secret, private: k.private, public: k.public}
	return newKey(p)
}

// Err reports what is wrong with the key's material, as an [*Error], or
// nil for a key that signs (if it can) and verifies without panicking.
func (k *Key) Err() error { return k.err }

// Algorithm returns the algorithm the key is pinned to.
func (k *Key) Algorithm() string { return k.alg }

// ID returns the key id, or "" when none was set.
func (k *Key) ID() string { return k.id }

// Symmetric reports whether k is a valid HMAC key.
func (k *Key) Symmetric() bool { return k.spec != nil && k.spec.family == FamilyHMAC }

// CanSign reports whether k holds a secret or a private key.
func (k *Key) CanSign() bool { return k.secret != nil || k.private != nil }

// Public returns the public key of an asymmetric key, and nil for an
// HMAC key, whose secret never leaves the Key.
func (k *Key) Public() crypto.PublicKey {
	if k.spec != nil && k.spec.family == FamilyHMAC {
		return nil
	}
	return k.public
}

// Header returns the base64url protected header of the tokens k signs,
// {"alg":…,"kid":…,"typ":"JWT"} without kid when k has none; "" for a
// key that is not valid.
func (k *Key) Header() string { return k.header }

// SignatureSize returns the length of k's raw signatures, in bytes.
func (k *Key) SignatureSize() int { return k.sigSize }

// isNil reports whether v holds a nil pointer (or nil slice).
func isNil(v any) bool {
	switch k := v.(type) {
	case *ecdsa.PrivateKey:
		return k == nil
	case *rsa.PrivateKey:
		return k == nil
	case ed25519.PrivateKey:
		return k == nil
	case *ecdsa.PublicKey:
		return k == nil
	case *rsa.PublicKey:
		return k == nil
	case ed25519.PublicKey:
		return k == nil
	}
	return v == nil
}
