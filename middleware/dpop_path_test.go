package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jwtsession/jwtsession/middleware"
)

// TestDPoPPathPrefix checks that the request path, normalised on its
// own, never climbs out of PublicURL's path prefix: a proof made for
// another application under the same host is refused.
func TestDPoPPathPrefix(t *testing.T) {
	const prefixed = "https://example.com/api"
	tests := []struct {
		name, path, htu string
		want            int
	}{
		{"plain", "/me", prefixed + "/me", http.StatusOK},
		{"dot segment inside", "/a/../me", prefixed + "/me", http.StatusOK},
		{"encoded dot segment inside", "/a/%2E%2e/me", prefixed + "/me", http.StatusOK},
		{"single dot", "/./me", prefixed + "/me", http.StatusOK},
		{"climbs to another application", "/../other/me", "https://example.com/other/me", http.StatusUnauthorized},
		{"climbs, encoded", "/%2e%2e/other/me", "https://example.com/other/me", http.StatusUnauthorized},
		{"climbs, htu with the same dots", "/../other/me", prefixed + "/../other/me", http.StatusUnauthorized},
		{"climbs after a segment", "/a/../../me", "https://example.com/me", http.StatusUnauthorized},
		{"climbs and comes back", "/../api/me", prefixed + "/me", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDPoPFixture(t, middleware.Options{DPoP: middleware.DPoPOptions{PublicURL: prefixed}})
			tok := d.bound(t).Value
			r := dpopRequest("GET", "http://internal"+tt.path, tok, d.proof(t, d.client, "GET", tt.htu, tok, nil))
			if r.URL.EscapedPath() != tt.path {
				t.Fatalf("got request path %q, want %q", r.URL.EscapedPath(), tt.path)
			}
			w := httptest.NewRecorder()
			h := &okHandler{}
			d.auth.Authenticate(h).ServeHTTP(w, r)
			if w.Code != tt.want || h.ran != (tt.want == http.StatusOK) {
				t.Fatalf("got status %d (body %q), handler ran %v; want %d", w.Code, w.Body, h.ran, tt.want)
			}
			if tt.want != http.StatusOK {
				wantDPoPFailure(t, w.Result(), w.Body.String(), http.StatusUnauthorized, "invalid_dpop_proof", true)
			}
		})
	}
}
