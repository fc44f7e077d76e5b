package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/session"
)

var discard = log.New(io.Discard, "", 0)

func noEnv(string) string { return "" }

// client is an HTTP client for the test servers, bounded in time.
var client = &http.Client{Timeout: 10 * time.Second}

// do sends a request with an optional bearer token and body.
func do(t *testing.T, method, url, token, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func wantStatus(t *testing.T, res *http.Response, want int) {
	t.Helper()
	if res.StatusCode != want {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("%s %s: got status %d, want %d (body %q)", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, body)
	}
}

func decode[T any](t *testing.T, res *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	return v
}

func login(t *testing.T, issuerURL string) string {
	t.Helper()
	res := do(t, "POST", issuerURL+"/login", "", `{"username":"alice","password":"wonderland"}`)
	wantStatus(t, res, http.StatusOK)
	return decode[demo.TokenResponse](t, res).AccessToken
}

// publishedKids returns the kids of the issuer's JWK Set.
func publishedKids(t *testing.T, issuerURL string) []string {
	t.Helper()
	res := do(t, "GET", issuerURL+"/.well-known/jwks.json", "", "")
	wantStatus(t, res, http.StatusOK)
	set := decode[struct {
		Keys []map[string]any `json:"keys"`
	}](t, res)
	var kids []string
	for _, k := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("published key %v has private member %q", k["kid"], private)
			}
		}
		kids = append(kids, k["kid"].(string))
	}
	return kids
}

// timers records what the issuer schedules (activations and
// retirements), to run it when the test says: the test's clock.
type timers struct {
	mu    sync.Mutex
	delay []time.Duration
	run   []func()
}

func (r *timers) after(d time.Duration, f func()) func() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delay = append(r.delay, d)
	r.run = append(r.run, f)
	return func() bool { return true }
}

// fire runs the i-th scheduled function after checking its delay.
func (r *timers) fire(t *testing.T, i int, want time.Duration) {
	t.Helper()
	r.mu.Lock()
	if len(r.run) <= i {
		r.mu.Unlock()
		t.Fatalf("scheduled: got %v, want a function number %d after %v", r.delay, i+1, want)
	}
	d, f := r.delay[i], r.run[i]
	r.mu.Unlock()
	if d != want {
		t.Fatalf("scheduled function %d: got a delay of %v, want %v", i+1, d, want)
	}
	f()
}

// count returns how many functions have been scheduled.
func (r *timers) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.run)
}

// pair is an issuer and a resource server on test servers.
type pair struct {
	is          *issuer
	timers      *timers
	issuerURL   string
	resourceURL string
	res         *resource
}

func newPair(t *testing.T, issuerArgs ...string) *pair {
	t.Helper()
	is, timers, issuerURL := newTestIssuer(t, issuerArgs...)
	p := &pair{is: is, timers: timers, issuerURL: issuerURL}
	p.res = newTestResource(t, issuerURL+"/.well-known/jwks.json", "-refetch-cooldown", "1ms")
	rh, err := newResourceServer(p.res)
	if err != nil {
		t.Fatal(err)
	}
	resourceSrv := httptest.NewServer(rh)
	t.Cleanup(resourceSrv.Close)
	p.resourceURL = resourceSrv.URL
	return p
}

// newTestIssuer starts the issuer role with args on a test server, its
// issuer identifier the server's URL, and returns it with its timers and
// URL.
func newTestIssuer(t *testing.T, args ...string) (*issuer, *timers, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	url := "http://" + srv.Listener.Addr().String()
	opts, err := parseFlags(append([]string{"-role", "issuer", "-issuer", url}, args...))
	if err != nil {
		t.Fatal(err)
	}
	is, err := newIssuer(opts, noEnv, discard)
	if err != nil {
		t.Fatal(err)
	}
	tm := &timers{}
	is.after = tm.after
	if srv.Config.Handler, err = newIssuerServer(is); err != nil {
		t.Fatal(err)
	}
	srv.Start()
	return is, tm, url
}

