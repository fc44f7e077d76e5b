package jwks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/session"
)

// fakeIssuer is an OpenID provider on a loopback test server: it serves
// its configuration and its JWK Set, and signs tokens with iss set to its
// issuer identifier. A test switches what the configuration says and
// takes the whole server down.
type fakeIssuer struct {
	t      *testing.T
	srv    *httptest.Server
	issuer string
	ks     *session.KeySet
	m      *session.Manager

	discoveries atomic.Int64
	mu          sync.Mutex
	config      string // the configuration served; "" for the default
	jwksPath    string
	sets        map[string]http.Handler // JWK Sets by path
	down        bool
}

// newFakeIssuer starts an issuer whose identifier is its URL followed by
// path ("" or, say, "/tenant/"), signing with first.
func newFakeIssuer(t *testing.T, clock *testkit.Clock, path string, first session.Key) *fakeIssuer {
	t.Helper()
	f := &fakeIssuer{t: t, jwksPath: "/jwks", sets: map[string]http.Handler{}}
	var err error
	if f.ks, err = session.NewKeySet(first); err != nil {
		t.Fatal(err)
	}
	publish, err := Handler(f.ks, HandlerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.sets["/jwks"] = publish
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.issuer = f.srv.URL + path
	f.m = f.manager(clock, f.issuer)
	return f
}

// manager returns a Manager signing with f's keys, writing iss.
func (f *fakeIssuer) manager(clock *testkit.Clock, iss string) *session.Manager {
	f.t.Helper()
	m, err := session.New(f.ks, session.Options{Clock: clock.Now, Issuer: iss})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *fakeIssuer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	down, config, jwksPath, set := f.down, f.config, f.jwksPath, f.sets[r.URL.Path]
	f.mu.Unlock()
	switch {
	case down:
		http.Error(w, "down", http.StatusServiceUnavailable)
	case r.URL.Path == strings.TrimPrefix(configurationURL(f.issuer), f.srv.URL):
		f.discoveries.Add(1)
		if config == "" {
			config = fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q,"id_token_signing_alg_values_supported":["ES256"]}`, f.issuer, f.srv.URL+jwksPath)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(config))
	case set != nil:
		set.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// set changes what f serves while holding its lock.
func (f *fakeIssuer) set(change func(f *fakeIssuer)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

func (f *fakeIssuer) issue(m *session.Manager) string {
	f.t.Helper()
	if m == nil {
		m = f.m
	}
	tok, err := m.Issue(context.Background(), "u1", nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok.Value
}

// issuersFixture is a verify-only Manager on the Issuers of fake
// issuers, sharing their clock.
type issuersFixture struct {
	clock    *testkit.Clock
	issuers  *Issuers
	verifier *session.Manager
	errs     *errorLog
}

func newIssuersFixture(t *testing.T, clock *testkit.Clock, opts RemoteOptions, issuers ...string) *issuersFixture {
	t.Helper()
	f := &issuersFixture{clock: clock, errs: &errorLog{}}
	opts.OnFetchError = f.errs.add
	var err error
	if f.issuers, err = newIssuers(issuers, opts, clock.Now); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.issuers.Close)
	if f.verifier, err = session.New(f.issuers, session.Options{Clock: clock.Now}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *issuersFixture) verify(tok string) error {
	_, err := f.verifier.Verify(context.Background(), tok)
	return err
}

func newTestClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
}
