package session

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"math/big"
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

// TestPooledHMAC holds the pooled HS256 signer and verifier to a fresh
// crypto/hmac state on many inputs, and checks that concurrent use of the
// pool never mixes states.
func TestPooledHMAC(t *testing.T) {
	secret := []byte("pooled-hmac-cross-check-secret-0123456789")
	p := HS256(secret).p
	mac := func(in []byte) []byte {
		h := hmac.New(sha256.New, secret)
		h.Write(in)
		return h.Sum(nil)
	}
	for i := 0; i < 200; i++ {
		input := make([]byte, i*7)
		rand.Read(input)
		s := base64.RawURLEncoding.EncodeToString(input)
		sig := mac([]byte(s))
		if err := p.verify(s, base64.RawURLEncoding.EncodeToString(sig)); err != nil {
			t.Fatalf("input %d: pooled verifier rejected a crypto/hmac signature: %v", i, err)
		}
		ours, err := p.appendSignature(nil, []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if !hmac.Equal(ours, sig) {
			t.Fatalf("input %d: pooled signer: got %x, want %x", i, ours, sig)
		}
		sig[i%len(sig)] ^= 0x80
		if err := p.verify(s, base64.RawURLEncoding.EncodeToString(sig)); err == nil {
			t.Fatalf("input %d: pooled verifier accepted a wrong signature", i)
		}
	}
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 200; i++ {
				in := fmt.Sprintf("goroutine-%d-input-%d", g, i)
				if err := p.verify(in, base64.RawURLEncoding.EncodeToString(mac([]byte(in)))); err != nil {
					done <- fmt.Errorf("goroutine %d input %d: %v", g, i, err)
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestPS256SaltLength: PS256 signatures use a salt as long as the hash,
// as RFC 7518 §3.5 requires and PyJWT, jose and jsonwebtoken do; a
// signature with another salt length is refused (jwx would accept it, as
// it lets rsa.VerifyPSS detect the length).
func TestPS256SaltLength(t *testing.T) {
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := mustKey(t, rs, "PS256", "").p
	const input = "eyJhbGciOiJQUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9"
	ours, err := p.appendSignature(nil, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(input))
	if err := rsa.VerifyPSS(&rs.PublicKey, crypto.SHA256, digest[:], ours, &rsa.PSSOptions{SaltLength: sha256.Size}); err != nil {
		t.Fatalf("our signature with a %d-byte salt: %v", sha256.Size, err)
	}
	for _, tc := range []struct {
		name string
		salt int
		ok   bool
	}{
		{"salt as long as the hash", rsa.PSSSaltLengthEqualsHash, true},
		{"longest salt", rsa.PSSSaltLengthAuto, false},
		{"no salt", 0, false},
		{"16-byte salt", 16, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := rsa.SignPSS(rand.Reader, rs, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: tc.salt})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.verify(input, base64.RawURLEncoding.EncodeToString(sig)); (err == nil) != tc.ok {
				t.Errorf("got %v, want valid=%v", err, tc.ok)
			}
		})
	}
}

// TestES256SignatureEncoding: every ES256 signature is R || S with both
// halves 32 bytes, even when one is a shorter integer (1 in 128 per
// half); verification refuses any other length, and a signature whose
// halves are swapped or shifted.
func TestES256SignatureEncoding(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := mustKey(t, ec, "ES256", "").p
	short := 0
	for i := range 600 {
		input := fmt.Sprintf("input-%d", i)
		sig, err := p.appendSignature(nil, []byte(input))
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 64 {
			t.Fatalf("signature %d: got %d bytes, want 64", i, len(sig))
		}
		if sig[0] == 0 || sig[32] == 0 {
			short++
		}
		if err := p.verify(input, base64.RawURLEncoding.EncodeToString(sig)); err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
		if i > 0 {
			continue
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		for name, bad := range map[string][]byte{
			"minimal-length integers": append(r.Bytes()[:len(r.Bytes()):len(r.Bytes())], s.Bytes()...),
			"halves swapped":          append(append([]byte{}, sig[32:]...), sig[:32]...),
			"one byte short":          sig[:63],
			"one byte more":           append(append([]byte{}, sig...), 0),
			"left-padded to 66 bytes": append(append(append([]byte{0}, sig[:32]...), 0), sig[32:]...),
		} {
			if len(bad) == 64 && name == "minimal-length integers" {
				continue // R and S happen to be full length
			}
			if err := p.verify(input, base64.RawURLEncoding.EncodeToString(bad)); err == nil {
				t.Errorf("%s: got valid, want refused", name)
			}
		}
	}
	if short == 0 {
		t.Log("no signature had a short R or S this run")
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
