package session

import (
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"math/big"
	"strings"
	"testing"
	"time"
)

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8PEM(t testing.TB, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("PRIVATE KEY", der)
}

func pkixPEM(t testing.TB, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("PUBLIC KEY", der)
}

func sec1PEM(t testing.TB, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("EC PRIVATE KEY", der)
}

func TestParsePEM(t *testing.T) {
	k := testkit.NewKeys(t)
	// openssl ecparam -genkey writes the curve's OID before the key.
	ecParams := append(pemBlock("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}), sec1PEM(t, k.EC)...)
	tests := []struct {
		name     string
		pem      []byte
		alg      string
		wantAlg  string
		wantSign bool
	}{
		{"PKCS#8 RSA for RS256", pkcs8PEM(t, k.RSA), "RS256", "RS256", true},
		{"PKCS#8 RSA for PS256", pkcs8PEM(t, k.RSA), "PS256", "PS256", true},
		{"PKCS#1 RSA", pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k.RSA)), "RS256", "RS256", true},
		{"PKIX RSA public", pkixPEM(t, &k.RSA.PublicKey), "PS256", "PS256", false},
		{"PKCS#1 RSA public", pemBlock("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.RSA.PublicKey)), "RS256", "RS256", false},
		{"PKCS#8 EC", pkcs8PEM(t, k.EC), "ES256", "ES256", true},
		{"PKCS#8 EC, alg inferred", pkcs8PEM(t, k.EC), "", "ES256", true},
		{"SEC 1 EC", sec1PEM(t, k.EC), "ES256", "ES256", true},
		{"SEC 1 EC after EC PARAMETERS", ecParams, "", "ES256", true},
		{"PKIX EC public", pkixPEM(t, &k.EC.PublicKey), "", "ES256", false},
		{"PKCS#8 Ed25519", pkcs8PEM(t, k.Ed), "EdDSA", "EdDSA", true},
		{"PKCS#8 Ed25519, alg inferred", pkcs8PEM(t, k.Ed), "", "EdDSA", true},
		{"PKIX Ed25519 public", pkixPEM(t, k.Ed.Public()), "", "EdDSA", false},
		{"text around the block", append([]byte("key for tests\n"), pkcs8PEM(t, k.EC)...), "", "ES256", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParsePEM(tt.pem, tt.alg, "kid-1")
			if err != nil {
				t.Fatalf("got %v, want the key", err)
			}
			if got := key.Algorithm(); got != tt.wantAlg {
				t.Errorf("alg: got %s, want %s", got, tt.wantAlg)
			}
			if got := key.ID(); got != "kid-1" {
				t.Errorf("kid: got %q, want kid-1", got)
			}
			if got := key.CanSign(); got != tt.wantSign {
				t.Errorf("CanSign: got %v, want %v", got, tt.wantSign)
			}
			if _, err := New(key, Options{}); err != nil {
				t.Errorf("New: got %v, want a manager", err)
			}
		})
	}
}

// TestParsePEMRoundTrip signs with a parsed private key and verifies with
// the parsed public key.
func TestParsePEMRoundTrip(t *testing.T) {
	ctx := context.Background()
	k := testkit.NewKeys(t)
	pairs := []struct {
		alg          string
		private, pub []byte
	}{
		{"RS256", pkcs8PEM(t, k.RSA), pkixPEM(t, &k.RSA.PublicKey)},
		{"PS256", pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k.RSA)), pkixPEM(t, &k.RSA.PublicKey)},
		{"ES256", sec1PEM(t, k.EC), pkixPEM(t, &k.EC.PublicKey)},
		{"EdDSA", pkcs8PEM(t, k.Ed), pkixPEM(t, k.Ed.Public())},
	}
	for _, p := range pairs {
		t.Run(p.alg, func(t *testing.T) {
			signKey, err := ParsePEM(p.private, p.alg, "k")
			if err != nil {
				t.Fatal(err)
			}
			verifyKey, err := ParsePEM(p.pub, p.alg, "k")
			if err != nil {
				t.Fatal(err)
			}
			issuer, _ := New(signKey, Options{})
			verifier, _ := New(verifyKey, Options{})
			tok, err := issuer.Issue(ctx, "123", nil)
			if err != nil {
				t.Fatal(err)
			}
			if c, err := verifier.Verify(ctx, tok.Value); err != nil || c.UserID != "123" {
				t.Fatalf("got %v, %v, want user 123", c, err)
			}
		})
	}
}

