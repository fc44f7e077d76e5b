package jwks

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"math/big"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/session"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

var enc64 = base64.RawURLEncoding.EncodeToString

// jwkOf returns the JWK members of key, written here from the key's own
// numbers (not by jwx): the public members, and the private ones for a
// private key. extra adds members; a nil value removes one.
func jwkOf(t testing.TB, key any, extra map[string]any) map[string]any {
	t.Helper()
	m := map[string]any{}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		m = jwkOf(t, &k.PublicKey, nil)
		m["d"] = enc64(k.D.Bytes())
		m["p"] = enc64(k.Primes[0].Bytes())
		m["q"] = enc64(k.Primes[1].Bytes())
		m["dp"] = enc64(k.Precomputed.Dp.Bytes())
		m["dq"] = enc64(k.Precomputed.Dq.Bytes())
		m["qi"] = enc64(k.Precomputed.Qinv.Bytes())
	case *rsa.PublicKey:
		m["kty"] = "RSA"
		m["n"] = enc64(k.N.Bytes())
		m["e"] = enc64(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PrivateKey:
		m = jwkOf(t, &k.PublicKey, nil)
		d, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		m["d"] = enc64(d)
	case *ecdsa.PublicKey:
		point, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		size := (len(point) - 1) / 2
		m["kty"] = "EC"
		m["crv"] = k.Curve.Params().Name
		m["x"] = enc64(point[1 : 1+size])
		m["y"] = enc64(point[1+size:])
	case ed25519.PrivateKey:
		m = jwkOf(t, k.Public(), nil)
		m["d"] = enc64(k.Seed())
	case ed25519.PublicKey:
		m["kty"] = "OKP"
		m["crv"] = "Ed25519"
		m["x"] = enc64(k)
	case *ecdh.PublicKey:
		m["kty"] = "OKP"
		m["crv"] = "X25519"
		m["x"] = enc64(k.Bytes())
	case []byte:
		m["kty"] = "oct"
		m["k"] = enc64(k)
	default:
		t.Fatalf("jwkOf: unsupported %T", key)
	}
	for name, v := range extra {
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
	}
	return m
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jwkSetJSON(t testing.TB, keys ...map[string]any) []byte {
	t.Helper()
	return mustJSON(t, map[string]any{"keys": keys})
}

// parseWith parses a JWK as Parse does or, with rsaAlg, as a Remote with
// that RSAAlgorithm reads the keys of its set.
func parseWith(t *testing.T, data []byte, rsaAlg string) (session.Key, error) {
	t.Helper()
	if rsaAlg == "" {
		return Parse(data)
	}
	jk, err := jwk.ParseKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return keyFromJWK(jk, parseConfig{rsaAlg: rsaAlg})
}

func TestParse(t *testing.T) {
	k := testkit.NewKeys(t)
	secret := make([]byte, 32)
	rand.Read(secret)
	secret64 := make([]byte, 64)
	rand.Read(secret64)
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid := map[string]any{"kid": "k1"}
	with := func(members ...any) map[string]any {
		m := map[string]any{"kid": "k1"}
		for i := 0; i < len(members); i += 2 {
			m[members[i].(string)] = members[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		jwk      map[string]any
		rsaAlg   string // as RemoteOptions.RSAAlgorithm sets it
		wantAlg  string
		wantSign bool
	}{
		{"RSA public RS256", jwkOf(t, &k.RSA.PublicKey, with("alg", "RS256")), "", "RS256", false},
		{"RSA private PS256", jwkOf(t, k.RSA, with("alg", "PS256", "use", "sig")), "", "PS256", true},
		{"RSA without alg is RS256", jwkOf(t, &k.RSA.PublicKey, kid), "", "RS256", false},
		{"RSA without alg, default PS512", jwkOf(t, &k.RSA.PublicKey, kid), "PS512", "PS512", false},
		{"RSA RS384", jwkOf(t, &k.RSA.PublicKey, with("alg", "RS384")), "", "RS384", false},
		{"RSA RS512", jwkOf(t, &k.RSA.PublicKey, with("alg", "RS512")), "PS256", "RS512", false},
		{"RSA private PS384", jwkOf(t, k.RSA, with("alg", "PS384")), "", "PS384", true},
		{"RSA PS512", jwkOf(t, &k.RSA.PublicKey, with("alg", "PS512")), "", "PS512", false},
		{"P-384 ES384", jwkOf(t, &k.EC384.PublicKey, with("alg", "ES384")), "", "ES384", false},
		{"P-384 without alg is ES384", jwkOf(t, &k.EC384.PublicKey, kid), "", "ES384", false},
		{"P-384 private", jwkOf(t, k.EC384, kid), "", "ES384", true},
		{"P-521 ES512", jwkOf(t, &p521.PublicKey, with("alg", "ES512")), "", "ES512", false},
		{"P-521 without alg is ES512", jwkOf(t, &p521.PublicKey, kid), "", "ES512", false},
		{"P-521 private", jwkOf(t, p521, with("alg", "ES512")), "", "ES512", true},
		{"Ed25519 fully-specified", jwkOf(t, k.Ed.Public(), with("alg", "Ed25519")), "", "Ed25519", false},
		{"oct HS384", jwkOf(t, secret64[:48], with("alg", "HS384")), "", "HS384", true},
		{"oct HS512", jwkOf(t, secret64, with("alg", "HS512")), "", "HS512", true},
		{"RSA alg wins over the default", jwkOf(t, &k.RSA.PublicKey, with("alg", "PS256")), "RS256", "PS256", false},
		{"EC public ES256", jwkOf(t, &k.EC.PublicKey, with("alg", "ES256")), "", "ES256", false},
		{"EC without alg is ES256", jwkOf(t, &k.EC.PublicKey, kid), "", "ES256", false},
		{"EC private", jwkOf(t, k.EC, with("key_ops", []string{"sign", "verify"})), "", "ES256", true},
		{"Ed25519 public", jwkOf(t, k.Ed.Public(), with("alg", "EdDSA")), "", "EdDSA", false},
		{"Ed25519 without alg is EdDSA", jwkOf(t, k.Ed.Public(), kid), "", "EdDSA", false},
		{"Ed25519 private", jwkOf(t, k.Ed, kid), "", "EdDSA", true},
		{"oct HS256", jwkOf(t, secret, with("alg", "HS256")), "", "HS256", true},
		{"oct without alg is HS256", jwkOf(t, secret, kid), "", "HS256", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := parseWith(t, mustJSON(t, tt.jwk), tt.rsaAlg)
			if err != nil {
				t.Fatalf("got %v, want the key", err)
			}
			if key.Algorithm() != tt.wantAlg || key.ID() != "k1" || key.CanSign() != tt.wantSign {
				t.Errorf("got %v (signs: %v), want %s key \"k1\" (signs: %v)", key, key.CanSign(), tt.wantAlg, tt.wantSign)
			}
		})
	}
}

func TestParseRefusals(t *testing.T) {
	k := testkit.NewKeys(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	x25519, _ := ecdh.X25519().GenerateKey(rand.Reader)
	secret := make([]byte, 32)
	ecPublic := jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "k"})
	offCurve := jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "k", "y": ecPublic["x"]})
	mismatched := jwkOf(t, k.EC, map[string]any{"kid": "k"})
	otherD, _ := other.Bytes()
	mismatched["d"] = enc64(otherD)
	tests := []struct {
		name string
		jwk  any
		want string
	}{
		{"no kid", jwkOf(t, &k.EC.PublicKey, nil), `no "kid"`},
		{"use enc", jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "k", "use": "enc"}), `"use": "enc"`},
		{"key_ops encrypt only", jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "k", "key_ops": []string{"encrypt"}}), "key_ops"},
		{"RSA for HS256", jwkOf(t, &k.RSA.PublicKey, map[string]any{"kid": "k", "alg": "HS256"}), "HMAC algorithm"},
		{"RSA for RS1024", jwkOf(t, &k.RSA.PublicKey, map[string]any{"kid": "k", "alg": "RS1024"}), `"RS1024" is not supported`},
		{"RSA for HS512", jwkOf(t, &k.RSA.PublicKey, map[string]any{"kid": "k", "alg": "HS512"}), "HMAC algorithm"},
		{"RSA for EdDSA", jwkOf(t, &k.RSA.PublicKey, map[string]any{"kid": "k", "alg": "EdDSA"}), "RSA key cannot be used for EdDSA"},
		{"RSA for key encryption", jwkOf(t, &k.RSA.PublicKey, map[string]any{"kid": "k", "alg": "RSA-OAEP"}), `"RSA-OAEP" is not supported`},
		{"RSA for ES256", jwkOf(t, &k.RSA.PublicKey, map[string]any{"kid": "k", "alg": "ES256"}), "RSA key cannot be used for ES256"},
		{"short RSA", jwkOf(t, &k.RSA1024.PublicKey, map[string]any{"kid": "k", "alg": "RS256"}), "at least 2048"},
		{"P-384 for ES256", jwkOf(t, &k.EC384.PublicKey, map[string]any{"kid": "k", "alg": "ES256"}), "needs a P-256 key; got P-384"},
		{"P-256 for ES384", jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "k", "alg": "ES384"}), "ES384 needs a P-384 key; got P-256"},
		{"P-256 for ES512", jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "k", "alg": "ES512"}), "ES512 needs a P-521 key; got P-256"},
		{"P-384 for ES512", jwkOf(t, &k.EC384.PublicKey, map[string]any{"kid": "k", "alg": "ES512"}), "ES512 needs a P-521 key; got P-384"},
		{"P-384 for PS384", jwkOf(t, &k.EC384.PublicKey, map[string]any{"kid": "k", "alg": "PS384"}), "ECDSA key cannot be used for PS384"},
		{"P-384 for HS384", jwkOf(t, &k.EC384.PublicKey, map[string]any{"kid": "k", "alg": "HS384"}), "HMAC algorithm"},
		{"Ed25519 for ES512", jwkOf(t, k.Ed.Public(), map[string]any{"kid": "k", "alg": "ES512"}), "Ed25519 key cannot be used for ES512"},
		{"Ed25519 for HS256", jwkOf(t, k.Ed.Public(), map[string]any{"kid": "k", "alg": "HS256"}), "HMAC algorithm"},
		{"Ed25519 for Ed448", jwkOf(t, k.Ed.Public(), map[string]any{"kid": "k", "alg": "Ed448"}), `"Ed448" is not supported`},
		{"oct for ES256", jwkOf(t, make([]byte, 64), map[string]any{"kid": "k", "alg": "ES256"}), "cannot be used for ES256"},
		{"oct for EdDSA", jwkOf(t, make([]byte, 64), map[string]any{"kid": "k", "alg": "EdDSA"}), "cannot be used for EdDSA"},
		{"short oct for HS384", jwkOf(t, make([]byte, 47), map[string]any{"kid": "k", "alg": "HS384"}), "HS384 secret is 47 bytes; at least 48"},
		{"short oct for HS512", jwkOf(t, make([]byte, 48), map[string]any{"kid": "k", "alg": "HS512"}), "HS512 secret is 48 bytes; at least 64"},
		{"EC point off the curve", offCurve, "not valid on its curve"},
		{"EC d of another key", mismatched, "does not match"},
		{"Ed25519 for ES256", jwkOf(t, k.Ed.Public(), map[string]any{"kid": "k", "alg": "ES256"}), "Ed25519 key cannot be used for ES256"},
		{"X25519", jwkOf(t, x25519.PublicKey(), map[string]any{"kid": "k"}), "unsupported key type"},
		{"oct for RS256", jwkOf(t, secret, map[string]any{"kid": "k", "alg": "RS256"}), "oct (HMAC) key and cannot be used for RS256"},
		{"short oct", jwkOf(t, secret[:16], map[string]any{"kid": "k"}), "at least 32"},
		{"alg none", jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "k", "alg": "none"}), `"none" is not supported`},
		{"unknown kty", map[string]any{"kty": "XYZ", "kid": "k"}, "XYZ"},
		{"not JSON", "eyJhbGciOi", "jwks: JWK"},
		{"a set", map[string]any{"keys": []any{ecPublic}}, "jwks: JWK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := mustJSON(t, tt.jwk)
			if s, ok := tt.jwk.(string); ok {
				data = []byte(s)
			}
			key, err := Parse(data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want an error containing %q", key, err, tt.want)
			}
		})
	}
}

