package jwks

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// remoteClock is the settable clock of the remote set's cooldown and of
// the managers in these tests.
type remoteClock = testkit.Clock

// jwksEndpoint is a JWKS endpoint on a loopback test server. It counts
// requests, and a test switches what it serves.
type jwksEndpoint struct {
	srv     *httptest.Server
	url     string
	fetches atomic.Int64
	mu      sync.Mutex
	h       http.Handler
}

func newJWKSEndpoint(t *testing.T, h http.Handler) *jwksEndpoint {
	t.Helper()
	e := &jwksEndpoint{h: h}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.fetches.Add(1)
		e.mu.Lock()
		h := e.h
		e.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	e.url = e.srv.URL + "/.well-known/jwks.json"
	return e
}

func (e *jwksEndpoint) serve(h http.Handler) {
	e.mu.Lock()
	e.h = h
	e.mu.Unlock()
}

// errorLog collects the errors a Remote reports.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *errorLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprint(l.errs)
}

// remoteFixture is an issuer publishing its KeySet at an endpoint, and a
// verify-only manager on a Remote of that endpoint, sharing a clock.
type remoteFixture struct {
	t        *testing.T
	clock    *remoteClock
	ks       *session.KeySet
	issuer   *session.Manager
	publish  http.Handler
	ep       *jwksEndpoint
	remote   *Remote
	verifier *session.Manager
	errs     *errorLog
}

// newRemoteFixture builds the fixture; opts, at most one, configure the
// Remote.
func newRemoteFixture(t *testing.T, first session.Key, opts ...RemoteOptions) *remoteFixture {
	t.Helper()
	f := &remoteFixture{t: t, clock: testkit.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)), errs: &errorLog{}}
	var err error
	if f.ks, err = session.NewKeySet(first); err != nil {
		t.Fatal(err)
	}
	if f.issuer, err = session.New(f.ks, session.Options{Clock: f.clock.Now}); err != nil {
		t.Fatal(err)
	}
	if f.publish, err = Handler(f.ks, HandlerOptions{}); err != nil {
		t.Fatal(err)
	}
	f.ep = newJWKSEndpoint(t, f.publish)
	f.remote = f.newRemote(opts...)
	if f.verifier, err = session.New(f.remote, session.Options{Clock: f.clock.Now}); err != nil {
		t.Fatal(err)
	}
	return f
}

// newRemote returns a Remote of the fixture's endpoint on its clock,
// reporting to its error log; opts, at most one, configure it.
func (f *remoteFixture) newRemote(opts ...RemoteOptions) *Remote {
	f.t.Helper()
	var o RemoteOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	o.OnFetchError = f.errs.add
	r, err := NewRemote(f.ep.url, o)
	if err != nil {
		f.t.Fatal(err)
	}
	r.now = f.clock.Now
	f.t.Cleanup(r.Close)
	return r
}

