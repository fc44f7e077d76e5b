package session_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// Cross-library checks for every algorithm. Each other library (node
// jose, PyJWT) generated a key per algorithm, published as a JWK Set
// (<library>-jwks.json, public keys only, as an issuer serves it at its
// jwks_uri), and signed tokens with them (<library>-algs.json). They are
// verified here through jwks.ParseSet and a Manager. This library's own
// keys and tokens for every algorithm are ours-jwks.json and
// ours-algs.json, and each library's verdicts on them are recorded in
// its <library>-algs.json. HMAC algorithms use the throwaway secrets of
// crosslibSecrets instead of JWKs.

// crosslibSecrets are throwaway HMAC secrets, one per algorithm, as long
// as RFC 7518 §3.2 requires, used for nothing but these tokens.
var crosslibSecrets = map[string]string{
	"HS256": crosslibSecret,
	"HS384": "crosslib-throwaway-hs384-secret-0123456789abcdefghijklm",
	"HS512": "crosslib-throwaway-hs512-secret-0123456789abcdefghijklmnopqrstuvwxyz0123",
}

// algsCase is one token of an algorithm with how this library must treat
// it: Expect is "ok", "invalid", "expired" or "not_yet_valid".
type algsCase struct {
	Name   string `json:"name"`
	Alg    string `json:"alg"`
	Token  string `json:"token"`
	Expect string `json:"expect"`
	UserID string `json:"user_id,omitempty"`
	// At is the verification time; 0 means crosslibNow.
	At int64 `json:"at,omitempty"`
}

// algsVerdict is another library's verdict on one of our tokens, named
// with the first 16 bytes of the token's SHA-256 in hex.
type algsVerdict struct {
	Name     string `json:"name"`
	Token    string `json:"token_sha256"`
	Accepted bool   `json:"accepted"`
	UserID   any    `json:"user_id"`
	Error    string `json:"error"`
}

// algsFile is what ours-algs.json and each <library>-algs.json hold.
type algsFile struct {
	Library  string            `json:"library"`
	Version  string            `json:"version,omitempty"`
	Now      int64             `json:"now"`
	Issuer   string            `json:"issuer"`
	Aud      string            `json:"audience"`
	Secrets  map[string]string `json:"secrets"`
	Tokens   []algsCase        `json:"tokens"`
	Verified []algsVerdict     `json:"verified,omitempty"`
}

// crosslibLibraries are the other libraries' files, with the algorithms
// each cannot sign (PyJWT knows EdDSA, not its fully-specified name).
var crosslibLibraries = []struct {
	name    string
	missing []string
}{{"jose", nil}, {"pyjwt", []string{"Ed25519"}}}

