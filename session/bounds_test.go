package session_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

// hostileToken is a token built to cost its verifier as much as the
// format allows, with the bound on the allocations its rejection may take
// at the default cap, and whether that number must not grow with the
// token (constant) or may grow up to the bound (as a set or a buffer
// grows while the decoder reads a long header).
type hostileToken struct {
	name     string
	token    string
	allocs   float64
	constant bool
}

// hostileTokens returns hostile tokens of about n bytes (n at most the
// default cap), for a Manager on secret. Only the last two carry a valid
// signature: everything before the signature check is open to anyone,
// the claims decoder only to holders of the key.
func hostileTokens(t testing.TB, secret []byte, n int) []hostileToken {
	fill := func(unit string, size int) string { return strings.Repeat(unit, max(1, size/len(unit))) }
	hdr := n*3/4 - 60 // decoded header bytes for a token of about n
	distinct := func(format string, size int) string {
		var b strings.Builder
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	return []hostileToken{
		{name: "junk without dots", token: fill("a", n), allocs: 0, constant: true},
		{name: "dots", token: fill(".", n), allocs: 0, constant: true},
		{name: "three parts of junk", token: "a." + fill("a", n-4) + ".a", allocs: 1, constant: true},
		{name: "non-base64 bytes", token: "a." + fill("\xff", n-4) + ".a", allocs: 1, constant: true},
		{name: "line breaks in the signature", token: b64(hs256Header) + "." + b64(validPayload) + "." + fill("\n", n-200), allocs: 1, constant: true},
		{name: "header nested deeply", token: b64(`{"alg":"HS256","x":`+fill("[", hdr)) + ".e30.AAAA", allocs: 3, constant: true},
		{name: "header repeating a member", token: b64(`{"alg":"HS256"`+fill(`,"a":0`, hdr)+`}`) + ".e30.AAAA", allocs: 2, constant: true},
		{name: "header of distinct members", token: b64(`{"alg":"HS256"`+distinct(`,"a%d":0`, hdr)+`,"alg":"none"}`) + ".e30.AAAA", allocs: 16},
		{name: "header of distinct escaped names", token: b64(`{"alg":"HS256"`+distinct(`,"\u0061%d":0`, hdr)+`}`) + ".e30.AAAA", allocs: 500},
		{name: "header string of escapes", token: b64(`{"alg":"HS256","x":"`+fill(`\u00e9`, hdr)+`"}`) + ".e30.AAAA", allocs: 16},
		{name: "wrong signature over a large header", token: b64(`{"alg":"HS256","x":"`+fill("x", hdr-200)+`"}`) + "." + b64(validPayload) + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", allocs: 2, constant: true},
		{name: "signed: claims nested deeply", token: signToken(secret, hs256Header, `{"user_id":"u","x":`+fill("[", n*3/4-100)), allocs: 3, constant: true},
	}
}

// TestBoundedRejection shows that rejecting a hostile token costs bounded
// work. A token over the cap (half a megabyte of dots) is refused without
// allocating. Below the cap, most shapes cost a fixed number of
// allocations, no more for a token at the 8 KiB cap than for a 1 KiB one;
// a protected header over 2 KiB is refused before decoding, so a header of
// many distinct or escaped member names grows the decoder's work only up
// to that bound. The CPU time is in
// BenchmarkVerifyRejectBounded.
func TestBoundedRejection(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	small := hostileTokens(t, secret, 1<<10)
	large := hostileTokens(t, secret, defaultMaxTokenSize)
	for i, tt := range large {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.token) > defaultMaxTokenSize || len(tt.token) < defaultMaxTokenSize*3/4 {
				t.Fatalf("precondition: token of %d bytes, want one near the %d-byte cap", len(tt.token), defaultMaxTokenSize)
			}
			for _, tok := range []string{small[i].token, tt.token} {
				if _, err := verify(m, tok); !errorsIsInvalid(err) {
					t.Fatalf("%d bytes: got %v, want ErrInvalid", len(tok), err)
				}
			}
			got := testing.AllocsPerRun(20, func() { _, _ = verify(m, tt.token) })
			base := testing.AllocsPerRun(20, func() { _, _ = verify(m, small[i].token) })
			switch {
			case got > tt.allocs+raceAllocSlack:
				t.Fatalf("got %v allocations at %d bytes, want at most %v", got, len(tt.token), tt.allocs)
			case tt.constant && raceAllocSlack == 0 && got > base:
				t.Fatalf("got %v allocations at %d bytes and %v at %d, want no more at the larger size", got, len(tt.token), base, len(small[i].token))
			}
		})
	}
	for _, tok := range []string{strings.Repeat(".", 500_000), strings.Repeat("a", 1<<20), strings.Repeat("\xff", defaultMaxTokenSize+1)} {
		if got := testing.AllocsPerRun(20, func() { _, _ = verify(m, tok) }); got != 0 {
			t.Errorf("%d bytes over the cap: got %v allocations, want 0", len(tok), got)
		}
	}
}

// BenchmarkVerifyRejectBounded measures the rejection of the hostile
// tokens of TestBoundedRejection at 1 KiB and at the 8 KiB cap; the cap
// bounds the per-byte work (compare the two sizes).
func BenchmarkVerifyRejectBounded(b *testing.B) {
	secret := newSecret(b)
	m := newManager(b, secret, newClock(t0), session.Options{})
	for _, size := range []int{1 << 10, defaultMaxTokenSize} {
		for _, tt := range hostileTokens(b, secret, size) {
			b.Run(fmt.Sprintf("%s/%dB", strings.ReplaceAll(tt.name, " ", "_"), size), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_, _ = verify(m, tt.token)
				}
			})
		}
	}
}