func (f *remoteFixture) issue(userID string) string {
	f.t.Helper()
	tok, err := f.issuer.Issue(context.Background(), userID, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok.Value
}

func (f *remoteFixture) verify(tok string) error {
	_, err := f.verifier.Verify(context.Background(), tok)
	return err
}

func (f *remoteFixture) wantFetches(step string, want int64) {
	f.t.Helper()
	if got := f.ep.fetches.Load(); got != want {
		f.t.Fatalf("%s: got %d fetches, want %d", step, got, want)
	}
}

// forge returns a compact token with the given header over claims valid
// at now, signed by sign.
func forge(t testing.TB, header map[string]any, now time.Time, sign func(in []byte) []byte) string {
	t.Helper()
	payload := fmt.Sprintf(`{"user_id":"1","iat":%d,"exp":%d}`, now.Unix(), now.Add(time.Hour).Unix())
	in := enc64(mustJSON(t, header)) + "." + enc64([]byte(payload))
	return in + "." + enc64(sign([]byte(in)))
}

func es256Signer(t testing.TB, k *ecdsa.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte {
		sum := sha256.Sum256(in)
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig
	}
}

func hs256Signer(secret []byte) func([]byte) []byte {
	return func(in []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(in)
		return m.Sum(nil)
	}
}

func junkSigner([]byte) []byte { return make([]byte, 64) }

// randomKidToken is a token naming a random kid, as an attacker sends
// them; its signature is never checked, since no key is found.
func randomKidToken(t testing.TB, now time.Time) string {
	var b [9]byte
	rand.Read(b[:])
	return forge(t, map[string]any{"alg": "ES256", "kid": enc64(b[:]), "typ": "JWT"}, now, junkSigner)
}

// TestRemoteRotationEndToEnd follows a rotation through real HTTP: the
// resource server learns the new key on its first token, keeps the old
// one until it is retired, and no session is lost.
func TestRemoteRotationEndToEnd(t *testing.T) {
	ctx := context.Background()
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
	tok1 := f.issue("123")
	if err := f.verify(tok1); err != nil {
		t.Fatalf("first token: got %v, want valid", err)
	}
	f.wantFetches("cold start", 1)
	if err := f.verify(f.issue("456")); err != nil {
		t.Fatalf("second token: got %v, want valid", err)
	}
	f.wantFetches("known key", 1)

	// Rotate: add and activate k2 at once; k1 stays published.
	f.clock.Advance(time.Minute)
	if err := f.ks.Add(mustKey(t, newESKey(t), "ES256", "k2")); err != nil {
		t.Fatal(err)
	}
	if err := f.ks.Activate("k2"); err != nil {
		t.Fatal(err)
	}
	tok2 := f.issue("123")
	if got := testkit.KidOf(t, tok2); got != "k2" {
		t.Fatalf("kid after Activate: got %q, want k2", got)
	}
	if err := f.verify(tok2); err != nil {
		t.Fatalf("token of the new key: got %v, want valid", err)
	}
	f.wantFetches("new kid", 2)
	if err := f.verify(tok1); err != nil {
		t.Fatalf("token of the previous key: got %v, want valid", err)
	}

	// The session of tok1 moves to k2 on renewal.
	f.clock.Advance(25 * time.Minute)
	renewed, err := f.issuer.Refresh(ctx, tok1)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.verify(renewed.Value); err != nil || testkit.KidOf(t, renewed.Value) != "k2" {
		t.Fatalf("renewed token: got %v (kid %s), want valid under k2", err, testkit.KidOf(t, renewed.Value))
	}

	// Retire k1 once its tokens have expired; the resource server drops
	// it on its next fetch.
	f.clock.Advance(6 * time.Minute)
	if err := f.ks.Retire("k1"); err != nil {
		t.Fatal(err)
	}
	k2, err := f.remote.VerificationKey(ctx, "", "k2")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.verify(randomKidToken(t, f.clock.Now())); !errors.Is(err, session.ErrInvalid) {
		t.Fatalf("unknown kid: got %v, want ErrInvalid", err)
	}
	f.wantFetches("after Retire", 3)
	if got := f.remote.IDs(); !slices.Equal(got, []string{"k2"}) {
		t.Errorf("IDs: got %v, want [k2]", got)
	}
	if _, err := f.remote.VerificationKey(ctx, "", "k1"); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("k1 after it left the set: got %v, want ErrInvalid", err)
	}
	if again, _ := f.remote.VerificationKey(ctx, "", "k2"); again != k2 {
		t.Error("the refetch made k2 a new Key though its material is unchanged: its cached tokens would be verified again")
	}
	if err := f.verify(tok1); err == nil {
		t.Error("the token of the retired key still verifies")
	}
	if err := f.verify(renewed.Value); err != nil {
		t.Errorf("renewed token after Retire: got %v, want valid", err)
	}
}

// TestRemoteRotationRightAfterStart: the first fetch does not start the
// cooldown, so a key activated right after the resource server started
// is learnt on its first token; a second rotation within the cooldown is
// not.
func TestRemoteRotationRightAfterStart(t *testing.T) {
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
	if err := f.remote.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	rotate := func(kid string) string {
		f.ks.Add(mustKey(t, newESKey(t), "ES256", kid))
		f.ks.Activate(kid)
		return f.issue("1")
	}
	if err := f.verify(rotate("k2")); err != nil {
		t.Fatalf("key rotated in right after start: got %v, want valid", err)
	}
	f.wantFetches("first rotation", 2)
	f.clock.Advance(defaultRefetchCooldown - time.Second)
	tok3 := rotate("k3")
	if err := f.verify(tok3); !errors.Is(err, session.ErrInvalid) {
		t.Fatalf("second rotation within the cooldown: got %v, want ErrInvalid", err)
	}
	f.clock.Advance(time.Second)
	if err := f.verify(tok3); err != nil {
		t.Fatalf("after the cooldown: got %v, want valid", err)
	}
	f.wantFetches("after the cooldown", 3)
}

