package middleware_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// TestDPoPTokenEndpointCacheFull: with the default in-memory caches, a
// token endpoint whose replay cache anyone has filled (login proofs come
// before any credential) refuses proofs with 503, while Authenticate,
// which records in a cache of its own, still serves bound tokens.
func TestDPoPTokenEndpointCacheFull(t *testing.T) {
	const (
		login = publicURL + "/login"
		me    = publicURL + "/me"
		limit = 1 << 20
	)
	d := newDPoPFixture(t, middleware.Options{})
	cache := middleware.TokenReplayCache(d.auth)
	until := d.clock.Now().Add(time.Minute)
	full := false
	for i := 0; i < limit && !full; i++ {
		_, err := cache.Add(t.Context(), "flood."+strconv.Itoa(i), until)
		switch {
		case errors.Is(err, session.ErrStoreFull):
			full = true
		case err != nil:
			t.Fatalf("filling the token endpoint's cache: got %v, want nil or ErrStoreFull", err)
		}
	}
	if !full {
		t.Fatalf("got no ErrStoreFull after %d records, want the cache full", limit)
	}
	_, err := d.auth.Proof(dpopRequest("POST", login, "", d.proof(t, d.client, "POST", login, "", nil)))
	var e *middleware.Error
	if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable {
		t.Fatalf("Proof with the token endpoint's cache full: got %v, want a 503 *Error", err)
	}
	tok := d.bound(t).Value
	for i := range 2 {
		h := &okHandler{}
		res, _ := serve(d.auth.Authenticate(h), dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil)))
		if !h.ran || h.thumbprint != d.jkt {
			t.Fatalf("API request %d: got status %d, handler ran %v, thumbprint %q; want it to run with %q", i, res.StatusCode, h.ran, h.thumbprint, d.jkt)
		}
	}
}

// TestDPoPGivenReplayCacheShared: a ReplayCache the user gives records
// the proofs of Authenticate and of the token endpoint alike, so a proof
// id accepted at login is a replay at the API.
func TestDPoPGivenReplayCacheShared(t *testing.T) {
	const me = publicURL + "/me"
	f := newFixture(t)
	cache := session.NewMemoryStore(session.MemoryStoreOptions{Clock: f.clock.Now})
	d := newDPoPFixture(t, middleware.Options{DPoP: middleware.DPoPOptions{ReplayCache: cache}})
	if got := middleware.TokenReplayCache(d.auth); got != session.ReplayCache(cache) {
		t.Fatalf("got token endpoint cache %v, want the given one", got)
	}
	tok := d.bound(t).Value
	proof := d.proof(t, d.client, "GET", me, tok, nil)
	if _, err := d.auth.Proof(dpopRequest("GET", me, tok, proof)); err != nil {
		t.Fatalf("Proof: got %v, want no error", err)
	}
	res, body := serve(d.auth.Authenticate(mustNotRun(t)), dpopRequest("GET", me, tok, proof))
	wantDPoPFailure(t, res, body, http.StatusUnauthorized, "invalid_dpop_proof", true)
}
