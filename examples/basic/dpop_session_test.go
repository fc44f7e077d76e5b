package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
)

// TestDPoPSlidingRenewal: a renewed token stays bound to the same key and
// works only with its proofs.
func TestDPoPSlidingRenewal(t *testing.T) {
	d := newDPoPDemo(t, "", false)
	key := sessiontest.NewProofKey(t, "EdDSA")
	tok := d.loginDPoP(key).AccessToken
	d.clock.Advance(21 * time.Minute) // 9 minutes left, under -renew-within 10m
	resp := d.call(key, "GET", "/me", tok)
	wantStatus(t, resp, http.StatusOK)
	renewed := resp.Header.Get("X-Renewed-Token")
	if renewed == "" {
		t.Fatal("got no X-Renewed-Token, want one")
	}
	wantBound(t, renewed, key)
	for _, claim := range []string{"sid", "auth_time", "user_id"} {
		if got, want := string(payload(t, renewed)[claim]), string(payload(t, tok)[claim]); got != want {
			t.Errorf("%s: got %s, want %s kept", claim, got, want)
		}
	}
	d.clock.Advance(10 * time.Minute) // tok ran out
	wantStatus(t, d.call(key, "GET", "/me", renewed), http.StatusOK)
	wantChallenge(t, d.do("GET", "/me", renewed, ""), "invalid_token")
	wantChallenge(t, d.call(sessiontest.NewProofKey(t, "EdDSA"), "GET", "/me", renewed), "invalid_dpop_proof")
}

// TestDPoPRefresh: refreshing a bound token needs a valid proof of its
// key and keeps the binding.
func TestDPoPRefresh(t *testing.T) {
	d := newDPoPDemo(t, "", false)
	key := sessiontest.NewProofKey(t, "RS256")
	tok := d.loginDPoP(key).AccessToken
	d.clock.Advance(5 * time.Minute)

	wantChallenge(t, d.do("POST", "/refresh", tok, ""), "invalid_token")
	wantChallenge(t, d.send("POST", "/refresh", "DPoP "+tok, "", ""), "invalid_dpop_proof")
	wantChallenge(t, d.send("POST", "/refresh", "DPoP "+tok, d.proof(key, "GET", "/refresh", tok), ""), "invalid_dpop_proof")
	wantChallenge(t, d.call(sessiontest.NewProofKey(t, "RS256"), "POST", "/refresh", tok), "invalid_dpop_proof")

	resp := d.call(key, "POST", "/refresh", tok)
	wantStatus(t, resp, http.StatusOK)
	next := decode[demo.TokenResponse](t, resp)
	if next.TokenType != "DPoP" || next.ExpiresIn != 1800 || next.AccessToken == tok {
		t.Errorf("got %+v, want a new DPoP token expiring in 1800 s", next)
	}
	wantBound(t, next.AccessToken, key)
	if got, want := string(payload(t, next.AccessToken)["sid"]), string(payload(t, tok)["sid"]); got != want {
		t.Errorf("sid: got %s, want %s kept", got, want)
	}
	wantStatus(t, d.call(key, "GET", "/me", next.AccessToken), http.StatusOK)

	// A bearer token refreshes as before, into a bearer token.
	bearer := d.login().AccessToken
	resp = d.do("POST", "/refresh", bearer, "")
	wantStatus(t, resp, http.StatusOK)
	if got := decode[demo.TokenResponse](t, resp); got.TokenType != "Bearer" {
		t.Errorf("refreshed bearer token: got token_type %q, want Bearer", got.TokenType)
	}
}

// TestDPoPLogout: after logout, the bound token and its renewals are
// refused, proofs or not.
func TestDPoPLogout(t *testing.T) {
	d := newDPoPDemo(t, "", false)
	key := sessiontest.NewProofKey(t, "PS256")
	tok := d.loginDPoP(key).AccessToken
	d.clock.Advance(21 * time.Minute)
	resp := d.call(key, "GET", "/me", tok)
	wantStatus(t, resp, http.StatusOK)
	renewed := resp.Header.Get("X-Renewed-Token")
	if renewed == "" {
		t.Fatal("got no X-Renewed-Token, want one")
	}
	wantChallenge(t, d.do("POST", "/logout", renewed, ""), "invalid_token")
	wantStatus(t, d.call(key, "POST", "/logout", renewed), http.StatusNoContent)
	for name, tk := range map[string]string{"original": tok, "renewed": renewed} {
		t.Run(name, func(t *testing.T) {
			d := d.in(t)
			wantChallenge(t, d.call(key, "GET", "/me", tk), "invalid_token")
			wantChallenge(t, d.call(key, "POST", "/refresh", tk), "invalid_token")
		})
	}
}

// TestDPoPNonce: with -dpop-nonce, a proof without the server's nonce is
// answered with use_dpop_nonce and a DPoP-Nonce header; the retry with
// it passes, and the nonce stays good for at least 60 s.
func TestDPoPNonce(t *testing.T) {
	d := newDPoPDemo(t, "", true)
	key := sessiontest.NewProofKey(t, "ES256")

	// Login (RFC 9449 §8: 400 at the token endpoint).
	resp := d.send("POST", "/login", "", d.proof(key, "POST", "/login", ""), aliceLogin)
	wantStatus(t, resp, http.StatusBadRequest)
	nonce := resp.Header.Get("DPoP-Nonce")
	if got := decode[map[string]string](t, resp); got["error"] != "use_dpop_nonce" || nonce == "" {
		t.Fatalf("login without a nonce: got %v and DPoP-Nonce %q, want use_dpop_nonce and a nonce", got, nonce)
	}
	tok := d.loginDPoP(key, sessiontest.WithNonce(nonce)).AccessToken

	// A resource (RFC 9449 §9: 401 with a DPoP challenge).
	resp = d.call(key, "GET", "/me", tok)
	wantChallenge(t, resp, "use_dpop_nonce")
	if resp.Header.Get("DPoP-Nonce") == "" {
		t.Fatal("got no DPoP-Nonce header with use_dpop_nonce")
	}
	wantStatus(t, d.call(key, "GET", "/me", tok, sessiontest.WithNonce(resp.Header.Get("DPoP-Nonce"))), http.StatusOK)
	wantChallenge(t, d.call(key, "GET", "/me", tok, sessiontest.WithNonce("made-up")), "use_dpop_nonce")

	d.clock.Advance(60 * time.Second)
	wantStatus(t, d.call(key, "GET", "/me", tok, sessiontest.WithNonce(nonce)), http.StatusOK)
	d.clock.Advance(10 * time.Minute)
	resp = d.call(key, "GET", "/me", tok, sessiontest.WithNonce(nonce))
	wantChallenge(t, resp, "use_dpop_nonce")
	wantStatus(t, d.call(key, "GET", "/me", tok, sessiontest.WithNonce(resp.Header.Get("DPoP-Nonce"))), http.StatusOK)
}
