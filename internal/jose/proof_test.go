package jose_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/testkit"
)

// proofClaims is a valid claims object of a proof.
const proofClaims = `{"jti":"e1j3V_bKic8-LAEB","htm":"GET","htu":"https://api.example.com/me","iat":1700000000}`

// proverFor returns a prover with a new key for alg.
func proverFor(t *testing.T, keys testkit.Keys, alg string) testkit.Prover {
	t.Helper()
	var key crypto.Signer
	switch alg {
	case "ES256":
		key = keys.EC
	case "ES384":
		key = keys.EC384
	case "ES512":
		k, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	case "EdDSA", "Ed25519":
		key = keys.Ed
	default:
		key = keys.RSA
	}
	return testkit.Prover{Alg: alg, Key: key}
}

func TestParseProofAlgorithms(t *testing.T) {
	algs := jose.ProofAlgorithms()
	for _, want := range []string{"ES256", "EdDSA", "Ed25519", "RS256", "PS256"} {
		if !slices.Contains(algs, want) {
			t.Errorf("got ProofAlgorithms %q, want %s in it", algs, want)
		}
	}
	for _, never := range []string{"none", "HS256", "HS384", "HS512"} {
		if slices.Contains(algs, never) {
			t.Errorf("got ProofAlgorithms %q, want no %s", algs, never)
		}
	}
	keys := testkit.NewKeys(t)
	iat := time.Unix(1_700_000_000, 0)
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			p := proverFor(t, keys, alg)
			proof := p.Proof(t, testkit.ProofClaims{JTI: "id-1", HTM: "POST", HTU: "https://a.example/login", IAT: iat, ATH: "abc", Nonce: "n-1"})
			got, err := jose.ParseProof(proof)
			if err != nil {
				t.Fatalf("ParseProof: %v", err)
			}
			thumb, err := jose.Thumbprint(p.Key.Public())
			if err != nil {
				t.Fatal(err)
			}
			want := jose.Proof{Algorithm: alg, Thumbprint: thumb, ID: "id-1", Method: "POST", URL: "https://a.example/login", IssuedAt: iat, TokenHash: "abc", Nonce: "n-1"}
			if *got != want {
				t.Errorf("got %+v, want %+v", *got, want)
			}
		})
	}
}

