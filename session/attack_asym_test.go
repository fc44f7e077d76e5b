package session_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"math/big"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

// asymKey is an asymmetric key pair under test.
type asymKey struct {
	alg     string
	signer  crypto.Signer
	sign    session.Key // signs and verifies
	public  session.Key // verifies only
	pubForm any
}

func asymKeys(t *testing.T) []asymKey {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("rsa.GenerateKey: %v", err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey: %v", err)
	}
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("ed25519.GenerateKey: %v", err)
	}
	return []asymKey{
		{"RS256", rsaKey, mustKey(t, rsaKey, "RS256", ""), mustKey(t, &rsaKey.PublicKey, "RS256", ""), &rsaKey.PublicKey},
		{"PS256", rsaKey, mustKey(t, rsaKey, "PS256", ""), mustKey(t, &rsaKey.PublicKey, "PS256", ""), &rsaKey.PublicKey},
		{"ES256", ecKey, mustKey(t, ecKey, "ES256", ""), mustKey(t, &ecKey.PublicKey, "ES256", ""), &ecKey.PublicKey},
		{"EdDSA", edPriv, mustKey(t, edPriv, "EdDSA", ""), mustKey(t, edPub, "EdDSA", ""), edPub},
	}
}

// signedWith builds a token over header and validPayload whose signature
// is sig(signing input), for forging signatures of a chosen scheme.
func signedWith(header string, sig func(in []byte) []byte) string {
	in := b64(header) + "." + b64(validPayload)
	return in + "." + base64.RawURLEncoding.EncodeToString(sig([]byte(in)))
}

// TestAttackAsymmetricConfusion is the key-confusion attack against an
// asymmetric configuration (CVE-2015-9235, CVE-2016-10555 and kin): the
// attacker HMAC-signs a token with the verifier's own public key, in every
// form a confused library might use as an HMAC secret, under every alg a
// confused library might pick. It also swaps algorithms within a family
// (PKCS#1 v1.5 and PSS on one RSA key, ASN.1 and raw ECDSA signatures) and
// tries the zero ECDSA signature (CVE-2022-21449) and alg none.
func TestAttackAsymmetricConfusion(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	hmacs := map[string]func() hash.Hash{"HS256": sha256.New, "HS384": sha512.New384, "HS512": sha512.New}
	for _, k := range asymKeys(t) {
		for _, mode := range []string{"verify-only", "signing"} {
			key := k.public
			if mode == "signing" {
				key = k.sign
			}
			m, err := session.New(key, session.Options{Clock: clock.Now})
			if err != nil {
				t.Fatalf("New(%s): %v", k.alg, err)
			}
			t.Run(k.alg+"/"+mode+"/control", func(t *testing.T) {
				issuer, err := session.New(k.sign, session.Options{Clock: clock.Now})
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				tok, err := issuer.Issue(ctx, "u", nil)
				if err != nil {
					t.Fatalf("Issue: %v", err)
				}
				mustVerify(t, m, tok.Value)
				mustVerify(t, m, tok.Value) // again, from the verified-token cache
				// The forger's signer is sound: with the right alg its
				// signature verifies, so the swaps below fail on the swap.
				mustVerify(t, m, signedWith(`{"alg":"`+k.alg+`"}`, func(in []byte) []byte { return mustSign(t, k.signer, k.alg, in) }))
				if _, err := verify(m, tamperLastChar(tok.Value)); !errorsIsInvalid(err) {
					t.Fatalf("tampered after caching: got %v, want ErrInvalid", err)
				}
			})
			for form, secret := range publicKeyFormsOf(t, k.pubForm) {
				for _, alg := range []string{"HS256", "HS384", "HS512", k.alg} {
					h := hmacs[alg]
					if h == nil {
						h = sha256.New
					}
					t.Run(k.alg+"/"+mode+"/HMAC with "+form+" as "+alg, func(t *testing.T) {
						_, err := verify(m, macToken(h, secret, `{"alg":"`+alg+`","typ":"JWT"}`, validPayload))
						checkOnly(t, err, session.ErrInvalid)
					})
				}
			}
			forgeries := map[string]string{
				"alg none":                  b64(`{"alg":"none"}`) + "." + b64(validPayload) + ".",
				"alg none with a signature": b64(`{"alg":"none"}`) + "." + b64(validPayload) + ".AAAA",
				"alg in lower case":         signedWith(`{"alg":"`+strings.ToLower(k.alg)+`"}`, func(in []byte) []byte { return mustSign(t, k.signer, k.alg, in) }),
			}
			switch k.alg {
			case "RS256":
				forgeries["PSS signature under RS256"] = signedWith(`{"alg":"RS256"}`, func(in []byte) []byte { return mustSign(t, k.signer, "PS256", in) })
				forgeries["PKCS#1 v1.5 signature under PS256"] = signedWith(`{"alg":"PS256"}`, func(in []byte) []byte { return mustSign(t, k.signer, "RS256", in) })
				forgeries["RS512 signature"] = signedWith(`{"alg":"RS512"}`, func(in []byte) []byte {
					d := sha512.Sum512(in)
					sig, err := rsa.SignPKCS1v15(rand.Reader, k.signer.(*rsa.PrivateKey), crypto.SHA512, d[:])
					if err != nil {
						t.Fatalf("SignPKCS1v15: %v", err)
					}
					return sig
				})
			case "PS256":
				forgeries["PKCS#1 v1.5 signature under PS256"] = signedWith(`{"alg":"PS256"}`, func(in []byte) []byte { return mustSign(t, k.signer, "RS256", in) })
				forgeries["PSS signature under RS256"] = signedWith(`{"alg":"RS256"}`, func(in []byte) []byte { return mustSign(t, k.signer, "PS256", in) })
			case "ES256":
				forgeries["ASN.1 DER signature"] = signedWith(`{"alg":"ES256"}`, func(in []byte) []byte {
					d := sha256.Sum256(in)
					sig, err := ecdsa.SignASN1(rand.Reader, k.signer.(*ecdsa.PrivateKey), d[:])
					if err != nil {
						t.Fatalf("SignASN1: %v", err)
					}
					return sig
				})
				forgeries["zero signature (psychic signatures)"] = signedWith(`{"alg":"ES256"}`, func([]byte) []byte { return make([]byte, 64) })
				forgeries["r and s equal to the group order"] = signedWith(`{"alg":"ES256"}`, func([]byte) []byte {
					n := elliptic.P256().Params().N.FillBytes(make([]byte, 32))
					return append(append([]byte{}, n...), n...)
				})
				forgeries["ES384 header"] = signedWith(`{"alg":"ES384"}`, func(in []byte) []byte { return mustSign(t, k.signer, "ES256", in) })
				forgeries["signature with a byte appended"] = signedWith(`{"alg":"ES256"}`, func(in []byte) []byte { return append(mustSign(t, k.signer, "ES256", in), 0) })
			case "EdDSA":
				forgeries["zero signature"] = signedWith(`{"alg":"EdDSA"}`, func([]byte) []byte { return make([]byte, 64) })
				forgeries["Ed448 header"] = signedWith(`{"alg":"Ed448"}`, func(in []byte) []byte { return mustSign(t, k.signer, "EdDSA", in) })
			}
			for name, tok := range forgeries {
				t.Run(k.alg+"/"+mode+"/"+name, func(t *testing.T) {
					_, err := verify(m, tok)
					checkOnly(t, err, session.ErrInvalid)
				})
			}
		}
	}
}

