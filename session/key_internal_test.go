package session

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"strings"
	"testing"
)

// testKeys returns one signing key per supported algorithm, generated here.
func testKeys(t testing.TB) map[string]Key {
	t.Helper()
	k := testkit.NewKeys(t)
	ec, ed, rs := k.EC, k.Ed, k.RSA
	secret := make([]byte, 32)
	rand.Read(secret)
	return map[string]Key{
		"HS256": HS256(secret),
		"ES256": mustKey(t, ec, "ES256", ""),
		"EdDSA": mustKey(t, ed, "EdDSA", ""),
		"RS256": mustKey(t, rs, "RS256", ""),
		"PS256": mustKey(t, rs, "PS256", ""),
	}
}

// publicOf returns the verification-only counterpart of a signing key.
func publicOf(k Key) Key {
	if k.Public() == nil {
		return k
	}
	return verifyingKey(k.Algorithm(), k.Public())
}

func TestKeysRoundTrip(t *testing.T) {
	ctx := context.Background()
	for alg, key := range testKeys(t) {
		t.Run(alg, func(t *testing.T) {
			issuer, err := New(key, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := issuer.Issue(ctx, "123", nil)
			if err != nil {
				t.Fatal(err)
			}
			header, _, _ := strings.Cut(tok.Value, ".")
			raw, _ := base64.RawURLEncoding.DecodeString(header)
			if want := `{"alg":"` + alg + `","typ":"JWT"}`; string(raw) != want {
				t.Errorf("header: got %s, want %s", raw, want)
			}
			if c, err := issuer.Verify(ctx, tok.Value); err != nil || c.UserID != "123" {
				t.Fatalf("issuer verify: got %v, %v", c, err)
			}
			if alg == "HS256" {
				return
			}
			resource, err := New(publicOf(key), Options{})
			if err != nil {
				t.Fatal(err)
			}
			c, err := resource.Verify(ctx, tok.Value)
			if err != nil || c.UserID != "123" {
				t.Fatalf("verify-only manager: got %v, %v", c, err)
			}
			if resource.ShouldRenew(c) {
				t.Error("a verify-only manager wants to renew")
			}
			if _, err := resource.Issue(ctx, "123", nil); err == nil {
				t.Error("a verify-only manager issued a token")
			}
			// A single flipped signature bit is rejected.
			b := []byte(tok.Value)
			b[len(b)-5] ^= 1
			if _, err := resource.Verify(ctx, string(b)); !errors.Is(err, ErrInvalid) {
				t.Errorf("tampered signature: got %v, want ErrInvalid", err)
			}
		})
	}
}

// TestAlgorithmConfusion signs with every key and verifies with every
// other: a token verifies only under the key that made it.
func TestAlgorithmConfusion(t *testing.T) {
	ctx := context.Background()
	keys := testKeys(t)
	tokens := map[string]string{}
	for alg, key := range keys {
		m, err := New(key, Options{})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := m.Issue(ctx, "1", nil)
		if err != nil {
			t.Fatal(err)
		}
		tokens[alg] = tok.Value
	}
	for verifyAlg, key := range keys {
		m, err := New(publicOf(key), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for signAlg, tok := range tokens {
			_, err := m.Verify(ctx, tok)
			// RS256 and PS256 share one RSA key here: the header alg still
			// has to match the pinned one.
			same := signAlg == verifyAlg
			if same && err != nil {
				t.Errorf("%s token under %s key: got %v, want valid", signAlg, verifyAlg, err)
			}
			if !same && !errors.Is(err, ErrInvalid) {
				t.Errorf("%s token under %s key: got %v, want ErrInvalid", signAlg, verifyAlg, err)
			}
		}
	}
}

func TestKeyValidation(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name string
		key  Key
		want string
	}{
		{"zero key", Key{}, "zero Key"},
		{"short HMAC secret", HS256(make([]byte, 31)), "at least 32"},
		{"ES256 on P-384", signingKey("ES256", p384), "P-256"},
		{"nil ECDSA key", signingKey("ES256", (*ecdsa.PrivateKey)(nil)), "nil"},
		{"nil public key", verifyingKey("ES256", (*ecdsa.PublicKey)(nil)), "nil"},
		{"RS256 with 1024 bits", signingKey("RS256", small), "at least 2048"},
		{"PS256 with 1024 bits", verifyingKey("PS256", &small.PublicKey), "at least 2048"},
		{"short Ed25519 public key", verifyingKey("EdDSA", make(ed25519.PublicKey, 16)), "want 32"},
		{"ECDSA key for EdDSA", verifyingKey("EdDSA", &p384.PublicKey), "cannot be used for EdDSA"},
		{"RSA key for ES256", verifyingKey("ES256", &small.PublicKey), "cannot be used for ES256"},
		{"invalid kid", HS256(make([]byte, 32)).WithID("a\x00b"), "key id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.key, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// mustKey returns NewKey(material, alg, kid) or fails the test.
func mustKey(t testing.TB, material any, alg, kid string) Key {
	t.Helper()
	k, err := NewKey(material, alg, kid)
	if err != nil {
		t.Fatalf("NewKey(%T, %q, %q): %v", material, alg, kid, err)
	}
	return k
}
