package session

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"
)

// family is the kind of key an algorithm signs with, and its scheme.
type family uint8

const (
	familyHMAC  family = iota + 1 // HS*: a secret
	familyRSA                     // RS*: RSASSA-PKCS1-v1_5
	familyPSS                     // PS*: RSASSA-PSS
	familyECDSA                   // ES*: one curve each
	familyEdDSA                   // EdDSA and Ed25519: an Ed25519 key
)

// algorithm is one JWS signature algorithm (RFC 7518 §3, RFC 8037,
// RFC 9864) and what signing and verifying with it need.
type algorithm struct {
	name   string
	family family
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
	"HS256":   {name: "HS256", family: familyHMAC, hash: crypto.SHA256, newHash: sha256.New, size: sha256.Size},
	"HS384":   {name: "HS384", family: familyHMAC, hash: crypto.SHA384, newHash: sha512.New384, size: sha512.Size384},
	"HS512":   {name: "HS512", family: familyHMAC, hash: crypto.SHA512, newHash: sha512.New, size: sha512.Size},
	"RS256":   {name: "RS256", family: familyRSA, hash: crypto.SHA256},
	"RS384":   {name: "RS384", family: familyRSA, hash: crypto.SHA384},
	"RS512":   {name: "RS512", family: familyRSA, hash: crypto.SHA512},
	"PS256":   {name: "PS256", family: familyPSS, hash: crypto.SHA256, pss: &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}},
	"PS384":   {name: "PS384", family: familyPSS, hash: crypto.SHA384, pss: &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA384}},
	"PS512":   {name: "PS512", family: familyPSS, hash: crypto.SHA512, pss: &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA512}},
	"ES256":   {name: "ES256", family: familyECDSA, hash: crypto.SHA256, curve: elliptic.P256(), curveName: "P-256", size: 64},
	"ES384":   {name: "ES384", family: familyECDSA, hash: crypto.SHA384, curve: elliptic.P384(), curveName: "P-384", size: 96},
	"ES512":   {name: "ES512", family: familyECDSA, hash: crypto.SHA512, curve: elliptic.P521(), curveName: "P-521", size: 132},
	"EdDSA":   {name: "EdDSA", family: familyEdDSA, size: 64},
	"Ed25519": {name: "Ed25519", family: familyEdDSA, size: 64},
}

// algorithmNames lists the supported algorithms for error messages.
const algorithmNames = "HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA or Ed25519"

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

// familyAlgorithms names the algorithms of f, for error messages.
func familyAlgorithms(f family) string {
	var names []string
	for _, name := range [...]string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"} {
		if a := algorithms[name]; a.family == f || f == familyRSA && a.family == familyPSS {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}
