package testkit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

var b64 = base64.RawURLEncoding

// SignJWS returns the compact JWS of the given header and payload JSON
// texts, exactly as written (duplicates and all), signed by key with alg:
// ES256/384/512, EdDSA or Ed25519, RS256/384/512, PS256/384/512.
func SignJWS(t testing.TB, alg string, key crypto.Signer, header, payload string) string {
	t.Helper()
	in := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	return in + "." + b64.EncodeToString(Sign(t, alg, key, []byte(in)))
}

// Sign returns the JWS signature (RFC 7518 §3) of data by key with alg.
func Sign(t testing.TB, alg string, key crypto.Signer, data []byte) []byte {
	t.Helper()
	var h crypto.Hash
	switch alg[2:] {
	case "256", "25519":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	}
	if alg == "EdDSA" || alg == "Ed25519" {
		return ed25519.Sign(key.(ed25519.PrivateKey), data)
	}
	hh := h.New()
	hh.Write(data)
	digest := hh.Sum(nil)
	var sig []byte
	var err error
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		if r, s, err = ecdsa.Sign(rand.Reader, k, digest); err == nil {
			size := (k.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	case *rsa.PrivateKey:
		if strings.HasPrefix(alg, "PS") {
			sig, err = rsa.SignPSS(rand.Reader, k, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(nil, k, h, digest)
		}
	default:
		t.Fatalf("testkit: cannot sign %s with %T", alg, key)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// PublicJWK returns the JSON text of the public JWK of pub, its members
// in RFC 7638 order.
func PublicJWK(t testing.TB, pub crypto.PublicKey) string {
	t.Helper()
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		return `{"crv":"` + k.Curve.Params().Name + `","kty":"EC","x":"` + b64.EncodeToString(k.X.FillBytes(make([]byte, size))) +
			`","y":"` + b64.EncodeToString(k.Y.FillBytes(make([]byte, size))) + `"}`
	case ed25519.PublicKey:
		return `{"crv":"Ed25519","kty":"OKP","x":"` + b64.EncodeToString(k) + `"}`
	case *rsa.PublicKey:
		return `{"e":"` + b64.EncodeToString(big.NewInt(int64(k.E)).Bytes()) + `","kty":"RSA","n":"` + b64.EncodeToString(k.N.Bytes()) + `"}`
	}
	t.Fatalf("testkit: no JWK for %T", pub)
	return ""
}

// Prover makes DPoP proofs (RFC 9449 §4.2) with one key pair.
type Prover struct {
	Alg string
	Key crypto.Signer
}

// ProofClaims are the claims of a proof; zero fields are left out, and
// Extra members are added as they are.
type ProofClaims struct {
	JTI, HTM, HTU string
	IAT           time.Time
	ATH, Nonce    string
	Extra         map[string]any
}

// Header returns the proof header {"typ":"dpop+jwt","alg":...,"jwk":...}.
func (p Prover) Header(t testing.TB) string {
	t.Helper()
	return `{"typ":"dpop+jwt","alg":"` + p.Alg + `","jwk":` + PublicJWK(t, p.Key.Public()) + `}`
}

// Proof returns a signed proof of c, with a random jti when c has none.
func (p Prover) Proof(t testing.TB, c ProofClaims) string {
	t.Helper()
	return SignJWS(t, p.Alg, p.Key, p.Header(t), p.ClaimsJSON(t, c))
}

// ClaimsJSON returns the JSON text of c, with a random jti when c has
// none.
func (p Prover) ClaimsJSON(t testing.TB, c ProofClaims) string {
	t.Helper()
	m := map[string]any{}
	for k, v := range c.Extra {
		m[k] = v
	}
	if c.JTI == "" {
		var b [12]byte
		rand.Read(b[:])
		c.JTI = b64.EncodeToString(b[:])
	}
	m["jti"] = c.JTI
	if c.HTM != "" {
		m["htm"] = c.HTM
	}
	if c.HTU != "" {
		m["htu"] = c.HTU
	}
	if !c.IAT.IsZero() {
		m["iat"] = c.IAT.Unix()
	}
	if c.ATH != "" {
		m["ath"] = c.ATH
	}
	if c.Nonce != "" {
		m["nonce"] = c.Nonce
	}
	js, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// TokenHash returns ath for token: base64url(SHA-256(token)).
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return b64.EncodeToString(sum[:])
}