// TestRemoteKeyRemovalDropsCachedTokens: a token verified (and cached)
// before its key left the published set is rejected afterwards.
func TestRemoteKeyRemovalDropsCachedTokens(t *testing.T) {
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "a"))
	var err error
	if f.verifier, err = session.New(f.remote, session.Options{Clock: f.clock.Now, VerifiedTokenCache: 16}); err != nil {
		t.Fatal(err)
	}
	tok := f.issue("123")
	if err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	f.ks.Add(mustKey(t, newESKey(t), "ES256", "b"))
	f.ks.Activate("b")
	f.ks.Retire("a") // e.g. a compromised key, pulled before its tokens expire
	f.clock.Advance(time.Minute)
	f.verify(randomKidToken(t, f.clock.Now())) // any unknown kid refetches
	if err := f.verify(tok); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("cached token of a removed key: got %v, want ErrInvalid", err)
	}
}

// TestRemoteKeyReplacedUnderSameKid: a kid that comes back with other key
// material counts as a removed key: cached verifications by the old key
// are dropped, and the new key verifies.
func TestRemoteKeyReplacedUnderSameKid(t *testing.T) {
	oldKey, newKey := newESKey(t), newESKey(t)
	f := newRemoteFixture(t, mustKey(t, oldKey, "ES256", "k"))
	tok := f.issue("1")
	if err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	before, err := f.remote.VerificationKey(context.Background(), "", "k")
	if err != nil {
		t.Fatal(err)
	}
	f.ep.serve(serveString(200, "application/jwk-set+json", string(jwkSetJSON(t, jwkOf(t, &newKey.PublicKey, map[string]any{"kid": "k"})))))
	f.clock.Advance(time.Minute)
	f.verify(randomKidToken(t, f.clock.Now()))
	if after, _ := f.remote.VerificationKey(context.Background(), "", "k"); after == before {
		t.Error("kid k kept its Key though its material changed")
	}
	if err := f.verify(tok); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("cached token of the replaced key: got %v, want ErrInvalid", err)
	}
	replaced, _ := session.New(mustKey(t, newKey, "ES256", "k"), session.Options{Clock: f.clock.Now})
	tok2, _ := replaced.Issue(context.Background(), "1", nil)
	if err := f.verify(tok2.Value); err != nil {
		t.Errorf("token of the new key: got %v, want valid", err)
	}
}

// TestRemoteUnknownKidRefetchesOncePerCooldown: a storm of tokens with
// random kids causes one fetch per cooldown, and each is the user's 401
// (session.ErrInvalid) while the set is healthy.
func TestRemoteUnknownKidRefetchesOncePerCooldown(t *testing.T) {
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"), RemoteOptions{RefetchCooldown: time.Minute})
	if err := f.verify(f.issue("1")); err != nil {
		t.Fatal(err)
	}
	f.wantFetches("cold start", 1)
	f.clock.Advance(2 * time.Minute)

	for i := range 100 {
		if err := f.verify(randomKidToken(t, f.clock.Now())); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("random kid %d: got %v, want ErrInvalid", i, err)
		}
	}
	f.wantFetches("100 random kids", 2)

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if err := f.verify(randomKidToken(t, f.clock.Now())); !errors.Is(err, session.ErrInvalid) {
				t.Errorf("concurrent random kid: got %v, want ErrInvalid", err)
			}
		})
	}
	wg.Wait()
	f.wantFetches("concurrent random kids within the cooldown", 2)

	f.clock.Advance(59 * time.Second)
	f.verify(randomKidToken(t, f.clock.Now()))
	f.wantFetches("just before the cooldown ends", 2)
	f.clock.Advance(time.Second)
	f.verify(randomKidToken(t, f.clock.Now()))
	f.wantFetches("after the cooldown", 3)
}

// TestRemoteColdStartSingleFlight: many requests on a cold cache share
// one fetch (run with -race).
func TestRemoteColdStartSingleFlight(t *testing.T) {
	for _, tc := range []struct {
		name        string
		token       func(f *remoteFixture) string
		want        error // nil: valid
		wantFetches int64
	}{
		{"valid tokens", func(f *remoteFixture) string { return f.issue("1") }, nil, 1},
		// The first fetch and one refetch for the unknown kids.
		{"random kids", func(f *remoteFixture) string { return randomKidToken(t, f.clock.Now()) }, session.ErrInvalid, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
			release := make(chan struct{})
			f.ep.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select { // hold the fetch until every request is under way
				case <-release:
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
				f.publish.ServeHTTP(w, r)
			}))
			const n = 64
			tokens := make([]string, n)
			for i := range tokens {
				tokens[i] = tc.token(f)
			}
			var started, done sync.WaitGroup
			started.Add(n)
			for _, tok := range tokens {
				done.Go(func() {
					started.Done()
					err := f.verify(tok)
					if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
						t.Errorf("got %v, want %v", err, tc.want)
					}
				})
			}
			started.Wait()
			close(release)
			done.Wait()
			if got := f.ep.fetches.Load(); got > tc.wantFetches {
				t.Fatalf("64 requests on a cold cache: got %d fetches, want at most %d", got, tc.wantFetches)
			}
		})
	}
}

