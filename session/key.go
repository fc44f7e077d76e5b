package session

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
)

// MinHMACSecretSize is the shortest HS256 secret accepted: 32 bytes, the
// hash output size required by RFC 7518 §3.2.
const MinHMACSecretSize = 32

// Key is a signing or verification key pinned to exactly one algorithm.
// The algorithm always comes from the Key, never from a token header.
// Build one with [HS256], [ES256], [EdDSA], [RS256] or [PS256] (signing) or
// their Public variants (verification only); a Key is validated by [New].
type Key struct {
	alg    string
	id     string
	secret []byte
	// private signs; public verifies. An HMAC key has neither.
	private crypto.Signer
	public  crypto.PublicKey
}

// MinRSABits is the smallest RSA modulus accepted, in bits.
const MinRSABits = 2048

// HS256 returns an HMAC-SHA256 key. The secret is copied. [New] refuses
// secrets shorter than [MinHMACSecretSize] bytes.
func HS256(secret []byte) Key {
	return Key{alg: "HS256", secret: bytes.Clone(secret)}
}

// ES256 returns an ECDSA P-256 / SHA-256 signing key. [New] refuses other
// curves.
func ES256(private *ecdsa.PrivateKey) Key { return signingKey("ES256", private) }

// ES256Public returns an ES256 key that only verifies.
func ES256Public(public *ecdsa.PublicKey) Key { return verifyingKey("ES256", public) }

// EdDSA returns an Ed25519 signing key. [New] refuses a key that is not
// [ed25519.PrivateKeySize] bytes, such as a bare 32-byte seed, or whose
// public half does not match its seed.
func EdDSA(private ed25519.PrivateKey) Key { return signingKey("EdDSA", private) }

// EdDSAPublic returns an Ed25519 key that only verifies.
func EdDSAPublic(public ed25519.PublicKey) Key { return verifyingKey("EdDSA", public) }

// RS256 returns an RSASSA-PKCS1-v1_5 / SHA-256 signing key. [New] refuses
// moduli shorter than [MinRSABits].
func RS256(private *rsa.PrivateKey) Key { return signingKey("RS256", private) }

// RS256Public returns an RS256 key that only verifies.
func RS256Public(public *rsa.PublicKey) Key { return verifyingKey("RS256", public) }

// PS256 returns an RSASSA-PSS / SHA-256 signing key. [New] refuses moduli
// shorter than [MinRSABits].
func PS256(private *rsa.PrivateKey) Key { return signingKey("PS256", private) }

// PS256Public returns a PS256 key that only verifies.
func PS256Public(public *rsa.PublicKey) Key { return verifyingKey("PS256", public) }

// signingKey returns a Key on private, with its public half when private
// is well-formed enough to compute one without panicking; [Key.validate]
// reports what is wrong with the others.
func signingKey(alg string, private crypto.Signer) Key {
	k := Key{alg: alg, private: private}
	if ed, ok := private.(ed25519.PrivateKey); ok && len(ed) != ed25519.PrivateKeySize {
		return k // Public would slice past its end
	}
	if private != nil && !isNil(private) {
		k.public = private.Public()
	}
	return k
}

func verifyingKey(alg string, public crypto.PublicKey) Key {
	return Key{alg: alg, public: public}
}

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

// CanSign reports whether the key can sign tokens (it holds a secret or a
// private key), as opposed to only verifying them.
func (k Key) CanSign() bool { return k.secret != nil || k.private != nil }

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

// validate reports what is wrong with k, if anything. Every key that
// passes signs and verifies without panicking: the material of each kind
// is checked as the crypto packages would check it at use, and a private
// key must match its public half.
func (k Key) validate() error {
	if k.alg == "" {
		return errors.New("session: key is the zero Key; build it with session.HS256, ES256, EdDSA, RS256 or PS256")
	}
	if k.id != "" && !validClaimString(k.id) {
		return errors.New("session: key id must be valid UTF-8 without NUL")
	}
	if k.alg == "HS256" {
		if len(k.secret) < MinHMACSecretSize {
			return fmt.Errorf("session: HS256 secret is %d bytes; at least %d random bytes are required (RFC 7518 §3.2)", len(k.secret), MinHMACSecretSize)
		}
		return nil
	}
	if k.private != nil && isNil(k.private) || k.private == nil && isNil(k.public) {
		return fmt.Errorf("session: %s key is nil", k.alg)
	}
	if ed, ok := k.private.(ed25519.PrivateKey); ok {
		if err := validateEd25519Private(ed); err != nil {
			return err
		}
	}
	if err := k.validatePublic(); err != nil {
		return err
	}
	switch priv := k.private.(type) {
	case *ecdsa.PrivateKey:
		return validateECDSAPrivate(priv)
	case *rsa.PrivateKey:
		if err := priv.Validate(); err != nil {
			return fmt.Errorf("session: %s private key is not valid (%v); use it whole and unmodified, as rsa.GenerateKey or x509.ParsePKCS8PrivateKey return it", k.alg, err)
		}
	}
	return nil
}

