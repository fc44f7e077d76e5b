package middleware_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/justinas/alice"
	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// TestDPoPLoginFlow: POST /login behind CheckProof issues a token bound
// to the proof's key, which then works with DPoP on /me, slides forward
// bound to the same key, and is refused as Bearer.
func TestDPoPLoginFlow(t *testing.T) {
	const login, me = publicURL + "/login", publicURL + "/me"
	d := newDPoPFixture(t, middleware.Options{})
	var issued *session.Token
	loginHandler := d.auth.CheckProof(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jkt, ok := middleware.ThumbprintFromContext(r.Context())
		var err error
		if ok {
			issued, err = d.m.IssueBound(r.Context(), "u1", jkt, nil)
		} else {
			issued, err = d.m.Issue(r.Context(), "u1", nil)
		}
		if err != nil {
			t.Error(err)
		}
	}))
	res, _ := serve(loginHandler, dpopRequest("POST", login, "", d.proof(t, d.client, "POST", login, "", nil)))
	if res.StatusCode != http.StatusOK || issued == nil || issued.Claims.KeyThumbprint != d.jkt {
		t.Fatalf("login with a proof: got status %d, token %+v; want one bound to %q", res.StatusCode, issued, d.jkt)
	}
	tok := issued.Value
	// Without a proof the login issues a bearer token.
	issued = nil
	if res, _ := serve(loginHandler, dpopRequest("POST", login, "")); res.StatusCode != http.StatusOK || issued == nil || issued.Claims.KeyThumbprint != "" {
		t.Fatalf("login without a proof: got status %d, token %+v; want an unbound one", res.StatusCode, issued)
	}
	// A replayed, a misdirected and a doubled proof are refused.
	p := d.proof(t, d.client, "POST", login, "", nil)
	serve(loginHandler, dpopRequest("POST", login, "", p))
	for name, r := range map[string]*http.Request{
		"replayed":   dpopRequest("POST", login, "", p),
		"other path": dpopRequest("POST", publicURL+"/refresh", "", d.proof(t, d.client, "POST", login, "", nil)),
		"other htm":  dpopRequest("POST", login, "", d.proof(t, d.client, "GET", login, "", nil)),
	} {
		res, body := serve(d.auth.CheckProof(mustNotRun(t)), r)
		t.Run(name, func(t *testing.T) { wantDPoPFailure(t, res, body, http.StatusUnauthorized, "invalid_dpop_proof", true) })
	}
	res, body := serve(d.auth.CheckProof(mustNotRun(t)), dpopRequest("POST", login, "", p, p))
	wantDPoPFailure(t, res, body, http.StatusBadRequest, "invalid_request", true)

	// Sliding renewal keeps the binding.
	d.clock.Advance(defaultTTL - time.Minute)
	h := &okHandler{}
	chain := alice.New(d.auth.Authenticate, d.auth.Renew).Then(h)
	res, body = serve(chain, dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil)))
	renewed := res.Header.Get(defaultRenewHeader)
	if res.StatusCode != http.StatusOK || renewed == "" {
		t.Fatalf("got status %d (body %q), renewed %q; want 200 with a renewed token", res.StatusCode, body, renewed)
	}
	c, err := d.m.Verify(context.Background(), renewed)
	if err != nil || c.KeyThumbprint != d.jkt {
		t.Fatalf("renewed token: got %v, %v; want one bound to %q", c, err, d.jkt)
	}
	if res, _ := serve(d.auth.Authenticate(mustNotRun(t)), bearer(httptest.NewRequest("GET", me, nil), renewed)); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("renewed token as Bearer: got status %d, want 401", res.StatusCode)
	}
	if res, _ := serve(d.auth.Authenticate(h), dpopRequest("GET", me, renewed, d.proof(t, d.client, "GET", me, renewed, nil))); res.StatusCode != http.StatusOK {
		t.Errorf("renewed token with DPoP: got status %d, want 200", res.StatusCode)
	}
}

