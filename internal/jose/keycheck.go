package jose

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// validate reports what is wrong with k, if anything. Every key that
// passes signs and verifies without panicking: the material of each kind
// is checked as the crypto packages would check it at use, and a private
// key must match its public half.
func (k *Key) validate() error {
	if k.alg == "" {
		return fail("key has no algorithm")
	}
	if k.spec == nil {
		return failf("algorithm %q is not supported; use %s", k.alg, AlgorithmNames)
	}
	if k.id != "" && !ValidString(k.id) {
		return fail("key id must be valid UTF-8 without NUL")
	}
	if k.spec.family == FamilyHMAC {
		// RFC 7518 §3.2: a key at least as long as the hash output.
		if len(k.secret) < k.spec.size {
			return failf("%s secret is %d bytes; at least %d random bytes are required (RFC 7518 §3.2)", k.alg, len(k.secret), k.spec.size)
		}
		return nil
	}
	if k.secret != nil {
		return failf("a secret is an HMAC key and cannot be used for %s", k.alg)
	}
	if k.private != nil && isNil(k.private) || k.private == nil && isNil(k.public) {
		return failf("%s key is nil", k.alg)
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
		return validateECDSAPrivate(k.spec, priv)
	case *rsa.PrivateKey:
		if err := priv.Validate(); err != nil {
			return failf("%s private key is not valid (%v); use it whole and unmodified, as rsa.GenerateKey or x509.ParsePKCS8PrivateKey return it", k.alg, err)
		}
	}
	return nil
}

// validatePublic checks the public half of k, whose algorithm is not an
// HMAC one: its type must be the algorithm's, and an ECDSA key must be on
// the algorithm's curve.
func (k *Key) validatePublic() error {
	spec := k.spec
	switch pub := k.public.(type) {
	case *ecdsa.PublicKey:
		if spec.family != FamilyECDSA {
			return failf("an ECDSA key cannot be used for %s; ECDSA keys sign %s", k.alg, FamilyAlgorithms(FamilyECDSA))
		}
		if pub.Curve == nil {
			return failf("%s key has no curve; it needs a %s key, as ecdsa.GenerateKey(elliptic.%s(), rand.Reader) makes", k.alg, spec.curveName, strings.ReplaceAll(spec.curveName, "-", ""))
		}
		if pub.Curve != spec.curve {
			name := "a curve without parameters"
			if p := pub.Curve.Params(); p != nil && p.Name != "" {
				name = p.Name
			}
			hint := ""
			if a := ecAlgorithm(pub.Curve); a != nil {
				hint = "; a " + a.curveName + " key signs " + a.name
			}
			return failf("%s needs a %s key; got %s%s", k.alg, spec.curveName, name, hint)
		}
		if pub.X == nil || pub.Y == nil {
			return failf("%s public key has no point (X or Y is nil)", k.alg)
		}
		if _, err := pub.ECDH(); err != nil {
			return failf("%s public key (X, Y) is not a valid point on %s", k.alg, spec.curveName)
		}
	case ed25519.PublicKey:
		if spec.family != FamilyEdDSA {
			return failf("an Ed25519 key cannot be used for %s; Ed25519 keys sign EdDSA or Ed25519", k.alg)
		}
		if len(pub) != ed25519.PublicKeySize {
			return failf("Ed25519 public key is %d bytes; want %d (ed25519.PublicKeySize)", len(pub), ed25519.PublicKeySize)
		}
		if smallOrderEd25519(pub) {
			return fail("Ed25519 public key is a point of small order, for which one signature verifies many messages; use a key from ed25519.GenerateKey")
		}
	case *rsa.PublicKey:
		if spec.family != FamilyRSA && spec.family != FamilyPSS {
			return failf("an RSA key cannot be used for %s; RSA keys sign %s", k.alg, FamilyAlgorithms(FamilyRSA))
		}
		switch {
		case pub.N == nil:
			return failf("%s key has no modulus (N is nil)", k.alg)
		case pub.N.Sign() <= 0:
			return failf("%s key modulus N must be positive", k.alg)
		case pub.N.Bit(0) == 0:
			return failf("%s key modulus N is even; an RSA modulus is odd", k.alg)
		case pub.E < 3 || pub.E%2 == 0:
			return failf("%s public exponent is %d; it must be odd and at least 3 (usually 65537)", k.alg, pub.E)
		case pub.E > 1<<31-1:
			return failf("%s public exponent is %d; it must be at most 2147483647 (usually 65537)", k.alg, pub.E)
		}
		if bits := pub.N.BitLen(); bits < minRSABits {
			return failf("%s key has %d bits; at least %d are required", k.alg, bits, minRSABits)
		}
	default:
		return failf("unsupported %s key type %T", k.alg, k.public)
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
		return failf("Ed25519 private key is %d bytes; want %d (ed25519.PrivateKeySize), as ed25519.GenerateKey returns%s", len(priv), ed25519.PrivateKeySize, hint)
	}
	want := ed25519.NewKeyFromSeed(priv.Seed())
	if subtle.ConstantTimeCompare(want[ed25519.SeedSize:], priv[ed25519.SeedSize:]) != 1 {
		return fail("Ed25519 private key's public half (its last 32 bytes) does not match its seed; rebuild the key with ed25519.NewKeyFromSeed")
	}
	return nil
}

// validateECDSAPrivate checks the private scalar of an ECDSA key whose
// public point is already valid on the curve of spec.
func validateECDSAPrivate(spec *algorithm, priv *ecdsa.PrivateKey) error {
	if priv.D == nil {
		return failf("%s private key has no private scalar D", spec.name)
	}
	d, err := priv.ECDH()
	if err != nil {
		return failf("%s private scalar D is not valid for %s (it must lie in [1, n-1])", spec.name, spec.curveName)
	}
	pub, err := priv.PublicKey.ECDH()
	if err != nil || !d.PublicKey().Equal(pub) {
		return failf("%s private scalar D does not match the public point (X, Y)", spec.name)
	}
	return nil
}

// ed25519SmallOrderY holds, little-endian and without the sign bit of x,
// the y-coordinates of the Ed25519 points whose order divides 8 — 0 and
// 1, p-1, and the two of order 8 — and the non-canonical encodings p and
// p+1 of 0 and 1 (p = 2^255-19), which the verifier also accepts. With
// the sign bit, they are the 8 small-order points and their non-canonical
// encodings.
var ed25519SmallOrderY = func() [][ed25519.PublicKeySize]byte {
	var ys [][ed25519.PublicKeySize]byte
	for _, h := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	} {
		var y [ed25519.PublicKeySize]byte
		hex.Decode(y[:], []byte(h))
		ys = append(ys, y)
	}
	return ys
}()

// ed25519BasePoint is the encoding of the Ed25519 base point, a
// well-formed public key of large order.
var ed25519BasePoint = [ed25519.PublicKeySize]byte{0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66}

// smallOrderEd25519 reports whether pub, a 32-byte Ed25519 public key,
// encodes a point of small order (RFC 8032 §5.1.3 decoding): with such a
// key one signature, made without any private key, verifies many
// messages.
func smallOrderEd25519(pub []byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	var y [ed25519.PublicKeySize]byte
	copy(y[:], pub)
	y[ed25519.PublicKeySize-1] &= 0x7f
	for _, s := range ed25519SmallOrderY {
		if y == s {
			return true
		}
	}
	return false
}
