package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
)

// proofAlgs are the DPoP algorithms the demo must accept.
var proofAlgs = []string{"ES256", "EdDSA", "Ed25519", "RS256", "PS256"}

// dpopDemo is the demo API on a test server with a settable clock, whose
// public URL (the origin proofs name in htu) is public.
type dpopDemo struct {
	*testServer
	public string
}

// newDPoPDemo starts the demo with the flags' defaults; public "" is the
// test server's own URL, as -public-url's default; nonce turns on
// -dpop-nonce.
func newDPoPDemo(t *testing.T, public string, nonce bool) *dpopDemo {
	t.Helper()
	return newDPoPDemoWith(t, public, serverConfig{dpopNonce: nonce})
}

// newDPoPDemoWith is newDPoPDemo with the DPoP settings of cfg; its
// cookie, public URL and secret are the test's.
func newDPoPDemoWith(t *testing.T, public string, cfg serverConfig) *dpopDemo {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	m, err := session.New(session.HS256(testSecret), session.Options{
		TTL: 30 * time.Minute, RenewWithin: 10 * time.Minute, MaxLifetime: 24 * time.Hour, Clock: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	if public == "" {
		public = "http://" + srv.Listener.Addr().String()
	}
	cfg.insecureCookie, cfg.publicURL, cfg.secret = true, public, testSecret
	h, err := newServer(m, log.New(io.Discard, "", 0), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return &dpopDemo{&testServer{t: t, clock: clk, url: srv.URL}, public}
}

// in returns d for the subtest t.
func (d *dpopDemo) in(t *testing.T) *dpopDemo {
	ts := *d.testServer
	ts.t = t
	return &dpopDemo{&ts, d.public}
}

// proof returns a proof of key for method and path on the public URL,
// issued on the demo's clock (the current time without one), bound to
// token unless it is "".
func (d *dpopDemo) proof(key *sessiontest.ProofKey, method, path, token string, opts ...sessiontest.ProofOption) string {
	if d.clock != nil {
		opts = append([]sessiontest.ProofOption{sessiontest.WithIssuedAt(d.clock.Now())}, opts...)
	}
	if token != "" {
		opts = append(opts, sessiontest.WithAccessToken(token))
	}
	return key.Proof(method, d.public+path, opts...)
}

// send sends a request to path with the given Authorization and DPoP
// headers ("" leaves one out) and body.
func (d *dpopDemo) send(method, path, authorization, proof, body string) *http.Response {
	d.t.Helper()
	req, err := http.NewRequest(method, d.url+path, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// call sends method path with token as "Authorization: DPoP" and a fresh
// proof of key.
func (d *dpopDemo) call(key *sessiontest.ProofKey, method, path, token string, opts ...sessiontest.ProofOption) *http.Response {
	d.t.Helper()
	return d.send(method, path, "DPoP "+token, d.proof(key, method, path, token, opts...), "")
}

const aliceLogin = `{"username":"alice","password":"wonderland"}`

// loginDPoP logs alice in with a proof of key and returns the response,
// checked to be a DPoP token bound to key.
func (d *dpopDemo) loginDPoP(key *sessiontest.ProofKey, opts ...sessiontest.ProofOption) demo.TokenResponse {
	d.t.Helper()
	resp := d.send("POST", "/login", "", d.proof(key, "POST", "/login", "", opts...), aliceLogin)
	wantStatus(d.t, resp, http.StatusOK)
	tok := decode[demo.TokenResponse](d.t, resp)
	if tok.TokenType != "DPoP" || tok.ExpiresIn != 1800 {
		d.t.Fatalf("login with a proof: got %+v, want a DPoP token expiring in 1800 s", tok)
	}
	wantBound(d.t, tok.AccessToken, key)
	return tok
}

// wantBound checks that token carries cnf.jkt = key's thumbprint.
func wantBound(t *testing.T, token string, key *sessiontest.ProofKey) {
	t.Helper()
	var cnf struct {
		JKT string `json:"jkt"`
	}
	raw := payload(t, token)["cnf"]
	if err := json.Unmarshal(raw, &cnf); err != nil || cnf.JKT != key.Thumbprint() {
		t.Fatalf("cnf: got %s, want {\"jkt\":%q}", raw, key.Thumbprint())
	}
}

// wantChallenge checks a 401 whose WWW-Authenticate names error and
// includes a DPoP challenge listing every algorithm of proofAlgs in algs
// (RFC 9449 §7.1); a request with the DPoP scheme gets the error in the
// DPoP challenge, a Bearer one may get it in the Bearer challenge.
func wantChallenge(t *testing.T, resp *http.Response, error string) {
	t.Helper()
	wantStatus(t, resp, http.StatusUnauthorized)
	challenges := resp.Header.Values("WWW-Authenticate")
	var dpop, withError string
	for _, v := range challenges {
		if strings.HasPrefix(v, "DPoP ") {
			dpop = v
		}
		if strings.Contains(v, `error="`+error+`"`) {
			withError = v
		}
	}
	_, algs, _ := strings.Cut(dpop, `algs="`)
	algs, _, _ = strings.Cut(algs, `"`)
	for _, alg := range proofAlgs {
		if !strings.Contains(" "+algs+" ", " "+alg+" ") {
			t.Errorf("WWW-Authenticate %q: no DPoP challenge whose algs lists %s", challenges, alg)
		}
	}
	dpopScheme := strings.HasPrefix(strings.ToLower(resp.Request.Header.Get("Authorization")), "dpop ")
	if withError == "" || (dpopScheme && withError != dpop) {
		t.Errorf("WWW-Authenticate: got %q, want error=%q (in the DPoP challenge for the DPoP scheme)", challenges, error)
	}
}

func TestDPoPLogin(t *testing.T) {
	d := newDPoPDemo(t, "", false)
	for _, alg := range proofAlgs {
		t.Run(alg, func(t *testing.T) {
			d := d.in(t)
			key := sessiontest.NewProofKey(t, alg)
			tok := d.loginDPoP(key)
			resp := d.call(key, "GET", "/me", tok.AccessToken)
			wantStatus(t, resp, http.StatusOK)
			if got := decode[map[string]string](t, resp); got["user_id"] != "123" {
				t.Errorf("got %v, want user_id 123", got)
			}
		})
	}
	t.Run("without a proof", func(t *testing.T) {
		d := d.in(t)
		tok := d.login()
		if tok.TokenType != "Bearer" {
			t.Errorf("token_type: got %q, want Bearer", tok.TokenType)
		}
		if cnf, ok := payload(t, tok.AccessToken)["cnf"]; ok {
			t.Errorf("got cnf %s in a bearer token", cnf)
		}
		wantStatus(t, d.do("GET", "/me", tok.AccessToken, ""), http.StatusOK)
	})
}

// TestDPoPLoginRefusesBadProofs: a login whose proof fails is refused
// (400 invalid_dpop_proof, RFC 9449 §5), never downgraded to Bearer.
func TestDPoPLoginRefusesBadProofs(t *testing.T) {
	d := newDPoPDemo(t, "", false)
	key := sessiontest.NewProofKey(t, "ES256")
	replayed := d.proof(key, "POST", "/login", "")
	wantStatus(t, d.send("POST", "/login", "", replayed, aliceLogin), http.StatusOK)
	tests := []struct{ name, proof string }{
		{"replayed", replayed},
		{"wrong htm", d.proof(key, "GET", "/login", "")},
		{"wrong htu", d.proof(key, "POST", "/me", "")},
		{"too old", d.proof(key, "POST", "/login", "", sessiontest.WithIssuedAt(d.clock.Now().Add(-2*time.Minute)))},
		{"tampered", sessiontest.Tamper(d.proof(key, "POST", "/login", ""))},
		{"not a JWT", "not-a-proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := d.in(t)
			resp := d.send("POST", "/login", "", tt.proof, aliceLogin)
			wantStatus(t, resp, http.StatusBadRequest)
			if got := decode[map[string]string](t, resp); got["error"] != "invalid_dpop_proof" {
				t.Errorf("got %v, want error invalid_dpop_proof", got)
			}
		})
	}
}

func TestDPoPMe(t *testing.T) {
	d := newDPoPDemo(t, "", false)
	key, other := sessiontest.NewProofKey(t, "ES256"), sessiontest.NewProofKey(t, "ES256")
	tok := d.loginDPoP(key).AccessToken
	replayed := d.proof(key, "GET", "/me", tok)
	wantStatus(t, d.send("GET", "/me", "DPoP "+tok, replayed, ""), http.StatusOK)
	now := d.clock.Now()

	tests := []struct {
		name               string
		authorization, dpp string
		wantError          string
	}{
		{"as Bearer", "Bearer " + tok, "", "invalid_token"},
		{"as Bearer with a proof", "Bearer " + tok, d.proof(key, "GET", "/me", tok), "invalid_token"},
		{"replayed proof", "DPoP " + tok, replayed, "invalid_dpop_proof"},
		{"no proof", "DPoP " + tok, "", "invalid_dpop_proof"},
		{"proof of another key", "DPoP " + tok, d.proof(other, "GET", "/me", tok), "invalid_dpop_proof"},
		{"proof without ath", "DPoP " + tok, d.proof(key, "GET", "/me", ""), "invalid_dpop_proof"},
		{"proof for another token", "DPoP " + tok, d.proof(key, "GET", "/me", "another.to.ken"), "invalid_dpop_proof"},
		{"wrong htm", "DPoP " + tok, d.proof(key, "POST", "/me", tok), "invalid_dpop_proof"},
		{"wrong htu path", "DPoP " + tok, d.proof(key, "GET", "/refresh", tok), "invalid_dpop_proof"},
		{"wrong htu origin", "DPoP " + tok, key.Proof("GET", "http://127.0.0.1:1/me", sessiontest.WithIssuedAt(now), sessiontest.WithAccessToken(tok)), "invalid_dpop_proof"},
		{"61 s old", "DPoP " + tok, d.proof(key, "GET", "/me", tok, sessiontest.WithIssuedAt(now.Add(-61*time.Second))), "invalid_dpop_proof"},
		{"6 s ahead", "DPoP " + tok, d.proof(key, "GET", "/me", tok, sessiontest.WithIssuedAt(now.Add(6*time.Second))), "invalid_dpop_proof"},
		{"tampered proof", "DPoP " + tok, sessiontest.Tamper(d.proof(key, "GET", "/me", tok)), "invalid_dpop_proof"},
		{"tampered token", "DPoP " + sessiontest.Tamper(tok), d.proof(key, "GET", "/me", sessiontest.Tamper(tok)), "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := d.in(t)
			resp := d.send("GET", "/me", tt.authorization, tt.dpp, "")
			wantChallenge(t, resp, tt.wantError)
		})
	}
	t.Run("accepted", func(t *testing.T) {
		d := d.in(t)
		for name, opts := range map[string][]sessiontest.ProofOption{
			"60 s old":  {sessiontest.WithIssuedAt(now.Add(-60 * time.Second))},
			"5 s ahead": {sessiontest.WithIssuedAt(now.Add(5 * time.Second))},
			"query":     nil, // the request has a query, the proof's htu has none
		} {
			path := "/me"
			if name == "query" {
				path = "/me?verbose=1"
			}
			resp := d.send("GET", path, "DPoP "+tok, d.proof(key, "GET", "/me", tok, opts...), "")
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: got status %d, want 200", name, resp.StatusCode)
			}
		}
	})
}
