package sessiontest

import (
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"testing"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// TestThumbprintRFC7638Example: the RSA key of RFC 7638 §3.1 has the
// thumbprint printed there.
func TestThumbprintRFC7638Example(t *testing.T) {
	const (
		n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn6" +
			"4tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n9" +
			"1CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
		want = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	)
	raw, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		t.Fatal(err)
	}
	jwk, got, err := thumbprint(&rsa.PublicKey{N: new(big.Int).SetBytes(raw), E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got thumbprint %s, want %s", got, want)
	}
	if wantJWK := `{"e":"AQAB","kty":"RSA","n":"` + n + `"}`; string(jwk) != wantJWK {
		t.Errorf("got JWK %s, want %s", jwk, wantJWK)
	}
}

// TestThumbprintMatchesJWKS: a ProofKey's thumbprint equals the one
// package jwks computes (with jwx) for the same key, and the JOSE
// engine's (internal/jose), which middleware checks proofs with.
func TestThumbprintMatchesJWKS(t *testing.T) {
	for alg := range proofAlgs {
		t.Run(alg, func(t *testing.T) {
			pk := NewProofKey(t, alg)
			sessionAlg := alg
			if alg == "Ed25519" {
				sessionAlg = "EdDSA" // the same key under the name session knows
			}
			k, err := session.NewKey(pk.signer, sessionAlg, "")
			if err != nil {
				t.Fatal(err)
			}
			want, err := jwks.Thumbprint(k)
			if err != nil {
				t.Fatal(err)
			}
			if got := pk.Thumbprint(); got != want {
				t.Errorf("got %s, want jwks.Thumbprint %s", got, want)
			}
			if got, err := jose.Thumbprint(pk.signer.Public()); err != nil || got != want {
				t.Errorf("jose.Thumbprint: got %s (%v), want %s", got, err, want)
			}
		})
	}
}
