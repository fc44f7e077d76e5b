package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
)

// TestDPoPLoginHasItsOwnReplayCache: /login records proofs in a cache
// of its own, so a proof id used at login is still new to the API.
func TestDPoPLoginHasItsOwnReplayCache(t *testing.T) {
	d := newDPoPDemo(t, "", false)
	key := sessiontest.NewProofKey(t, "ES256")
	tok := d.loginDPoP(key, sessiontest.WithJTI("same-id"))
	wantStatus(t, d.call(key, "GET", "/me", tok.AccessToken, sessiontest.WithJTI("same-id")), http.StatusOK)
}

// TestDPoPLoginFloodSparesAPI: once anyone has filled /login's replay
// cache with proofs (bad passwords, no account needed), logins get 503
// but the API still serves bound tokens.
func TestDPoPLoginFloodSparesAPI(t *testing.T) {
	const capacity = 4
	var loginCache *session.MemoryStore
	d := newDPoPDemoWith(t, "", serverConfig{loginReplay: lazyReplay(func() session.ReplayCache { return loginCache })})
	loginCache = session.NewMemoryStore(session.MemoryStoreOptions{MaxEntries: capacity, Clock: d.clock.Now})
	key := sessiontest.NewProofKey(t, "ES256")
	tok := d.loginDPoP(key)
	attacker := sessiontest.NewProofKey(t, "EdDSA")
	flooded := false
	for i := 0; i < 2*capacity && !flooded; i++ {
		resp := d.send("POST", "/login", "", d.proof(attacker, "POST", "/login", ""), `{"username":"alice","password":"wrong"}`)
		switch resp.StatusCode {
		case http.StatusServiceUnavailable:
			flooded = true
		case http.StatusUnauthorized, http.StatusBadRequest:
		default:
			t.Fatalf("login with a bad password: got status %d, want 401 or 503", resp.StatusCode)
		}
	}
	if !flooded {
		t.Fatalf("got no 503 after %d login proofs into a cache of %d, want the cache full", 2*capacity, capacity)
	}
	wantStatus(t, d.call(key, "GET", "/me", tok.AccessToken), http.StatusOK)
	wantStatus(t, d.call(key, "GET", "/me", tok.AccessToken), http.StatusOK)
}

// lazyReplay is a replay cache that the function returns at each call,
// for a cache made once the demo's clock exists.
type lazyReplay func() session.ReplayCache

func (l lazyReplay) Add(ctx context.Context, id string, until time.Time) (bool, error) {
	return l().Add(ctx, id, until)
}