// TestDPoPProof checks Auth.Proof, the check without HTTP.
func TestDPoPProof(t *testing.T) {
	const refresh = publicURL + "/refresh"
	d := newDPoPFixture(t, middleware.Options{})
	tok := d.bound(t).Value
	tests := []struct {
		name    string
		r       *http.Request
		want    string
		status  int
		errCode string
	}{
		{"no proof", dpopRequest("POST", refresh, ""), "", 0, ""},
		{"proof", dpopRequest("POST", refresh, "", d.proof(t, d.client, "POST", refresh, "", nil)), d.jkt, 0, ""},
		{"proof with the token's ath", dpopRequest("POST", refresh, tok, d.proof(t, d.client, "POST", refresh, tok, nil)), d.jkt, 0, ""},
		{"token without ath", dpopRequest("POST", refresh, tok, d.proof(t, d.client, "POST", refresh, "", nil)), "", 401, "invalid_dpop_proof"},
		{"stale", dpopRequest("POST", refresh, "", d.proof(t, d.client, "POST", refresh, "", func(c *testkit.ProofClaims) { c.IAT = c.IAT.Add(-time.Hour) })), "", 401, "invalid_dpop_proof"},
		{"two proofs", dpopRequest("POST", refresh, "", "a", "b"), "", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.auth.Proof(tt.r)
			if tt.errCode == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			e, ok := err.(*middleware.Error)
			if !ok || e.Status != tt.status || e.Code != tt.errCode || got != "" {
				t.Fatalf("got %q, %v; want a %d %s *Error", got, err, tt.status, tt.errCode)
			}
		})
	}
	required := newDPoPFixture(t, middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPRequired}})
	if _, err := required.auth.Proof(dpopRequest("POST", refresh, "")); err == nil {
		t.Error("DPoPRequired without a proof: got no error, want one")
	}
	res, body := serve(required.auth.CheckProof(mustNotRun(t)), dpopRequest("POST", refresh, ""))
	wantDPoPFailure(t, res, body, http.StatusUnauthorized, "invalid_dpop_proof", false)
}

// TestDPoPReplayAcrossInstances: a proof accepted by one instance is
// refused by another that shares its replay cache (memory, or Redis),
// and only then.
func TestDPoPReplayAcrossInstances(t *testing.T) {
	const me = publicURL + "/me"
	shared := session.NewMemoryStore(session.MemoryStoreOptions{})
	tests := []struct {
		name   string
		caches func(t *testing.T) (session.ReplayCache, session.ReplayCache)
		shared bool
	}{
		{"separate memory caches", func(*testing.T) (session.ReplayCache, session.ReplayCache) { return nil, nil }, false},
		{"one memory store", func(*testing.T) (session.ReplayCache, session.ReplayCache) { return shared, shared }, true},
		{"redis", func(t *testing.T) (session.ReplayCache, session.ReplayCache) {
			srv := redistest.Start(t, redistest.Options{})
			return newRedisStore(t, srv.Addr), newRedisStore(t, srv.Addr)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDPoPFixture(t, middleware.Options{})
			a, b := tt.caches(t)
			first := mustNew(t, d.m, middleware.Options{DPoP: middleware.DPoPOptions{PublicURL: publicURL, ReplayCache: a}})
			second := mustNew(t, d.m, middleware.Options{DPoP: middleware.DPoPOptions{PublicURL: publicURL, ReplayCache: b}})
			tok := d.bound(t).Value
			p := d.proof(t, d.client, "GET", me, tok, nil)
			if res, body := serve(first.Authenticate(&okHandler{}), dpopRequest("GET", me, tok, p)); res.StatusCode != http.StatusOK {
				t.Fatalf("first instance: got status %d (body %q), want 200", res.StatusCode, body)
			}
			h := &okHandler{}
			res, body := serve(second.Authenticate(h), dpopRequest("GET", me, tok, p))
			if !tt.shared {
				if !h.ran {
					t.Fatalf("control: got status %d from an instance with its own cache, want 200", res.StatusCode)
				}
				return
			}
			if h.ran {
				t.Fatal("got the replayed proof accepted by the second instance")
			}
			wantDPoPFailure(t, res, body, http.StatusUnauthorized, "invalid_dpop_proof", true)
		})
	}
}

// newRedisStore returns a redisstore.Store on addr.
func newRedisStore(t *testing.T, addr string) *redisstore.Store {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableRetry: true, Dialer: net.Dialer{Timeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	s, err := redisstore.New(c, redisstore.Options{Prefix: "dpop-test:"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// failingCache is a ReplayCache that cannot answer.
type failingCache struct{}

func (failingCache) Add(context.Context, string, time.Time) (bool, error) {
	return false, session.ErrStoreUnavailable
}

// TestDPoPReplayCacheDown: a replay cache that cannot answer fails the
// request closed with 503.
func TestDPoPReplayCacheDown(t *testing.T) {
	const me = publicURL + "/me"
	d := newDPoPFixture(t, middleware.Options{DPoP: middleware.DPoPOptions{ReplayCache: failingCache{}}})
	tok := d.bound(t).Value
	res, _ := serve(d.auth.Authenticate(mustNotRun(t)), dpopRequest("GET", me, tok, d.proof(t, d.client, "GET", me, tok, nil)))
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("got status %d, Retry-After %q; want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
}
