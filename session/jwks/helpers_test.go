package jwks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

func newES256(t testing.TB, kid string) session.Key {
	t.Helper()
	return mustKey(t, newESKey(t), "ES256", kid)
}

func newESKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustKey returns session.NewKey(material, alg, kid) or fails the test.
func mustKey(t testing.TB, material any, alg, kid string) session.Key {
	t.Helper()
	k, err := session.NewKey(material, alg, kid)
	if err != nil {
		t.Fatalf("session.NewKey(%T, %q, %q): %v", material, alg, kid, err)
	}
	return k
}