// newTestResource returns the resource role with args, its keys from
// jwksURL unless args name issuers.
func newTestResource(t *testing.T, jwksURL string, args ...string) *resource {
	t.Helper()
	if jwksURL != "" {
		args = append([]string{"-jwks-url", jwksURL}, args...)
	}
	opts, err := parseFlags(append([]string{"-role", "resource"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	res, err := newResource(opts, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(res.close)
	return res
}

// TestIssuerAndResource walks through both roles: log in at the issuer,
// call the resource server, rotate, and retire the old key.
func TestIssuerAndResource(t *testing.T) {
	p := newPair(t)
	tok := login(t, p.issuerURL)

	res := do(t, "GET", p.resourceURL+"/me", tok, "")
	wantStatus(t, res, http.StatusOK)
	if got := decode[map[string]string](t, res); got["user_id"] != "123" {
		t.Errorf("/me: got %v, want user_id 123", got)
	}
	if got := res.Header.Get("X-Renewed-Token"); got != "" {
		t.Errorf("/me: the resource server renewed a token: %q", got)
	}
	wantStatus(t, do(t, "GET", p.resourceURL+"/readyz", "", ""), http.StatusOK)
	wantStatus(t, do(t, "GET", p.resourceURL+"/healthz", "", ""), http.StatusOK)

	res = do(t, "GET", p.resourceURL+"/me", "", "")
	wantStatus(t, res, http.StatusUnauthorized)
	if got, want := res.Header.Get("WWW-Authenticate"), `Bearer realm="jwtsession-demo"`; got != want {
		t.Errorf("WWW-Authenticate: got %q, want %q", got, want)
	}
	wantStatus(t, do(t, "GET", p.resourceURL+"/me", tok+"x", ""), http.StatusUnauthorized)

	// POST /refresh at the issuer, as examples/basic.
	res = do(t, "POST", p.issuerURL+"/refresh", tok, "")
	wantStatus(t, res, http.StatusOK)
	refreshed := decode[demo.TokenResponse](t, res)
	if refreshed.TokenType != "Bearer" || refreshed.ExpiresIn != 1800 || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("/refresh: got %+v (Cache-Control %q), want a Bearer token for 1800 s, no-store", refreshed, res.Header.Get("Cache-Control"))
	}
	wantStatus(t, do(t, "GET", p.resourceURL+"/me", refreshed.AccessToken, ""), http.StatusOK)

	// Rotate: the new key is published at once and signs after the
	// activation delay; the old one stays published.
	oldKid := testkit.KidOf(t, tok)
	if err := p.is.rotate(); err != nil {
		t.Fatal(err)
	}
	published := publishedKids(t, p.issuerURL)
	if len(published) != 2 || published[0] != oldKid {
		t.Fatalf("published after rotation: got %v, want [%s <new>]", published, oldKid)
	}
	newKid := published[1]
	if got := testkit.KidOf(t, login(t, p.issuerURL)); got != oldKid {
		t.Errorf("kid right after rotation: got %q, want %q until the activation delay has passed", got, oldKid)
	}
	p.timers.fire(t, 0, defaultActivateAfter)
	fresh := login(t, p.issuerURL)
	if got := testkit.KidOf(t, fresh); got != newKid {
		t.Fatalf("kid after the activation delay: got %q, want %q", got, newKid)
	}
	if got := publishedKids(t, p.issuerURL); len(got) != 2 || got[0] != newKid || got[1] != oldKid {
		t.Errorf("published after activation: got %v, want [%s %s]", got, newKid, oldKid)
	}
	wantStatus(t, do(t, "GET", p.resourceURL+"/me", fresh, ""), http.StatusOK)
	wantStatus(t, do(t, "GET", p.resourceURL+"/me", tok, ""), http.StatusOK)

	// The old key is retired after the TTL plus the leeway.
	p.timers.fire(t, 1, 30*time.Minute+leeway)
	if got := publishedKids(t, p.issuerURL); len(got) != 1 || got[0] != newKid {
		t.Errorf("published after retirement: got %v, want [%s]", got, newKid)
	}
	wantStatus(t, do(t, "GET", p.resourceURL+"/me", fresh, ""), http.StatusOK)
	wantStatus(t, do(t, "POST", p.issuerURL+"/refresh", tok, ""), http.StatusUnauthorized)
}

// TestRotationPublishesBeforeSigning: a resource server that fetched the
// key set right after a rotation, and would not refetch for an hour,
// verifies the tokens signed once the new key is activated.
func TestRotationPublishesBeforeSigning(t *testing.T) {
	p := newPair(t)
	oldKid := testkit.KidOf(t, login(t, p.issuerURL))
	if err := p.is.rotate(); err != nil {
		t.Fatal(err)
	}
	if err := p.is.rotate(); err == nil {
		t.Error("second rotation before the first key signs: got nil, want an error")
	}

	// A resource server whose fetches are counted, started now.
	h, err := newIssuerServer(p.is)
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int64
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/jwks.json" {
			fetches.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(jwks.Close)
	res := newTestResource(t, jwks.URL+"/.well-known/jwks.json", "-refresh-every", "1h", "-refetch-cooldown", "1h")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := res.keys.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	rh, err := newResourceServer(res)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rh)
	t.Cleanup(srv.Close)
	wantStatus(t, do(t, "GET", srv.URL+"/me", login(t, p.issuerURL), ""), http.StatusOK)
	before := fetches.Load()

	p.timers.fire(t, 0, defaultActivateAfter)
	fresh := login(t, p.issuerURL)
	if kid := testkit.KidOf(t, fresh); kid == oldKid {
		t.Fatalf("kid after the activation delay: got the old %q, want the new key's", kid)
	}
	wantStatus(t, do(t, "GET", srv.URL+"/me", fresh, ""), http.StatusOK)
	if got := fetches.Load(); got != before {
		t.Errorf("JWKS fetches: got %d, want %d (the key was published before it signed)", got, before)
	}
	if err := p.is.rotate(); err != nil {
		t.Errorf("rotation once the new key signs: %v", err)
	}
}

// TestRotationActivateAfter: -activate-after sets the delay; 0 signs with
// the new key at once, as an emergency rotation needs.
func TestRotationActivateAfter(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		delay   time.Duration // of the activation; 0: none scheduled
		signNew bool          // right after rotation
	}{
		{"default", nil, defaultActivateAfter, false},
		{"1m", []string{"-activate-after", "1m"}, time.Minute, false},
		{"0", []string{"-activate-after", "0"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPair(t, tt.args...)
			oldKid := testkit.KidOf(t, login(t, p.issuerURL))
			if err := p.is.rotate(); err != nil {
				t.Fatal(err)
			}
			if got := testkit.KidOf(t, login(t, p.issuerURL)) != oldKid; got != tt.signNew {
				t.Errorf("new key signs right after rotation: got %v, want %v", got, tt.signNew)
			}
			if tt.signNew {
				// Only the retirement of the old key is scheduled.
				if p.timers.count() != 1 {
					t.Fatalf("scheduled: got %d functions, want the retirement only", p.timers.count())
				}
				p.timers.fire(t, 0, 30*time.Minute+leeway)
				return
			}
			p.timers.fire(t, 0, tt.delay)
			if testkit.KidOf(t, login(t, p.issuerURL)) == oldKid {
				t.Error("after the activation delay: got the old kid, want the new key to sign")
			}
		})
	}
}

// TestStopCancelsActivation: an activation due after shutdown does not
// happen.
func TestStopCancelsActivation(t *testing.T) {
	p := newPair(t)
	before := activeID(p.is.ks)
	if err := p.is.rotate(); err != nil {
		t.Fatal(err)
	}
	p.is.stop()
	p.timers.fire(t, 0, defaultActivateAfter)
	if got := activeID(p.is.ks); got != before {
		t.Errorf("active key after stop: got %q, want %q", got, before)
	}
}

// TestResourceOutage: with no key set and the issuer unreachable, /me
// answers 503 with Retry-After (never 401), and /readyz 503.
func TestResourceOutage(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL + "/.well-known/jwks.json"
	down.Close()
	res := newTestResource(t, url)
	rh, err := newResourceServer(res)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rh)
	t.Cleanup(srv.Close)

	// A token from an issuer the resource server cannot reach.
	p := newPair(t)
	tok := login(t, p.issuerURL)
	r := do(t, "GET", srv.URL+"/me", tok, "")
	wantStatus(t, r, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") == "" || r.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("503: got Retry-After %q, WWW-Authenticate %q; want Retry-After and no challenge", r.Header.Get("Retry-After"), r.Header.Get("WWW-Authenticate"))
	}
	if got := decode[map[string]string](t, r); got["error"] != "temporarily_unavailable" {
		t.Errorf("503 body: got %v, want temporarily_unavailable", got)
	}
	wantStatus(t, do(t, "GET", srv.URL+"/readyz", "", ""), http.StatusServiceUnavailable)
	wantStatus(t, do(t, "GET", srv.URL+"/healthz", "", ""), http.StatusOK)
}

