package jose

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"
)

// Family is the kind of key an algorithm signs with, and its scheme.
type Family uint8

// The families of the supported algorithms.
const (
	FamilyHMAC  Family = iota + 1 // HS*: a secret
	FamilyRSA                     // RS*: RSASSA-PKCS1-v1_5
	FamilyPSS                     // PS*: RSASSA-PSS
	FamilyECDSA                   // ES*: one curve each
	FamilyEdDSA                   // EdDSA and Ed25519: an Ed25519 key
)

// minRSABits is the smallest RSA modulus accepted, in bits.
const minRSABits = 2048

// algorithm is one JWS signature algorithm (RFC 7518 §3, RFC 8037,
// RFC 9864) and what signing and verifying with it need.
type algorithm struct {
	name   string
	family Family
	// hash digests the signing input (none for EdDSA, which signs it
	// whole); newHash makes the HMAC's hash.
	hash    crypto.Hash
	newHash func() hash.Hash
	// curve is an ES* algorithm's, and curveName its name as errors and
	// JWKs spell it.
	curve     elliptic.Curve
	curveName string
	// size is the length of a raw signature for HS* (the hash output,
	// also the shortest secret accepted, RFC 7518 §3.2), ES* (R || S,
	// RFC 7518 §3.4) and EdDSA; 0 for RSA, whose signatures are as long
	// as the modulus.
	size int
	// pss holds the RFC 7518 §3.5 options: the salt as long as the hash,
	// on signing and on verification alike.
	pss *rsa.PSSOptions
}

// algorithms are the supported algorithms, by name.
var algorithms = map[string]*algorithm{
	"HS256":   {name: "HS256", family: FamilyHMAC, hash: crypto.SHA256, newHash: sha256.New, size: sha256.Size},
	"HS384":   {name: "HS384", family: FamilyHMAC, hash: crypto.SHA384, newHash: sha512.New384, size: sha512.Size384},
	"HS512":   {name: "HS512", family: FamilyHMAC, hash: crypto.SHA512, newHash: sha512.New, size: sha512.Size},
	"RS256":   {name: "RS256", family: FamilyRSA, hash: crypto.SHA256},
	"RS384":   {name: "RS384", family: FamilyRSA, hash: crypto.SHA384},
	"RS512":   {name: "RS512", family: FamilyRSA, hash: crypto.SHA512},
	"PS256":   {name: "PS256", family: FamilyPSS, hash: crypto.SHA256, pss: &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}},
	"PS384":   {name: "PS384", family: FamilyPSS, hash: crypto.SHA384, pss: &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA384}},
	"PS512":   {name: "PS512", family: FamilyPSS, hash: crypto.SHA512, pss: &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA512}},
	"ES256":   {name: "ES256", family: FamilyECDSA, hash: crypto.SHA256, curve: elliptic.P256(), curveName: "P-256", size: 64},
	"ES384":   {name: "ES384", family: FamilyECDSA, hash: crypto.SHA384, curve: elliptic.P384(), curveName: "P-384", size: 96},
	"ES512":   {name: "ES512", family: FamilyECDSA, hash: crypto.SHA512, curve: elliptic.P521(), curveName: "P-521", size: 132},
	"EdDSA":   {name: "EdDSA", family: FamilyEdDSA, size: 64},
	"Ed25519": {name: "Ed25519", family: FamilyEdDSA, size: 64},
}

// AlgorithmNames lists the supported algorithms, for error messages.
const AlgorithmNames = "HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA or Ed25519"

// AlgorithmFamily returns the family of the algorithm alg names, and
// whether alg is supported.
func AlgorithmFamily(alg string) (Family, bool) {
	if a := algorithms[alg]; a != nil {
		return a.family, true
	}
	return 0, false
}

// CurveAlgorithm returns the name of the ES* algorithm of curve, or "".
func CurveAlgorithm(curve elliptic.Curve) string {
	if a := ecAlgorithm(curve); a != nil {
		return a.name
	}
	return ""
}

// ecAlgorithm returns the ES* algorithm of curve, or nil.
func ecAlgorithm(curve elliptic.Curve) *algorithm {
	for _, name := range [...]string{"ES256", "ES384", "ES512"} {
		if a := algorithms[name]; a.curve == curve {
			return a
		}
	}
	return nil
}

// digest returns the hash of in under a's hash function, in buf.
func (a *algorithm) digest(buf *[64]byte, in []byte) []byte {
	switch a.hash {
	case crypto.SHA256:
		*(*[32]byte)(buf[:32]) = sha256.Sum256(in)
		return buf[:32]
	case crypto.SHA384:
		*(*[48]byte)(buf[:48]) = sha512.Sum384(in)
		return buf[:48]
	}
	*buf = sha512.Sum512(in)
	return buf[:]
}

// FamilyAlgorithms names the algorithms of f, for error messages; those
// of FamilyRSA include the PS* ones, as RSA keys sign with both.
func FamilyAlgorithms(f Family) string {
	var names []string
	for _, name := range [...]string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"} {
		if a := algorithms[name]; a.family == f || f == FamilyRSA && a.family == FamilyPSS {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}
