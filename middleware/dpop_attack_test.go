package middleware_test

import (
	"crypto/ecdsa"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware"
)

// TestDPoPAttacks is the attack suite of RFC 9449 §4.3 and §11 against
// Authenticate: every case is a request with one thing wrong (or right,
// for the controls), and must be answered as want says without reaching
// the handler.
func TestDPoPAttacks(t *testing.T) {
	const me = publicURL + "/me"
	thief := newProver(t)
	type want struct {
		status int
		code   string // "" for success
		dpop   bool   // the challenge carrying code is the DPoP one
	}
	ok := want{status: http.StatusOK}
	badProof := want{http.StatusUnauthorized, "invalid_dpop_proof", true}
	badToken := want{http.StatusUnauthorized, "invalid_token", true}
	tests := []struct {
		name    string
		mode    middleware.DPoPMode
		request func(t *testing.T, d *dpopFixture) *http.Request
		want    want
	}{
		{"valid", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil))
		}, ok},
		{"scheme in lower case, two spaces", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			r := dpopRequest("GET", me, "", d.proof(t, d.client, "GET", me, tok, nil))
			r.Header.Set("Authorization", "dpop  "+tok)
			return r
		}, ok},
		{"query and fragment ignored", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me+"?page=2", tok, d.proof(t, d.client, "GET", me+"?other=1#frag", tok, nil))
		}, ok},
		{"htu normalised: case, default port, percent-encoding, dot segments", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", "HTTPS://API.Example.COM:443/x/../%6De", tok, nil))
		}, ok},
		{"iat 60 s old", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, func(c *testkit.ProofClaims) { c.IAT = c.IAT.Add(-60 * time.Second) }))
		}, ok},
		{"iat 5 s ahead", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, func(c *testkit.ProofClaims) { c.IAT = c.IAT.Add(5 * time.Second) }))
		}, ok},
		{"wrong htm", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("POST", me, tok, d.proof(t, d.client, "GET", me, tok, nil))
		}, badProof},
		{"htm in lower case", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "get", me, tok, nil))
		}, badProof},
		{"wrong htu path", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", publicURL+"/admin", tok, nil))
		}, badProof},
		{"wrong htu host", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", "https://evil.example.com/me", tok, nil))
		}, badProof},
		{"wrong htu scheme", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", "http://api.example.com/me", tok, nil))
		}, badProof},
		{"wrong htu port", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", "https://api.example.com:8443/me", tok, nil))
		}, badProof},
		{"htu path as query", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", publicURL+"/?/me", tok, nil))
		}, badProof},
		{"iat 61 s old", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, func(c *testkit.ProofClaims) { c.IAT = c.IAT.Add(-61 * time.Second) }))
		}, badProof},
		{"iat 6 s ahead", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, func(c *testkit.ProofClaims) { c.IAT = c.IAT.Add(6 * time.Second) }))
		}, badProof},
		{"ath missing", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, "", nil))
		}, badProof},
		{"ath of another token", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok, other := d.bound(t).Value, d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, other, nil))
		}, badProof},
		{"alg none", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			p := strings.Split(d.proof(t, d.client, "GET", me, tok, nil), ".")
			return dpopRequest("GET", me, tok, b64url(`{"typ":"dpop+jwt","alg":"none","jwk":`+testkit.PublicJWK(t, d.client.Key.Public())+`}`)+"."+p[1]+".")
		}, badProof},
		{"alg HS256", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			p := strings.Split(d.proof(t, d.client, "GET", me, tok, nil), ".")
			h := b64url(`{"typ":"dpop+jwt","alg":"HS256","jwk":{"kty":"oct","k":"c2VjcmV0"}}`)
			return dpopRequest("GET", me, tok, h+"."+p[1]+"."+hs256(t, []byte("secret"), h+"."+p[1]))
		}, badProof},
		{"private jwk", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			jwk := strings.TrimSuffix(testkit.PublicJWK(t, d.client.Key.Public()), "}") + `,"d":"` + b64url(string(d.client.Key.(*ecdsa.PrivateKey).D.Bytes())) + `"}`
			return dpopRequest("GET", me, tok, testkit.SignJWS(t, "ES256", d.client.Key, `{"typ":"dpop+jwt","alg":"ES256","jwk":`+jwk+`}`, d.client.ClaimsJSON(t, testkit.ProofClaims{HTM: "GET", HTU: me, IAT: d.clock.Now(), ATH: testkit.TokenHash(tok)})))
		}, badProof},
		{"jwk does not fit alg", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			jwk := testkit.PublicJWK(t, d.client.Key.Public())
			return dpopRequest("GET", me, tok, testkit.SignJWS(t, "ES256", d.client.Key, `{"typ":"dpop+jwt","alg":"RS256","jwk":`+jwk+`}`, d.client.ClaimsJSON(t, testkit.ProofClaims{HTM: "GET", HTU: me, IAT: d.clock.Now(), ATH: testkit.TokenHash(tok)})))
		}, badProof},
		{"duplicate claim", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			claims := `{"jti":"a","htm":"GET","htm":"GET","htu":"` + me + `","iat":` + unixOf(d.clock.Now()) + `,"ath":"` + testkit.TokenHash(tok) + `"}`
			return dpopRequest("GET", me, tok, testkit.SignJWS(t, "ES256", d.client.Key, d.client.Header(t), claims))
		}, badProof},
		{"oversized proof", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, func(c *testkit.ProofClaims) { c.Extra = map[string]any{"pad": strings.Repeat("p", 9000)} }))
		}, badProof},
		{"proof by another key than cnf.jkt", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, thief, "GET", me, tok, nil))
		}, badProof},
		{"DPoP scheme without a proof", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			return dpopRequest("GET", me, d.bound(t).Value)
		}, badProof},
		{"two DPoP headers", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			p := d.proof(t, d.client, "GET", me, tok, nil)
			return dpopRequest("GET", me, tok, p, p)
		}, want{http.StatusBadRequest, "invalid_request", true}},
		{"DPoP scheme without a token", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			r := dpopRequest("GET", me, "", d.proof(t, d.client, "GET", me, "", nil))
			r.Header.Set("Authorization", "DPoP ")
			return r
		}, want{http.StatusBadRequest, "invalid_request", true}},
		{"DPoP scheme with two tokens", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			r := dpopRequest("GET", me, "", d.proof(t, d.client, "GET", me, tok, nil))
			r.Header.Set("Authorization", "DPoP "+tok+" "+tok)
			return r
		}, want{http.StatusBadRequest, "invalid_request", true}},
		{"tampered token", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			tok = tok[:len(tok)-4] + "AAAA"
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil))
		}, badToken},
		{"expired bound token", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			d.clock.Advance(defaultTTL)
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil))
		}, badToken},
		{"unbound token with the DPoP scheme", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.issue(t, "u1").Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil))
		}, badToken},
		{"bound token as Bearer", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			return bearer(dpopRequest("GET", me, ""), d.bound(t).Value)
		}, want{http.StatusUnauthorized, "invalid_token", false}},
		{"bound token as Bearer with a valid proof", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return bearer(dpopRequest("GET", me, "", d.proof(t, d.client, "GET", me, tok, nil)), tok)
		}, want{http.StatusUnauthorized, "invalid_token", false}},
		{"bound token as Bearer, scheme spelled bearer", 0, func(t *testing.T, d *dpopFixture) *http.Request {
			r := dpopRequest("GET", me, "")
			r.Header.Set("Authorization", "bearer "+d.bound(t).Value)
			return r
		}, want{http.StatusUnauthorized, "invalid_token", false}},
		{"DPoP required: Bearer token with a proof", middleware.DPoPRequired, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.issue(t, "u1").Value
			return bearer(dpopRequest("GET", me, "", d.proof(t, d.client, "GET", me, tok, nil)), tok)
		}, badToken},
		{"DPoP required: Bearer token", middleware.DPoPRequired, func(t *testing.T, d *dpopFixture) *http.Request {
			return bearer(dpopRequest("GET", me, ""), d.issue(t, "u1").Value)
		}, badToken},
		{"DPoP required: valid", middleware.DPoPRequired, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil))
		}, ok},
		{"DPoP disabled: the DPoP scheme is no token", middleware.DPoPDisabled, func(t *testing.T, d *dpopFixture) *http.Request {
			tok := d.bound(t).Value
			return dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil))
		}, want{http.StatusUnauthorized, "", false}},
		{"DPoP disabled: bound token as Bearer", middleware.DPoPDisabled, func(t *testing.T, d *dpopFixture) *http.Request {
			return bearer(dpopRequest("GET", me, ""), d.bound(t).Value)
		}, want{http.StatusUnauthorized, "invalid_token", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDPoPFixture(t, middleware.Options{DPoP: middleware.DPoPOptions{Mode: tt.mode}})
			h := &okHandler{}
			res, body := serve(d.auth.Authenticate(h), tt.request(t, d))
			if tt.want.status == http.StatusOK {
				if res.StatusCode != http.StatusOK || !h.ran {
					t.Fatalf("got status %d (body %q), handler ran %v; want 200 from the handler", res.StatusCode, body, h.ran)
				}
				if h.claims == nil || h.claims.UserID != "u1" || h.thumbprint != d.jkt {
					t.Errorf("got claims %v and thumbprint %q in the context, want u1's and %q", h.claims, h.thumbprint, d.jkt)
				}
				return
			}
			if h.ran {
				t.Fatal("got the handler run, want the request rejected before it")
			}
			switch {
			case tt.want.dpop:
				wantDPoPFailure(t, res, body, tt.want.status, tt.want.code, tt.mode == middleware.DPoPAllowed)
			case tt.mode == middleware.DPoPDisabled:
				checkFailureDisabled(t, res, body, tt.want.status, tt.want.code)
			default:
				wantBearerFailure(t, res, body, tt.want.status, tt.want.code)
			}
		})
	}
}

