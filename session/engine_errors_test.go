package session_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

// TestEngineErrorsInSessionTerms: what the JOSE engine refuses (the
// compact form, the parts' encoding, the header, the signature, a claim
// it reads) and what is wrong with key material reach callers as this
// package's errors, each with the exact message listed here: ErrInvalid
// for a token, a "session: " error for a key.
func TestEngineErrorsInSessionTerms(t *testing.T) {
	ctx := context.Background()
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	claims := `{"user_id":"1","exp":` + unix(t0.Add(defaultTTL)) + `}`
	good := signToken(secret, hs256Header, claims)
	_, rest, _ := strings.Cut(good, ".")
	tests := []struct {
		name, token, want string
	}{
		{"two parts", "a.b", "token is not a compact JWS with three parts"},
		{"empty part", "a..c", "token has an empty part"},
		{"line break", "a.b\n.c", "token contains a line break"},
		{"padded header", b64(hs256Header) + "=." + rest, "token part is not canonical unpadded base64url"},
		{"signature altered", good[:len(good)-2] + "AA", "signature does not verify"},
		{"header over 2 KiB", signToken(secret, `{"alg":"HS256","x":"`+strings.Repeat("a", 2<<10)+`"}`, claims), "protected header exceeds 2 KiB"},
		{"header crit", signToken(secret, `{"alg":"HS256","crit":["exp"]}`, claims), "header crit is not supported"},
		{"jti a number", signToken(secret, hs256Header, `{"user_id":"1","jti":7,"exp":`+unix(t0.Add(defaultTTL))+`}`), "jti is not a string"},
		{"exp with exponent", signToken(secret, hs256Header, `{"user_id":"1","exp":1e9}`), "time claim uses an exponent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Verify(ctx, tt.token)
			if !errors.Is(err, session.ErrInvalid) {
				t.Fatalf("got %v, want an error matching ErrInvalid", err)
			}
			if got, want := err.Error(), "session: invalid token: "+tt.want; got != want {
				t.Errorf("got message %q, want %q", got, want)
			}
		})
	}
	t.Run("short secret", func(t *testing.T) {
		_, err := session.New(session.HS256(make([]byte, 31)), session.Options{})
		want := "session: HS256 secret is 31 bytes; at least 32 random bytes are required (RFC 7518 §3.2)"
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
}
