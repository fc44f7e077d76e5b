package middleware_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// benchFixture returns a manager on a fixed clock (no lock in the hot
// path) and a fresh secret.
func benchFixture(b *testing.B) *fixture {
	b.Helper()
	f := newFixture(b)
	now := f.clock.Now()
	m, err := session.New(session.HS256(f.secret), session.WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatalf("session.New: %v", err)
	}
	f.m = m
	return f
}

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

func BenchmarkAuthenticateHS256(b *testing.B) {
	f := benchFixture(b)
	h := mustAuthenticate(b, f.m)(noop)
	req := bearer(httptest.NewRequest(http.MethodGet, "/me", nil), f.issue(b, "123").Value)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("got status %d, want 200", rec.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(rec, req)
	}
}

// BenchmarkAuthenticateRejectGarbage measures rejections, including an
// attacker-sized token just over the size cap.
func BenchmarkAuthenticateRejectGarbage(b *testing.B) {
	f := benchFixture(b)
	valid := f.issue(b, "123").Value
	tests := []struct {
		name  string
		token string
	}{
		{name: "short", token: "garbage"},
		{name: "three parts", token: "Zm9v.YmFy.YmF6"},
		{name: "bad signature", token: valid[:len(valid)-4] + "AAAA"},
		{name: "oversized", token: strings.Repeat("a", session.DefaultMaxTokenSize+1)},
		{name: "max size", token: strings.Repeat("a", session.DefaultMaxTokenSize)},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			h := mustAuthenticate(b, f.m)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
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

// BenchmarkRawFloorHS256 is the floor DESIGN.md compares
// BenchmarkAuthenticateHS256 with: base64url decoding of the same token's
// parts, HMAC-SHA256 over it and a constant-time compare, nothing else.
func BenchmarkRawFloorHS256(b *testing.B) {
	f := benchFixture(b)
	tok := f.issue(b, "123").Value
	enc := base64.RawURLEncoding
	mac := hmac.New(sha256.New, f.secret)
	buf := make([]byte, enc.DecodedLen(len(tok)))
	sum := make([]byte, 0, sha256.Size)
	b.ReportAllocs()
	for b.Loop() {
		dot2 := strings.LastIndexByte(tok, '.')
		head, payload, _ := strings.Cut(tok[:dot2], ".")
		for _, part := range [...]string{head, payload} {
			if _, err := enc.Decode(buf, []byte(part)); err != nil {
				b.Fatal(err)
			}
		}
		n, err := enc.Decode(buf, []byte(tok[dot2+1:]))
		if err != nil {
			b.Fatal(err)
		}
		mac.Reset()
		mac.Write([]byte(tok[:dot2]))
		if !hmac.Equal(mac.Sum(sum[:0]), buf[:n]) {
			b.Fatal("got a signature mismatch, want the token's own signature")
		}
	}
}
