package session_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// t0 is the instant the injected clocks start at. Tests only use offsets
// from it; the value itself has no meaning.
var t0 = time.Unix(1_700_000_000, 0)

// The defaults and bounds that the fields of session.Options document.
const (
	defaultTTL          = 30 * time.Minute
	defaultMaxLifetime  = 24 * time.Hour
	defaultMaxTokenSize = 8 << 10
	maxLeeway           = 5 * time.Minute
	minHMACSecretSize   = 32
)

// hs256Header is the protected header of a plain HS256 token.
const hs256Header = `{"alg":"HS256","typ":"JWT"}`

// testClock is an injected clock that only moves when told to.
type testClock = testkit.Clock

func newClock(at time.Time) *testClock { return testkit.NewClock(at) }

// newSecret returns a fresh random HS256 secret of 32 bytes.
func newSecret(t testing.TB) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("rand.Read: %v", err)
	}
	return b
}

// newManager builds a Manager on secret with opts and clock as its time
// source.
func newManager(t testing.TB, secret []byte, clock *testClock, opts session.Options) *session.Manager {
	t.Helper()
	opts.Clock = clock.Now
	m, err := session.New(session.HS256(secret), opts)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	return m
}

// b64 encodes bytes as unpadded base64url, independently of the library.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hmacSig returns the unpadded base64url HMAC-SHA256 of signingInput.
func hmacSig(secret []byte, signingInput string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signingInput))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// signEncoded signs already encoded header and payload parts, exactly as
// given, with HMAC-SHA256. It lets tests control every byte of a token.
func signEncoded(secret []byte, encHeader, encPayload string) string {
	in := encHeader + "." + encPayload
	return in + "." + hmacSig(secret, in)
}

// signToken builds a compact token from raw header and payload bytes,
// signed with HMAC-SHA256 by this test, not by the library's encoder.
func signToken(secret []byte, header, payload string) string {
	return signEncoded(secret, b64(header), b64(payload))
}

// unix formats t as a NumericDate for hand-written payloads.
func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// checkErr fails unless err matches want with errors.Is; a nil want means
// no error is expected.
func checkErr(t testing.TB, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("got error %v, want none", err)
	case want != nil && err == nil:
		t.Fatalf("got no error, want %v", want)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("got error %v, want one matching %v", err, want)
	}
}

// sentinels lists the token errors, for checking that an error matches
// exactly one kind.
var sentinels = []error{
	session.ErrInvalid, session.ErrExpired, session.ErrNotYetValid,
	session.ErrRevoked, session.ErrUnavailable, session.ErrNotRenewable,
}

// checkOnly fails unless err matches want and no other sentinel.
func checkOnly(t testing.TB, err, want error) {
	t.Helper()
	checkErr(t, err, want)
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Fatalf("got error %v matching %v as well, want only %v", err, s, want)
		}
	}
}

// verify is Verify with a background context.
func verify(m *session.Manager, token string) (*session.Claims, error) {
	return m.Verify(context.Background(), token)
}

// issue issues a token for userID or fails the test.
func issue(t testing.TB, m *session.Manager, userID string, extra map[string]any) *session.Token {
	t.Helper()
	tok, err := m.Issue(context.Background(), userID, extra)
	if err != nil {
		t.Fatalf("Issue(%q): %v", userID, err)
	}
	return tok
}

// mustVerify verifies token or fails the test.
func mustVerify(t testing.TB, m *session.Manager, token string) *session.Claims {
	t.Helper()
	c, err := verify(m, token)
	if err != nil {
		t.Fatalf("Verify: got error %v, want none", err)
	}
	return c
}

// payloadOf decodes the payload of token with encoding/json, independently
// of the library's decoder, so tests can check what went on the wire.
func payloadOf(t testing.TB, token string) map[string]any {
	t.Helper()
	return partOf(t, token, 1)
}

// headerOf decodes the protected header of token with encoding/json.
func headerOf(t testing.TB, token string) map[string]any {
	t.Helper()
	return partOf(t, token, 0)
}

func partOf(t testing.TB, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("decoding part %d: %v", i, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("part %d is not a JSON object: %v", i, err)
	}
	return v
}

// tamperLastChar replaces the last character of token with another one
// that keeps the base64url spelling canonical ('A' and 'E' both end in two
// zero bits), so only the signature check can reject the result.
func tamperLastChar(token string) string {
	last := token[len(token)-1]
	if last == 'A' {
		return token[:len(token)-1] + "E"
	}
	return token[:len(token)-1] + "A"
}

// mustKey returns session.NewKey(material, alg, kid) or fails the test.
func mustKey(t testing.TB, material any, alg, kid string) session.Key {
	t.Helper()
	k, err := session.NewKey(material, alg, kid)
	if err != nil {
		t.Fatalf("session.NewKey(%T, %q, %q): %v", material, alg, kid, err)
	}
	return k
}
