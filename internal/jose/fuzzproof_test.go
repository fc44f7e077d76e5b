package jose_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// FuzzParseProof: whatever the input, ParseProof must not panic, must
// fail with a *jose.Error only, and may only accept what an
// independent reading (encoding/json, encoding/base64) also finds to be a
// DPoP proof: typ dpop+jwt, an accepted alg, a public jwk whose RFC 7638
// thumbprint is the one reported, and the required claims. The seeds in
// testdata/fuzz/FuzzParseProof hold valid proofs of each algorithm and
// near misses.
func FuzzParseProof(f *testing.F) {
	f.Add("")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, proof string) {
		p, err := jose.ParseProof(proof)
		if err != nil {
			if p != nil || !isEngineError(err) {
				t.Fatalf("got %v, %v; want nil and a *jose.Error", p, err)
			}
			return
		}
		if len(proof) > 8<<10 { // the proof size cap
			t.Fatalf("accepted a proof of %d bytes", len(proof))
		}
		parts := strings.Split(proof, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted %d parts", len(parts))
		}
		var hdr struct {
			Typ string                     `json:"typ"`
			Alg string                     `json:"alg"`
			JWK map[string]json.RawMessage `json:"jwk"`
		}
		var claims struct {
			JTI, HTM, HTU string
			IAT           *json.Number
		}
		decodePartJSON(t, parts[0], &hdr)
		decodePartJSON(t, parts[1], &claims)
		if hdr.Typ != "dpop+jwt" || hdr.Alg != p.Algorithm || !slices.Contains(jose.ProofAlgorithms(), hdr.Alg) {
			t.Fatalf("accepted typ %q, alg %q (reported %q)", hdr.Typ, hdr.Alg, p.Algorithm)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := hdr.JWK[private]; ok {
				t.Fatalf("accepted a jwk with %q", private)
			}
		}
		if claims.JTI != p.ID || claims.HTM != p.Method || claims.HTU != p.URL || p.ID == "" || p.Method == "" || p.URL == "" || claims.IAT == nil {
			t.Fatalf("accepted claims %+v as %+v", claims, p)
		}
		if got := canonicalThumbprint(t, hdr.JWK); got != p.Thumbprint {
			t.Fatalf("got thumbprint %q, want %q from the jwk's required members", p.Thumbprint, got)
		}
	})
}

// decodePartJSON decodes one base64url part with encoding/json.
func decodePartJSON(t *testing.T, part string, v any) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatalf("accepted a part that is not base64url: %v", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("accepted a part encoding/json refuses: %v", err)
	}
}

// canonicalThumbprint is RFC 7638 §3 read independently: the required
// members of the key type, sorted, without white space, hashed.
func canonicalThumbprint(t *testing.T, jwk map[string]json.RawMessage) string {
	t.Helper()
	var kty string
	json.Unmarshal(jwk["kty"], &kty)
	var names []string
	switch kty {
	case "EC":
		names = []string{"crv", "kty", "x", "y"}
	case "OKP":
		names = []string{"crv", "kty", "x"}
	case "RSA":
		names = []string{"e", "kty", "n"}
	default:
		t.Fatalf("accepted kty %q", kty)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		var s string
		if err := json.Unmarshal(jwk[n], &s); err != nil {
			t.Fatalf("accepted jwk member %q that is not a string", n)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + n + `":"` + s + `"`)
	}
	b.WriteByte('}')
	sum := sha256.Sum256([]byte(b.String()))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