// slowHandler answers only when the client gives up (or after 10 s).
func slowHandler(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// hugeHandler lazily writes a 50 MB JSON-looking body, counting what it
// managed to write, and closes done when it returns.
type hugeHandler struct {
	written atomic.Int64
	done    chan struct{}
}

func (h *hugeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer close(h.done)
	w.Header().Set("Content-Type", "application/json")
	chunk := []byte(strings.Repeat(" ", 32<<10))
	if _, err := w.Write([]byte(`{"keys":[`)); err != nil {
		return
	}
	for h.written.Load() < 50<<20 {
		n, err := w.Write(chunk)
		h.written.Add(int64(n))
		if err != nil {
			return
		}
	}
}

func serveString(status int, contentType, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		w.Write([]byte(body))
	})
}

// TestRemoteEndpointFailures: on a cold start a failing endpoint is
// session.ErrUnavailable (503), never the user's 401; once a set was fetched, a
// failing endpoint keeps the last good one, and only a token whose key is
// unknown is session.ErrUnavailable.
func TestRemoteEndpointFailures(t *testing.T) {
	k := testkit.NewKeys(t)
	onlyBad := string(jwkSetJSON(t,
		jwkOf(t, make([]byte, 32), map[string]any{"kid": "hs", "alg": "HS256"}),
		jwkOf(t, &k.RSA1024.PublicKey, map[string]any{"kid": "weak", "alg": "RS256"}),
	))
	type failure struct {
		name    string
		handler func() (http.Handler, func(t *testing.T))
		down    bool   // the server is closed
		wantErr string // in the reported fetch error
	}
	plain := func(h http.Handler) func() (http.Handler, func(*testing.T)) {
		return func() (http.Handler, func(*testing.T)) { return h, func(*testing.T) {} }
	}
	failures := []failure{
		{name: "down", down: true, wantErr: "connect"},
		{name: "slow", handler: plain(http.HandlerFunc(slowHandler)), wantErr: "timeout"},
		{name: "HTML", handler: plain(serveString(200, "text/html", "<!doctype html><p>maintenance</p>")), wantErr: `(Content-Type "text/html") is not a JWK Set`},
		{name: "status 500", handler: plain(serveString(500, "application/json", `{"keys":[]}`)), wantErr: "500"},
		{name: "empty set", handler: plain(serveString(200, "application/json", `{"keys":[]}`)), wantErr: "no usable key"},
		{name: "only bad keys", handler: plain(serveString(200, "application/jwk-set+json", onlyBad)), wantErr: "no usable key"},
		{name: "50 MB body", wantErr: "exceeds the limit of 1048576 bytes", handler: func() (http.Handler, func(*testing.T)) {
			h := &hugeHandler{done: make(chan struct{})}
			return h, func(t *testing.T) {
				select {
				case <-h.done:
				case <-time.After(10 * time.Second):
					t.Fatal("the 50 MB handler was not cut off within 10 s")
				}
				got := h.written.Load()
				if got >= 50<<20 {
					t.Errorf("the server wrote %d bytes, want the fetch cut off before 50 MB", got)
				}
				t.Logf("the server wrote %d bytes before the fetch was cut off", got)
			}
		}},
	}
	for _, fl := range failures {
		t.Run(fl.name, func(t *testing.T) {
			t.Run("cold", func(t *testing.T) {
				f := newRemoteFixture(t, mustKey(t, k.EC, "ES256", "good"), RemoteOptions{FetchTimeout: 300 * time.Millisecond})
				check := func(*testing.T) {}
				if fl.down {
					f.ep.srv.Close()
				} else {
					var h http.Handler
					h, check = fl.handler()
					f.ep.serve(h)
				}
				start := time.Now()
				err := f.verify(f.issue("1"))
				if !errors.Is(err, session.ErrUnavailable) {
					t.Fatalf("got %v, want ErrUnavailable", err)
				}
				if elapsed := time.Since(start); elapsed > 5*time.Second {
					t.Errorf("the failed fetch took %v, want it bounded by the timeout", elapsed)
				}
				check(t)
				if err := f.remote.Ready(context.Background()); !errors.Is(err, session.ErrUnavailable) {
					t.Errorf("Ready: got %v, want ErrUnavailable", err)
				}
				if got := f.errs.text(); !strings.Contains(got, fl.wantErr) {
					t.Errorf("reported errors: got %s, want one containing %q", got, fl.wantErr)
				}
			})
			t.Run("after a good fetch", func(t *testing.T) {
				f := newRemoteFixture(t, mustKey(t, k.EC, "ES256", "good"), RemoteOptions{FetchTimeout: 300 * time.Millisecond})
				if err := f.remote.Ready(context.Background()); err != nil {
					t.Fatal(err)
				}
				check := func(*testing.T) {}
				if fl.down {
					f.ep.srv.Close()
				} else {
					var h http.Handler
					h, check = fl.handler()
					f.ep.serve(h)
				}
				f.clock.Advance(time.Minute)
				if err := f.verify(randomKidToken(t, f.clock.Now())); !errors.Is(err, session.ErrUnavailable) {
					t.Errorf("unknown kid while the endpoint fails: got %v, want ErrUnavailable", err)
				}
				check(t)
				if err := f.verify(f.issue("1")); err != nil {
					t.Errorf("token of a known key: got %v, want valid (last good set kept)", err)
				}
				if err := f.remote.Ready(context.Background()); err != nil {
					t.Errorf("Ready: got %v, want nil (a set was fetched)", err)
				}
				if got := f.remote.IDs(); !slices.Equal(got, []string{"good"}) {
					t.Errorf("IDs: got %v, want [good]", got)
				}
				if got := f.errs.text(); !strings.Contains(got, fl.wantErr) {
					t.Errorf("reported errors: got %s, want one containing %q", got, fl.wantErr)
				}
			})
		})
	}
}

