package jwks_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
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
	ec, ec384, ed, rs := k.EC, k.EC384, k.Ed, k.RSA
	ec521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub := ed.Public()
	secret := make([]byte, 64)
	rand.Read(secret)
	type pair struct {
		alg             jwa.SignatureAlgorithm
		sign, verify    session.Key
		private, public any
	}
	cases := []pair{{jwa.HS256, session.HS256(secret[:32]), session.HS256(secret[:32]), secret[:32], secret[:32]}}
	for _, hs := range []struct {
		alg jwa.SignatureAlgorithm
		n   int
	}{{jwa.HS384, 48}, {jwa.HS512, 64}} {
		key := mustKey(t, secret[:hs.n], hs.alg.String(), "")
		cases = append(cases, pair{hs.alg, key, key, secret[:hs.n], secret[:hs.n]})
	}
	for _, alg := range []jwa.SignatureAlgorithm{jwa.RS256, jwa.RS384, jwa.RS512, jwa.PS256, jwa.PS384, jwa.PS512} {
		cases = append(cases, pair{alg, mustKey(t, rs, alg.String(), ""), mustKey(t, &rs.PublicKey, alg.String(), ""), rs, &rs.PublicKey})
	}
	for alg, key := range map[jwa.SignatureAlgorithm]*ecdsa.PrivateKey{jwa.ES256: ec, jwa.ES384: ec384, jwa.ES512: ec521} {
		cases = append(cases, pair{alg, mustKey(t, key, alg.String(), ""), mustKey(t, &key.PublicKey, alg.String(), ""), key, &key.PublicKey})
	}
	cases = append(cases, pair{jwa.EdDSA, mustKey(t, ed, "EdDSA", ""), mustKey(t, edPub, "EdDSA", ""), ed, edPub})
	for _, tc := range cases {
		t.Run(tc.alg.String(), func(t *testing.T) {
			issuer, err := session.New(tc.sign, session.Options{})
			if err != nil {
				t.Fatal(err)
			}
			verifier, err := session.New(tc.verify, session.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Several tokens, and for ES256 and ES384 enough that
			// signatures whose R or S has a leading zero byte (1 in 64)
			// are all but certain to be among them: both halves must
			// keep their full size. A P-521 half (66 bytes for 521 bits)
			// has a zero first byte about half the time.
			n := 8
			if tc.alg == jwa.ES256 || tc.alg == jwa.ES384 {
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
