package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLogoutAll: POST /logout-all rejects every token of the user's
// sessions that existed then — renewed and refreshed ones, and those of
// another session — while other users keep theirs and a new login works.
func TestLogoutAll(t *testing.T) {
	tests := []struct {
		name string
		// gap separates the steps from the renewal to the logout-all.
		gap time.Duration
	}{
		{"steps a second apart", time.Second},
		{"steps within one second", 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDemo(t)
			wantStatus(t, d.do("POST", "/logout-all", "", ""), http.StatusUnauthorized)

			first := d.login().AccessToken
			bob := d.loginAs("bob", "builder").AccessToken
			d.clock.Advance(21 * time.Minute) // under -renew-within
			resp := d.do("GET", "/me", first, "")
			wantStatus(t, resp, http.StatusOK)
			renewed := resp.Header.Get("X-Renewed-Token")
			if renewed == "" {
				t.Fatal("got no X-Renewed-Token, want the session renewed")
			}
			d.clock.Advance(tt.gap)
			resp = d.do("POST", "/refresh", first, "")
			wantStatus(t, resp, http.StatusOK)
			refreshed := decode[struct {
				AccessToken string `json:"access_token"`
			}](t, resp).AccessToken
			d.clock.Advance(tt.gap)
			second := d.login().AccessToken // another session of alice
			d.clock.Advance(tt.gap)

			wantStatus(t, d.do("POST", "/logout-all", second, ""), http.StatusNoContent)
			for _, tok := range []struct{ name, value string }{
				{"login", first},
				{"renewed (X-Renewed-Token)", renewed},
				{"refreshed (/refresh)", refreshed},
				{"second session", second},
			} {
				resp := d.do("GET", "/me", tok.value, "")
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s token after /logout-all: GET /me got status %d, want 401", tok.name, resp.StatusCode)
					continue
				}
				if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
					t.Errorf("%s token after /logout-all: got WWW-Authenticate %q, want invalid_token", tok.name, got)
				}
				if got := d.do("POST", "/refresh", tok.value, "").StatusCode; got != http.StatusUnauthorized {
					t.Errorf("%s token after /logout-all: POST /refresh got status %d, want 401", tok.name, got)
				}
			}
			wantStatus(t, d.do("GET", "/me", bob, ""), http.StatusOK)

			// A login right after works, and its session renews.
			d.clock.Advance(time.Millisecond)
			fresh := d.login().AccessToken
			wantStatus(t, d.do("GET", "/me", fresh, ""), http.StatusOK)
			d.clock.Advance(21 * time.Minute)
			resp = d.do("GET", "/me", fresh, "")
			wantStatus(t, resp, http.StatusOK)
			next := resp.Header.Get("X-Renewed-Token")
			if next == "" {
				t.Fatal("new session: got no X-Renewed-Token, want the session renewed")
			}
			wantStatus(t, d.do("GET", "/me", next, ""), http.StatusOK)
		})
	}
}
