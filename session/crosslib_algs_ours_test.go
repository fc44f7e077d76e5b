package session_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// oursAlgs makes new keys for every algorithm (key id "ours-" + alg),
// and with each a valid token, the same token at its expiry, one with a
// changed signature and one whose header names another algorithm. It
// returns them with the public JWK Set of the asymmetric keys.
func oursAlgs(t *testing.T) (algsFile, []byte) {
	t.Helper()
	ctx := context.Background()
	f := algsFile{Library: "jwtsession", Now: crosslibNow.Unix(), Issuer: crosslibIssuer, Aud: crosslibAud, Secrets: crosslibSecrets}
	var public []session.Key
	for _, km := range newAlgMaterial(t) {
		kid := "ours-" + km.alg
		material := km.private
		if secret, ok := crosslibSecrets[km.alg]; ok {
			material = []byte(secret)
		}
		key := mustKey(t, material, km.alg, kid)
		if key.Public() != nil {
			public = append(public, key)
		}
		m, err := session.New(key, session.Options{Clock: func() time.Time { return crosslibNow }, Issuer: crosslibIssuer, Audience: []string{crosslibAud}})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		userID := "u-" + km.alg
		tok, err := m.Issue(ctx, userID, nil)
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		parts := strings.Split(tok.Value, ".")
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sig[len(sig)/2] ^= 1
		other := "HS256"
		if km.alg == other {
			other = "HS384"
		}
		prefix := "ours_" + km.alg + "_"
		f.Tokens = append(f.Tokens,
			algsCase{Name: prefix + "valid", Alg: km.alg, Token: tok.Value, Expect: "ok", UserID: userID},
			algsCase{Name: prefix + "expired", Alg: km.alg, Token: tok.Value, Expect: "expired", At: tok.Claims.ExpiresAt.Unix()},
			algsCase{Name: prefix + "tampered_signature", Alg: km.alg, Token: parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig), Expect: "invalid"},
			algsCase{Name: prefix + "alg_" + other + "_header", Alg: km.alg, Token: b64(`{"alg":"`+other+`","kid":"`+kid+`","typ":"JWT"}`) + "." + parts[1] + "." + parts[2], Expect: "invalid"},
		)
	}
	set, err := jwks.Marshal(public)
	if err != nil {
		t.Fatalf("jwks.Marshal: %v", err)
	}
	return f, set
}

// TestCrossLibAlgsPyJWTLive runs gen_algs.py on keys and tokens made now
// (at the pinned instant) and checks its output like the committed one.
// It skips when PyJWT or python3-cryptography is missing, except in CI.
func TestCrossLibAlgsPyJWTLive(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import jwt, cryptography").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but PyJWT or cryptography is unavailable (%v): install Debian's python3-jwt and python3-cryptography", err)
		}
		t.Skipf("PyJWT or cryptography unavailable (%v); install Debian's python3-jwt and python3-cryptography to run this test", err)
	}
	dir := t.TempDir()
	ours, set := oursAlgs(t)
	raw, err := json.Marshal(ours)
	if err != nil {
		t.Fatal(err)
	}
	in, oursSet := filepath.Join(dir, "ours-algs.json"), filepath.Join(dir, "ours-jwks.json")
	out, outSet := filepath.Join(dir, "pyjwt-algs.json"), filepath.Join(dir, "pyjwt-jwks.json")
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(oursSet, set, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join(crosslibDir, "gen_algs.py"), in, oursSet, out, outSet)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen_algs.py: %v\n%s", err, msg)
	}
	raw, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var theirs algsFile
	if err := json.Unmarshal(raw, &theirs); err != nil {
		t.Fatalf("gen_algs.py output: %v", err)
	}
	theirSet, err := os.ReadFile(outSet)
	if err != nil {
		t.Fatal(err)
	}
	checkAlgsFile(t, ours, theirs, theirSet, "pyjwt-", []string{"Ed25519"})
}
