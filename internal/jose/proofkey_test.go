package jose_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/testkit"
)

// forgedProof returns a proof with header and proofClaims whose
// signature is sigLen junk bytes: no private key is needed.
func forgedProof(header string, sigLen int) string {
	return b64(header) + "." + b64(proofClaims) + "." + b64(strings.Repeat("\x01", sigLen))
}

// rsaProofHeader returns a PS512 proof header whose jwk is an RSA key
// with a random odd modulus of bits bits and exponent e.
func rsaProofHeader(t *testing.T, bits int, e int64) string {
	t.Helper()
	top := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	n, err := rand.Int(rand.Reader, top)
	if err != nil {
		t.Fatal(err)
	}
	n.Or(n, top).SetBit(n, 0, 1)
	return `{"typ":"dpop+jwt","alg":"PS512","jwk":{"kty":"RSA","n":"` + b64(string(n.Bytes())) + `","e":"` + b64(string(big.NewInt(e).Bytes())) + `"}}`
}

// ed25519ProofHeader returns an EdDSA proof header whose jwk's x is the
// 32 bytes of hex x.
func ed25519ProofHeader(t *testing.T, x string) string {
	t.Helper()
	raw, err := hex.DecodeString(x)
	if err != nil || len(raw) != 32 {
		t.Fatalf("bad test key %q", x)
	}
	return `{"typ":"dpop+jwt","alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","x":"` + b64(string(raw)) + `"}}`
}

// smallOrderEd25519 are the encodings of the Ed25519 points of order 1,
// 2, 4 and 8, canonical and not (y + p, x = 0 with the sign bit).
var smallOrderEd25519 = []struct{ name, x string }{
	{"identity", "0100000000000000000000000000000000000000000000000000000000000000"},
	{"identity, sign bit", "0100000000000000000000000000000000000000000000000000000000000080"},
	{"identity as p+1", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"identity as p+1, sign bit", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
	{"order 2", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"order 2, sign bit", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
	{"order 4", "0000000000000000000000000000000000000000000000000000000000000000"},
	{"order 4, other x", "0000000000000000000000000000000000000000000000000000000000000080"},
	{"order 4 as p", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"order 4 as p, other x", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
	{"order 8 a", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"},
	{"order 8 a, other x", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"},
	{"order 8 b", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"},
	{"order 8 b, other x", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"},
}

// TestParseProofKeyCaps checks the bounds on a proof's key, which the
// client chooses without needing its private half to make the server
// verify: RSA at most 4096 bits with e = 65537, and no small-order
// Ed25519 key (for which one keyless signature verifies every message).
func TestParseProofKeyCaps(t *testing.T) {
	tests := []struct {
		name, header string
		sigLen       int
		wantDetail   string // "" accepts the key
	}{
		{"RSA 2048 bits, e 65537", rsaProofHeader(t, 2048, 65537), 256, ""},
		{"RSA 4096 bits, e 65537", rsaProofHeader(t, 4096, 65537), 512, ""},
		{"RSA 4104 bits", rsaProofHeader(t, 4104, 65537), 513, "exceeds 4096 bits"},
		{"RSA 8192 bits", rsaProofHeader(t, 8192, 65537), 1024, "exceeds 4096 bits"},
		{"RSA e 3", rsaProofHeader(t, 2048, 3), 256, "not 65537"},
		{"RSA e 2^31-1", rsaProofHeader(t, 4096, 1<<31-1), 512, "not 65537"},
		{"RSA e 65539", rsaProofHeader(t, 2048, 65539), 256, "not 65537"},
		{"Ed25519 base point", ed25519ProofHeader(t, "5866666666666666666666666666666666666666666666666666666666666666"), 64, ""},
	}
	for _, k := range smallOrderEd25519 {
		tests = append(tests, struct {
			name, header string
			sigLen       int
			wantDetail   string
		}{"Ed25519 small order: " + k.name, ed25519ProofHeader(t, k.x), 64, "small-order"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proof := forgedProof(tt.header, tt.sigLen)
			u, err := jose.ParseProofKey(proof)
			if tt.wantDetail == "" {
				if err != nil {
					t.Fatalf("ParseProofKey: got %v, want the key accepted", err)
				}
				if _, err := u.Verify(); !isEngineError(err) {
					t.Errorf("Verify of a forged signature: got %v, want a *jose.Error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseProofKey: got no error, want %q", tt.wantDetail)
			}
			if !strings.Contains(err.Error(), tt.wantDetail) || !isEngineError(err) {
				t.Errorf("ParseProofKey: got %v, want a *jose.Error saying %q", err, tt.wantDetail)
			}
			if _, err := jose.ParseProof(proof); err == nil || !strings.Contains(err.Error(), tt.wantDetail) {
				t.Errorf("ParseProof: got %v, want %q", err, tt.wantDetail)
			}
		})
	}
}

// TestSmallOrderEd25519KeysRefused checks that session keys (through
// NewVerifyingKey, which session.NewKey uses) refuse the small-order
// Ed25519 public keys and accept a generated one.
func TestSmallOrderEd25519KeysRefused(t *testing.T) {
	for _, k := range smallOrderEd25519 {
		t.Run(k.name, func(t *testing.T) {
			raw, _ := hex.DecodeString(k.x)
			err := jose.NewVerifyingKey("EdDSA", ed25519.PublicKey(raw)).Err()
			if err == nil || !strings.Contains(err.Error(), "small order") {
				t.Errorf("got %v, want an error about small order", err)
			}
		})
	}
	keys := testkit.NewKeys(t)
	if err := jose.NewVerifyingKey("EdDSA", keys.Ed.Public()).Err(); err != nil {
		t.Errorf("a generated Ed25519 key: got %v, want no error", err)
	}
}

// TestParseProofKeyNeedsNoSignature checks that ParseProofKey gives the
// thumbprint of a proof's key without checking the signature, and that
// Verify then refuses a bad one and accepts a good one.
func TestParseProofKeyNeedsNoSignature(t *testing.T) {
	keys := testkit.NewKeys(t)
	p := testkit.Prover{Alg: "ES256", Key: keys.EC}
	want, err := jose.Thumbprint(&keys.EC.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	good := testkit.SignJWS(t, "ES256", keys.EC, p.Header(t), proofClaims)
	tests := []struct {
		name, proof string
		verifies    bool
	}{
		{"signed", good, true},
		{"forged signature", forgedProof(p.Header(t), 64), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := jose.ParseProofKey(tt.proof)
			if err != nil {
				t.Fatalf("ParseProofKey: %v", err)
			}
			if u.Thumbprint != want {
				t.Errorf("got thumbprint %q, want %q", u.Thumbprint, want)
			}
			got, err := u.Verify()
			if tt.verifies != (err == nil) {
				t.Fatalf("Verify: got %v, want verifies %v", err, tt.verifies)
			}
			if err == nil && (got.Thumbprint != want || got.ID != "e1j3V_bKic8-LAEB" || got.Algorithm != "ES256") {
				t.Errorf("got %+v, want thumbprint %q, jti e1j3V_bKic8-LAEB, alg ES256", *got, want)
			}
		})
	}
}
