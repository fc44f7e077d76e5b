package jwks

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

// TestThumbprint: the RFC 7638 thumbprint, computed here independently
// from the key's coordinates, for public and private keys alike.
func TestThumbprint(t *testing.T) {
	k := testkit.NewKeys(t)
	point, err := k.EC.PublicKey.Bytes() // 0x04 || x || y
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	ecSum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + enc(point[1:33]) + `","y":"` + enc(point[33:]) + `"}`))
	edSum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + enc(k.Ed.Public().(ed25519.PublicKey)) + `"}`))
	for _, tc := range []struct {
		name string
		key  session.Key
		want string
	}{
		{"ES256 private", mustKey(t, k.EC, "ES256", ""), enc(ecSum[:])},
		{"ES256 public, with a kid", mustKey(t, &k.EC.PublicKey, "ES256", "other"), enc(ecSum[:])},
		{"EdDSA", mustKey(t, k.Ed, "EdDSA", ""), enc(edSum[:])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Thumbprint(tc.key)
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if tp, err := Thumbprint(session.HS256(make([]byte, 32))); err == nil || !strings.Contains(err.Error(), "no public key") {
		t.Errorf("HS256: got %q, %v; want an error", tp, err)
	}
	if tp, err := Thumbprint(session.Key{}); err == nil {
		t.Errorf("zero Key: got %q, want an error", tp)
	}
}