// TestParsePEMWithoutKid: without a kid, the key has no key id.
func TestParsePEMWithoutKid(t *testing.T) {
	k := testkit.NewKeys(t)
	for name, data := range map[string][]byte{"EC private": pkcs8PEM(t, k.EC), "EC public": pkixPEM(t, &k.EC.PublicKey), "Ed25519": pkcs8PEM(t, k.Ed)} {
		key, err := ParsePEM(data, "", "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := key.ID(); got != "" {
			t.Errorf("%s: got kid %q, want none", name, got)
		}
	}
}

func TestParsePEMRefusals(t *testing.T) {
	k := testkit.NewKeys(t)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	encrypted := pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00000000000000000000000000000000"},
		Bytes:   []byte("ciphertext"),
	})
	tests := []struct {
		name string
		pem  []byte
		alg  string
		kid  string
		want string
	}{
		{"short RSA", pkcs8PEM(t, k.RSA1024), "RS256", "k", "1024 bits; at least 2048"},
		{"short RSA public", pkixPEM(t, &k.RSA1024.PublicKey), "PS256", "k", "at least 2048"},
		{"RSA without alg", pkcs8PEM(t, k.RSA), "", "k", "RS256, RS384, RS512, PS256, PS384 or PS512"},
		{"RSA for HS256", pkcs8PEM(t, k.RSA), "HS256", "k", "HMAC algorithm"},
		{"EC for HS256", pkixPEM(t, &k.EC.PublicKey), "HS256", "k", "HMAC algorithm"},
		{"P-384 for ES256", pkcs8PEM(t, k.EC384), "ES256", "k", "needs a P-256 key; got P-384"},
		{"P-384 for ES512", sec1PEM(t, k.EC384), "ES512", "k", "ES512 needs a P-521 key; got P-384; a P-384 key signs ES384"},
		{"P-224 without alg", sec1PEM(t, p224), "", "k", "needs a P-256 key; got P-224"},
		{"EC for RS256", pkcs8PEM(t, k.EC), "RS256", "k", "ECDSA key cannot be used for RS256"},
		{"Ed25519 for ES256", pkcs8PEM(t, k.Ed), "ES256", "k", "Ed25519 key cannot be used for ES256"},
		{"RSA for ES256", pkixPEM(t, &k.RSA.PublicKey), "ES256", "k", "RSA key cannot be used for ES256"},
		{"unsupported alg", pkcs8PEM(t, k.EC), "ES256K", "k", `"ES256K" is not supported`},
		{"alg none", pkcs8PEM(t, k.EC), "none", "k", `"none" is not supported`},
		{"X25519", pkcs8PEM(t, x25519), "", "k", "unsupported key type"},
		{"encrypted PKCS#8", pemBlock("ENCRYPTED PRIVATE KEY", []byte("ciphertext")), "ES256", "k", "encrypted"},
		{"encrypted legacy PEM", encrypted, "RS256", "k", "encrypted"},
		{"certificate", pemBlock("CERTIFICATE", []byte("der")), "RS256", "k", "certificate, not a key"},
		{"no PEM", []byte("not a key"), "ES256", "k", "no PEM block"},
		{"empty", nil, "ES256", "k", "no PEM block"},
		{"two keys", append(pkcs8PEM(t, k.EC), pkcs8PEM(t, k.EC)...), "ES256", "k", "more than one key"},
		{"bad DER", pemBlock("PRIVATE KEY", []byte{0x30, 0x03, 0x02, 0x01}), "ES256", "k", "session: PEM private key"},
		{"unknown block", pemBlock("OPENSSH PRIVATE KEY", []byte("x")), "EdDSA", "k", `"OPENSSH PRIVATE KEY" is not a supported key type`},
		{"kid with NUL", pkcs8PEM(t, k.EC), "ES256", "a\x00b", "key id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParsePEM(tt.pem, tt.alg, tt.kid)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want an error containing %q", key, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "session: ") {
				t.Errorf("got %q, want the session: prefix", err)
			}
		})
	}
}

// TestParsePEMCertificateMessage: certificates are refused with a hint,
// never used as keys without their chain being checked.
func TestParsePEMCertificateMessage(t *testing.T) {
	k := testkit.NewKeys(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.EC.Public(), crypto.Signer(k.EC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePEM(pemBlock("CERTIFICATE", der), "ES256", "k"); err == nil || !strings.Contains(err.Error(), "openssl x509 -pubkey") {
		t.Fatalf("got %v, want the certificate refused with a hint", err)
	}
}
