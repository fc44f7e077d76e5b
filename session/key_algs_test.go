package session_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
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

// allAlgs are the JWS algorithms keys can be pinned to.
var allAlgs = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}

// algMaterial is key material for one algorithm: what signs and what
// verifies (the same secret for HS*).
type algMaterial struct {
	alg             string
	private, public any
}

// newAlgMaterial generates a key for every algorithm; the RS* and PS*
// algorithms share one RSA key, EdDSA and Ed25519 one Ed25519 key.
func newAlgMaterial(t testing.TB) []algMaterial {
	t.Helper()
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ec := map[string]*ecdsa.PrivateKey{}
	for alg, curve := range map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()} {
		if ec[alg], err = ecdsa.GenerateKey(curve, rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var out []algMaterial
	for _, alg := range allAlgs {
		switch alg[:2] {
		case "HS":
			secret := make([]byte, hashOf(alg).Size())
			rand.Read(secret)
			out = append(out, algMaterial{alg, secret, secret})
		case "RS", "PS":
			out = append(out, algMaterial{alg, rs, &rs.PublicKey})
		case "ES":
			out = append(out, algMaterial{alg, ec[alg], &ec[alg].PublicKey})
		default:
			out = append(out, algMaterial{alg, edPriv, edPub})
		}
	}
	return out
}

// hashOf returns the hash of alg (SHA-512 for EdDSA, which hashes
// internally).
func hashOf(alg string) crypto.Hash {
	switch {
	case strings.HasSuffix(alg, "256"):
		return crypto.SHA256
	case strings.HasSuffix(alg, "384"):
		return crypto.SHA384
	}
	return crypto.SHA512
}

// bareVerify checks a token's signature with crypto/* directly, as RFC
// 7518 specifies each algorithm, independently of the package.
func bareVerify(alg string, public any, token string) bool {
	i := strings.LastIndexByte(token, '.')
	in := []byte(token[:i])
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		return false
	}
	h := hashOf(alg)
	var digest []byte
	if alg[:2] != "Ed" {
		hh := h.New()
		hh.Write(in)
		digest = hh.Sum(nil)
	}
	switch alg[:2] {
	case "HS":
		newHash := map[crypto.Hash]func() hash.Hash{crypto.SHA256: sha256.New, crypto.SHA384: sha512.New384, crypto.SHA512: sha512.New}[h]
		mac := hmac.New(newHash, public.([]byte))
		mac.Write(in)
		return hmac.Equal(mac.Sum(nil), sig)
	case "RS":
		return rsa.VerifyPKCS1v15(public.(*rsa.PublicKey), h, digest, sig) == nil
	case "PS":
		// The salt as long as the hash, explicitly (RFC 7518 §3.5).
		return rsa.VerifyPSS(public.(*rsa.PublicKey), h, digest, sig, &rsa.PSSOptions{SaltLength: h.Size()}) == nil
	case "ES":
		pub := public.(*ecdsa.PublicKey)
		size := (pub.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(pub, digest, r, s)
	}
	return ed25519.Verify(public.(ed25519.PublicKey), in, sig)
}

// TestEveryAlgorithm: a key of every algorithm signs tokens whose header
// names it and whose signature crypto/* verifies as RFC 7518 and RFC 8037
// specify; a verification-only key of the same material verifies them;
// the key names its algorithm and publishes no secret.
func TestEveryAlgorithm(t *testing.T) {
	for _, km := range newAlgMaterial(t) {
		t.Run(km.alg, func(t *testing.T) {
			signer := mustKey(t, km.private, km.alg, "k1")
			if got := signer.Algorithm(); got != km.alg {
				t.Fatalf("Algorithm: got %q, want %q", got, km.alg)
			}
			if pub := signer.Public(); (pub == nil) != strings.HasPrefix(km.alg, "HS") {
				t.Errorf("Public: got %T, want nil exactly for HMAC keys", pub)
			}
			issuer := newKeyManager(t, signer)
			tok := issue(t, issuer, "123", nil).Value
			if h := headerOf(t, tok); h["alg"] != km.alg || h["kid"] != "k1" {
				t.Errorf("header: got %v, want alg %s and kid k1", h, km.alg)
			}
			if !bareVerify(km.alg, km.public, tok) {
				t.Errorf("crypto/* does not verify the %s signature of %s", km.alg, tok)
			}
			mustVerify(t, issuer, tok)
			verifier := newKeyManager(t, mustKey(t, km.public, km.alg, "k1"))
			if c := mustVerify(t, verifier, tok); c.UserID != "123" {
				t.Errorf("user id: got %q, want 123", c.UserID)
			}
			_, err := verify(verifier, tamperLastChar(tok))
			checkOnly(t, err, session.ErrInvalid)
		})
	}
}

// TestAlgorithmPinning: a key verifies the tokens of its own algorithm
// only. A token signed by the same material under any other algorithm
// (the same RSA key with another padding or hash, the same Ed25519 key
// under EdDSA and Ed25519, an HMAC secret against an asymmetric key and
// the other way round) is refused as invalid, header alg rewritten or
// not.
func TestAlgorithmPinning(t *testing.T) {
	material := newAlgMaterial(t)
	for _, signer := range material {
		tok := issue(t, newKeyManager(t, mustKey(t, signer.private, signer.alg, "")), "u", nil).Value
		for _, verifier := range material {
			if verifier.alg == signer.alg {
				continue
			}
			t.Run(signer.alg+" token to "+verifier.alg+" key", func(t *testing.T) {
				m := newKeyManager(t, mustKey(t, verifier.public, verifier.alg, ""))
				_, err := verify(m, tok)
				checkOnly(t, err, session.ErrInvalid)
				// The header claims the verifier's algorithm: the
				// signature is still the signer's.
				i := strings.IndexByte(tok, '.')
				relabelled := b64(`{"alg":"`+verifier.alg+`","typ":"JWT"}`) + tok[i:]
				_, err = verify(m, relabelled)
				checkOnly(t, err, session.ErrInvalid)
			})
		}
	}
}

// TestAlgorithmKeyRefusals: material of another family or curve than the
// algorithm, and HMAC secrets shorter than the hash output, are refused
// when the key is built, with an error that says what to fix.
func TestAlgorithmKeyRefusals(t *testing.T) {
	byAlg := map[string]algMaterial{}
	for _, km := range newAlgMaterial(t) {
		byAlg[km.alg] = km
	}
	tests := []struct {
		name     string
		material any
		alg      string
		want     string
	}{
		{"HS384 secret of 47 bytes", make([]byte, 47), "HS384", "HS384 secret is 47 bytes; at least 48"},
		{"HS512 secret of 63 bytes", make([]byte, 63), "HS512", "HS512 secret is 63 bytes; at least 64"},
		{"HS512 secret of 48 bytes", make([]byte, 48), "HS512", "at least 64"},
		{"HS256 secret for ES384", make([]byte, 64), "ES384", "cannot be used for ES384"},
		{"P-256 for ES384", byAlg["ES256"].private, "ES384", "ES384 needs a P-384 key; got P-256"},
		{"P-256 public for ES512", byAlg["ES256"].public, "ES512", "ES512 needs a P-521 key; got P-256"},
		{"P-384 for ES256", byAlg["ES384"].public, "ES256", "ES256 needs a P-256 key; got P-384; a P-384 key signs ES384"},
		{"P-521 for ES384", byAlg["ES512"].private, "ES384", "ES384 needs a P-384 key; got P-521"},
		{"RSA for ES512", byAlg["RS512"].public, "ES512", "RSA key cannot be used for ES512"},
		{"RSA for HS384", byAlg["RS384"].private, "HS384", "HMAC algorithm"},
		{"ECDSA for PS384", byAlg["ES384"].public, "PS384", "ECDSA key cannot be used for PS384"},
		{"ECDSA for HS512", byAlg["ES512"].public, "HS512", "HMAC algorithm"},
		{"Ed25519 for ES256", byAlg["EdDSA"].public, "ES256", "Ed25519 key cannot be used for ES256"},
		{"Ed25519 for HS256", byAlg["Ed25519"].private, "HS256", "HMAC algorithm"},
		{"unknown", byAlg["ES256"].private, "ES256K", `"ES256K" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := session.NewKey(tt.material, tt.alg, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want an error containing %q", k, err, tt.want)
			}
		})
	}
}

// TestAlgorithmInferred: without alg, an ECDSA key is pinned by its
// curve, an Ed25519 key to EdDSA, a secret to HS256.
func TestAlgorithmInferred(t *testing.T) {
	for _, km := range newAlgMaterial(t) {
		want := km.alg
		switch {
		case strings.HasPrefix(km.alg, "HS"):
			want = "HS256"
		case km.alg == "Ed25519":
			want = "EdDSA"
		case !strings.HasPrefix(km.alg, "ES") && km.alg != "EdDSA":
			continue // RSA needs alg
		}
		for _, material := range []any{km.private, km.public} {
			k, err := session.NewKey(material, "", "")
			if err != nil || k.Algorithm() != want {
				t.Errorf("%s material %T: got %v, %v; want a %s key", km.alg, material, k, err, want)
			}
		}
	}
}

// newKeyManager returns a Manager on key at the test clock's instant,
// without the verified-token cache.
func newKeyManager(t testing.TB, key session.Key) *session.Manager {
	t.Helper()
	m, err := session.New(key, session.Options{Clock: newClock(t0).Now, VerifiedTokenCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
