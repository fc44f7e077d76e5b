package session_test

import (
	"context"
	"encoding/base64"
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
		m, err := session.New(key, session.Options{Clock: func() time.Time { return crosslibNow }, Issuer: crosslibIssuer, Audience: crosslibAud})
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
