package session_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// benchManager returns a Manager with a constant clock, so tokens never
// expire during a long benchmark and the clock costs nothing.
func benchManager(b *testing.B) *session.Manager {
	b.Helper()
	m, err := session.New(session.HS256(newSecret(b)), session.Options{Clock: func() time.Time { return t0 }})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	return m
}

func BenchmarkVerifyHS256(b *testing.B) {
	m := benchManager(b)
	tok := issue(b, m, "123", nil).Value
	mustVerify(b, m, tok)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verify(m, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssueHS256(b *testing.B) {
	m := benchManager(b)
	b.ReportAllocs()
	for b.Loop() {
		issue(b, m, "123", nil)
	}
}

func BenchmarkVerifyRejectHostile(b *testing.B) {
	m := benchManager(b)
	valid := issue(b, m, "123", nil).Value
	cases := []struct {
		name  string
		token string
	}{
		// Both oversized inputs must be refused by the size cap, before
		// any scanning or decoding: constant work, no allocation.
		{name: "8KiB junk", token: strings.Repeat("a", defaultMaxTokenSize+1)},
		{name: "500000 dots", token: strings.Repeat(".", 500_000)},
		{name: "alg none", token: "eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoiMTIzIiwiZXhwIjo5OTk5OTk5OTk5fQ.AAAA"},
		{name: "bad signature", token: tamperLastChar(valid)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			if _, err := verify(m, tc.token); !errors.Is(err, session.ErrInvalid) {
				b.Fatalf("got %v, want ErrInvalid", err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = verify(m, tc.token)
			}
		})
	}
}

// BenchmarkVerifyCachedES256 repeats one ES256 token: after the first
// call the verified-token cache answers, and only the time checks and the
// revocation store run.
func BenchmarkVerifyCachedES256(b *testing.B) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	m, err := session.New(mustKey(b, priv, "ES256", ""), session.Options{Clock: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	tok := issue(b, m, "123", nil).Value
	mustVerify(b, m, tok)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verify(m, tok); err != nil {
			b.Fatal(err)
		}
	}
}