// mustSign signs in with signer under the JWS algorithm alg, as a
// standard library would, with raw (R || S) ECDSA signatures.
func mustSign(t *testing.T, signer crypto.Signer, alg string, in []byte) []byte {
	t.Helper()
	d := sha256.Sum256(in)
	var sig []byte
	var err error
	switch alg {
	case "RS256":
		sig, err = rsa.SignPKCS1v15(rand.Reader, signer.(*rsa.PrivateKey), crypto.SHA256, d[:])
	case "PS256":
		sig, err = rsa.SignPSS(rand.Reader, signer.(*rsa.PrivateKey), crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES256":
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, signer.(*ecdsa.PrivateKey), d[:])
		if err == nil {
			sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}
	case "EdDSA":
		sig = ed25519.Sign(signer.(ed25519.PrivateKey), in)
	default:
		t.Fatalf("mustSign: unknown alg %s", alg)
	}
	if err != nil {
		t.Fatalf("sign %s: %v", alg, err)
	}
	return sig
}

// TestAttackMalformedVerificationKey sends a forged token to a verifier
// whose public key material is malformed (a zero or off-curve point, a
// missing modulus): such a key must be refused when the Key or the
// Manager is built, since otherwise every request carrying a token would
// reach it and could make the signature check panic. The cases for every key kind are in
// TestKeyMalformed.
func TestAttackMalformedVerificationKey(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey: %v", err)
	}
	tests := []struct {
		name     string
		material any
		alg      string
	}{
		{name: "ES256 point with nil Y", material: &ecdsa.PublicKey{Curve: elliptic.P256(), X: ec.X}, alg: "ES256"},
		{name: "ES256 point with nil X and Y", material: &ecdsa.PublicKey{Curve: elliptic.P256()}, alg: "ES256"},
		{name: "ES256 point at the origin", material: &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int), Y: new(big.Int)}, alg: "ES256"},
		{name: "RS256 modulus 0", material: &rsa.PublicKey{N: new(big.Int), E: 65537}, alg: "RS256"},
		{name: "PS256 exponent 0", material: &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2048), E: 0}, alg: "PS256"},
		{name: "EdDSA key of 0 bytes", material: ed25519.PublicKey{}, alg: "EdDSA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m *session.Manager
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("NewKey or New panicked: %v", r)
					}
				}()
				var key session.Key
				if key, err = session.NewKey(tt.material, tt.alg, ""); err == nil {
					m, err = session.New(key, session.Options{})
				}
			}()
			if err == nil {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("New accepted the key, and Verify of a forged token panicked: %v", r)
					}
				}()
				forged := signedWith(`{"alg":"`+tt.alg+`","typ":"JWT"}`, func([]byte) []byte { return make([]byte, 64) })
				_, verr := m.Verify(context.Background(), forged)
				t.Fatalf("New accepted the key (Verify of a forged token: %v); want a construction error", verr)
			}
			if !strings.HasPrefix(err.Error(), "session: ") {
				t.Fatalf("got error %q, want a construction error from session", err)
			}
		})
	}
}
