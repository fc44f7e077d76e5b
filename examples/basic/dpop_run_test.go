package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
)

func TestDPoPFlags(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantPublic string
		wantNonce  bool
		wantErr    bool
	}{
		{"defaults", nil, "", false, false},
		{"https origin", []string{"-public-url", "https://api.example"}, "https://api.example", false, false},
		{"origin with port and slash", []string{"-public-url", "http://127.0.0.1:9000/"}, "http://127.0.0.1:9000", false, false},
		{"nonce", []string{"-dpop-nonce"}, "", true, false},
		{"with a path", []string{"-public-url", "https://api.example/v1"}, "", false, true},
		{"with a query", []string{"-public-url", "https://api.example/?a=1"}, "", false, true},
		{"without host", []string{"-public-url", "https://"}, "", false, true},
		{"another scheme", []string{"-public-url", "ws://api.example"}, "", false, true},
		{"not a URL", []string{"-public-url", "api.example"}, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && (got.publicURL != tt.wantPublic || got.dpopNonce != tt.wantNonce) {
				t.Errorf("got public URL %q, nonce %v; want %q, %v", got.publicURL, got.dpopNonce, tt.wantPublic, tt.wantNonce)
			}
		})
	}
}

// startDPoP runs the demo with args (and JWT_SECRET testSecret unless
// secret says otherwise) and returns it with the origin its proofs name.
func startDPoP(t *testing.T, public string, secret []byte, args ...string) *dpopDemo {
	t.Helper()
	var logs runLog
	r := startRun(t, append([]string{"-addr", "127.0.0.1:0"}, args...), secretEnv(secret), &logs)
	if public == "" {
		public = r.url
	}
	return &dpopDemo{&testServer{t: t, url: r.url}, public}
}

// TestRunDPoPPublicURL: htu is checked against -public-url (default
// http:// and the listen address), never against what the request or
// X-Forwarded-* headers say.
func TestRunDPoPPublicURL(t *testing.T) {
	key := sessiontest.NewProofKey(t, "ES256")
	t.Run("default", func(t *testing.T) {
		d := startDPoP(t, "", testSecret)
		tok := d.loginDPoP(key).AccessToken
		wantStatus(t, d.call(key, "GET", "/me", tok), http.StatusOK)
	})
	t.Run("set", func(t *testing.T) {
		d := startDPoP(t, "https://api.example:8443", testSecret, "-public-url", "https://api.example:8443/")
		tok := d.loginDPoP(key).AccessToken
		wantStatus(t, d.call(key, "GET", "/me", tok), http.StatusOK)
		wantStatus(t, d.call(key, "GET", "/me?page=2", tok), http.StatusOK)

		local := &dpopDemo{d.testServer, d.url} // proofs naming the listen address
		wantChallenge(t, local.call(key, "GET", "/me", tok), "invalid_dpop_proof")
		resp := local.send("POST", "/login", "", local.proof(key, "POST", "/login", ""), aliceLogin)
		wantStatus(t, resp, http.StatusBadRequest)

		// Forwarded headers naming the listen address change nothing.
		req, err := http.NewRequest("GET", d.url+"/me", nil)
		if err != nil {
			t.Fatal(err)
		}
		host := strings.TrimPrefix(d.url, "http://")
		req.Header.Set("X-Forwarded-Host", host)
		req.Header.Set("X-Forwarded-Proto", "http")
		req.Header.Set("Forwarded", "host="+host+";proto=http")
		req.Header.Set("Authorization", "DPoP "+tok)
		req.Header.Set("DPoP", local.proof(key, "GET", "/me", tok))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		wantChallenge(t, resp, "invalid_dpop_proof")
	})
}

// TestRunDPoPNonceAcrossInstances: with -dpop-nonce, a nonce from one
// instance is good on another with the same JWT_SECRET, not on one with
// another secret.
func TestRunDPoPNonceAcrossInstances(t *testing.T) {
	key := sessiontest.NewProofKey(t, "Ed25519")
	a := startDPoP(t, "", testSecret, "-dpop-nonce")
	b := startDPoP(t, "", testSecret, "-dpop-nonce")
	c := startDPoP(t, "", []byte("another-secret-0123456789abcdefghij"), "-dpop-nonce")

	resp := a.send("POST", "/login", "", a.proof(key, "POST", "/login", ""), aliceLogin)
	wantStatus(t, resp, http.StatusBadRequest)
	nonce := resp.Header.Get("DPoP-Nonce")
	if nonce == "" {
		t.Fatal("got no DPoP-Nonce header")
	}
	tok := b.loginDPoP(key, sessiontest.WithNonce(nonce)).AccessToken
	wantStatus(t, a.call(key, "GET", "/me", tok, sessiontest.WithNonce(nonce)), http.StatusOK)
	wantStatus(t, b.call(key, "GET", "/me", tok, sessiontest.WithNonce(nonce)), http.StatusOK)
	// c refuses the nonce even with a token of its own (a token of a or
	// b is invalid there, which wins over a bad proof).
	resp = c.send("POST", "/login", "", c.proof(key, "POST", "/login", ""), aliceLogin)
	wantStatus(t, resp, http.StatusBadRequest)
	tokC := c.loginDPoP(key, sessiontest.WithNonce(resp.Header.Get("DPoP-Nonce"))).AccessToken
	wantChallenge(t, c.call(key, "GET", "/me", tokC, sessiontest.WithNonce(nonce)), "use_dpop_nonce")
	wantChallenge(t, c.call(key, "GET", "/me", tok, sessiontest.WithNonce(nonce)), "invalid_token")
}

// TestRunDPoPReplayInRedis: with -redis-addr, a proof accepted by one
// instance is a replay on every other instance using the same Redis
// (both behind the same public URL, as behind a load balancer).
func TestRunDPoPReplayInRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	key := sessiontest.NewProofKey(t, "ES256")
	const public = "https://api.example"
	args := []string{"-redis-addr", srv.Addr, "-public-url", public}
	a, b := startDPoP(t, public, testSecret, args...), startDPoP(t, public, testSecret, args...)
	tok := a.loginDPoP(key).AccessToken

	proof := a.proof(key, "GET", "/me", tok)
	wantStatus(t, a.send("GET", "/me", "DPoP "+tok, proof, ""), http.StatusOK)
	wantChallenge(t, b.send("GET", "/me", "DPoP "+tok, proof, ""), "invalid_dpop_proof")
	jti := strings.Trim(string(payload(t, proof)["jti"]), `"`)
	wantChallenge(t, b.call(key, "GET", "/me", tok, sessiontest.WithJTI(jti)), "invalid_dpop_proof")

	// Fresh proofs pass on either instance; the binding survives a refresh.
	wantStatus(t, b.call(key, "GET", "/me", tok), http.StatusOK)
	resp := b.call(key, "POST", "/refresh", tok)
	wantStatus(t, resp, http.StatusOK)
	next := decode[demo.TokenResponse](t, resp).AccessToken
	wantBound(t, next, key)
	wantStatus(t, a.call(key, "GET", "/me", next), http.StatusOK)
}