// TestResourceReadyz: /readyz answers 503 until the issuer publishes,
// then 200.
func TestResourceReadyz(t *testing.T) {
	var mu sync.Mutex
	var publish http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "starting", http.StatusServiceUnavailable)
	})
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := publish
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(jwks.Close)
	res := newTestResource(t, jwks.URL+"/.well-known/jwks.json", "-refetch-cooldown", "1ms")
	rh, _ := newResourceServer(res)
	srv := httptest.NewServer(rh)
	t.Cleanup(srv.Close)

	r := do(t, "GET", srv.URL+"/readyz", "", "")
	wantStatus(t, r, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") == "" {
		t.Error("/readyz 503 without Retry-After")
	}
	p := newPair(t)
	mu.Lock()
	publish, _ = newIssuerServer(p.is)
	mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for do(t, "GET", srv.URL+"/readyz", "", "").StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz still 503 after 5 s with the issuer up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	wantStatus(t, do(t, "GET", srv.URL+"/me", login(t, p.issuerURL), ""), http.StatusOK)
}

// TestAlgorithms: every -alg issues tokens the resource server accepts,
// with the key set's URL or by discovery.
func TestAlgorithms(t *testing.T) {
	for _, alg := range []string{"ES256", "ES384", "ES512", "EdDSA", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"} {
		t.Run(alg, func(t *testing.T) {
			p := newPair(t, "-alg", alg)
			tok := login(t, p.issuerURL)
			h, _, _ := strings.Cut(tok, ".")
			raw, _ := base64.RawURLEncoding.DecodeString(h)
			if !strings.Contains(string(raw), `"alg":"`+alg+`"`) {
				t.Errorf("header: got %s, want alg %s", raw, alg)
			}
			wantStatus(t, do(t, "GET", p.resourceURL+"/me", tok, ""), http.StatusOK)
			wantStatus(t, do(t, "GET", startResource(t, "-issuer", p.issuerURL)+"/me", tok, ""), http.StatusOK)
		})
	}
}

