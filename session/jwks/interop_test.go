package jwks_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// TestSignaturesInteroperateWithJWX holds package session's signatures,
// made and checked with crypto/* alone, to jwx's: each library verifies
// what the other signs, for every algorithm.
func TestSignaturesInteroperateWithJWX(t *testing.T) {
	ctx := context.Background()
	k := testkit.NewKeys(t)
	ec, ed, rs := k.EC, k.Ed, k.RSA
	edPub := ed.Public()
	secret := make([]byte, 32)
	rand.Read(secret)
	for _, tc := range []struct {
		alg             jwa.SignatureAlgorithm
		sign, verify    session.Key
		private, public any
	}{
		{jwa.HS256, session.HS256(secret), session.HS256(secret), secret, secret},
		{jwa.ES256, mustKey(t, ec, "ES256", ""), mustKey(t, &ec.PublicKey, "ES256", ""), ec, &ec.PublicKey},
		{jwa.EdDSA, mustKey(t, ed, "EdDSA", ""), mustKey(t, edPub, "EdDSA", ""), ed, edPub},
		{jwa.RS256, mustKey(t, rs, "RS256", ""), mustKey(t, &rs.PublicKey, "RS256", ""), rs, &rs.PublicKey},
		{jwa.PS256, mustKey(t, rs, "PS256", ""), mustKey(t, &rs.PublicKey, "PS256", ""), rs, &rs.PublicKey},
	} {
		t.Run(tc.alg.String(), func(t *testing.T) {
			issuer, err := session.New(tc.sign, session.Options{})
			if err != nil {
				t.Fatal(err)
			}
			verifier, err := session.New(tc.verify, session.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Several tokens, and for ES256 enough that signatures whose R
			// or S has a leading zero byte (1 in 64) are all but certain
			// to be among them: both halves must keep their 32 bytes.
			n := 8
			if tc.alg == jwa.ES256 {
				n = 300
			}
			for i := range n {
				tok, err := issuer.Issue(ctx, fmt.Sprint(i), nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := jws.Verify([]byte(tok.Value), jws.WithKey(tc.alg, tc.public)); err != nil {
					t.Fatalf("token %d: jwx rejected our %s signature: %v", i, tc.alg, err)
				}
			}
			hdr := jws.NewHeaders()
			hdr.Set(jws.TypeKey, "JWT")
			payload := fmt.Sprintf(`{"user_id":"jwx","exp":%d}`, time.Now().Add(time.Hour).Unix())
			for i := range n {
				signed, err := jws.Sign([]byte(payload), jws.WithKey(tc.alg, tc.private, jws.WithProtectedHeaders(hdr)))
				if err != nil {
					t.Fatal(err)
				}
				if c, err := verifier.Verify(ctx, string(signed)); err != nil || c.UserID != "jwx" {
					t.Fatalf("token %d: got %v, %v; want jwx's %s signature verified", i, c, err, tc.alg)
				}
			}
		})
	}
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
