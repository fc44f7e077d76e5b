package middleware_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// benchNow is the constant clock of the benchmarks: tokens never expire
// during a long run, and reading the clock costs nothing.
var benchNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// benchAlg is one algorithm's key and its raw floor: the bare signature
// check of a token, with nothing else.
type benchAlg struct {
	name  string
	key   session.Key
	floor func(token string) bool
}

// benchAlgs returns HS256, ES256, EdDSA and RS256 with keys made here.
func benchAlgs(b *testing.B) []benchAlg {
	b.Helper()
	enc := base64.RawURLEncoding
	secret := make([]byte, 32)
	rand.Read(secret)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	// split returns the signing input and the decoded signature.
	split := func(tok string) (string, []byte) {
		dot := strings.LastIndexByte(tok, '.')
		sig, err := enc.DecodeString(tok[dot+1:])
		if err != nil {
			b.Fatal(err)
		}
		return tok[:dot], sig
	}
	mac := hmac.New(sha256.New, secret)
	buf := make([]byte, 8<<10)
	sum := make([]byte, 0, sha256.Size)
	return []benchAlg{
		// HS256's floor: base64url decoding of the token's parts, one
		// keyed HMAC-SHA256 state reused, and a constant-time compare.
		{"HS256", session.HS256(secret), func(tok string) bool {
			dot2 := strings.LastIndexByte(tok, '.')
			head, payload, _ := strings.Cut(tok[:dot2], ".")
			for _, part := range [...]string{head, payload} {
				if _, err := enc.Decode(buf, []byte(part)); err != nil {
					return false
				}
			}
			n, err := enc.Decode(buf, []byte(tok[dot2+1:]))
			if err != nil {
				return false
			}
			mac.Reset()
			mac.Write([]byte(tok[:dot2]))
			return hmac.Equal(mac.Sum(sum[:0]), buf[:n])
		}},
		{"ES256", mustKey(b, ec, "ES256", ""), func(tok string) bool {
			input, sig := split(tok)
			h := sha256.Sum256([]byte(input))
			r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
			return ecdsa.Verify(&ec.PublicKey, h[:], r, s)
		}},
		{"EdDSA", mustKey(b, ed, "EdDSA", ""), func(tok string) bool {
			input, sig := split(tok)
			return ed25519.Verify(ed.Public().(ed25519.PublicKey), []byte(input), sig)
		}},
		{"RS256", mustKey(b, rs, "RS256", ""), func(tok string) bool {
			input, sig := split(tok)
			h := sha256.Sum256([]byte(input))
			return rsa.VerifyPKCS1v15(&rs.PublicKey, crypto.SHA256, h[:], sig) == nil
		}},
	}
}

// benchManager returns a manager for key with opts on the constant clock.
func benchManager(b *testing.B, key session.Key, opts session.Options) *session.Manager {
	b.Helper()
	opts.Clock = func() time.Time { return benchNow }
	m, err := session.New(key, opts)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// benchToken issues a token at issuedAt for user 123.
func benchToken(b *testing.B, key session.Key, issuedAt time.Time) string {
	b.Helper()
	m, err := session.New(key, session.Options{Clock: func() time.Time { return issuedAt }})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := m.Issue(context.Background(), "123", nil)
	if err != nil {
		b.Fatal(err)
	}
	return tok.Value
}

// serveLoop runs h on req in a loop, checking the first response.
func serveLoop(b *testing.B, h http.Handler, req *http.Request, wantHeader string) {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("got status %d, want 200", rec.Code)
	}
	if wantHeader != "" && rec.Header().Get(wantHeader) == "" {
		b.Fatalf("got no %s header", wantHeader)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(rec, req)
	}
}

// BenchmarkRawFloor is the bare signature check of the token that
// BenchmarkAuthenticate sends, per algorithm: what DESIGN.md's ratios are
// measured against.
func BenchmarkRawFloor(b *testing.B) {
	for _, alg := range benchAlgs(b) {
		b.Run(alg.name, func(b *testing.B) {
			tok := benchToken(b, alg.key, benchNow)
			b.ReportAllocs()
			for b.Loop() {
				if !alg.floor(tok) {
					b.Fatal("got a signature mismatch, want the token's own signature")
				}
			}
		})
	}
}

// BenchmarkAuthenticate verifies a valid token on every request (the
// verified-token cache off), through a recorder and a no-op handler.
func BenchmarkAuthenticate(b *testing.B) {
	for _, alg := range benchAlgs(b) {
		b.Run(alg.name, func(b *testing.B) {
			m := benchManager(b, alg.key, session.Options{VerifiedTokenCache: -1})
			req := httptest.NewRequest(http.MethodGet, "/me", nil)
			req.Header.Set("Authorization", "Bearer "+benchToken(b, alg.key, benchNow))
			serveLoop(b, mustAuthenticate(b, m, middleware.Options{})(noop), req, "")
		})
	}
}

// BenchmarkAuthenticateCached repeats one token with the verified-token
// cache on: after the first request the signature check is skipped.
func BenchmarkAuthenticateCached(b *testing.B) {
	for _, alg := range benchAlgs(b) {
		b.Run(alg.name, func(b *testing.B) {
			m := benchManager(b, alg.key, session.Options{VerifiedTokenCache: 4096})
			req := httptest.NewRequest(http.MethodGet, "/me", nil)
			req.Header.Set("Authorization", "Bearer "+benchToken(b, alg.key, benchNow))
			serveLoop(b, mustAuthenticate(b, m, middleware.Options{})(noop), req, "")
		})
	}
}

// BenchmarkRenew is the sliding-refresh path: Authenticate then Renew on a
// token under the renewal threshold, presented again and again as a
// polling client does. The first request signs the successor; the others
// within 30 s get the same one, so the difference from
// BenchmarkAuthenticate is the revocation check before handing it out and
// the response headers, not a signature (BenchmarkIssueHS256 in session
// is what a signature costs).
func BenchmarkRenew(b *testing.B) {
	for _, alg := range benchAlgs(b) {
		b.Run(alg.name, func(b *testing.B) {
			m := benchManager(b, alg.key, session.Options{VerifiedTokenCache: -1})
			req := httptest.NewRequest(http.MethodGet, "/me", nil)
			req.Header.Set("Authorization", "Bearer "+benchToken(b, alg.key, benchNow.Add(-25*time.Minute)))
			serveLoop(b, authRenewChain(b, m, middleware.Options{}).Then(noop), req, defaultRenewHeader)
		})
	}
}

// BenchmarkAuthenticateRejectGarbage measures rejections, including an
// attacker-sized token just over the size cap.
func BenchmarkAuthenticateRejectGarbage(b *testing.B) {
	f := newFixture(b)
	valid := f.issue(b, "123").Value
	tests := []struct {
		name  string
		token string
	}{
		{name: "short", token: "garbage"},
		{name: "three parts", token: "Zm9v.YmFy.YmF6"},
		{name: "bad signature", token: valid[:len(valid)-4] + "AAAA"},
		{name: "oversized", token: strings.Repeat("a", defaultMaxTokenSize+1)},
		{name: "max size", token: strings.Repeat("a", defaultMaxTokenSize)},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			h := mustAuthenticate(b, f.m, middleware.Options{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				b.Fatal("got next handler called, want the token rejected")
			}))
			req := bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tt.token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				b.Fatalf("got status %d, want 401", rec.Code)
			}
			b.ReportAllocs()
			for b.Loop() {
				rec.Body.Reset()
				h.ServeHTTP(rec, req)
			}
		})
	}
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
