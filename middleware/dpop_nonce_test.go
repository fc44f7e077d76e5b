package middleware_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware"
)

// nonceSecret is a server nonce secret for tests.
var nonceSecret = []byte("0123456789abcdef0123456789abcdef")

// TestDPoPNonce: with a nonce secret, a proof without a current nonce
// gets 401 use_dpop_nonce and a DPoP-Nonce, which then works on every
// instance with the same secret for at least 60 seconds.
func TestDPoPNonce(t *testing.T) {
	const me = publicURL + "/me"
	d := newDPoPFixture(t, middleware.Options{DPoP: middleware.DPoPOptions{NonceSecret: nonceSecret}})
	// Another instance: same secret, same manager and clock, its own
	// replay cache.
	other := mustNew(t, d.m, middleware.Options{DPoP: middleware.DPoPOptions{PublicURL: publicURL, NonceSecret: nonceSecret}})
	stranger := mustNew(t, d.m, middleware.Options{DPoP: middleware.DPoPOptions{PublicURL: publicURL, NonceSecret: []byte("another secret of 32 bytes or so!")}})
	tok := d.bound(t).Value
	withNonce := func(n string) func(*testkit.ProofClaims) { return func(c *testkit.ProofClaims) { c.Nonce = n } }
	call := func(a *middleware.Auth, nonce string) (*http.Response, string, bool) {
		t.Helper()
		h := &okHandler{}
		res, body := serve(a.Authenticate(h), dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, withNonce(nonce))))
		return res, body, h.ran
	}
	// The clock stands one millisecond before a step ends: the worst
	// moment to be handed a nonce.
	now := d.clock.Now()
	d.clock.Set(now.Truncate(30 * time.Second).Add(30*time.Second - time.Millisecond))

	res, body, ran := call(d.auth, "")
	if ran {
		t.Fatal("got the handler run without a nonce")
	}
	wantDPoPFailure(t, res, body, http.StatusUnauthorized, "use_dpop_nonce", true)
	nonce := res.Header.Get("DPoP-Nonce")
	if len(nonce) < 22 || !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "DPoP-Nonce") {
		t.Fatalf("got DPoP-Nonce %q, exposed %q; want a nonce, exposed to scripts", nonce, res.Header.Get("Access-Control-Expose-Headers"))
	}
	if res, _, ran := call(d.auth, nonce); !ran || res.StatusCode != http.StatusOK {
		t.Fatalf("with the nonce: got status %d, want 200", res.StatusCode)
	} else if got := res.Header.Get("DPoP-Nonce"); got != "" {
		t.Errorf("got a fresh DPoP-Nonce %q with a current nonce, want none", got)
	}
	if res, _, ran := call(other, nonce); !ran {
		t.Fatalf("another instance with the same secret: got status %d, want 200", res.StatusCode)
	}
	res, body, ran = call(stranger, nonce)
	if ran {
		t.Fatal("an instance with another secret accepted the nonce")
	}
	wantDPoPFailure(t, res, body, http.StatusUnauthorized, "use_dpop_nonce", true)

	// 60 seconds later the nonce still works, and the response hands out
	// a fresh one (RFC 9449 §8.2).
	d.clock.Advance(60 * time.Second)
	res, _, ran = call(d.auth, nonce)
	if !ran {
		t.Fatalf("60 s later: got status %d, want 200", res.StatusCode)
	}
	fresh := res.Header.Get("DPoP-Nonce")
	if fresh == "" || fresh == nonce {
		t.Fatalf("60 s later: got DPoP-Nonce %q, want a fresh one", fresh)
	}
	// Past its steps it is refused, and the fresh one works.
	d.clock.Advance(30 * time.Second)
	res, body, ran = call(d.auth, nonce)
	if ran {
		t.Fatal("got an expired nonce accepted")
	}
	wantDPoPFailure(t, res, body, http.StatusUnauthorized, "use_dpop_nonce", true)
	if res, _, ran := call(d.auth, fresh); !ran {
		t.Fatalf("the fresh nonce: got status %d, want 200", res.StatusCode)
	}
}

// TestDPoPNonceForged: nonces that this server did not make are refused.
func TestDPoPNonceForged(t *testing.T) {
	const me = publicURL + "/me"
	d := newDPoPFixture(t, middleware.Options{DPoP: middleware.DPoPOptions{NonceSecret: nonceSecret}})
	tok := d.bound(t).Value
	res, _ := serve(d.auth.Authenticate(mustNotRun(t)), dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil)))
	nonce := res.Header.Get("DPoP-Nonce")
	flip := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	for name, forged := range map[string]string{
		"random":              strings.Repeat("x", len(nonce)),
		"step altered":        flip(nonce, 5),
		"random part altered": flip(nonce, 14),
		"mac altered":         flip(nonce, len(nonce)-3),
		"truncated":           nonce[:len(nonce)-1],
		"extended":            nonce + "A",
		"padded":              nonce + "=",
	} {
		t.Run(name, func(t *testing.T) {
			res, body := serve(d.auth.Authenticate(mustNotRun(t)), dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, func(c *testkit.ProofClaims) { c.Nonce = forged })))
			wantDPoPFailure(t, res, body, http.StatusUnauthorized, "use_dpop_nonce", true)
		})
	}
}
