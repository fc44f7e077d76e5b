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
	"errors"
	"fmt"
	"hash"
	"math/big"
	"strings"
	"testing"
	"time"

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
	var keys []asymKey
	for _, km := range newAlgMaterial(t) {
		if strings.HasPrefix(km.alg, "HS") {
			continue
		}
		keys = append(keys, asymKey{km.alg, km.private.(crypto.Signer), mustKey(t, km.private, km.alg, ""), mustKey(t, km.public, km.alg, ""), km.public})
	}
	return keys
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
			addFamilyForgeries(t, forgeries, k)
			for name, tok := range forgeries {
				t.Run(k.alg+"/"+mode+"/"+name, func(t *testing.T) {
					_, err := verify(m, tok)
					checkOnly(t, err, session.ErrInvalid)
				})
			}
		}
	}
}

// addFamilyForgeries adds to forgeries the swaps within k's family: the
// other padding and the other hashes on one RSA key, ASN.1 and raw
// ECDSA signatures, signatures of another curve's size, the zero ECDSA
// signature (CVE-2022-21449), and EdDSA's fully-specified name.
func addFamilyForgeries(t *testing.T, forgeries map[string]string, k asymKey) {
	t.Helper()
	sign := func(header, alg string) string {
		return signedWith(header, func(in []byte) []byte { return mustSign(t, k.signer, alg, in) })
	}
	own := `{"alg":"` + k.alg + `"}`
	switch k.alg[:2] {
	case "RS", "PS":
		for _, alg := range []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"} {
			if alg != k.alg {
				forgeries[alg+" signature under "+k.alg] = sign(own, alg)
				forgeries[alg+" signature and header"] = sign(`{"alg":"`+alg+`"}`, alg)
			}
		}
	case "ES":
		priv := k.signer.(*ecdsa.PrivateKey)
		size := (priv.Curve.Params().BitSize + 7) / 8
		forgeries["ASN.1 DER signature"] = signedWith(own, func(in []byte) []byte {
			sig, err := ecdsa.SignASN1(rand.Reader, priv, digestOf(k.alg, in))
			if err != nil {
				t.Fatalf("SignASN1: %v", err)
			}
			return sig
		})
		forgeries["zero signature (psychic signatures)"] = signedWith(own, func([]byte) []byte { return make([]byte, 2*size) })
		forgeries["r and s equal to the group order"] = signedWith(own, func([]byte) []byte {
			n := priv.Curve.Params().N.FillBytes(make([]byte, size))
			return append(append([]byte{}, n...), n...)
		})
		forgeries["signature with a byte appended"] = signedWith(own, func(in []byte) []byte { return append(mustSign(t, k.signer, k.alg, in), 0) })
		forgeries["signature with a byte removed"] = signedWith(own, func(in []byte) []byte { return mustSign(t, k.signer, k.alg, in)[1:] })
		for _, alg := range []string{"ES256", "ES384", "ES512"} {
			if alg != k.alg {
				forgeries[alg+" header"] = sign(`{"alg":"`+alg+`"}`, k.alg)
			}
		}
	default:
		forgeries["zero signature"] = signedWith(own, func([]byte) []byte { return make([]byte, 64) })
		forgeries["Ed448 header"] = sign(`{"alg":"Ed448"}`, k.alg)
		other := map[string]string{"EdDSA": "Ed25519", "Ed25519": "EdDSA"}[k.alg]
		forgeries[other+" header"] = sign(`{"alg":"`+other+`"}`, k.alg)
	}
}

// digestOf hashes in with the hash of alg.
func digestOf(alg string, in []byte) []byte {
	h := hashOf(alg).New()
	h.Write(in)
	return h.Sum(nil)
}

// mustSign signs in with signer under the JWS algorithm alg, as a
// standard library would, with raw (R || S) ECDSA signatures. The RSA
// algorithms may sign with any RSA key, so that one key signs them all.
func mustSign(t *testing.T, signer crypto.Signer, alg string, in []byte) []byte {
	t.Helper()
	h := hashOf(alg)
	var sig []byte
	var err error
	switch alg[:2] {
	case "RS":
		sig, err = rsa.SignPKCS1v15(rand.Reader, signer.(*rsa.PrivateKey), h, digestOf(alg, in))
	case "PS":
		sig, err = rsa.SignPSS(rand.Reader, signer.(*rsa.PrivateKey), h, digestOf(alg, in), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES":
		priv := signer.(*ecdsa.PrivateKey)
		size := (priv.Curve.Params().BitSize + 7) / 8
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, priv, digestOf(alg, in))
		if err == nil {
			sig = append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		}
	case "Ed":
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

// TestRevocationKeyStableUnderECDSAMalleability: for every ES algorithm,
// (r, n-s) is an equally valid signature of the same token; both
// spellings have one revocation key, and revoking the token revokes the
// other spelling too, with the verified-token cache on and off.
func TestRevocationKeyStableUnderECDSAMalleability(t *testing.T) {
	for _, k := range asymKeys(t) {
		if !strings.HasPrefix(k.alg, "ES") {
			continue
		}
		for _, cache := range []int{-1, 16} {
			t.Run(fmt.Sprintf("%s/cache %d", k.alg, cache), func(t *testing.T) {
				clock := newClock(t0)
				m, err := session.New(k.public, session.Options{Clock: clock.Now, VerifiedTokenCache: cache})
				if err != nil {
					t.Fatal(err)
				}
				priv := k.signer.(*ecdsa.PrivateKey)
				size := (priv.Curve.Params().BitSize + 7) / 8
				// A token of another issuer: no sid, no jti.
				in := b64(`{"alg":"`+k.alg+`","typ":"JWT"}`) + "." + b64(`{"user_id":"u","exp":`+unix(t0.Add(10*time.Minute))+`}`)
				sig := mustSign(t, k.signer, k.alg, []byte(in))
				r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
				flipped := new(big.Int).Sub(priv.Curve.Params().N, s)
				malleated := append(r.FillBytes(make([]byte, size)), flipped.FillBytes(make([]byte, size))...)
				tok := in + "." + base64.RawURLEncoding.EncodeToString(sig)
				other := in + "." + base64.RawURLEncoding.EncodeToString(malleated)
				if tok == other {
					t.Fatal("the malleated signature is the same")
				}
				c := mustVerify(t, m, tok)
				c2 := mustVerify(t, m, other) // both spellings verify
				if c.RevocationKey() != c2.RevocationKey() {
					t.Fatalf("revocation keys: got %q and %q for one token, want one", c.RevocationKey(), c2.RevocationKey())
				}
				if err := m.Revoke(context.Background(), c); err != nil {
					t.Fatal(err)
				}
				for name, spelling := range map[string]string{"malleated": other, "original": tok} {
					_, err = verify(m, spelling)
					if !errors.Is(err, session.ErrRevoked) {
						t.Errorf("%s spelling after revocation: got %v, want ErrRevoked", name, err)
					}
				}
			})
		}
	}
}
