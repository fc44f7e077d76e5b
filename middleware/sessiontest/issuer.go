package sessiontest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// Secret is the HS256 secret of every HS256 [Issuer]. It is public:
// tokens signed with it prove nothing outside tests.
const Secret = "jwtsession/sessiontest: a fixed, public, test-only HS256 secret"

// Issuer signs tokens for one test, as the service that logs users in
// would: with a key of one algorithm, on a clock that starts at the
// current time, truncated to the second, and moves only by
// [Issuer.Advance]. Its methods fail the test (with t.Fatalf) when
// something cannot be done, so call them from the test's goroutine;
// [Issuer.Now] and [Issuer.Advance] are safe for concurrent use.
type Issuer struct {
	// Manager signs with the Issuer's key and verifies its tokens, on the
	// Issuer's clock.
	Manager *session.Manager

	t    testing.TB
	opts session.Options
	keys session.Keys // a session.Key for HS256, else a *session.KeySet

	mu  sync.Mutex // guards the fields below
	now time.Time
	url string // of the loopback server; "" until it starts
}

// NewIssuer returns an Issuer that signs with alg: "ES256", "EdDSA",
// "RS256" or "PS256" with a key generated now (RSA keys have 2048 bits),
// whose key id is its RFC 7638 thumbprint; or "HS256" with [Secret] and no
// key id. opts configure the Manager as in [session.New] (TTL, issuer,
// audience, store, …); the clock is the Issuer's own, so opts.Clock is
// ignored.
func NewIssuer(t testing.TB, alg string, opts session.Options) *Issuer {
	t.Helper()
	keys, err := newKeys(alg)
	if err != nil {
		t.Fatalf("sessiontest: %v", err)
	}
	iss := &Issuer{t: t, opts: opts, keys: keys, now: time.Now().Truncate(time.Second)}
	if iss.Manager, err = iss.newManager(iss.Now, 0); err != nil {
		t.Fatalf("sessiontest: %v", err)
	}
	return iss
}

// newKeys returns the keys of a new Issuer of alg.
func newKeys(alg string) (session.Keys, error) {
	var (
		material any
		err      error
	)
	switch alg {
	case "HS256":
		return session.HS256([]byte(Secret)), nil
	case "ES256":
		material, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, material, err = ed25519.GenerateKey(rand.Reader)
	case "RS256", "PS256":
		material, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, fmt.Errorf("algorithm %q is not supported; use ES256, EdDSA, RS256, PS256 or HS256", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generate a %s key: %w", alg, err)
	}
	k, err := session.NewKey(material, alg, "")
	if err != nil {
		return nil, err
	}
	kid, err := jwks.Thumbprint(k)
	if err != nil {
		return nil, err
	}
	return session.NewKeySet(k.WithID(kid))
}

// newManager returns a Manager on the Issuer's keys and options that reads
// the time from now. A positive ttl replaces the TTL of the options, and
// the renewal threshold and maximum lifetime make room for it.
func (iss *Issuer) newManager(now func() time.Time, ttl time.Duration) (*session.Manager, error) {
	opts := iss.opts
	opts.Clock = now
	if ttl > 0 {
		opts.TTL, opts.RenewWithin = ttl, ttl
		opts.MaxLifetime = max(ttl, iss.Manager.MaxLifetime())
	}
	return session.New(iss.keys, opts)
}

// Now returns the time on the Issuer's clock. Pass it as [session.Options].Clock
// so that a verifier under test shares the clock.
func (iss *Issuer) Now() time.Time {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return iss.now
}

// Advance moves the Issuer's clock forward by d (backward for a negative
// d), for the Issuer's Manager and every verifier that reads [Issuer.Now].
func (iss *Issuer) Advance(d time.Duration) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.now = iss.now.Add(d)
}

// JWKSURL returns the URL of the Issuer's public JWK Set, served by
// [jwks.Handler] at /.well-known/jwks.json on a loopback httptest server
// that starts at the first call and closes when the test ends. Package
// jwks accepts its plain http URL because the host is loopback. An HS256
// Issuer has no public key to publish: JWKSURL fails the test.
func (iss *Issuer) JWKSURL() string {
	iss.t.Helper()
	return iss.server() + "/.well-known/jwks.json"
}

// server returns the URL of the Issuer's loopback server, starting it at
// the first call.
func (iss *Issuer) server() string {
	iss.t.Helper()
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if iss.url != "" {
		return iss.url
	}
	ks, ok := iss.keys.(*session.KeySet)
	if !ok {
		iss.t.Fatalf("sessiontest: an HS256 secret is never published; verify with the Issuer's Manager, or with session.HS256([]byte(sessiontest.Secret))")
	}
	h, err := jwks.Handler(ks, jwks.HandlerOptions{})
	if err != nil {
		iss.t.Fatalf("sessiontest: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/jwks.json", h)
	mux.HandleFunc("GET /.well-known/openid-configuration", iss.configuration)
	srv := httptest.NewServer(mux)
	iss.t.Cleanup(srv.Close)
	iss.url = srv.URL
	return iss.url
}
