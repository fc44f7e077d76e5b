package session

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ParsePEM returns the key in PEM data, pinned to alg and carrying the key
// id kid. It reads PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY",
// "RSA PUBLIC KEY"), SEC 1 ("EC PRIVATE KEY", with or without the "EC
// PARAMETERS" block openssl writes before it) and PKIX ("PUBLIC KEY"). A
// private key gives a signing key, a public key a verification-only key.
//
// alg is "RS256", "PS256", "ES256" or "EdDSA". When alg is "", it is taken
// from the key where the key allows one algorithm only: ES256 for a P-256
// key, EdDSA for an Ed25519 key. An RSA key signs with RS256 or PS256 alike,
// so it needs alg. When kid is "", the key has no key id (package jwks
// computes a key's RFC 7638 thumbprint, a common choice of key id).
//
// ParsePEM refuses, with an error that says what to fix, weak or
// mismatched keys (RSA below 2048 bits, a curve other than P-256,
// a key of another type than alg), encrypted PEM, several keys in one input,
// certificates, and HMAC: HS256 secrets are not PEM keys (use [HS256]).
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
// *ecdsa.PrivateKey or *ecdsa.PublicKey on P-256, an ed25519.PrivateKey or
// ed25519.PublicKey, an *rsa.PrivateKey or *rsa.PublicKey, or an HS256
// secret as a []byte. When alg is "", it is taken from the key where the
// key allows one algorithm only: ES256 for an ECDSA key, EdDSA for an
// Ed25519 key, HS256 for a secret; an RSA key needs alg. NewKey refuses,
// with an error that says what to fix, what [New] would refuse, and
// material of another type than alg.
func NewKey(material any, alg, kid string) (Key, error) {
	var (
		k   Key
		err error
	)
	switch v := material.(type) {
	case []byte:
		if alg != "" && alg != "HS256" {
			return Key{}, fmt.Errorf("session: a secret is an HMAC key and cannot be used for %s; HMAC keys sign HS256 only", alg)
		}
		k = HS256(v)
	case *rsa.PrivateKey:
		if alg, err = algFor("RSA", alg); err == nil {
			k = signingKey(alg, v)
		}
	case *rsa.PublicKey:
		if alg, err = algFor("RSA", alg); err == nil {
			k = verifyingKey(alg, v)
		}
	case *ecdsa.PrivateKey:
		if alg, err = algFor("EC", alg); err == nil {
			k = signingKey(alg, v)
		}
	case *ecdsa.PublicKey:
		if alg, err = algFor("EC", alg); err == nil {
			k = verifyingKey(alg, v)
		}
	case ed25519.PrivateKey:
		if alg, err = algFor("Ed25519", alg); err == nil {
			k = signingKey(alg, v)
		}
	case ed25519.PublicKey:
		if alg, err = algFor("Ed25519", alg); err == nil {
			k = verifyingKey(alg, v)
		}
	default:
		return Key{}, fmt.Errorf("session: unsupported key type %T; keys are RSA, ECDSA P-256, Ed25519 or HMAC secrets", material)
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

// algFor checks alg for a key of family ("RSA", "EC" or "Ed25519"), or
// infers it when alg is "" and the family allows one algorithm only.
func algFor(family, alg string) (string, error) {
	switch alg {
	case "":
		switch family {
		case "EC":
			return "ES256", nil
		case "Ed25519":
			return "EdDSA", nil
		}
		return "", errors.New("session: an RSA key needs its algorithm: RS256 or PS256 (RSA keys sign with either, so it is never guessed)")
	case "HS256":
		return "", fmt.Errorf("session: HS256 is an HMAC algorithm and cannot use an %s key; build HMAC keys from a secret with session.HS256", family)
	case "RS256", "PS256", "ES256", "EdDSA":
		return alg, nil
	}
	return "", fmt.Errorf("session: algorithm %q is not supported; use RS256, PS256, ES256, EdDSA or HS256", alg)
}
