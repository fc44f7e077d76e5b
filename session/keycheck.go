package session

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
)

// validate reports what is wrong with k, if anything. Every key that
// passes signs and verifies without panicking: the material of each kind
// is checked as the crypto packages would check it at use, and a private
// key must match its public half.
func (k *pinnedKey) validate() error {
	if k.alg == "" {
		return errZeroKey
	}
	if k.id != "" && !validClaimString(k.id) {
		return errors.New("session: key id must be valid UTF-8 without NUL")
	}
	if k.alg == "HS256" {
		if len(k.secret) < minHMACSecretSize {
			return fmt.Errorf("session: HS256 secret is %d bytes; at least %d random bytes are required (RFC 7518 §3.2)", len(k.secret), minHMACSecretSize)
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
func (k *pinnedKey) validatePublic() error {
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
		if bits := pub.N.BitLen(); bits < minRSABits {
			return fmt.Errorf("session: %s key has %d bits; at least %d are required", k.alg, bits, minRSABits)
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