// TestRemoteRecovers: after a failed fetch, the next good one heals the
// set, and an unknown kid is the user's fault again.
func TestRemoteRecovers(t *testing.T) {
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
	f.ep.serve(serveString(503, "text/plain", "down"))
	tok := f.issue("1")
	if err := f.verify(tok); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("endpoint down: got %v, want ErrUnavailable", err)
	}
	f.ep.serve(f.publish)
	if err := f.verify(tok); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("within the cooldown: got %v, want session.ErrUnavailable without a fetch", err)
	}
	f.wantFetches("within the cooldown", 1)
	f.clock.Advance(defaultRefetchCooldown)
	if err := f.verify(tok); err != nil {
		t.Fatalf("endpoint back: got %v, want valid", err)
	}
	f.clock.Advance(defaultRefetchCooldown)
	if err := f.verify(randomKidToken(t, f.clock.Now())); !errors.Is(err, session.ErrInvalid) || errors.Is(err, session.ErrUnavailable) {
		t.Errorf("unknown kid with a healthy set: got %v, want ErrInvalid", err)
	}
}

// TestRemoteBadKeysNextToGood: bad keys in a fetched set are skipped and
// reported; the good key verifies; an oct key is never used.
func TestRemoteBadKeysNextToGood(t *testing.T) {
	k := testkit.NewKeys(t)
	secret := make([]byte, 32)
	rand.Read(secret)
	good := jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "good", "alg": "ES256"})
	set := jwkSetJSON(t,
		jwkOf(t, secret, map[string]any{"kid": "hs", "alg": "HS256"}),
		jwkOf(t, &k.RSA1024.PublicKey, map[string]any{"kid": "weak", "alg": "RS256"}),
		jwkOf(t, newESKey(t), map[string]any{"kid": "private", "alg": "ES256"}),
		jwkOf(t, &k.RSA.PublicKey, map[string]any{"kid": "no-alg"}),
		jwkOf(t, &k.EC384.PublicKey, map[string]any{"kid": "p384", "alg": "ES256"}),
		jwkOf(t, &newESKey(t).PublicKey, map[string]any{"kid": "enc", "use": "enc"}),
		jwkOf(t, &newESKey(t).PublicKey, map[string]any{"kid": "dup"}),
		jwkOf(t, &newESKey(t).PublicKey, map[string]any{"kid": "dup"}),
		jwkOf(t, &newESKey(t).PublicKey, nil),
		map[string]any{"kty": "XYZ", "kid": "xyz"},
		good,
	)
	for _, tc := range []struct {
		name    string
		opts    RemoteOptions
		wantIDs []string
	}{
		{"default", RemoteOptions{}, []string{"good", "no-alg"}},
		{"RSA default PS384", RemoteOptions{RSAAlgorithm: "PS384"}, []string{"good", "no-alg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRemoteFixture(t, mustKey(t, k.EC, "ES256", "good"), tc.opts)
			f.ep.serve(serveString(200, "application/jwk-set+json", string(set)))
			if err := f.verify(f.issue("1")); err != nil {
				t.Fatalf("token of the good key: got %v, want valid", err)
			}
			if got := f.remote.IDs(); !slices.Equal(got, tc.wantIDs) {
				t.Errorf("IDs: got %v, want %v", got, tc.wantIDs)
			}
			hsToken := forge(t, map[string]any{"alg": "HS256", "kid": "hs", "typ": "JWT"}, f.clock.Now(), hs256Signer(secret))
			if err := f.verify(hsToken); !errors.Is(err, session.ErrInvalid) {
				t.Errorf("token signed with the published oct key: got %v, want ErrInvalid", err)
			}
			reported := f.errs.text()
			for _, want := range []string{`"hs" is an oct`, `"weak"`, `"private" holds a private key`, `"p384"`, `"enc" has "use"`, `kid "dup" is used by 2 keys`, `no "kid"`, "1 JWKs could not be parsed"} {
				if !strings.Contains(reported, want) {
					t.Errorf("reported errors: %s\nwant one containing %q", reported, want)
				}
			}
		})
	}
}