// TestSigningKeyFile: JWT_SIGNING_KEY_FILE supplies the first key; its
// kid is the key's thumbprint.
func TestSigningKeyFile(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	path := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(name string) string {
		if name == "JWT_SIGNING_KEY_FILE" {
			return path
		}
		return ""
	}
	opts, _ := parseFlags([]string{"-role", "issuer"})
	is, err := newIssuer(opts, env, discard)
	if err != nil {
		t.Fatal(err)
	}
	if kid := activeID(is.ks); len(kid) != 43 {
		t.Errorf("kid: got %q, want a SHA-256 thumbprint", kid)
	}
	opts, _ = parseFlags([]string{"-role", "issuer", "-alg", "RS256"})
	if _, err := newIssuer(opts, env, discard); err == nil || !strings.Contains(err.Error(), "JWT_SIGNING_KEY_FILE") {
		t.Errorf("EC key with -alg RS256: got %v, want an error naming JWT_SIGNING_KEY_FILE", err)
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags([]string{"-role", "issuer"})
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:8081" || o.alg != "ES256" || o.ttl != 30*time.Minute || o.renewWithin != 10*time.Minute || o.maxLifetime != 24*time.Hour || o.rotateEvery != 0 || o.activateAfter != 10*time.Minute {
		t.Errorf("issuer defaults: got %+v", o)
	}
	o, err = parseFlags([]string{"-role", "resource", "-issuer", "https://a.example,https://b.example/", "-issuer", "https://c.example", "-audience", "api", "-audience", "admin,reports"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://a.example", "https://b.example/", "https://c.example"}; !slices.Equal(o.issuers, want) {
		t.Errorf("-issuer: got %q, want %q", o.issuers, want)
	}
	if want := []string{"api", "admin", "reports"}; !slices.Equal(o.audiences, want) {
		t.Errorf("-audience: got %q, want %q", o.audiences, want)
	}
	o, err = parseFlags([]string{"-role", "resource"})
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:8082" || o.jwksURL != "http://127.0.0.1:8081/.well-known/jwks.json" || o.refreshEvery != 5*time.Minute || o.refetchCooldown != 30*time.Second {
		t.Errorf("resource defaults: got %+v", o)
	}
	for _, args := range [][]string{
		{"-role", "issuer", "-rotate-every", "1h"},
		{"-role", "issuer", "-rotate-every", "2m", "-activate-after", "1m"},
		{"-role", "issuer", "-rotate-every", "1m", "-activate-after", "0"},
	} {
		if _, err := parseFlags(args); err != nil {
			t.Errorf("%v: got %v, want no error", args, err)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-role must be issuer or resource"},
		{[]string{"-role", "verifier"}, "-role must be"},
		{[]string{"-role", "issuer", "-jwks-url", "http://x"}, "-jwks-url is a flag of the resource role"},
		{[]string{"-role", "resource", "-alg", "RS256"}, "-alg is a flag of the issuer role"},
		{[]string{"-role", "resource", "-ttl", "1m"}, "-ttl is a flag of the issuer role"},
		{[]string{"-role", "issuer", "-rotate-every", "-1s"}, "must not be negative"},
		{[]string{"-role", "issuer", "-activate-after", "-1s"}, "-activate-after must not be negative"},
		{[]string{"-role", "issuer", "-rotate-every", "5m"}, "-rotate-every (5m0s) must be longer than -activate-after (10m0s)"},
		{[]string{"-role", "issuer", "-rotate-every", "1m", "-activate-after", "1m"}, "must be longer than -activate-after"},
		{[]string{"-role", "resource", "-activate-after", "1m"}, "-activate-after is a flag of the issuer role"},
		{[]string{"-role", "issuer", "extra"}, "unexpected arguments"},
		{[]string{"-role", "issuer", "-issuer", "http://a.example,http://b.example"}, "one issuer identifier"},
		{[]string{"-role", "resource", "-jwks-url", "http://x/jwks", "-issuer", "http://y"}, "not both"},
		{[]string{"-role", "resource", "-audience", "api,"}, "empty value"},
	} {
		if _, err := parseFlags(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	for _, args := range [][]string{
		{"-role", "issuer", "-alg", "HS256"},
		{"-role", "issuer", "-alg", "HS512"},
		{"-role", "issuer", "-ttl", "1h", "-max-lifetime", "30m"},
		{"-role", "resource", "-jwks-url", "http://issuer.example/jwks.json"},
		{"-role", "resource", "-refetch-cooldown", "0s"},
		{"-role", "issuer", "-issuer", "ftp://issuer.example"},
		{"-role", "issuer", "-issuer", "https://issuer.example/?tenant=1"},
		{"-role", "resource", "-issuer", "http://issuer.example"},
		{"-role", "resource", "-issuer", "https://issuer.example#x"},
	} {
		if err := run(context.Background(), args, noEnv, discard, nil); err == nil {
			t.Errorf("%v: got nil, want a configuration error", args)
		}
	}
}

// activeID returns the key id of the signing key of ks.
func activeID(ks *session.KeySet) string {
	k, _ := ks.SigningKey()
	return k.ID()
}
