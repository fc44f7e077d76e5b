package sessiontest_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // SHA-384 and SHA-512 for crypto.Hash.New
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
)

// proofParts is a decoded DPoP proof.
type proofParts struct {
	Header struct {
		Typ string            `json:"typ"`
		Alg string            `json:"alg"`
		JWK map[string]string `json:"jwk"`
	}
	Claims map[string]any
}

// checkProof decodes proof, verifies its signature with the key of its
// jwk header (code of its own, not the ProofKey's), and checks that the
// jwk's RFC 7638 thumbprint is thumb.
func checkProof(t *testing.T, proof, thumb string) proofParts {
	t.Helper()
	enc := base64.RawURLEncoding
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		t.Fatalf("got %d parts, want a compact JWS", len(parts))
	}
	var p proofParts
	for i, v := range []any{&p.Header, &p.Claims} {
		raw, err := enc.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatal(err)
		}
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	jwk := p.Header.JWK
	num := func(name string) *big.Int {
		b, err := enc.DecodeString(jwk[name])
		if err != nil || len(b) == 0 {
			t.Fatalf("jwk member %q: %q", name, jwk[name])
		}
		return new(big.Int).SetBytes(b)
	}
	input := []byte(parts[0] + "." + parts[1])
	digest := func(h crypto.Hash) []byte {
		d := h.New()
		d.Write(input)
		return d.Sum(nil)
	}
	var ok bool
	var canonical string
	switch alg := p.Header.Alg; alg {
	case "ES256", "ES384", "ES512":
		curve, h := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg],
			map[string]crypto.Hash{"ES256": crypto.SHA256, "ES384": crypto.SHA384, "ES512": crypto.SHA512}[alg]
		size := (curve.Params().BitSize + 7) / 8
		x, y := num("x"), num("y")
		ok = jwk["kty"] == "EC" && jwk["crv"] == curve.Params().Name && len(sig) == 2*size &&
			curve.IsOnCurve(x, y) &&
			ecdsa.Verify(&ecdsa.PublicKey{Curve: curve, X: x, Y: y}, digest(h), new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:]))
		canonical = `{"crv":"` + jwk["crv"] + `","kty":"EC","x":"` + jwk["x"] + `","y":"` + jwk["y"] + `"}`
	case "EdDSA", "Ed25519":
		x, _ := enc.DecodeString(jwk["x"])
		ok = jwk["kty"] == "OKP" && jwk["crv"] == "Ed25519" && len(x) == ed25519.PublicKeySize && ed25519.Verify(x, input, sig)
		canonical = `{"crv":"Ed25519","kty":"OKP","x":"` + jwk["x"] + `"}`
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		h := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}[alg[2:]]
		pub := &rsa.PublicKey{N: num("n"), E: int(num("e").Int64())}
		if alg[0] == 'P' {
			ok = rsa.VerifyPSS(pub, h, digest(h), sig, &rsa.PSSOptions{SaltLength: h.Size()}) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(pub, h, digest(h), sig) == nil
		}
		ok = ok && jwk["kty"] == "RSA"
		canonical = `{"e":"` + jwk["e"] + `","kty":"RSA","n":"` + jwk["n"] + `"}`
	default:
		t.Fatalf("got alg %q", p.Header.Alg)
	}
	if !ok {
		t.Fatalf("%s proof: the signature does not verify with its jwk %v", p.Header.Alg, jwk)
	}
	if _, private := jwk["d"]; private || len(jwk) > 4 {
		t.Errorf("jwk: got %v, want the public members only", jwk)
	}
	if sum := sha256.Sum256([]byte(canonical)); enc.EncodeToString(sum[:]) != thumb {
		t.Errorf("Thumbprint: got %s, want %s, the SHA-256 of %s", thumb, enc.EncodeToString(sum[:]), canonical)
	}
	if p.Header.Typ != "dpop+jwt" {
		t.Errorf("typ: got %q, want dpop+jwt", p.Header.Typ)
	}
	return p
}