// wantBearerFailure checks a failure answered on the Bearer scheme with
// DPoP accepted: the Bearer challenge with code, then the DPoP one.
func wantBearerFailure(t *testing.T, res *http.Response, body string, status int, code string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("got status %d (body %q), want %d", res.StatusCode, body, status)
	}
	got := res.Header.Values("WWW-Authenticate")
	if len(got) != 2 || !strings.HasPrefix(got[0], `Bearer realm="api", error="`+code+`"`) || got[1] != dpopChallenge {
		t.Errorf("got WWW-Authenticate %q, want the Bearer challenge with error %q, then %s", got, code, dpopChallenge)
	}
}

// checkFailureDisabled checks a failure with DPoP disabled: the Bearer
// challenge alone.
func checkFailureDisabled(t *testing.T, res *http.Response, body string, status int, code string) {
	t.Helper()
	desc := descMissing
	if code != "" {
		desc = "token requires a DPoP proof"
	}
	checkFailureOnly(t, res, body, status, code, desc)
}

// checkFailureOnly checks status and a single Bearer challenge.
func checkFailureOnly(t *testing.T, res *http.Response, body string, status int, code, desc string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("got status %d (body %q), want %d", res.StatusCode, body, status)
	}
	if got, want := res.Header.Values("WWW-Authenticate"), challenge(defaultRealm, code, desc); len(got) != 1 || got[0] != want {
		t.Errorf("got WWW-Authenticate %q, want exactly [%q]", got, want)
	}
}
