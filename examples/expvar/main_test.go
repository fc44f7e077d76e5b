package main

import (
	"encoding/json"
	"expvar"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
)

func TestCountersByReason(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "HS256", session.Options{TTL: 30 * time.Minute, RenewWithin: 10 * time.Minute})
	met := newMetrics()
	h, err := newServer(iss.Manager, met)
	if err != nil {
		t.Fatal(err)
	}
	valid := iss.Token("123", sessiontest.WithClaims(map[string]any{"scope": "profile"})).Value
	revoked := iss.Token("123")
	if err := iss.Manager.Revoke(t.Context(), revoked.Claims); err != nil {
		t.Fatal(err)
	}
	requests := []struct {
		name, path, authorization string
		want                      int
	}{
		{"valid", "/me", "Bearer " + valid, 200},
		{"valid again", "/me", "Bearer " + valid, 200},
		{"missing", "/me", "", 401},
		{"malformed", "/me", "Bearer a b", 400},
		{"invalid", "/me", "Bearer " + sessiontest.Tamper(valid), 401},
		{"expired", "/me", "Bearer " + iss.Token("123", sessiontest.WithExpiresIn(-time.Minute)).Value, 401},
		{"revoked", "/me", "Bearer " + revoked.Value, 401},
		{"forbidden", "/admin", "Bearer " + valid, 403},
		{"renewed", "/me", "Bearer " + iss.Token("123", sessiontest.WithExpiresIn(5*time.Minute)).Value, 200},
	}
	for _, rq := range requests {
		r := httptest.NewRequest("GET", rq.path, nil)
		if rq.authorization != "" {
			r.Header.Set("Authorization", rq.authorization)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != rq.want {
			t.Errorf("%s: got status %d, want %d", rq.name, rec.Code, rq.want)
		}
	}

	var got struct {
		Authenticated int64            `json:"authenticated"`
		Renewed       int64            `json:"renewed"`
		Rejected      map[string]int64 `json:"rejected"`
	}
	if err := json.Unmarshal([]byte(met.vars.String()), &got); err != nil {
		t.Fatalf("got vars %s: %v", met.vars.String(), err)
	}
	// The forbidden request authenticated before the guard refused it.
	if got.Authenticated != 4 || got.Renewed != 1 {
		t.Errorf("got authenticated %d renewed %d, want 4 and 1", got.Authenticated, got.Renewed)
	}
	want := map[string]int64{"missing": 1, "malformed": 1, "invalid": 1, "expired": 1, "revoked": 1, "forbidden": 1, "unavailable": 0}
	for reason, n := range want {
		if got.Rejected[reason] != n {
			t.Errorf("rejected %s: got %d, want %d", reason, got.Rejected[reason], n)
		}
	}
	if len(got.Rejected) != len(want) {
		t.Errorf("got reasons %v, want exactly %v", got.Rejected, want)
	}
}

// TestDebugVars publishes the counters (once per process, as main does)
// and reads them back from /debug/vars.
func TestDebugVars(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "HS256", session.Options{})
	met := newMetrics()
	expvar.Publish("jwtsession", met.vars)
	h, err := newServer(iss.Manager, met)
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/me", nil))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/vars", nil))
	var vars struct {
		JWTSession struct {
			Rejected map[string]int64 `json:"rejected"`
		} `json:"jwtsession"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &vars); err != nil {
		t.Fatal(err)
	}
	if got := vars.JWTSession.Rejected["missing"]; got != 1 {
		t.Errorf("got /debug/vars rejected.missing %d, want 1", got)
	}
}

func TestLogin(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "HS256", session.Options{})
	h, err := newServer(iss.Manager, newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || rec.Code != 200 {
		t.Fatalf("got %d %s, want a token", rec.Code, rec.Body)
	}
	r := httptest.NewRequest("GET", "/me", nil)
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Errorf("got %d for /me, want 200", rec.Code)
	}
}
