package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// firstKey reads the PEM key named by JWT_SIGNING_KEY_FILE, or generates
// one with a notice.
func (is *issuer) firstKey(getenv func(string) string) (session.Key, error) {
	path := getenv("JWT_SIGNING_KEY_FILE")
	if path == "" {
		is.logger.Printf("JWT_SIGNING_KEY_FILE is not set: generating a %s key for this run (tokens stop working on restart)", is.alg)
		return is.newKey()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return session.Key{}, err
	}
	k, err := session.ParsePEM(data, is.alg, "")
	if err != nil {
		return session.Key{}, fmt.Errorf("JWT_SIGNING_KEY_FILE: %w", err)
	}
	if !k.CanSign() {
		return session.Key{}, errors.New("JWT_SIGNING_KEY_FILE: the issuer needs a private key")
	}
	kid, err := jwks.Thumbprint(k) // the key id anyone can compute from the key
	if err != nil {
		return session.Key{}, fmt.Errorf("JWT_SIGNING_KEY_FILE: %w", err)
	}
	return k.WithID(kid), nil
}

// newKey generates a signing key for the issuer's algorithm, with a key
// id that tells when it was made.
func (is *issuer) newKey() (session.Key, error) {
	var suffix [4]byte
	rand.Read(suffix[:])
	kid := time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(suffix[:])
	var (
		material any
		err      error
	)
	switch is.alg {
	case "ES256":
		material, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		material, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES512":
		material, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "EdDSA":
		_, material, err = ed25519.GenerateKey(rand.Reader)
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		material, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return session.Key{}, fmt.Errorf("-alg must be ES256, ES384, ES512, EdDSA, RS256, RS384, RS512, PS256, PS384 or PS512; got %q", is.alg)
	}
	if err != nil {
		return session.Key{}, err
	}
	return session.NewKey(material, is.alg, kid)
}
