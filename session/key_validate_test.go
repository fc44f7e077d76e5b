package session_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

// paramlessCurve is an elliptic.Curve whose Params are nil, as a broken
// custom curve implementation might have.
type paramlessCurve struct{ elliptic.Curve }

func (paramlessCurve) Params() *elliptic.CurveParams { return nil }

// tryKey builds a key with build and hands it to New, turning any panic
// into an error that says where it happened. When New accepts the key it
// also issues and verifies a token, so that a key which would only fail at
// use is reported with what it does there.
func tryKey(build func() session.Key) (err error) {
	stage := "building the key"
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while %s: %v", stage, r)
		}
	}()
	k := build()
	stage = "session.New"
	m, err := session.New(k, session.Options{})
	if err != nil {
		return err
	}
	stage = "Issue"
	tok, ierr := m.Issue(context.Background(), "alice", nil)
	if ierr != nil {
		return fmt.Errorf("New accepted the key, and Issue then failed: %v", ierr)
	}
	stage = "Verify"
	_, verr := m.Verify(context.Background(), tok.Value)
	return fmt.Errorf("New accepted the key; Issue and Verify then returned %v", verr)
}

// TestKeyMalformed hands New keys whose material is malformed: each must be
// refused at construction with an error that names what to fix, and
// nothing may panic, neither building the Key nor in New.
func TestKeyMalformed(t *testing.T) {
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("ed25519.GenerateKey: %v", err)
	}
	otherEdPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("ed25519.GenerateKey: %v", err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey: %v", err)
	}
	otherEC, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey: %v", err)
	}
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey: %v", err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("rsa.GenerateKey: %v", err)
	}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("rsa.GenerateKey: %v", err)
	}

	edBytes := func(n int) ed25519.PrivateKey {
		return ed25519.PrivateKey(append([]byte(nil), edPriv[:min(n, len(edPriv))]...))
	}
	ecPriv := func(edit func(k *ecdsa.PrivateKey)) *ecdsa.PrivateKey {
		k := &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: ec.Curve, X: new(big.Int).Set(ec.X), Y: new(big.Int).Set(ec.Y)}, D: new(big.Int).Set(ec.D)}
		edit(k)
		return k
	}
	ecPub := func(edit func(k *ecdsa.PublicKey)) *ecdsa.PublicKey {
		k := &ecdsa.PublicKey{Curve: ec.Curve, X: new(big.Int).Set(ec.X), Y: new(big.Int).Set(ec.Y)}
		edit(k)
		return k
	}
	rsaPub := func(edit func(k *rsa.PublicKey)) *rsa.PublicKey {
		k := &rsa.PublicKey{N: new(big.Int).Set(rsaKey.N), E: rsaKey.E}
		edit(k)
		return k
	}
	rsaPriv := func(edit func(k *rsa.PrivateKey)) *rsa.PrivateKey {
		k := &rsa.PrivateKey{
			PublicKey: rsa.PublicKey{N: new(big.Int).Set(rsaKey.N), E: rsaKey.E},
			D:         new(big.Int).Set(rsaKey.D),
			Primes:    []*big.Int{new(big.Int).Set(rsaKey.Primes[0]), new(big.Int).Set(rsaKey.Primes[1])},
		}
		edit(k)
		return k
	}

	tests := []struct {
		name  string
		build func() session.Key
		// want are words the error must contain, so that it says what
		// to fix.
		want []string
	}{
		{name: "Ed25519 private key empty", build: func() session.Key { return session.EdDSA(ed25519.PrivateKey{}) }, want: []string{"Ed25519 private key is 0 bytes", "64"}},
		{name: "Ed25519 private key of 31 bytes", build: func() session.Key { return session.EdDSA(edBytes(31)) }, want: []string{"31 bytes", "64"}},
		{name: "Ed25519 seed instead of a private key", build: func() session.Key { return session.EdDSA(edBytes(32)) }, want: []string{"32 bytes", "64", "ed25519.NewKeyFromSeed"}},
		{name: "Ed25519 private key of 63 bytes", build: func() session.Key { return session.EdDSA(edBytes(63)) }, want: []string{"63 bytes", "64"}},
		{name: "Ed25519 private key of 65 bytes", build: func() session.Key {
			return session.EdDSA(append(edBytes(64), 0))
		}, want: []string{"65 bytes", "64"}},
		{name: "Ed25519 private key with a foreign public half", build: func() session.Key {
			return session.EdDSA(append(edBytes(32), otherEdPub...))
		}, want: []string{"public half", "does not match"}},
		{name: "Ed25519 public key empty", build: func() session.Key { return session.EdDSAPublic(ed25519.PublicKey{}) }, want: []string{"0 bytes", "32"}},
		{name: "Ed25519 public key of 31 bytes", build: func() session.Key { return session.EdDSAPublic(ed25519.PublicKey(edPriv[32:63])) }, want: []string{"31 bytes", "32"}},

		{name: "ECDSA private key zero value", build: func() session.Key { return session.ES256(&ecdsa.PrivateKey{}) }, want: []string{"no curve", "P-256"}},
		{name: "ECDSA public key zero value", build: func() session.Key { return session.ES256Public(&ecdsa.PublicKey{}) }, want: []string{"no curve", "P-256"}},
		{name: "ECDSA public key on a curve without parameters", build: func() session.Key {
			return session.ES256Public(ecPub(func(k *ecdsa.PublicKey) { k.Curve = paramlessCurve{} }))
		}, want: []string{"P-256"}},
		{name: "ECDSA P-384 key for ES256", build: func() session.Key { return session.ES256(ec384) }, want: []string{"P-256", "P-384"}},
		{name: "ECDSA public key without X", build: func() session.Key {
			return session.ES256Public(ecPub(func(k *ecdsa.PublicKey) { k.X = nil }))
		}, want: []string{"X or Y"}},
		{name: "ECDSA private key without Y", build: func() session.Key {
			return session.ES256(ecPriv(func(k *ecdsa.PrivateKey) { k.Y = nil }))
		}, want: []string{"X or Y"}},
		{name: "ECDSA public point off the curve", build: func() session.Key {
			return session.ES256Public(ecPub(func(k *ecdsa.PublicKey) { k.X.Add(k.X, big.NewInt(1)) }))
		}, want: []string{"not a valid point on P-256"}},
		{name: "ECDSA public point with a negative coordinate", build: func() session.Key {
			return session.ES256Public(ecPub(func(k *ecdsa.PublicKey) { k.Y.Neg(k.Y) }))
		}, want: []string{"not a valid point on P-256"}},
		{name: "ECDSA private key without D", build: func() session.Key {
			return session.ES256(ecPriv(func(k *ecdsa.PrivateKey) { k.D = nil }))
		}, want: []string{"private scalar D"}},
		{name: "ECDSA private key with D zero", build: func() session.Key {
			return session.ES256(ecPriv(func(k *ecdsa.PrivateKey) { k.D.SetInt64(0) }))
		}, want: []string{"private scalar D", "not valid"}},
		{name: "ECDSA private key with D of another key", build: func() session.Key {
			return session.ES256(ecPriv(func(k *ecdsa.PrivateKey) { k.D.Set(otherEC.D) }))
		}, want: []string{"private scalar D", "does not match"}},

		{name: "RSA private key zero value", build: func() session.Key { return session.RS256(&rsa.PrivateKey{}) }, want: []string{"modulus"}},
		{name: "RSA public key zero value", build: func() session.Key { return session.PS256Public(&rsa.PublicKey{}) }, want: []string{"modulus"}},
		{name: "RSA public key with a negative modulus", build: func() session.Key {
			return session.RS256Public(rsaPub(func(k *rsa.PublicKey) { k.N.Neg(k.N) }))
		}, want: []string{"modulus", "positive"}},
		{name: "RSA public key with an even modulus", build: func() session.Key {
			return session.RS256Public(rsaPub(func(k *rsa.PublicKey) { k.N.Add(k.N, big.NewInt(1)) }))
		}, want: []string{"modulus", "odd"}},
		{name: "RSA public exponent 0", build: func() session.Key {
			return session.RS256Public(rsaPub(func(k *rsa.PublicKey) { k.E = 0 }))
		}, want: []string{"exponent", "odd"}},
		{name: "RSA public exponent 1", build: func() session.Key {
			return session.PS256Public(rsaPub(func(k *rsa.PublicKey) { k.E = 1 }))
		}, want: []string{"exponent", "at least 3"}},
		{name: "RSA public exponent even", build: func() session.Key {
			return session.RS256Public(rsaPub(func(k *rsa.PublicKey) { k.E = 65536 }))
		}, want: []string{"exponent", "odd"}},
		{name: "RSA public exponent over 2^31-1", build: func() session.Key {
			return session.RS256Public(rsaPub(func(k *rsa.PublicKey) { k.E = 1<<31 + 1 }))
		}, want: []string{"exponent", "2147483647"}},
		{name: "RSA private key without D", build: func() session.Key {
			return session.RS256(rsaPriv(func(k *rsa.PrivateKey) { k.D = nil }))
		}, want: []string{"RS256 private key is not valid"}},
		{name: "RSA private key without primes", build: func() session.Key {
			return session.PS256(rsaPriv(func(k *rsa.PrivateKey) { k.Primes = nil }))
		}, want: []string{"PS256 private key is not valid", "primes"}},
		{name: "RSA private key with a nil prime", build: func() session.Key {
			return session.RS256(rsaPriv(func(k *rsa.PrivateKey) { k.Primes[1] = nil }))
		}, want: []string{"RS256 private key is not valid"}},
		{name: "RSA private key with D of another key", build: func() session.Key {
			return session.RS256(rsaPriv(func(k *rsa.PrivateKey) { k.D.Set(otherRSA.D) }))
		}, want: []string{"RS256 private key is not valid"}},
		{name: "RSA private key with the public half of another key", build: func() session.Key {
			return session.RS256(rsaPriv(func(k *rsa.PrivateKey) { k.N.Set(otherRSA.N) }))
		}, want: []string{"RS256 private key is not valid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tryKey(tt.build)
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "session: ") {
				t.Fatalf("got error %q, want a construction error from session.New", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Fatalf("got error %q, want one containing %q", msg, w)
				}
			}
		})
	}

	// The same keys are refused by NewKeySet, as a rotation key next to a
	// valid active one.
	t.Run("NewKeySet", func(t *testing.T) {
		active := session.EdDSA(edPriv).WithID("a")
		for _, tt := range tests {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				_, err = session.NewKeySet(active, tt.build().WithID("b"))
			}()
			if err == nil || !strings.HasPrefix(err.Error(), "session: ") {
				t.Errorf("%s: NewKeySet: got error %v, want a construction error", tt.name, err)
			}
		}
	})

	// Control: the well-formed keys the cases are made from are accepted.
	for _, k := range []session.Key{
		session.EdDSA(edPriv), session.EdDSAPublic(edPriv.Public().(ed25519.PublicKey)),
		session.ES256(ec), session.ES256Public(&ec.PublicKey),
		session.RS256(rsaKey), session.PS256Public(&rsaKey.PublicKey),
		session.ES256(ecPriv(func(*ecdsa.PrivateKey) {})), session.RS256(rsaPriv(func(*rsa.PrivateKey) {})),
	} {
		if _, err := session.New(k, session.Options{}); err != nil {
			t.Errorf("New(%v) of a well-formed key: got error %v, want none", k, err)
		}
	}
}
