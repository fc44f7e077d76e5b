package jose_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"testing"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// TestThumbprintRFC7638Example checks the example of RFC 7638 §3.1.
func TestThumbprintRFC7638Example(t *testing.T) {
	const n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	nb, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		t.Fatal(err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: 65537}
	got, err := jose.Thumbprint(pub)
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

// TestThumbprintMatchesJWKS checks the hand-written thumbprint against
// package jwks's (which uses jwx) for every key type both accept.
func TestThumbprintMatchesJWKS(t *testing.T) {
	keys := testkit.NewKeys(t)
	tests := []struct {
		name string
		pub  crypto.PublicKey
		alg  string
	}{
		{"P-256", &keys.EC.PublicKey, "ES256"},
		{"P-384", &keys.EC384.PublicKey, "ES384"},
		{"Ed25519", keys.Ed.Public(), "EdDSA"},
		{"RSA", &keys.RSA.PublicKey, "RS256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jose.Thumbprint(tt.pub)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 43 {
				t.Errorf("got thumbprint %q of %d characters, want 43", got, len(got))
			}
			k, err := session.NewKey(tt.pub, tt.alg, "")
			if err != nil {
				t.Fatalf("session.NewKey(%s): %v", tt.alg, err)
			}
			want, err := jwks.Thumbprint(k)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("got %q, want jwks.Thumbprint's %q", got, want)
			}
		})
	}
}

func TestThumbprintRefusesOtherKeys(t *testing.T) {
	keys := testkit.NewKeys(t)
	tests := []struct {
		name string
		key  crypto.PublicKey
	}{
		{"private key", keys.EC},
		{"secret", []byte("0123456789abcdef0123456789abcdef")},
		{"nil", nil},
		{"nil ecdsa", (*ecdsa.PublicKey)(nil)},
		{"short ed25519", ed25519.PublicKey(make([]byte, 31))},
		{"rsa without modulus", &rsa.PublicKey{E: 65537}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := jose.Thumbprint(tt.key); err == nil {
				t.Errorf("got %q and no error, want an error", got)
			}
		})
	}
}
