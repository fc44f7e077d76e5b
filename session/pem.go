package session

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// ParsePEM returns the key in PEM data, pinned to alg and carrying the key
// id kid. It reads PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY",
// "RSA PUBLIC KEY"), SEC 1 ("EC PRIVATE KEY", with or without the "EC
// PARAMETERS" block openssl writes before it) and PKIX ("PUBLIC KEY"). A
// private key gives a signing key, a public key a verification-only key.
//
// alg is one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384,
// ES512, EdDSA or Ed25519. When alg is "", it is taken from the key where
// the key allows one algorithm only: ES256 for a P-256 key, ES384 for
// P-384, ES512 for P-521, EdDSA for an Ed25519 key. An RSA key signs with
// any RS* or PS* algorithm alike, so it needs alg. When kid is "", the key has no key id (package jwks
// computes a key's RFC 7638 thumbprint, a common choice of key id).
//
// ParsePEM refuses, with an error that says what to fix, weak or
// mismatched keys (RSA below 2048 bits, a curve other than alg's, a key
// of another type than alg), encrypted PEM, several keys in one input,
// certificates, and HMAC: secrets are not PEM keys (use [HS256] or
// [NewKey]).
func ParsePEM(data []byte, alg, kid string) (Key, error) {
	block, err := pemKeyBlock(data)
	if err != nil {
		return Key{}, err
	}
	var raw any
	switch block.Type {
	case "PRIVATE KEY":
		raw, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		raw, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		raw, err = x509.ParseECPrivateKey(block.Bytes)
	case "PUBLIC KEY":
		raw, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		raw, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return Key{}, errors.New("session: PEM key is encrypted; decrypt it first (openssl pkcs8 -topk8 -nocrypt)")
	case "CERTIFICATE":
		return Key{}, errors.New("session: PEM holds a certificate, not a key; extract its public key (openssl x509 -pubkey -noout)")
	default:
		return Key{}, fmt.Errorf("session: PEM block %q is not a supported key type", block.Type)
	}
	if err != nil {
		return Key{}, fmt.Errorf("session: PEM %s: %w", strings.ToLower(block.Type), err)
	}
	return NewKey(raw, alg, kid)
}

// pemKeyBlock returns the one key block of data, skipping "EC PARAMETERS".
func pemKeyBlock(data []byte) (*pem.Block, error) {
	var key *pem.Block
	for rest := data; ; {
		b, r := pem.Decode(rest)
		if b == nil {
			break
		}
		rest = r
		if b.Type == "EC PARAMETERS" {
			continue
		}
		if key != nil {
			return nil, errors.New("session: PEM data holds more than one key; pass one key at a time")
		}
		if _, encrypted := b.Headers["DEK-Info"]; encrypted {
			return nil, errors.New("session: PEM key is encrypted; decrypt it first (openssl pkey)")
		}
		key = b
	}
	if key == nil {
		return nil, errors.New("session: no PEM block found")
	}
	return key, nil
}