// algsVerifier returns a Manager that verifies with the JWK Set jwksJSON
// and the HMAC secrets, each secret under the key id prefix + alg, at the
// instant at, requiring the cross-library issuer and audience.
func algsVerifier(t *testing.T, jwksJSON []byte, prefix string, at time.Time) *session.Manager {
	t.Helper()
	keys, err := jwks.ParseSet(jwksJSON)
	if err != nil {
		t.Fatalf("jwks.ParseSet: %v", err)
	}
	for _, k := range keys {
		if k.CanSign() {
			t.Fatalf("the published set holds a private key: %v", k)
		}
	}
	for alg, secret := range crosslibSecrets {
		keys = append(keys, mustKey(t, []byte(secret), alg, prefix+alg))
	}
	local := make([]byte, 32)
	rand.Read(local)
	ks, err := session.NewKeySet(mustKey(t, local, "HS256", "local-signer"), keys...)
	if err != nil {
		t.Fatalf("NewKeySet: %v", err)
	}
	m, err := session.New(ks, session.Options{Clock: func() time.Time { return at }, Issuer: crosslibIssuer, Audience: []string{crosslibAud}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// checkAlgsCase verifies one token with the keys of jwksJSON, and for a
// valid one, that a flipped bit in any part, or another alg in its
// header, makes it invalid.
func checkAlgsCase(t *testing.T, jwksJSON []byte, prefix string, tc algsCase) {
	t.Helper()
	want, ok := crosslibErrors[tc.Expect]
	if !ok {
		t.Fatalf("unknown expectation %q", tc.Expect)
	}
	at := crosslibNow
	if tc.At != 0 {
		at = time.Unix(tc.At, 0)
	}
	m := algsVerifier(t, jwksJSON, prefix, at)
	c, err := m.Verify(context.Background(), tc.Token)
	checkOnly(t, err, want)
	if err != nil {
		return
	}
	if c.UserID != tc.UserID {
		t.Fatalf("UserID: got %q, want %q", c.UserID, tc.UserID)
	}
	parts := strings.Split(tc.Token, ".")
	for p := range parts {
		raw, err := base64.RawURLEncoding.DecodeString(parts[p])
		if err != nil {
			t.Fatalf("part %d: %v", p, err)
		}
		for _, i := range []int{0, len(raw) / 2, len(raw) - 1} {
			mut := slices.Clone(raw)
			mut[i] ^= 0x20
			q := slices.Clone(parts)
			q[p] = base64.RawURLEncoding.EncodeToString(mut)
			if _, err := m.Verify(context.Background(), strings.Join(q, ".")); !errorsIsInvalid(err) {
				t.Fatalf("part %d byte %d changed: got %v, want ErrInvalid", p, i, err)
			}
		}
	}
	var hdr map[string]any
	if raw, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(raw, &hdr) != nil {
		t.Fatalf("header of %s: %v", tc.Name, err)
	}
	for _, alg := range allAlgs {
		if alg == tc.Alg {
			continue
		}
		hdr["alg"] = alg
		raw, _ := json.Marshal(hdr)
		relabelled := base64.RawURLEncoding.EncodeToString(raw) + "." + parts[1] + "." + parts[2]
		if _, err := m.Verify(context.Background(), relabelled); !errorsIsInvalid(err) {
			t.Fatalf("header alg %s on a %s token: got %v, want ErrInvalid", alg, tc.Alg, err)
		}
	}
}

func readCrosslibRaw(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(crosslibDir, name))
	if err != nil {
		t.Fatalf("read %s: %v (see %s/README.md)", name, err, crosslibDir)
	}
	return raw
}

func readAlgsFile(t *testing.T, name string) algsFile {
	t.Helper()
	var f algsFile
	if err := json.Unmarshal(readCrosslibRaw(t, name), &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if f.Now != crosslibNow.Unix() || f.Issuer != crosslibIssuer || f.Aud != crosslibAud || !mapsEqual(f.Secrets, crosslibSecrets) {
		t.Fatalf("%s: time, issuer, audience or secrets differ from the test's; regenerate it", name)
	}
	return f
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCrossLibAlgsOurs checks ours-algs.json against ours-jwks.json: the
// tokens this library signed with every algorithm, for the other
// libraries, verify here as recorded. With -crosslib.update it makes new
// keys and tokens first (then run the generators).
func TestCrossLibAlgsOurs(t *testing.T) {
	if *updateCrosslib {
		f, set := oursAlgs(t)
		for name, v := range map[string]any{"ours-algs.json": f, "ours-jwks.json": json.RawMessage(set)} {
			raw, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(crosslibDir, name), append(raw, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	f := readAlgsFile(t, "ours-algs.json")
	set := readCrosslibRaw(t, "ours-jwks.json")
	checkAlgsCoverage(t, f, nil)
	for _, tc := range f.Tokens {
		t.Run(tc.Name, func(t *testing.T) { checkAlgsCase(t, set, "ours-", tc) })
	}
}

// TestCrossLibAlgs checks each other library's keys and tokens of every
// algorithm here, and that library's verdicts on ours-algs.json.
func TestCrossLibAlgs(t *testing.T) {
	ours := readAlgsFile(t, "ours-algs.json")
	for _, lib := range crosslibLibraries {
		t.Run(lib.name, func(t *testing.T) {
			f := readAlgsFile(t, lib.name+"-algs.json")
			checkAlgsFile(t, ours, f, readCrosslibRaw(t, lib.name+"-jwks.json"), lib.name+"-", lib.missing)
		})
	}
}

// checkAlgsFile checks one library's tokens f, signed with the keys of
// set, and its verdicts on ours.
func checkAlgsFile(t *testing.T, ours, f algsFile, set []byte, prefix string, missing []string) {
	t.Helper()
	checkAlgsCoverage(t, f, missing)
	for _, tc := range f.Tokens {
		t.Run("theirs/"+tc.Name, func(t *testing.T) { checkAlgsCase(t, set, prefix, tc) })
	}
	byName := map[string]algsCase{}
	for _, tc := range ours.Tokens {
		byName[tc.Name] = tc
	}
	if len(f.Verified) != len(ours.Tokens) {
		t.Fatalf("%s verified %d of our %d tokens; regenerate it", f.Library, len(f.Verified), len(ours.Tokens))
	}
	for _, v := range f.Verified {
		tc, ok := byName[v.Name]
		if slices.Contains(missing, tc.Alg) {
			continue // the library cannot verify this algorithm
		}
		t.Run("ours/"+v.Name, func(t *testing.T) {
			if sum := sha256.Sum256([]byte(tc.Token)); !ok || hex.EncodeToString(sum[:16]) != v.Token {
				t.Fatalf("%s verified a token that is not in ours-algs.json; regenerate it", f.Library)
			}
			if want := tc.Expect == "ok"; v.Accepted != want {
				t.Fatalf("%s: got accepted %v (error %q), want %v", f.Library, v.Accepted, v.Error, want)
			}
			if got, _ := v.UserID.(string); v.Accepted && got != tc.UserID {
				t.Fatalf("%s read user_id %#v, want %q", f.Library, v.UserID, tc.UserID)
			}
		})
	}
}

// checkAlgsCoverage fails unless f holds, for every algorithm but
// missing, a valid token and at least one that must be refused.
func checkAlgsCoverage(t *testing.T, f algsFile, missing []string) {
	t.Helper()
	valid, refused := map[string]bool{}, map[string]bool{}
	for _, tc := range f.Tokens {
		if tc.Expect == "ok" {
			valid[tc.Alg] = true
		} else {
			refused[tc.Alg] = true
		}
	}
	for _, alg := range allAlgs {
		if !slices.Contains(missing, alg) && (!valid[alg] || !refused[alg]) {
			t.Errorf("%s: %s has valid tokens %v and refused ones %v, want both", f.Library, alg, valid[alg], refused[alg])
		}
	}
}
