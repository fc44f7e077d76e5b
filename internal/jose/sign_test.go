package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"testing"
)

// TestPooledHMAC holds the pooled HS256 signer and verifier to a fresh
// crypto/hmac state on many inputs, and checks that concurrent use of the
// pool never mixes states.
func TestPooledHMAC(t *testing.T) {
	secret := []byte("pooled-hmac-cross-check-secret-0123456789")
	p := NewHMACKey("HS256", secret)
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
		if err := p.Verify(s, base64.RawURLEncoding.EncodeToString(sig)); err != nil {
			t.Fatalf("input %d: pooled verifier rejected a crypto/hmac signature: %v", i, err)
		}
		ours, err := p.AppendSignature(nil, []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if !hmac.Equal(ours, sig) {
			t.Fatalf("input %d: pooled signer: got %x, want %x", i, ours, sig)
		}
		sig[i%len(sig)] ^= 0x80
		if err := p.Verify(s, base64.RawURLEncoding.EncodeToString(sig)); err == nil {
			t.Fatalf("input %d: pooled verifier accepted a wrong signature", i)
		}
	}
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 200; i++ {
				in := fmt.Sprintf("goroutine-%d-input-%d", g, i)
				if err := p.Verify(in, base64.RawURLEncoding.EncodeToString(mac([]byte(in)))); err != nil {
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
	p := mustSigningKey(t, "PS256", rs)
	const input = "eyJhbGciOiJQUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9"
	ours, err := p.AppendSignature(nil, []byte(input))
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
			if err := p.Verify(input, base64.RawURLEncoding.EncodeToString(sig)); (err == nil) != tc.ok {
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
	p := mustSigningKey(t, "ES256", ec)
	short := 0
	for i := range 600 {
		input := fmt.Sprintf("input-%d", i)
		sig, err := p.AppendSignature(nil, []byte(input))
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 64 {
			t.Fatalf("signature %d: got %d bytes, want 64", i, len(sig))
		}
		if sig[0] == 0 || sig[32] == 0 {
			short++
		}
		if err := p.Verify(input, base64.RawURLEncoding.EncodeToString(sig)); err != nil {
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
			if err := p.Verify(input, base64.RawURLEncoding.EncodeToString(bad)); err == nil {
				t.Errorf("%s: got valid, want refused", name)
			}
		}
	}
	if short == 0 {
		t.Log("no signature had a short R or S this run")
	}
}

// mustSigningKey returns NewSigningKey(alg, private) or fails the test.
func mustSigningKey(t testing.TB, alg string, private crypto.Signer) *Key {
	t.Helper()
	k := NewSigningKey(alg, private)
	if err := k.Err(); err != nil {
		t.Fatalf("NewSigningKey(%q, %T): %v", alg, private, err)
	}
	return k
}
