package middleware_test

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/middleware"
)

func TestDPoPOptionsRefused(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		opts middleware.DPoPOptions
		want string
	}{
		{"unknown mode", middleware.DPoPOptions{Mode: 7}, "Mode"},
		{"negative mode", middleware.DPoPOptions{Mode: -1}, "Mode"},
		{"negative MaxAge", middleware.DPoPOptions{MaxAge: -time.Second}, "MaxAge"},
		{"MaxAge over 10 minutes", middleware.DPoPOptions{MaxAge: 11 * time.Minute}, "MaxAge"},
		{"negative MaxFuture", middleware.DPoPOptions{MaxFuture: -time.Second}, "MaxFuture"},
		{"MaxFuture over a minute", middleware.DPoPOptions{MaxFuture: 2 * time.Minute}, "MaxFuture"},
		{"short nonce secret", middleware.DPoPOptions{NonceSecret: []byte("short")}, "NonceSecret"},
		{"empty nonce secret", middleware.DPoPOptions{NonceSecret: []byte{}}, "NonceSecret"},
		{"PublicURL ftp", middleware.DPoPOptions{PublicURL: "ftp://api.example.com"}, "PublicURL"},
		{"PublicURL without host", middleware.DPoPOptions{PublicURL: "https://"}, "PublicURL"},
		{"PublicURL relative", middleware.DPoPOptions{PublicURL: "/api"}, "PublicURL"},
		{"PublicURL with query", middleware.DPoPOptions{PublicURL: "https://api.example.com/?x=1"}, "PublicURL"},
		{"PublicURL with fragment", middleware.DPoPOptions{PublicURL: "https://api.example.com/#x"}, "PublicURL"},
		{"PublicURL with user", middleware.DPoPOptions{PublicURL: "https://u:p@api.example.com"}, "PublicURL"},
		{"PublicURL and TrustForwardedHeaders", middleware.DPoPOptions{PublicURL: "https://api.example.com", TrustForwardedHeaders: true}, "TrustForwardedHeaders"},
		{"options with DPoP disabled", middleware.DPoPOptions{Mode: middleware.DPoPDisabled, NonceSecret: nonceSecret}, "DPoPDisabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := middleware.New(f.m, middleware.Options{DPoP: tt.opts})
			if err == nil || a != nil {
				t.Fatalf("got %v, %v; want an error", a, err)
			}
			if !strings.HasPrefix(err.Error(), "middleware: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want a middleware error naming %s", err, tt.want)
			}
		})
	}
}

// TestDPoPOrigin: without a PublicURL, htu is checked against the
// request's own origin; forwarded headers count only when trusted.
func TestDPoPOrigin(t *testing.T) {
	prover := newProver(t)
	jkt, _ := jose.Thumbprint(prover.Key.Public())
	tests := []struct {
		name  string
		opts  middleware.DPoPOptions
		htu   string
		setup func(r *http.Request)
		ok    bool
	}{
		{"request origin", middleware.DPoPOptions{}, "http://internal:8080/me", nil, true},
		{"request origin, other host", middleware.DPoPOptions{}, "http://api.example.com/me", nil, false},
		{"request origin over TLS", middleware.DPoPOptions{}, "https://internal:8080/me", func(r *http.Request) { r.TLS = &tls.ConnectionState{} }, true},
		{"http when TLS", middleware.DPoPOptions{}, "http://internal:8080/me", func(r *http.Request) { r.TLS = &tls.ConnectionState{} }, false},
		{"forwarded headers not trusted", middleware.DPoPOptions{}, "https://api.example.com/me", forwarded, false},
		{"forwarded headers trusted", middleware.DPoPOptions{TrustForwardedHeaders: true}, "https://api.example.com/me", forwarded, true},
		{"trusted, but the internal origin", middleware.DPoPOptions{TrustForwardedHeaders: true}, "http://internal:8080/me", forwarded, false},
		{"PublicURL with a path prefix", middleware.DPoPOptions{PublicURL: "https://example.com/api/"}, "https://example.com/api/me", nil, true},
		{"PublicURL with a path prefix, prefix missing", middleware.DPoPOptions{PublicURL: "https://example.com/api"}, "https://example.com/me", nil, false},
		{"PublicURL in capitals with default port", middleware.DPoPOptions{PublicURL: "HTTPS://Example.COM:443"}, "https://example.com/me", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a := mustNew(t, f.m, middleware.Options{DPoP: tt.opts})
			tok, err := f.m.IssueBound(t.Context(), "u1", jkt, nil)
			if err != nil {
				t.Fatal(err)
			}
			d := &dpopFixture{fixture: f, auth: a, client: prover, jkt: jkt}
			r := dpopRequest("GET", "http://internal:8080/me", tok.Value, d.proof(t, prover, "GET", tt.htu, tok.Value, nil))
			if tt.setup != nil {
				tt.setup(r)
			}
			h := &okHandler{}
			res, _ := serve(a.Authenticate(h), r)
			if h.ran != tt.ok {
				t.Errorf("got status %d, handler ran %v; want it to run: %v", res.StatusCode, h.ran, tt.ok)
			}
		})
	}
}

func forwarded(r *http.Request) {
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", "api.example.com, internal:8080")
}

// TestDPoPWithQueryToken: a DPoP request that also carries a token in
// the query parameter uses two methods at once and is malformed.
func TestDPoPWithQueryToken(t *testing.T) {
	d := newDPoPFixture(t, middleware.Options{QueryParameter: "access_token"})
	tok := d.bound(t).Value
	url := publicURL + "/me?access_token=" + tok
	res, body := serve(d.auth.Authenticate(mustNotRun(t)), dpopRequest("GET", url, tok, d.proof(t, d.client, "GET", publicURL+"/me", tok, nil)))
	wantDPoPFailure(t, res, body, http.StatusBadRequest, "invalid_request", true)
}

// TestDPoPRequiredRefusesBearerTransports: the cookie and the query
// parameter carry bearer tokens only, which DPoPRequired refuses, so
// New refuses them together and names the option to drop.
func TestDPoPRequiredRefusesBearerTransports(t *testing.T) {
	f := newFixture(t)
	cookie, err := middleware.NewCookie("__Host-session", middleware.CookieOptions{})
	if err != nil {
		t.Fatal(err)
	}
	required := middleware.DPoPOptions{Mode: middleware.DPoPRequired}
	tests := []struct {
		name string
		opts middleware.Options
		want string
	}{
		{"cookie", middleware.Options{Cookie: cookie, DPoP: required}, "Options.Cookie"},
		{"query parameter", middleware.Options{QueryParameter: "access_token", DPoP: required}, "Options.QueryParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := middleware.New(f.m, tt.opts)
			if err == nil || a != nil {
				t.Fatalf("got %v, %v; want an error", a, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "middleware: "+tt.want) || !strings.Contains(msg, "DPoPRequired") {
				t.Errorf("got %q, want a middleware error naming %s and DPoPRequired", msg, tt.want)
			}
		})
		t.Run(tt.name+" allowed", func(t *testing.T) {
			o := tt.opts
			o.DPoP = middleware.DPoPOptions{}
			if _, err := middleware.New(f.m, o); err != nil {
				t.Errorf("with DPoPAllowed: got %v, want no error", err)
			}
		})
	}
}
