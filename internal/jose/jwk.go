package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"math/big"

	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// proofAlgCandidates are the asymmetric JWS algorithms a DPoP proof may
// name (RFC 7518 §3.1, and RFC 9864's fully-specified Ed25519). A proof's
// algorithm is accepted when it is one of these and [NewVerifyingKey]
// accepts the proof's key for it, so the list grows with the keys this
// package supports; HMAC and none are never candidates.
var proofAlgCandidates = [...]string{"ES256", "ES384", "ES512", "EdDSA", "Ed25519", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

// jwkShape returns the kty and crv of the keys that sign with alg, and
// whether alg may sign a proof.
func jwkShape(alg string) (kty, crv string, ok bool) {
	switch alg {
	case "ES256":
		return "EC", "P-256", true
	case "ES384":
		return "EC", "P-384", true
	case "ES512":
		return "EC", "P-521", true
	case "EdDSA", "Ed25519":
		return "OKP", "Ed25519", true
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return "RSA", "", true
	}
	return "", "", false
}

// keyAlgorithm returns the [Key] algorithm that verifies a proof of alg:
// the fully-specified Ed25519 is EdDSA with an Ed25519 key.
func keyAlgorithm(alg string) string {
	if alg == "Ed25519" {
		return "EdDSA"
	}
	return alg
}

// ProofAlgorithms returns the JWS algorithms [ParseProof] accepts, in a
// fixed order: every asymmetric algorithm for which [NewVerifyingKey]
// accepts a public key (ES256, EdDSA and Ed25519, RS256 and PS256 at
// least), never none nor HMAC. It is the list a DPoP challenge's algs parameter
// announces (RFC 9449 §7.1).
func ProofAlgorithms() []string {
	var algs []string
	for _, alg := range proofAlgCandidates {
		if NewVerifyingKey(keyAlgorithm(alg), samplePublicKey(alg)).Err() == nil {
			algs = append(algs, alg)
		}
	}
	return algs
}

// samplePublicKey returns a well-formed public key of the shape alg
// needs, which only serves to ask [NewVerifyingKey] whether it supports
// alg.
func samplePublicKey(alg string) crypto.PublicKey {
	kty, crv, _ := jwkShape(alg)
	switch kty {
	case "EC":
		c := curve(crv)
		p := c.Params()
		return &ecdsa.PublicKey{Curve: c, X: p.Gx, Y: p.Gy}
	case "OKP":
		return ed25519.PublicKey(ed25519BasePoint[:])
	}
	n := new(big.Int).Lsh(big.NewInt(1), minRSABits)
	return &rsa.PublicKey{N: n.Sub(n, big.NewInt(1)), E: 65537}
}

// curve returns the elliptic curve named crv, or nil.
func curve(crv string) elliptic.Curve {
	switch crv {
	case "P-256":
		return elliptic.P256()
	case "P-384":
		return elliptic.P384()
	case "P-521":
		return elliptic.P521()
	}
	return nil
}

// jwkMembers are the members of a proof's jwk that are read.
type jwkMembers struct {
	kty, crv, x, y, n, e string
}

// Bounds of a proof's key, which the client chooses: RSA verification
// costs grow with the modulus and the exponent, so a proof's RSA key has
// at most 4096 bits and the exponent 65537.
const (
	maxProofRSABytes = 4096 / 8
	proofRSAExponent = 65537
	// maxJWKMember bounds an encoded key member: base64url of the
	// largest modulus.
	maxJWKMember = (maxProofRSABytes*4 + 2) / 3
)

// parseProofJWK reads the public key of a proof's jwk header member
// (RFC 9449 §4.2), which must fit alg: an EC, OKP or RSA public key. A
// symmetric key (kty oct), any private member (d, p, q, dp, dq, qi, oth,
// k), an RSA key over 4096 bits or with an exponent other than 65537, and
// a small-order Ed25519 key are refused; other members, such as alg, use or WebCrypto's
// ext and key_ops, are validated as JSON and ignored.
func parseProofJWK(sc *strictjson.Scanner, alg string) (crypto.PublicKey, error) {
	var m jwkMembers
	err := sc.Object(func(name string) error {
		var dst *string
		switch name {
		case "kty":
			dst = &m.kty
		case "crv":
			dst = &m.crv
		case "x":
			dst = &m.x
		case "y":
			dst = &m.y
		case "n":
			dst = &m.n
		case "e":
			dst = &m.e
		case "d", "p", "q", "dp", "dq", "qi", "oth", "k":
			return fail("jwk holds a private or symmetric key member")
		default:
			return sc.SkipValue()
		}
		s, err := ReadString(sc, "jwk member")
		switch {
		case err != nil:
		case len(s) > maxJWKMember && name == "n":
			return errProofRSASize
		case len(s) > maxJWKMember:
			return fail("jwk member too long")
		}
		*dst = s
		return err
	})
	if err != nil {
		return nil, err
	}
	kty, crv, _ := jwkShape(alg)
	if m.kty != kty || m.crv != crv {
		return nil, fail("jwk key type or curve does not fit the proof's alg")
	}
	switch kty {
	case "EC":
		return ecJWK(m, curve(crv))
	case "OKP":
		x, err := DecodePart(m.x)
		if err != nil || len(x) != ed25519.PublicKeySize || m.y != "" || m.n != "" || m.e != "" {
			return nil, fail("jwk is not an Ed25519 public key")
		}
		if smallOrderEd25519(x) {
			return nil, errProofSmallOrder
		}
		return ed25519.PublicKey(x), nil
	}
	return rsaJWK(m)
}

// ecJWK builds an EC public key from x and y, each exactly the curve's
// size (RFC 7518 §6.2.1.2), refusing points off the curve.
func ecJWK(m jwkMembers, c elliptic.Curve) (crypto.PublicKey, error) {
	size := (c.Params().BitSize + 7) / 8
	x, errX := DecodePart(m.x)
	y, errY := DecodePart(m.y)
	if errX != nil || errY != nil || len(x) != size || len(y) != size || m.n != "" || m.e != "" {
		return nil, fail("jwk is not an EC public key of its curve")
	}
	point := make([]byte, 0, 1+2*size)
	point = append(append(append(point, 4), x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(c, point)
	if err != nil {
		return nil, fail("jwk point is not on its curve")
	}
	return pub, nil
}

// Errors of proof keys that are well formed but cost or risk too much.
var (
	errProofRSASize     = fail("jwk RSA modulus exceeds 4096 bits, the most a proof key may have")
	errProofRSAExponent = fail("jwk RSA exponent is not 65537, the only one a proof key may have")
	errProofSmallOrder  = fail("jwk is a small-order Ed25519 public key")
)

// rsaJWK builds an RSA public key from n and e, each in its shortest
// big-endian form (RFC 7518 §6.3.1), with at most 4096 bits and the
// exponent 65537.
func rsaJWK(m jwkMembers) (crypto.PublicKey, error) {
	n, errN := DecodePart(m.n)
	e, errE := DecodePart(m.e)
	if errN != nil || errE != nil || len(n) == 0 || n[0] == 0 || len(e) == 0 || len(e) > 4 || e[0] == 0 || m.x != "" || m.y != "" || m.crv != "" {
		return nil, fail("jwk is not an RSA public key")
	}
	if len(n) > maxProofRSABytes {
		return nil, errProofRSASize
	}
	var exp int64
	for _, b := range e {
		exp = exp<<8 | int64(b)
	}
	if exp != proofRSAExponent {
		return nil, errProofRSAExponent
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp)}, nil
}