// allProofAlgs are the algorithms NewProofKey supports: every one the
// verifier accepts for proofs (TestNewProofKeyCoversTheVerifier).
var allProofAlgs = []string{"ES256", "ES384", "ES512", "EdDSA", "Ed25519", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

// TestNewProofKeyCoversTheVerifier: NewProofKey supports exactly the
// algorithms the JOSE engine accepts for proofs.
func TestNewProofKeyCoversTheVerifier(t *testing.T) {
	got, want := strings.Join(allProofAlgs, ","), strings.Join(jose.ProofAlgorithms(), ",")
	if got != want {
		t.Errorf("got the algorithms %s, want the verifier's %s", got, want)
	}
}

func TestProofKeyProof(t *testing.T) {
	for _, alg := range append([]string{""}, allProofAlgs...) {
		t.Run(alg, func(t *testing.T) {
			k := sessiontest.NewProofKey(t, alg)
			before := time.Now().Unix()
			p := checkProof(t, k.Proof("GET", "https://api.example/me?x=1#frag"), k.Thumbprint())
			wantAlg := alg
			if alg == "" {
				wantAlg = "ES256"
			}
			if p.Header.Alg != wantAlg {
				t.Errorf("alg: got %q, want %q", p.Header.Alg, wantAlg)
			}
			if p.Claims["htm"] != "GET" || p.Claims["htu"] != "https://api.example/me" {
				t.Errorf("got htm %v, htu %v, want GET and the URL without query and fragment", p.Claims["htm"], p.Claims["htu"])
			}
			if iat, _ := p.Claims["iat"].(float64); int64(iat) < before || int64(iat) > time.Now().Unix() {
				t.Errorf("iat: got %v, want now", p.Claims["iat"])
			}
			if jti, _ := p.Claims["jti"].(string); len(jti) < 22 {
				t.Errorf("jti: got %q, want 128 random bits", jti)
			}
			for _, absent := range []string{"ath", "nonce"} {
				if v, ok := p.Claims[absent]; ok {
					t.Errorf("%s: got %v, want none without an option", absent, v)
				}
			}
		})
	}
}

func TestProofOptions(t *testing.T) {
	k := sessiontest.NewProofKey(t, "ES256")
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sum := sha256.Sum256([]byte("the.access.token"))
	p := checkProof(t, k.Proof("POST", "http://127.0.0.1:8080/refresh",
		sessiontest.WithAccessToken("the.access.token"), sessiontest.WithNonce("n-1"),
		sessiontest.WithIssuedAt(at.Add(900*time.Millisecond)), sessiontest.WithJTI("replayed")), k.Thumbprint())
	want := map[string]any{
		"htm": "POST", "htu": "http://127.0.0.1:8080/refresh", "iat": float64(at.Unix()), "jti": "replayed",
		"nonce": "n-1", "ath": base64.RawURLEncoding.EncodeToString(sum[:]),
	}
	for name, v := range want {
		if p.Claims[name] != v {
			t.Errorf("%s: got %v, want %v", name, p.Claims[name], v)
		}
	}
	if len(p.Claims) != len(want) {
		t.Errorf("got claims %v, want exactly %v", p.Claims, want)
	}
	// Without WithJTI, every proof has its own jti.
	a, b := checkProof(t, k.Proof("GET", "http://h/"), k.Thumbprint()), checkProof(t, k.Proof("GET", "http://h/"), k.Thumbprint())
	if a.Claims["jti"] == b.Claims["jti"] {
		t.Errorf("two proofs with jti %v, want different ones", a.Claims["jti"])
	}
}

func TestProofKeySign(t *testing.T) {
	k := sessiontest.NewProofKey(t, "EdDSA")
	sum := sha256.Sum256([]byte("tok.en.x"))
	ath := base64.RawURLEncoding.EncodeToString(sum[:])
	client := func(method, url string) *http.Request {
		r, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tls := httptest.NewRequest("GET", "https://api.example/orders?page=2", nil)
	tests := []struct {
		name     string
		r        *http.Request
		token    string
		wantAuth string
		wantHTM  string
		wantHTU  string
		wantATH  any
	}{
		{"client with a token", client("GET", "http://127.0.0.1:9/me?q=1"), "tok.en.x", "DPoP tok.en.x", "GET", "http://127.0.0.1:9/me", ath},
		{"login without a token", client("POST", "http://127.0.0.1:9/login"), "", "", "POST", "http://127.0.0.1:9/login", nil},
		{"server side, plain", httptest.NewRequest("DELETE", "/orders/7?x=y", nil), "tok.en.x", "DPoP tok.en.x", "DELETE", "http://example.com/orders/7", ath},
		{"server side, TLS", tls, "", "", "GET", "https://api.example/orders", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k.Sign(tt.r, tt.token)
			if got := tt.r.Header.Get("Authorization"); got != tt.wantAuth {
				t.Errorf("Authorization: got %q, want %q", got, tt.wantAuth)
			}
			if n := len(tt.r.Header.Values("DPoP")); n != 1 {
				t.Fatalf("got %d DPoP headers, want 1", n)
			}
			p := checkProof(t, tt.r.Header.Get("DPoP"), k.Thumbprint())
			if p.Claims["htm"] != tt.wantHTM || p.Claims["htu"] != tt.wantHTU || p.Claims["ath"] != tt.wantATH {
				t.Errorf("got htm %v htu %v ath %v, want %v %v %v", p.Claims["htm"], p.Claims["htu"], p.Claims["ath"], tt.wantHTM, tt.wantHTU, tt.wantATH)
			}
		})
	}
	// A second Sign replaces the proof: one DPoP header, a new jti.
	r := client("GET", "http://127.0.0.1:9/me")
	k.Sign(r, "tok.en.x")
	first := r.Header.Get("DPoP")
	k.Sign(r, "tok.en.x", sessiontest.WithNonce("n"))
	if got := r.Header.Values("DPoP"); len(got) != 1 || got[0] == first {
		t.Errorf("after a second Sign: got DPoP headers %q, want one new proof", got)
	}
}

func TestNewProofKeyFailsTheTest(t *testing.T) {
	for _, alg := range []string{"HS256", "none", "ES256K", "es256"} {
		t.Run(alg, func(t *testing.T) {
			fake := &fatalTB{TB: t}
			defer func() {
				if recover() != fake || !strings.HasPrefix(fake.msg, "sessiontest: ") {
					t.Errorf("got message %q, want the test failed with a sessiontest message", fake.msg)
				}
			}()
			sessiontest.NewProofKey(fake, alg)
		})
	}
}

// TestProofsParseWithEngine: jose.ParseProof, the parser middleware
// checks proofs with, written apart from ProofKey, accepts its proofs of
// every algorithm, reads back their claims, and computes the same
// thumbprint.
func TestProofsParseWithEngine(t *testing.T) {
	at := time.Now().Truncate(time.Second)
	for _, alg := range allProofAlgs {
		t.Run(alg, func(t *testing.T) {
			k := sessiontest.NewProofKey(t, alg)
			proof := k.Proof("PUT", "https://api.example/orders/7?x=1", sessiontest.WithAccessToken("t.o.k"),
				sessiontest.WithNonce("n"), sessiontest.WithIssuedAt(at), sessiontest.WithJTI("id-1"))
			p, err := jose.ParseProof(proof)
			if err != nil {
				t.Fatalf("ParseProof: %v", err)
			}
			sum := sha256.Sum256([]byte("t.o.k"))
			want := jose.Proof{
				Algorithm: alg, Thumbprint: k.Thumbprint(), ID: "id-1", Method: "PUT", URL: "https://api.example/orders/7",
				IssuedAt: at, TokenHash: base64.RawURLEncoding.EncodeToString(sum[:]), Nonce: "n",
			}
			if !p.IssuedAt.Equal(want.IssuedAt) {
				t.Errorf("IssuedAt: got %v, want %v", p.IssuedAt, want.IssuedAt)
			}
			p.IssuedAt = want.IssuedAt
			if *p != want {
				t.Errorf("got %+v, want %+v", *p, want)
			}
			if _, err := jose.ParseProof(sessiontest.Tamper(proof)); err == nil {
				t.Error("ParseProof accepted a tampered proof")
			}
		})
	}
}