func TestParseSet(t *testing.T) {
	k := testkit.NewKeys(t)
	data := jwkSetJSON(t,
		jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "ec", "alg": "ES256", "use": "sig"}),
		jwkOf(t, &k.RSA.PublicKey, map[string]any{"kid": "rsa", "alg": "PS256"}),
		jwkOf(t, k.Ed, map[string]any{"kid": "ed"}),
	)
	keys, err := ParseSet(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kid, alg string
		sign     bool
	}{{"ec", "ES256", false}, {"rsa", "PS256", false}, {"ed", "EdDSA", true}}
	if len(keys) != len(want) {
		t.Fatalf("got %d keys, want %d", len(keys), len(want))
	}
	for i, w := range want {
		if keys[i].ID() != w.kid || keys[i].Algorithm() != w.alg || keys[i].CanSign() != w.sign {
			t.Errorf("key %d: got %v (signs: %v), want %s key %q (signs: %v)", i, keys[i], keys[i].CanSign(), w.alg, w.kid, w.sign)
		}
	}
	// A private set makes a session.KeySet.
	if _, err := session.NewKeySet(keys[2], keys[0], keys[1]); err != nil {
		t.Errorf("session.NewKeySet of parsed keys: got %v", err)
	}
}

func TestParseSetRefusals(t *testing.T) {
	k := testkit.NewKeys(t)
	good := jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "good"})
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"oct key", jwkSetJSON(t, good, jwkOf(t, make([]byte, 32), map[string]any{"kid": "hs", "alg": "HS256"})), `key #1: jwks: JWK "hs" is an oct`},
		{"bad key next to a good one", jwkSetJSON(t, good, jwkOf(t, &k.RSA1024.PublicKey, map[string]any{"kid": "weak", "alg": "RS256"})), "key #1"},
		{"unparsable key", jwkSetJSON(t, good, map[string]any{"kty": "EC", "kid": "x", "crv": "P-256", "x": 5}), "key #1"},
		{"duplicate kid", jwkSetJSON(t, good, jwkOf(t, k.Ed.Public(), map[string]any{"kid": "good"})), `kid "good" is used twice`},
		{"empty set", []byte(`{"keys":[]}`), `no "keys"`},
		{"a single JWK", mustJSON(t, good), `no "keys"`},
		{"HTML", []byte("<html>nope</html>"), "jwks: JWK Set"},
		{"keys not an array", []byte(`{"keys":{}}`), "jwks: JWK Set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseSet(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want an error containing %q", keys, err, tt.want)
			}
		})
	}
}