// TestRemoteAttacks: against an asymmetric remote set, RS→HS confusion,
// alg substitution and token-supplied keys are rejected, and no request
// is made to a URL taken from a token.
func TestRemoteAttacks(t *testing.T) {
	k := testkit.NewKeys(t)
	f := newRemoteFixture(t, mustKey(t, k.RSA, "RS256", "rsa"))
	if err := f.verify(f.issue("1")); err != nil {
		t.Fatal(err)
	}
	var attackerHits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attackerHits.Add(1)
		w.Write(jwkSetJSON(t, jwkOf(t, &k.EC.PublicKey, map[string]any{"kid": "evil"})))
	}))
	t.Cleanup(attacker.Close)

	now := f.clock.Now()
	der, _ := x509.MarshalPKIXPublicKey(&k.RSA.PublicKey)
	publishedJWK, _ := Marshal(f.ks.PublicKeys())
	evil := k.EC
	evilJWK := jwkOf(t, &evil.PublicKey, map[string]any{"kid": "evil"})
	hs := func(secret []byte) string {
		return forge(t, map[string]any{"alg": "HS256", "kid": "rsa", "typ": "JWT"}, now, hs256Signer(secret))
	}
	tests := []struct {
		name string
		tok  string
	}{
		{"RS→HS with the PEM public key as secret", hs(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
		{"RS→HS with the DER public key as secret", hs(der)},
		{"RS→HS with the published JWK Set as secret", hs(publishedJWK)},
		{"RS→HS with the modulus as secret", hs(k.RSA.N.Bytes())},
		{"alg none", forge(t, map[string]any{"alg": "none", "kid": "rsa"}, now, func([]byte) []byte { return []byte{0} })},
		{"PS256 header on the RS256 key", forge(t, map[string]any{"alg": "PS256", "kid": "rsa"}, now, func(in []byte) []byte {
			sum := sha256.Sum256(in)
			sig, _ := rsa.SignPSS(rand.Reader, k.RSA, crypto.SHA256, sum[:], nil)
			return sig
		})},
		{"embedded jwk, the real kid", forge(t, map[string]any{"alg": "ES256", "kid": "rsa", "jwk": evilJWK}, now, es256Signer(t, evil))},
		{"embedded jwk, its own kid", forge(t, map[string]any{"alg": "ES256", "kid": "evil", "jwk": evilJWK}, now, es256Signer(t, evil))},
		{"embedded jwk, no kid", forge(t, map[string]any{"alg": "ES256", "jwk": evilJWK}, now, es256Signer(t, evil))},
		{"jku", forge(t, map[string]any{"alg": "ES256", "kid": "evil", "jku": attacker.URL}, now, es256Signer(t, evil))},
		{"x5u", forge(t, map[string]any{"alg": "ES256", "kid": "evil", "x5u": attacker.URL}, now, es256Signer(t, evil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.verify(tt.tok); !errors.Is(err, session.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
	if got := attackerHits.Load(); got != 0 {
		t.Errorf("the attacker's server got %d requests, want none", got)
	}
	if got := f.ep.fetches.Load(); got > 2 {
		t.Errorf("got %d fetches of the JWKS, want at most 2 (cold start, one refetch)", got)
	}
}

// TestRemoteReady: Ready fetches on a cold start, shares the cooldown, and
// stays ready once a set was fetched.
func TestRemoteReady(t *testing.T) {
	ctx := context.Background()
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
	f.ep.serve(serveString(503, "text/plain", "starting"))
	err := f.remote.Ready(ctx)
	if !errors.Is(err, session.ErrUnavailable) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("endpoint 503: got %v, want session.ErrUnavailable naming the status", err)
	}
	f.ep.serve(f.publish)
	if err := f.remote.Ready(ctx); !errors.Is(err, session.ErrUnavailable) || !strings.Contains(err.Error(), "503") {
		t.Errorf("within the cooldown: got %v, want the last error", err)
	}
	f.wantFetches("within the cooldown", 1)
	f.clock.Advance(defaultRefetchCooldown)
	if err := f.remote.Ready(ctx); err != nil {
		t.Fatalf("endpoint up: got %v, want ready", err)
	}
	f.ep.serve(serveString(503, "text/plain", "down"))
	f.clock.Advance(defaultRefetchCooldown)
	if err := f.remote.Ready(ctx); err != nil {
		t.Errorf("endpoint down after a good fetch: got %v, want ready", err)
	}
	f.wantFetches("after ready", 2)

	// A canceled context returns at once, and does not cancel the shared
	// fetch.
	g := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
	release := make(chan struct{})
	g.ep.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		g.publish.ServeHTTP(w, r)
	}))
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := g.remote.Ready(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Ready with a short context: got %v, want DeadlineExceeded", err)
	}
	close(release)
	if err := g.remote.Ready(ctx); err != nil {
		t.Errorf("Ready joining the fetch in flight: got %v, want ready", err)
	}
	g.wantFetches("one shared fetch", 1)
}

// TestRemoteTokenWithoutKid: a token without kid verifies against a
// single-key set only.
func TestRemoteTokenWithoutKid(t *testing.T) {
	ctx := context.Background()
	priv := newESKey(t)
	f := newRemoteFixture(t, mustKey(t, priv, "ES256", "k1"))
	plain, _ := session.New(mustKey(t, priv, "ES256", ""), session.Options{Clock: f.clock.Now}) // writes no kid
	tok, err := plain.Issue(ctx, "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.verify(tok.Value); err != nil {
		t.Fatalf("single-key set: got %v, want valid", err)
	}
	f.ks.Add(mustKey(t, newESKey(t), "ES256", "k2"))
	f.clock.Advance(time.Minute)
	f.verify(randomKidToken(t, f.clock.Now()))                             // refetch: two keys now
	fresh, _ := session.New(f.remote, session.Options{Clock: f.clock.Now}) // no cached verification
	if _, err := fresh.Verify(ctx, tok.Value); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("two-key set: got %v, want ErrInvalid", err)
	}
}

// TestRemoteVerifyOnly: a manager on a remote set never signs.
func TestRemoteVerifyOnly(t *testing.T) {
	ctx := context.Background()
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
	c, err := f.verifier.Verify(ctx, f.issue("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.verifier.Issue(ctx, "1", nil); err == nil {
		t.Error("Issue: got a token, want an error")
	}
	if f.verifier.ShouldRenew(c) {
		t.Error("ShouldRenew: got true, want false")
	}
	if _, err := f.verifier.Renew(ctx, c); err == nil {
		t.Error("Renew: got a token, want an error")
	}
}

// TestRemoteBackgroundRefresh: the set is fetched again every interval,
// so a key added by the issuer is learnt without any token asking.
func TestRemoteBackgroundRefresh(t *testing.T) {
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
	r := f.newRemote(RemoteOptions{RefreshEvery: time.Second})
	if err := r.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.ks.Add(mustKey(t, newESKey(t), "ES256", "k2"))
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(r.IDs(), []string{"k1", "k2"}) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: IDs %v, want [k1 k2] from a background refresh", r.IDs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNewRemoteRefusals(t *testing.T) {
	tests := []struct {
		name string
		url  string
		opts RemoteOptions
		want string
	}{
		{"plain http on a public host", "http://issuer.example/jwks.json", RemoteOptions{}, "plain http"},
		{"ftp", "ftp://issuer.example/jwks.json", RemoteOptions{}, "scheme must be https"},
		{"relative", "/jwks.json", RemoteOptions{}, "not absolute"},
		{"bad URL", "https://[::1", RemoteOptions{}, "jwks: URL"},
		{"refresh below a second", "https://issuer.example/jwks.json", RemoteOptions{RefreshEvery: time.Millisecond}, "below one second"},
		{"negative cooldown", "https://issuer.example/jwks.json", RemoteOptions{RefetchCooldown: -time.Second}, "cooldown"},
		{"negative timeout", "https://issuer.example/jwks.json", RemoteOptions{FetchTimeout: -time.Second}, "timeout"},
		{"negative size", "https://issuer.example/jwks.json", RemoteOptions{MaxSize: -1}, "size limit"},
		{"bad RSA default", "https://issuer.example/jwks.json", RemoteOptions{RSAAlgorithm: "ES256"}, "want one of RS256, RS384, RS512, PS256, PS384 or PS512"},
		{"HMAC as the RSA default", "https://issuer.example/jwks.json", RemoteOptions{RSAAlgorithm: "HS256"}, "want one of RS256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRemote(tt.url, tt.opts)
			if err == nil {
				r.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	for _, ok := range []struct {
		url  string
		opts RemoteOptions
	}{
		{"https://issuer.example/.well-known/jwks.json", RemoteOptions{}},
		{"http://127.0.0.1:8081/.well-known/jwks.json", RemoteOptions{}},
		{"http://[::1]:8081/jwks.json", RemoteOptions{}},
		{"http://localhost/jwks.json", RemoteOptions{}},
		{"http://issuer.internal/jwks.json", RemoteOptions{InsecureHTTP: true}},
	} {
		r, err := NewRemote(ok.url, ok.opts)
		if err != nil {
			t.Errorf("%s: got %v, want a Remote", ok.url, err)
			continue
		}
		r.Close()
	}
	var nilRemote *Remote
	if _, err := session.New(nilRemote, session.Options{}); err == nil {
		t.Error("session.New with a nil *Remote: got a manager, want an error")
	}
}

// TestRemoteClosed: after Close no fetch is made; known keys keep
// verifying.
func TestRemoteClosed(t *testing.T) {
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
	if err := f.verify(f.issue("1")); err != nil {
		t.Fatal(err)
	}
	f.remote.Close()
	f.clock.Advance(time.Hour)
	if err := f.verify(f.issue("2")); err != nil {
		t.Errorf("known key after Close: got %v, want valid", err)
	}
	f.verify(randomKidToken(t, f.clock.Now()))
	f.wantFetches("after Close", 1)
}

// TestRemoteRedirects: the default client follows at most 3 redirects and
// never from https to http.
func TestRemoteRedirects(t *testing.T) {
	f := newRemoteFixture(t, mustKey(t, newESKey(t), "ES256", "k1"))
	f.ep.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	if err := f.remote.Ready(context.Background()); !errors.Is(err, session.ErrUnavailable) || !strings.Contains(err.Error(), "more than 3 redirects") {
		t.Fatalf("redirect loop: got %v, want session.ErrUnavailable after 3 redirects", err)
	}
	f.wantFetches("redirect loop", 4)

	check := newHTTPClient(time.Second).CheckRedirect
	from, _ := http.NewRequest(http.MethodGet, "https://issuer.example/jwks.json", nil)
	to, _ := http.NewRequest(http.MethodGet, "http://issuer.example/jwks.json", nil)
	if err := check(to, []*http.Request{from}); err == nil || !strings.Contains(err.Error(), "from https to http") {
		t.Errorf("https to http: got %v, want refused", err)
	}
	same, _ := http.NewRequest(http.MethodGet, "https://keys.example/jwks.json", nil)
	if err := check(same, []*http.Request{from}); err != nil {
		t.Errorf("https to https: got %v, want followed", err)
	}
}

// BenchmarkVerifyRemote compares a verification through a Remote with
// one through a KeySet holding the same ES256 key, without the
// verified-token cache: the KeySet matches the token's header against its
// signing key's own, the Remote, which never signs, decodes the header and
// looks its kid up.
func BenchmarkVerifyRemote(b *testing.B) {
	ctx := context.Background()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ks, _ := session.NewKeySet(mustKey(b, priv, "ES256", "k1"))
	publish, _ := Handler(ks, HandlerOptions{})
	srv := httptest.NewServer(publish)
	b.Cleanup(srv.Close)
	remote, err := NewRemote(srv.URL+"/.well-known/jwks.json", RemoteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(remote.Close)
	if err := remote.Ready(ctx); err != nil {
		b.Fatal(err)
	}
	issuer, _ := session.New(ks, session.Options{})
	tok, _ := issuer.Issue(ctx, "123", nil)
	for _, bc := range []struct {
		name string
		keys session.Keys
	}{{"KeySet", ks}, {"Remote", remote}} {
		m, err := session.New(bc.keys, session.Options{VerifiedTokenCache: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Verify(ctx, tok.Value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
