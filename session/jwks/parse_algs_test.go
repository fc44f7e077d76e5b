package jwks

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

// algPair is the private and public material of one algorithm's key.
type algPair struct {
	alg          string
	private, pub any
}

// asymmetricPairs returns a key pair for every asymmetric algorithm: one
// RSA key for RS* and PS*, one Ed25519 key for EdDSA and Ed25519, one key
// per curve for ES*.
func asymmetricPairs(t *testing.T) []algPair {
	t.Helper()
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pairs := []algPair{}
	for _, alg := range []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"} {
		pairs = append(pairs, algPair{alg, rs, &rs.PublicKey})
	}
	for _, c := range []struct {
		alg   string
		curve elliptic.Curve
	}{{"ES256", elliptic.P256()}, {"ES384", elliptic.P384()}, {"ES512", elliptic.P521()}} {
		ec, err := ecdsa.GenerateKey(c.curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, algPair{c.alg, ec, &ec.PublicKey})
	}
	return append(pairs, algPair{"EdDSA", ed, ed.Public()}, algPair{"Ed25519", ed, ed.Public()})
}

// TestParseRoundTrip: for every algorithm, a private JWK signs what its
// public JWK verifies, and a key of another algorithm does not.
func TestParseRoundTrip(t *testing.T) {
	ctx := context.Background()
	secret := make([]byte, 64)
	rand.Read(secret)
	pairs := append(asymmetricPairs(t), algPair{"HS256", secret[:32], secret[:32]}, algPair{"HS384", secret[:48], secret[:48]}, algPair{"HS512", secret, secret})
	for _, pair := range pairs {
		t.Run(pair.alg, func(t *testing.T) {
			members := map[string]any{"kid": "rt", "alg": pair.alg}
			signKey, err := Parse(mustJSON(t, jwkOf(t, pair.private, members)))
			if err != nil {
				t.Fatal(err)
			}
			verifyKey, err := Parse(mustJSON(t, jwkOf(t, pair.pub, members)))
			if err != nil {
				t.Fatal(err)
			}
			if signKey.Algorithm() != pair.alg || verifyKey.Algorithm() != pair.alg {
				t.Fatalf("got %v and %v, want %s keys", signKey, verifyKey, pair.alg)
			}
			issuer, _ := session.New(signKey, session.Options{})
			verifier, _ := session.New(verifyKey, session.Options{})
			tok, err := issuer.Issue(ctx, "123", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := verifier.Verify(ctx, tok.Value); err != nil {
				t.Fatalf("got %v, want valid", err)
			}
		})
	}
}

// TestMarshalEveryAlgorithm: Marshal publishes every asymmetric key with
// its algorithm, key id and public members only; ParseSet reads the set
// back into keys of the same algorithm and material; HMAC keys are never
// published.
func TestMarshalEveryAlgorithm(t *testing.T) {
	var keys []session.Key
	for _, pair := range asymmetricPairs(t) {
		keys = append(keys, mustKey(t, pair.private, pair.alg, "k-"+pair.alg))
	}
	hs := mustKey(t, make([]byte, 64), "HS512", "secret")
	data, err := Marshal(append(slices.Clone(keys), hs))
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != len(keys) {
		t.Fatalf("got %d JWKs, want %d (HMAC keys left out): %s", len(set.Keys), len(keys), data)
	}
	for i, m := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := m[private]; ok {
				t.Errorf("JWK %v publishes the private member %q", m["kid"], private)
			}
		}
		if m["alg"] != keys[i].Algorithm() || m["kid"] != keys[i].ID() || m["use"] != "sig" {
			t.Errorf("JWK %d: got alg %v kid %v use %v, want %s %s sig", i, m["alg"], m["kid"], m["use"], keys[i].Algorithm(), keys[i].ID())
		}
	}
	parsed, err := ParseSet(data)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range parsed {
		want := keys[i]
		if k.Algorithm() != want.Algorithm() || k.ID() != want.ID() || k.CanSign() {
			t.Errorf("key %d: got %v (signs: %v), want the verification key %v", i, k, k.CanSign(), want)
		}
		if eq, ok := k.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(want.Public()) {
			t.Errorf("key %d: public key differs after the round trip", i)
		}
	}
}

// TestThumbprintEveryAlgorithm: the RFC 7638 thumbprint of every
// asymmetric key, computed here from the key's members in the RFC's
// lexicographic order, and the RFC's own RSA example (§3.1).
func TestThumbprintEveryAlgorithm(t *testing.T) {
	for _, pair := range asymmetricPairs(t) {
		t.Run(pair.alg, func(t *testing.T) {
			m := jwkOf(t, pair.pub, nil)
			var canonical string
			switch m["kty"] {
			case "RSA":
				canonical = `{"e":"` + m["e"].(string) + `","kty":"RSA","n":"` + m["n"].(string) + `"}`
			case "EC":
				canonical = `{"crv":"` + m["crv"].(string) + `","kty":"EC","x":"` + m["x"].(string) + `","y":"` + m["y"].(string) + `"}`
			default:
				canonical = `{"crv":"Ed25519","kty":"OKP","x":"` + m["x"].(string) + `"}`
			}
			sum := sha256.Sum256([]byte(canonical))
			for _, material := range []any{pair.private, pair.pub} {
				got, err := Thumbprint(mustKey(t, material, pair.alg, "any"))
				if want := enc64(sum[:]); err != nil || got != want {
					t.Errorf("%T: got %q, %v; want %q", material, got, err, want)
				}
			}
		})
	}
	t.Run("RFC 7638 example", func(t *testing.T) {
		key := &rsa.PublicKey{N: new(big.Int).SetBytes(mustB64(t, "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")), E: 65537}
		for _, alg := range []string{"RS256", "PS512"} {
			got, err := Thumbprint(mustKey(t, key, alg, ""))
			if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; err != nil || got != want {
				t.Errorf("%s: got %q, %v; want %q", alg, got, err, want)
			}
		}
	})
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