// validatePublic checks the public half of k, whose alg is not HS256.
func (k Key) validatePublic() error {
	switch pub := k.public.(type) {
	case *ecdsa.PublicKey:
		if k.alg != "ES256" {
			return fmt.Errorf("session: an ECDSA key cannot be used for %s", k.alg)
		}
		if pub.Curve == nil {
			return errors.New("session: ES256 key has no curve; it needs a P-256 key, as ecdsa.GenerateKey(elliptic.P256(), rand.Reader) makes")
		}
		if pub.Curve != elliptic.P256() {
			name := "a curve without parameters"
			if p := pub.Curve.Params(); p != nil && p.Name != "" {
				name = p.Name
			}
			return fmt.Errorf("session: ES256 needs a P-256 key; got %s", name)
		}
		if pub.X == nil || pub.Y == nil {
			return errors.New("session: ES256 public key has no point (X or Y is nil)")
		}
		if _, err := pub.ECDH(); err != nil {
			return errors.New("session: ES256 public key (X, Y) is not a valid point on P-256")
		}
	case ed25519.PublicKey:
		if k.alg != "EdDSA" {
			return fmt.Errorf("session: an Ed25519 key cannot be used for %s", k.alg)
		}
		if len(pub) != ed25519.PublicKeySize {
			return fmt.Errorf("session: Ed25519 public key is %d bytes; want %d (ed25519.PublicKeySize)", len(pub), ed25519.PublicKeySize)
		}
	case *rsa.PublicKey:
		if k.alg != "RS256" && k.alg != "PS256" {
			return fmt.Errorf("session: an RSA key cannot be used for %s", k.alg)
		}
		switch {
		case pub.N == nil:
			return fmt.Errorf("session: %s key has no modulus (N is nil)", k.alg)
		case pub.N.Sign() <= 0:
			return fmt.Errorf("session: %s key modulus N must be positive", k.alg)
		case pub.N.Bit(0) == 0:
			return fmt.Errorf("session: %s key modulus N is even; an RSA modulus is odd", k.alg)
		case pub.E < 3 || pub.E%2 == 0:
			return fmt.Errorf("session: %s public exponent is %d; it must be odd and at least 3 (usually 65537)", k.alg, pub.E)
		case pub.E > 1<<31-1:
			return fmt.Errorf("session: %s public exponent is %d; it must be at most 2147483647 (usually 65537)", k.alg, pub.E)
		}
		if bits := pub.N.BitLen(); bits < MinRSABits {
			return fmt.Errorf("session: %s key has %d bits; at least %d are required", k.alg, bits, MinRSABits)
		}
	default:
		return fmt.Errorf("session: unsupported %s key type %T", k.alg, k.public)
	}
	return nil
}

// validateEd25519Private checks that priv is a whole Ed25519 private key:
// its seed followed by the public key that the seed derives.
func validateEd25519Private(priv ed25519.PrivateKey) error {
	if len(priv) != ed25519.PrivateKeySize {
		hint := ""
		if len(priv) == ed25519.SeedSize {
			hint = "; a 32-byte seed becomes one with ed25519.NewKeyFromSeed"
		}
		return fmt.Errorf("session: Ed25519 private key is %d bytes; want %d (ed25519.PrivateKeySize), as ed25519.GenerateKey returns%s", len(priv), ed25519.PrivateKeySize, hint)
	}
	want := ed25519.NewKeyFromSeed(priv.Seed())
	if subtle.ConstantTimeCompare(want[ed25519.SeedSize:], priv[ed25519.SeedSize:]) != 1 {
		return errors.New("session: Ed25519 private key's public half (its last 32 bytes) does not match its seed; rebuild the key with ed25519.NewKeyFromSeed")
	}
	return nil
}

// validateECDSAPrivate checks the private scalar of a P-256 key whose
// public point is already valid.
func validateECDSAPrivate(priv *ecdsa.PrivateKey) error {
	if priv.D == nil {
		return errors.New("session: ES256 private key has no private scalar D")
	}
	d, err := priv.ECDH()
	if err != nil {
		return errors.New("session: ES256 private scalar D is not valid for P-256 (it must lie in [1, n-1])")
	}
	pub, err := priv.PublicKey.ECDH()
	if err != nil || !d.PublicKey().Equal(pub) {
		return errors.New("session: ES256 private scalar D does not match the public point (X, Y)")
	}
	return nil
}