// TestParseProofRefuses is the attack table of the proof parser: every
// case is a proof with one thing wrong.
func TestParseProofRefuses(t *testing.T) {
	keys := testkit.NewKeys(t)
	ec := testkit.Prover{Alg: "ES256", Key: keys.EC}
	jwk := testkit.PublicJWK(t, &keys.EC.PublicKey)
	ecJWK := strings.TrimSuffix(jwk, "}")
	sign := func(header, claims string) string { return testkit.SignJWS(t, "ES256", keys.EC, header, claims) }
	hdr := func(members string) string { return `{"typ":"dpop+jwt","alg":"ES256",` + members + `}` }
	good := sign(ec.Header(t), proofClaims)
	if _, err := jose.ParseProof(good); err != nil {
		t.Fatalf("the unaltered proof: %v", err)
	}
	otherEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsa1024 := testkit.PublicJWK(t, &keys.RSA1024.PublicKey)
	parts := strings.Split(good, ".")
	tests := []struct{ name, proof string }{
		{"empty", ""},
		{"two parts", parts[0] + "." + parts[1]},
		{"JWE five parts", good + ".a.b"},
		{"alg none, no signature", b64(`{"typ":"dpop+jwt","alg":"none","jwk":`+jwk+`}`) + "." + parts[1] + "."},
		{"alg none with a signature", sign(`{"typ":"dpop+jwt","alg":"none","jwk":`+jwk+`}`, proofClaims)},
		{"alg HS256", b64(`{"typ":"dpop+jwt","alg":"HS256","jwk":{"kty":"oct","k":"c2VjcmV0"}}`) + "." + parts[1] + "." + hmacSig([]byte("secret"), "x")},
		{"alg HS256 with an EC jwk", sign(`{"typ":"dpop+jwt","alg":"HS256","jwk":`+jwk+`}`, proofClaims)},
		{"alg missing", sign(`{"typ":"dpop+jwt","jwk":`+jwk+`}`, proofClaims)},
		{"typ missing", sign(`{"alg":"ES256","jwk":`+jwk+`}`, proofClaims)},
		{"typ JWT", sign(`{"typ":"JWT","alg":"ES256","jwk":`+jwk+`}`, proofClaims)},
		{"typ in capitals", sign(`{"typ":"DPOP+JWT","alg":"ES256","jwk":`+jwk+`}`, proofClaims)},
		{"typ application/dpop+jwt", sign(`{"typ":"application/dpop+jwt","alg":"ES256","jwk":`+jwk+`}`, proofClaims)},
		{"jwk missing", sign(`{"typ":"dpop+jwt","alg":"ES256"}`, proofClaims)},
		{"jwk a string", sign(hdr(`"jwk":"`+b64(jwk)+`"`), proofClaims)},
		{"jwk with private d", sign(hdr(`"jwk":`+ecJWK+`,"d":"`+b64("0123456789abcdef0123456789abcdef")+`"}`), proofClaims)},
		{"jwk oct", sign(hdr(`"jwk":{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}`), proofClaims)},
		{"jwk RSA with p and q", sign(`{"typ":"dpop+jwt","alg":"RS256","jwk":`+strings.TrimSuffix(testkit.PublicJWK(t, &keys.RSA.PublicKey), "}")+`,"p":"AQAB","q":"AQAB"}}`, proofClaims)},
		{"jwk duplicated x", sign(hdr(`"jwk":`+ecJWK+`,"x":"AA"}`), proofClaims)},
		{"jwk kty EC for alg RS256", testkit.SignJWS(t, "RS256", keys.RSA, `{"typ":"dpop+jwt","alg":"RS256","jwk":`+jwk+`}`, proofClaims)},
		{"jwk RSA for alg ES256", testkit.SignJWS(t, "ES256", keys.EC, hdr(`"jwk":`+testkit.PublicJWK(t, &keys.RSA.PublicKey)), proofClaims)},
		{"jwk P-384 for alg ES256", testkit.SignJWS(t, "ES384", keys.EC384, hdr(`"jwk":`+testkit.PublicJWK(t, &keys.EC384.PublicKey)), proofClaims)},
		{"jwk EC for alg EdDSA", sign(`{"typ":"dpop+jwt","alg":"EdDSA","jwk":`+jwk+`}`, proofClaims)},
		{"jwk crv X25519 for alg EdDSA", testkit.SignJWS(t, "EdDSA", keys.Ed, `{"typ":"dpop+jwt","alg":"EdDSA","jwk":`+strings.Replace(testkit.PublicJWK(t, keys.Ed.Public()), "Ed25519", "X25519", 1)+`}`, proofClaims)},
		{"jwk Ed25519 for alg ES256", sign(hdr(`"jwk":`+testkit.PublicJWK(t, keys.Ed.Public())), proofClaims)},
		{"jwk x one byte short", sign(hdr(`"jwk":{"crv":"P-256","kty":"EC","x":"`+b64(strings.Repeat("a", 31))+`","y":"`+b64(strings.Repeat("a", 32))+`"}`), proofClaims)},
		{"jwk point off the curve", sign(hdr(`"jwk":{"crv":"P-256","kty":"EC","x":"`+b64(strings.Repeat("a", 32))+`","y":"`+b64(strings.Repeat("b", 32))+`"}`), proofClaims)},
		{"jwk RSA 1024 bits", testkit.SignJWS(t, "RS256", keys.RSA1024, `{"typ":"dpop+jwt","alg":"RS256","jwk":`+rsa1024+`}`, proofClaims)},
		{"jwk RSA modulus zero-padded", testkit.SignJWS(t, "RS256", keys.RSA, `{"typ":"dpop+jwt","alg":"RS256","jwk":{"e":"AQAB","kty":"RSA","n":"`+b64("\x00"+string(keys.RSA.N.Bytes()))+`"}}`, proofClaims)},
		{"signed by another key", testkit.SignJWS(t, "ES256", otherEC, ec.Header(t), proofClaims)},
		{"payload altered", parts[0] + "." + b64(strings.Replace(proofClaims, "GET", "PUT", 1)) + "." + parts[2]},
		{"signature truncated", good[:len(good)-2]},
		{"crit", sign(hdr(`"crit":["exp"],"jwk":`+jwk), proofClaims)},
		{"header ALG in capitals", sign(hdr(`"ALG":"none","jwk":`+jwk), proofClaims)},
		{"header alg twice", sign(hdr(`"alg":"ES256","jwk":`+jwk), proofClaims)},
		{"header jwk twice", sign(hdr(`"jwk":`+jwk+`,"jwk":`+jwk), proofClaims)},
		{"header trailing data", sign(ec.Header(t)+"{}", proofClaims)},
		{"claims jti twice", sign(ec.Header(t), `{"jti":"a","jti":"b","htm":"GET","htu":"https://a/","iat":1}`)},
		{"claims other member twice", sign(ec.Header(t), `{"jti":"a","htm":"GET","htu":"https://a/","iat":1,"x":1,"x":2}`)},
		{"claims not an object", sign(ec.Header(t), `["jti"]`)},
		{"claims trailing data", sign(ec.Header(t), proofClaims+" 1")},
		{"jti missing", sign(ec.Header(t), `{"htm":"GET","htu":"https://a/","iat":1}`)},
		{"jti empty", sign(ec.Header(t), `{"jti":"","htm":"GET","htu":"https://a/","iat":1}`)},
		{"jti a number", sign(ec.Header(t), `{"jti":1,"htm":"GET","htu":"https://a/","iat":1}`)},
		{"jti over 256 bytes", sign(ec.Header(t), `{"jti":"`+strings.Repeat("j", 257)+`","htm":"GET","htu":"https://a/","iat":1}`)},
		{"htm missing", sign(ec.Header(t), `{"jti":"a","htu":"https://a/","iat":1}`)},
		{"htu missing", sign(ec.Header(t), `{"jti":"a","htm":"GET","iat":1}`)},
		{"htu an array", sign(ec.Header(t), `{"jti":"a","htm":"GET","htu":["https://a/"],"iat":1}`)},
		{"iat missing", sign(ec.Header(t), `{"jti":"a","htm":"GET","htu":"https://a/"}`)},
		{"iat a string", sign(ec.Header(t), `{"jti":"a","htm":"GET","htu":"https://a/","iat":"1700000000"}`)},
		{"iat negative", sign(ec.Header(t), `{"jti":"a","htm":"GET","htu":"https://a/","iat":-1}`)},
		{"iat with exponent", sign(ec.Header(t), `{"jti":"a","htm":"GET","htu":"https://a/","iat":1e9}`)},
		{"iat huge", sign(ec.Header(t), `{"jti":"a","htm":"GET","htu":"https://a/","iat":1e308}`)},
		{"ath empty", sign(ec.Header(t), `{"jti":"a","htm":"GET","htu":"https://a/","iat":1,"ath":""}`)},
		{"nonce a number", sign(ec.Header(t), `{"jti":"a","htm":"GET","htu":"https://a/","iat":1,"nonce":5}`)},
		{"oversized", sign(hdr(`"pad":"`+strings.Repeat("p", 2000)+`","jwk":`+jwk), `{"jti":"a","htm":"GET","htu":"https://a/","iat":1,"pad":"`+strings.Repeat("p", 5000)+`"}`)},
		{"header over 4 KiB", sign(hdr(`"pad":"`+strings.Repeat("p", 3200)+`","jwk":`+jwk), proofClaims)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := jose.ParseProof(tt.proof)
			if err == nil {
				t.Fatalf("got %+v and no error, want a *jose.Error", p)
			}
			if !isEngineError(err) {
				t.Errorf("got %v, want a *jose.Error with a detail", err)
			}
			if len(tt.proof) > 20 && strings.Contains(err.Error(), tt.proof[:20]) {
				t.Errorf("got %q, which echoes the proof", err)
			}
		})
	}
}