// NewKey returns the key of crypto key material of any supported type,
// pinned to alg and carrying the key id kid ("" for none), for keys that
// come from elsewhere (a parser, a KMS client) as an any: an
// *ecdsa.PrivateKey or *ecdsa.PublicKey on P-256 (ES256), P-384 (ES384)
// or P-521 (ES512); an ed25519.PrivateKey or ed25519.PublicKey (EdDSA,
// or its fully-specified name Ed25519 of RFC 9864); an *rsa.PrivateKey
// or *rsa.PublicKey (RS256, RS384, RS512, PS256, PS384 or PS512); or an
// HMAC secret as a []byte (HS256, HS384 or HS512, with a secret at least
// as long as the hash output: 32, 48 or 64 bytes, RFC 7518 §3.2).
//
// When alg is "", it is taken from the key where the key allows one
// algorithm only: by curve for an ECDSA key, EdDSA for an Ed25519 key,
// HS256 for a secret; an RSA key needs alg. Each Key verifies its one
// algorithm only: an HMAC key never verifies an asymmetric token, and
// the other way round. NewKey refuses, with an error that says what to
// fix, what [New] would refuse, and material of another type or curve
// than alg.
func NewKey(material any, alg, kid string) (Key, error) {
	var (
		k   Key
		err error
	)
	switch v := material.(type) {
	case []byte:
		if alg, err = algFor(jose.FamilyHMAC, alg, nil); err == nil {
			k = Key{jose.NewHMACKey(alg, bytes.Clone(v))}
		}
	case *rsa.PrivateKey:
		if alg, err = algFor(jose.FamilyRSA, alg, nil); err == nil {
			k = signingKey(alg, v)
		}
	case *rsa.PublicKey:
		if alg, err = algFor(jose.FamilyRSA, alg, nil); err == nil {
			k = verifyingKey(alg, v)
		}
	case *ecdsa.PrivateKey:
		if alg, err = algFor(jose.FamilyECDSA, alg, curveOf(v)); err == nil {
			k = signingKey(alg, v)
		}
	case *ecdsa.PublicKey:
		if alg, err = algFor(jose.FamilyECDSA, alg, v); err == nil {
			k = verifyingKey(alg, v)
		}
	case ed25519.PrivateKey:
		if alg, err = algFor(jose.FamilyEdDSA, alg, nil); err == nil {
			k = signingKey(alg, v)
		}
	case ed25519.PublicKey:
		if alg, err = algFor(jose.FamilyEdDSA, alg, nil); err == nil {
			k = verifyingKey(alg, v)
		}
	default:
		return Key{}, fmt.Errorf("session: unsupported key type %T; keys are RSA, ECDSA (P-256, P-384, P-521), Ed25519 or HMAC secrets", material)
	}
	if err != nil {
		return Key{}, err
	}
	if kid != "" {
		k = k.WithID(kid)
	}
	if err := k.check(); err != nil {
		return Key{}, err
	}
	return k, nil
}

// curveOf returns the public half of an ECDSA private key, or nil for a
// nil key.
func curveOf(k *ecdsa.PrivateKey) *ecdsa.PublicKey {
	if k == nil {
		return nil
	}
	return &k.PublicKey
}

// algFor checks that alg is an algorithm of family f, or infers it when
// alg is "" and the key allows one algorithm only: HS256 for a secret,
// EdDSA for an Ed25519 key, and the algorithm of an ECDSA key's curve
// (ec). An RSA key needs alg, and so does an ECDSA key on another curve;
// validation then reports the curve.
func algFor(f jose.Family, alg string, ec *ecdsa.PublicKey) (string, error) {
	if alg == "" {
		switch f {
		case jose.FamilyHMAC:
			return "HS256", nil
		case jose.FamilyEdDSA:
			return "EdDSA", nil
		case jose.FamilyECDSA:
			if ec != nil {
				if a := jose.CurveAlgorithm(ec.Curve); a != "" {
					return a, nil
				}
			}
			return "ES256", nil
		}
		return "", errors.New("session: an RSA key needs its algorithm: RS256, RS384, RS512, PS256, PS384 or PS512 (RSA keys sign with any of them, so it is never guessed)")
	}
	family, ok := jose.AlgorithmFamily(alg)
	switch {
	case !ok:
		return "", fmt.Errorf("session: algorithm %q is not supported; use %s", alg, jose.AlgorithmNames)
	case f == jose.FamilyHMAC && family != jose.FamilyHMAC:
		return "", fmt.Errorf("session: a secret is an HMAC key and cannot be used for %s; HMAC keys sign %s", alg, jose.FamilyAlgorithms(jose.FamilyHMAC))
	case family == jose.FamilyHMAC && f != jose.FamilyHMAC:
		return "", fmt.Errorf("session: %s is an HMAC algorithm and cannot use %s key; build HMAC keys from a secret with session.NewKey(secret, %q, kid)", alg, familyKeyName(f), alg)
	case family != f && !(f == jose.FamilyRSA && family == jose.FamilyPSS):
		return "", fmt.Errorf("session: %s key cannot be used for %s; it signs %s", familyKeyName(f), alg, jose.FamilyAlgorithms(f))
	}
	return alg, nil
}

// familyKeyName names the keys of f, for error messages.
func familyKeyName(f jose.Family) string {
	switch f {
	case jose.FamilyRSA, jose.FamilyPSS:
		return "an RSA"
	case jose.FamilyECDSA:
		return "an ECDSA"
	case jose.FamilyEdDSA:
		return "an Ed25519"
	}
	return "an HMAC"
}
