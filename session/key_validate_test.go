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

// tryKey builds a key with build (NewKey) and hands it to New, turning any
// panic into an error that says where it happened. When New accepts the
// key it also issues and verifies a token, so that a key which would only
// fail at use is reported with what it does there.
func tryKey(build func() (session.Key, error)) (err error) {
	stage := "building the key"
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while %s: %v", stage, r)
		}
	}()
	k, err := build()
	if err != nil {
		return err
	}
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
		build func() (session.Key, error)
		// want are words the error must contain, so that it says what
		// to fix.
		want []string
	}{
		{name: "Ed25519 private key empty", build: func() (session.Key, error) { return session.NewKey(ed25519.PrivateKey{}, "EdDSA", "") }, want: []string{"Ed25519 private key is 0 bytes", "64"}},
		{name: "Ed25519 private key of 31 bytes", build: func() (session.Key, error) { return session.NewKey(edBytes(31), "EdDSA", "") }, want: []string{"31 bytes", "64"}},
		{name: "Ed25519 seed instead of a private key", build: func() (session.Key, error) { return session.NewKey(edBytes(32), "EdDSA", "") }, want: []string{"32 bytes", "64", "ed25519.NewKeyFromSeed"}},
		{name: "Ed25519 private key of 63 bytes", build: func() (session.Key, error) { return session.NewKey(edBytes(63), "EdDSA", "") }, want: []string{"63 bytes", "64"}},
		{name: "Ed25519 private key of 65 bytes", build: func() (session.Key, error) {
			return session.NewKey(append(edBytes(64), 0), "EdDSA", "")
		}, want: []string{"65 bytes", "64"}},
		{name: "Ed25519 private key with a foreign public half", build: func() (session.Key, error) {
			return session.NewKey(append(edBytes(32), otherEdPub...), "EdDSA", "")
		}, want: []string{"public half", "does not match"}},
		{name: "Ed25519 public key empty", build: func() (session.Key, error) { return session.NewKey(ed25519.PublicKey{}, "EdDSA", "") }, want: []string{"0 bytes", "32"}},
		{name: "Ed25519 public key of 31 bytes", build: func() (session.Key, error) { return session.NewKey(ed25519.PublicKey(edPriv[32:63]), "EdDSA", "") }, want: []string{"31 bytes", "32"}},

		{name: "ECDSA private key zero value", build: func() (session.Key, error) { return session.NewKey(&ecdsa.PrivateKey{}, "ES256", "") }, want: []string{"no curve", "P-256"}},
		{name: "ECDSA public key zero value", build: func() (session.Key, error) { return session.NewKey(&ecdsa.PublicKey{}, "ES256", "") }, want: []string{"no curve", "P-256"}},
		{name: "ECDSA public key on a curve without parameters", build: func() (session.Key, error) {
			return session.NewKey(ecPub(func(k *ecdsa.PublicKey) { k.Curve = paramlessCurve{} }), "ES256", "")
		}, want: []string{"P-256"}},
		{name: "ECDSA P-384 key for ES256", build: func() (session.Key, error) { return session.NewKey(ec384, "ES256", "") }, want: []string{"P-256", "P-384"}},
		{name: "ECDSA public key without X", build: func() (session.Key, error) {
			return session.NewKey(ecPub(func(k *ecdsa.PublicKey) { k.X = nil }), "ES256", "")
		}, want: []string{"X or Y"}},
		{name: "ECDSA private key without Y", build: func() (session.Key, error) {
			return session.NewKey(ecPriv(func(k *ecdsa.PrivateKey) { k.Y = nil }), "ES256", "")
		}, want: []string{"X or Y"}},
		{name: "ECDSA public point off the curve", build: func() (session.Key, error) {
			return session.NewKey(ecPub(func(k *ecdsa.PublicKey) { k.X.Add(k.X, big.NewInt(1)) }), "ES256", "")
		}, want: []string{"not a valid point on P-256"}},
		{name: "ECDSA public point with a negative coordinate", build: func() (session.Key, error) {
			return session.NewKey(ecPub(func(k *ecdsa.PublicKey) { k.Y.Neg(k.Y) }), "ES256", "")
		}, want: []string{"not a valid point on P-256"}},
		{name: "ECDSA private key without D", build: func() (session.Key, error) {
			return session.NewKey(ecPriv(func(k *ecdsa.PrivateKey) { k.D = nil }), "ES256", "")
		}, want: []string{"private scalar D"}},
		{name: "ECDSA private key with D zero", build: func() (session.Key, error) {
			return session.NewKey(ecPriv(func(k *ecdsa.PrivateKey) { k.D.SetInt64(0) }), "ES256", "")
		}, want: []string{"private scalar D", "not valid"}},
		{name: "ECDSA private key with D of another key", build: func() (session.Key, error) {
			return session.NewKey(ecPriv(func(k *ecdsa.PrivateKey) { k.D.Set(otherEC.D) }), "ES256", "")
		}, want: []string{"private scalar D", "does not match"}},

		{name: "RSA private key zero value", build: func() (session.Key, error) { return session.NewKey(&rsa.PrivateKey{}, "RS256", "") }, want: []string{"modulus"}},
		{name: "RSA public key zero value", build: func() (session.Key, error) { return session.NewKey(&rsa.PublicKey{}, "PS256", "") }, want: []string{"modulus"}},
		{name: "RSA public key with a negative modulus", build: func() (session.Key, error) {
			return session.NewKey(rsaPub(func(k *rsa.PublicKey) { k.N.Neg(k.N) }), "RS256", "")
		}, want: []string{"modulus", "positive"}},
		{name: "RSA public key with an even modulus", build: func() (session.Key, error) {
			return session.NewKey(rsaPub(func(k *rsa.PublicKey) { k.N.Add(k.N, big.NewInt(1)) }), "RS256", "")
		}, want: []string{"modulus", "odd"}},
		{name: "RSA public exponent 0", build: func() (session.Key, error) {
			return session.NewKey(rsaPub(func(k *rsa.PublicKey) { k.E = 0 }), "RS256", "")
		}, want: []string{"exponent", "odd"}},
		{name: "RSA public exponent 1", build: func() (session.Key, error) {
			return session.NewKey(rsaPub(func(k *rsa.PublicKey) { k.E = 1 }), "PS256", "")
		}, want: []string{"exponent", "at least 3"}},
		{name: "RSA public exponent even", build: func() (session.Key, error) {
			return session.NewKey(rsaPub(func(k *rsa.PublicKey) { k.E = 65536 }), "RS256", "")
		}, want: []string{"exponent", "odd"}},
		{name: "RSA public exponent over 2^31-1", build: func() (session.Key, error) {
			return session.NewKey(rsaPub(func(k *rsa.PublicKey) { k.E = 1<<31 + 1 }), "RS256", "")
		}, want: []string{"exponent", "2147483647"}},
		{name: "RSA private key without D", build: func() (session.Key, error) {
			return session.NewKey(rsaPriv(func(k *rsa.PrivateKey) { k.D = nil }), "RS256", "")
		}, want: []string{"RS256 private key is not valid"}},
		{name: "RSA private key without primes", build: func() (session.Key, error) {
			return session.NewKey(rsaPriv(func(k *rsa.PrivateKey) { k.Primes = nil }), "PS256", "")
		}, want: []string{"PS256 private key is not valid", "primes"}},
		{name: "RSA private key with a nil prime", build: func() (session.Key, error) {
			return session.NewKey(rsaPriv(func(k *rsa.PrivateKey) { k.Primes[1] = nil }), "RS256", "")
		}, want: []string{"RS256 private key is not valid"}},
		{name: "RSA private key with D of another key", build: func() (session.Key, error) {
			return session.NewKey(rsaPriv(func(k *rsa.PrivateKey) { k.D.Set(otherRSA.D) }), "RS256", "")
		}, want: []string{"RS256 private key is not valid"}},
		{name: "RSA private key with the public half of another key", build: func() (session.Key, error) {
			return session.NewKey(rsaPriv(func(k *rsa.PrivateKey) { k.N.Set(otherRSA.N) }), "RS256", "")
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
				t.Fatalf("got error %q, want a construction error from session.NewKey or session.New", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Fatalf("got error %q, want one containing %q", msg, w)
				}
			}
		})
	}

	// No such key reaches NewKeySet, as a rotation key next to a valid
	// active one, without being refused.
	t.Run("NewKeySet", func(t *testing.T) {
		active := mustKey(t, edPriv, "EdDSA", "a")
		for _, tt := range tests {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				var k session.Key
				if k, err = tt.build(); err == nil {
					_, err = session.NewKeySet(active, k.WithID("b"))
				}
			}()
			if err == nil || !strings.HasPrefix(err.Error(), "session: ") {
				t.Errorf("%s: NewKeySet: got error %v, want a construction error", tt.name, err)
			}
		}
	})

	// Control: the well-formed keys the cases are made from are accepted.
	for _, k := range []session.Key{
		mustKey(t, edPriv, "EdDSA", ""), mustKey(t, edPriv.Public().(ed25519.PublicKey), "EdDSA", ""),
		mustKey(t, ec, "ES256", ""), mustKey(t, &ec.PublicKey, "ES256", ""),
		mustKey(t, rsaKey, "RS256", ""), mustKey(t, &rsaKey.PublicKey, "PS256", ""),
		mustKey(t, ecPriv(func(*ecdsa.PrivateKey) {}), "ES256", ""), mustKey(t, rsaPriv(func(*rsa.PrivateKey) {}), "RS256", ""),
	} {
		if _, err := session.New(k, session.Options{}); err != nil {
			t.Errorf("New(%v) of a well-formed key: got error %v, want none", k, err)
		}
	}
}