// TestParseProofIgnoresHarmlessMembers checks that members a client
// may add (WebCrypto's ext and key_ops, alg and use in the jwk, other
// claims) are accepted.
func TestParseProofIgnoresHarmlessMembers(t *testing.T) {
	keys := testkit.NewKeys(t)
	jwk := strings.TrimSuffix(testkit.PublicJWK(t, &keys.EC.PublicKey), "}") + `,"ext":true,"key_ops":["verify"],"alg":"ES256","use":"sig"}`
	proof := testkit.SignJWS(t, "ES256", keys.EC, `{"alg":"ES256","typ":"dpop+jwt","jwk":`+jwk+`,"kid":"k"}`,
		`{"jti":"a","htm":"GET","htu":"https://a/","iat":1.5,"extra":{"x":[1,2]}}`)
	p, err := jose.ParseProof(proof)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := jose.Thumbprint(&keys.EC.PublicKey)
	if p.Thumbprint != want || p.IssuedAt.Unix() != 1 {
		t.Errorf("got thumbprint %q, iat %v; want %q, 1", p.Thumbprint, p.IssuedAt.Unix(), want)
	}
	// An RSA key that NewKey refuses for other reasons than the alg.
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if _, err := jose.ParseProof(testkit.Prover{Alg: "PS256", Key: small}.Proof(t, testkit.ProofClaims{HTM: "GET", HTU: "https://a/", IAT: time.Unix(1, 0)})); !isEngineError(err) {
		t.Errorf("got %v for a 1024-bit PS256 proof, want a *jose.Error", err)
	}
}

// isEngineError reports whether err is a *jose.Error that says what is
// wrong.
func isEngineError(err error) bool {
	var e *jose.Error
	return errors.As(err, &e) && e.Detail != ""
}

// b64 encodes bytes as unpadded base64url, independently of the engine.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hmacSig returns the unpadded base64url HMAC-SHA256 of signingInput.
func hmacSig(secret []byte, signingInput string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signingInput))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
