package middleware_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// The defaults of session.Options that the tests rely on, as documented.
const (
	defaultTTL          = 30 * time.Minute
	defaultMaxTokenSize = 8 << 10
)

// testClock is a mutable clock for session.Options.Clock.
type testClock = testkit.Clock

func newTestClock() *testClock {
	return testkit.NewClock(time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC))
}

// fixture is a real session.Manager with a test clock and a fresh secret.
type fixture struct {
	m      *session.Manager
	clock  *testClock
	secret []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureWith(t, session.Options{})
}

// newFixtureWith is newFixture with opts for the Manager; the fixture's
// clock replaces opts.Clock.
func newFixtureWith(t testing.TB, opts session.Options) *fixture {
	t.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatalf("rand.Read: %v", err)
	}
	clock := newTestClock()
	opts.Clock = clock.Now
	m, err := session.New(session.HS256(secret), opts)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	return &fixture{m: m, clock: clock, secret: secret}
}

// issue starts a session for userID at the current test time.
func (f *fixture) issue(t testing.TB, userID string) *session.Token {
	t.Helper()
	tok, err := f.m.Issue(context.Background(), userID, nil)
	if err != nil {
		t.Fatalf("Issue(%q): %v", userID, err)
	}
	return tok
}

// foreign signs an HS256 token over payload with the fixture's secret, as
// another library would: no sid, no auth_time.
func (f *fixture) foreign(t testing.TB, payload string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, f.secret)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

// The documented defaults of middleware.Options.
const (
	defaultRealm       = "api"
	defaultRenewHeader = "X-Renewed-Token"
)

// mustNew builds an Auth or fails the test.
func mustNew(t testing.TB, m *session.Manager, opts middleware.Options) *middleware.Auth {
	t.Helper()
	auth, err := middleware.New(m, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return auth
}

// mustAuthenticate returns the Authenticate middleware of a new Auth.
func mustAuthenticate(t testing.TB, m *session.Manager, opts middleware.Options) func(http.Handler) http.Handler {
	t.Helper()
	return mustNew(t, m, opts).Authenticate
}

// fakeAuth returns an Auth configured by opts that verifies tokens with
// verify instead of a manager.
func fakeAuth(t testing.TB, verify verifierFunc, opts middleware.Options) *middleware.Auth {
	t.Helper()
	return middleware.WithSessionCalls(mustNew(t, newFixture(t).m, opts), verify)
}

// mustNotRun is a handler for requests that must be rejected before it.
func mustNotRun(t *testing.T) http.Handler {
	return http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Fatal("got next handler called, want the request rejected before it")
	})
}

// errorStore is a session.Store that cannot answer.
type errorStore struct{ err error }

func (s errorStore) Revoke(context.Context, string, string, time.Time) error { return s.err }
func (s errorStore) RevokeUser(context.Context, string, time.Time, time.Time) error {
	return s.err
}
func (s errorStore) Revoked(context.Context, *session.Claims) (bool, error) { return false, s.err }

// verifierFunc adapts a function to the session calls of an Auth: it
// verifies, and never renews.
type verifierFunc func(ctx context.Context, token string) (*session.Claims, error)

func (f verifierFunc) Verify(ctx context.Context, token string) (*session.Claims, error) {
	return f(ctx, token)
}

func (verifierFunc) ShouldRenew(*session.Claims) bool { return false }

func (verifierFunc) Renew(context.Context, *session.Claims) (*session.Token, error) {
	return nil, errors.New("test: verifierFunc never renews")
}

// The fixed descriptions the middleware sends.
const (
	descMissing     = "bearer token required"
	descMalformed   = "malformed credentials"
	descInvalid     = "token invalid"
	descExpired     = "token expired"
	descNotYet      = "token not yet valid"
	descRevoked     = "token revoked"
	descUnavailable = "authentication temporarily unavailable"
)

// challenge returns the WWW-Authenticate value for realm, code and
// description.
func challenge(realm, code, desc string) string {
	if code == "" {
		return fmt.Sprintf("Bearer realm=%q", realm)
	}
	return fmt.Sprintf("Bearer realm=%q, error=%q, error_description=%q", realm, code, desc)
}

// dpopChallenge is the bare DPoP challenge of an Auth that accepts
// DPoP, listing the proof algorithms.
var dpopChallenge = `DPoP algs="` + strings.Join(jose.ProofAlgorithms(), " ") + `"`

// errorResponse is the JSON body of a failure.
type errorResponse struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// decodeError decodes a failure body strictly.
func decodeError(t *testing.T, body string) errorResponse {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	var e errorResponse
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("got body %q, want a JSON object with error and error_description: %v", body, err)
	}
	if e.Error == "" || e.Description == "" {
		t.Fatalf("got body %q, want non-empty error and error_description", body)
	}
	return e
}

// checkFailure checks a failure response: status, challenge (or
// Retry-After for 503), JSON body with the code and description.
func checkFailure(t *testing.T, res *http.Response, body string, status int, realm, code, desc string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("got status %d, want %d (body %q)", res.StatusCode, status, body)
	}
	if got := res.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("got Content-Type %q, want %q", got, "application/json")
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("got Cache-Control %q, want %q", got, "no-store")
	}
	if status == http.StatusServiceUnavailable {
		if got := res.Header.Values("WWW-Authenticate"); len(got) != 0 {
			t.Errorf("got WWW-Authenticate %q on 503, want none: a server fault is not the client's", got)
		}
	} else {
		// The Bearer challenge, then (on 401, with DPoP accepted by
		// default) the bare DPoP one.
		want := []string{challenge(realm, code, desc)}
		if status == http.StatusUnauthorized {
			want = append(want, dpopChallenge)
		}
		if got := res.Header.Values("WWW-Authenticate"); !slices.Equal(got, want) {
			t.Errorf("got WWW-Authenticate %q, want exactly %q", got, want)
		}
		if got := res.Header.Get("Retry-After"); got != "" {
			t.Errorf("got Retry-After %q on %d, want none", got, status)
		}
	}
	e := decodeError(t, body)
	if code != "" && e.Error != code {
		t.Errorf("got body error %q, want %q", e.Error, code)
	}
	if code == "" {
		switch e.Error {
		case "invalid_token", "invalid_request", "insufficient_scope":
			t.Errorf("got body error %q for a request without credentials, want no RFC 6750 error code", e.Error)
		}
	}
	if e.Description != desc {
		t.Errorf("got body error_description %q, want %q", e.Description, desc)
	}
}

// serve runs h on r with a recorder and returns the response and body.
func serve(h http.Handler, r *http.Request) (*http.Response, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result(), rec.Body.String()
}

func bearer(r *http.Request, tok string) *http.Request {
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func TestAuthenticateValidToken(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123")
	called := false
	h := mustAuthenticate(t, f.m, middleware.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		claims, ok := middleware.ClaimsFromContext(r.Context())
		if !ok {
			t.Fatal("got no claims in the context, want the verified claims")
		}
		if claims.UserID != "123" || claims.SessionID != tok.Claims.SessionID || claims.TokenID != tok.Claims.TokenID {
			t.Errorf("got claims user %q sid %q jti %q, want %q %q %q",
				claims.UserID, claims.SessionID, claims.TokenID, "123", tok.Claims.SessionID, tok.Claims.TokenID)
		}
		uid, ok := middleware.UserIDFromContext(r.Context())
		if !ok || uid != "123" {
			t.Errorf("got UserIDFromContext %q, %v, want %q, true", uid, ok, "123")
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	res, _ := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok.Value))
	if !called {
		t.Fatal("got next handler not called, want it called with a valid token")
	}
	if res.StatusCode != http.StatusTeapot {
		t.Fatalf("got status %d, want the handler's %d", res.StatusCode, http.StatusTeapot)
	}
	if got := res.Header.Values("WWW-Authenticate"); len(got) != 0 {
		t.Errorf("got WWW-Authenticate %q on success, want none", got)
	}
}

func TestAuthenticateForeignToken(t *testing.T) {
	f := newFixture(t)
	exp := f.clock.Now().Add(5 * time.Minute).Unix()
	tok := f.foreign(t, fmt.Sprintf(`{"user_id":123,"exp":%d}`, exp))
	var got string
	h := mustAuthenticate(t, f.m, middleware.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = middleware.UserIDFromContext(r.Context())
	}))
	res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("got status %d (body %q), want 200 for a seed-shaped token", res.StatusCode, body)
	}
	if got != "123" {
		t.Fatalf("got user id %q, want %q", got, "123")
	}
}

// TestAuthenticateFailures covers every rejection of the default
// configuration.
func TestAuthenticateFailures(t *testing.T) {
	tests := []struct {
		name string
		// opts configure the manager.
		opts session.Options
		// request builds the request; it may move the clock.
		request func(t *testing.T, f *fixture) *http.Request
		status  int
		code    string
		desc    string
	}{
		{
			name:    "missing token",
			request: func(*testing.T, *fixture) *http.Request { return httptest.NewRequest(http.MethodGet, "/me", nil) },
			status:  http.StatusUnauthorized, code: "", desc: descMissing,
		},
		{
			name: "basic credentials",
			request: func(*testing.T, *fixture) *http.Request {
				r := httptest.NewRequest(http.MethodGet, "/me", nil)
				r.SetBasicAuth("alice", "wonderland")
				return r
			},
			status: http.StatusUnauthorized, code: "", desc: descMissing,
		},
		{
			name: "token in query string is not read",
			request: func(t *testing.T, f *fixture) *http.Request {
				return httptest.NewRequest(http.MethodGet, "/me?access_token="+f.issue(t, "123").Value, nil)
			},
			status: http.StatusUnauthorized, code: "", desc: descMissing,
		},
		{
			name: "token in cookie is not read",
			request: func(t *testing.T, f *fixture) *http.Request {
				r := httptest.NewRequest(http.MethodGet, "/me", nil)
				r.AddCookie(&http.Cookie{Name: "access_token", Value: f.issue(t, "123").Value})
				return r
			},
			status: http.StatusUnauthorized, code: "", desc: descMissing,
		},
		{
			name: "garbage token",
			request: func(*testing.T, *fixture) *http.Request {
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), "garbage")
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descInvalid,
		},
		{
			name: "three garbage parts",
			request: func(*testing.T, *fixture) *http.Request {
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), "abc.def.ghi")
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descInvalid,
		},
		{
			name: "bad signature",
			request: func(t *testing.T, f *fixture) *http.Request {
				tok := f.issue(t, "123").Value
				i := strings.LastIndexByte(tok, '.')
				sig := []byte(tok[i+1:])
				if sig[0] == 'A' {
					sig[0] = 'B'
				} else {
					sig[0] = 'A'
				}
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok[:i+1]+string(sig))
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descInvalid,
		},
		{
			name: "token from another key",
			request: func(t *testing.T, _ *fixture) *http.Request {
				other := newFixture(t)
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), other.issue(t, "123").Value)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descInvalid,
		},
		{
			name: "alg none",
			request: func(t *testing.T, f *fixture) *http.Request {
				enc := base64.RawURLEncoding
				exp := f.clock.Now().Add(time.Hour).Unix()
				tok := enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
					enc.EncodeToString(fmt.Appendf(nil, `{"user_id":"123","exp":%d}`, exp)) + ".c2ln"
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descInvalid,
		},
		{
			name: "oversized token",
			request: func(*testing.T, *fixture) *http.Request {
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), strings.Repeat("a", 9<<10))
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descInvalid,
		},
		{
			name: "expired token",
			request: func(t *testing.T, f *fixture) *http.Request {
				tok := f.issue(t, "123").Value
				f.clock.Advance(defaultTTL)
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descExpired,
		},
		{
			name: "expired foreign token",
			request: func(t *testing.T, f *fixture) *http.Request {
				exp := f.clock.Now().Add(-time.Second).Unix()
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), f.foreign(t, fmt.Sprintf(`{"user_id":123,"exp":%d}`, exp)))
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descExpired,
		},
		{
			name: "session past max lifetime",
			opts: session.Options{TTL: time.Hour, MaxLifetime: time.Hour},
			request: func(t *testing.T, f *fixture) *http.Request {
				tok := f.issue(t, "123").Value
				f.clock.Advance(time.Hour)
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descExpired,
		},
		{
			name: "token not yet valid",
			request: func(t *testing.T, f *fixture) *http.Request {
				f.clock.Advance(time.Hour)
				tok := f.issue(t, "123").Value
				f.clock.Advance(-time.Hour)
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descNotYet,
		},
		{
			name: "revoked session",
			request: func(t *testing.T, f *fixture) *http.Request {
				tok := f.issue(t, "123")
				if err := f.m.Revoke(context.Background(), tok.Claims); err != nil {
					t.Fatalf("Revoke: %v", err)
				}
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok.Value)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descRevoked,
		},
		{
			name: "revoked user",
			request: func(t *testing.T, f *fixture) *http.Request {
				tok := f.issue(t, "123")
				f.clock.Advance(time.Second)
				if err := f.m.RevokeUser(context.Background(), "123"); err != nil {
					t.Fatalf("RevokeUser: %v", err)
				}
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok.Value)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descRevoked,
		},
		{
			name: "malformed header",
			request: func(t *testing.T, f *fixture) *http.Request {
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), f.issue(t, "123").Value+" extra")
			},
			status: http.StatusBadRequest, code: "invalid_request", desc: descMalformed,
		},
		{
			name: "tab after scheme",
			request: func(t *testing.T, f *fixture) *http.Request {
				r := httptest.NewRequest(http.MethodGet, "/me", nil)
				r.Header.Set("Authorization", "Bearer\t"+f.issue(t, "123").Value)
				return r
			},
			status: http.StatusBadRequest, code: "invalid_request", desc: descMalformed,
		},
		{
			name: "scheme without token",
			request: func(*testing.T, *fixture) *http.Request {
				r := httptest.NewRequest(http.MethodGet, "/me", nil)
				r.Header.Set("Authorization", "Bearer")
				return r
			},
			status: http.StatusBadRequest, code: "invalid_request", desc: descMalformed,
		},
		{
			name: "two Authorization headers",
			request: func(t *testing.T, f *fixture) *http.Request {
				tok := f.issue(t, "123").Value
				r := httptest.NewRequest(http.MethodGet, "/me", nil)
				r.Header.Add("Authorization", "Bearer "+tok)
				r.Header.Add("Authorization", "Bearer "+tok)
				return r
			},
			status: http.StatusBadRequest, code: "invalid_request", desc: descMalformed,
		},
		{
			name: "store unavailable",
			opts: session.Options{Store: errorStore{errors.New("test: store is down")}},
			request: func(t *testing.T, f *fixture) *http.Request {
				return bearer(httptest.NewRequest(http.MethodGet, "/me", nil), f.issue(t, "123").Value)
			},
			status: http.StatusServiceUnavailable, code: "temporarily_unavailable", desc: descUnavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWith(t, tt.opts)
			h := mustAuthenticate(t, f.m, middleware.Options{})(mustNotRun(t))
			res, body := serve(h, tt.request(t, f))
			checkFailure(t, res, body, tt.status, defaultRealm, tt.code, tt.desc)
			if tt.status == http.StatusServiceUnavailable {
				if got := res.Header.Get("Retry-After"); got != "5" {
					t.Errorf("got Retry-After %q, want %q", got, "5")
				}
			}
		})
	}
}

// TestAuthenticateExpiredDistinctFromInvalid checks that the client can
// tell an expired token (log in or refresh) from an invalid one.
func TestAuthenticateExpiredDistinctFromInvalid(t *testing.T) {
	f := newFixture(t)
	h := mustAuthenticate(t, f.m, middleware.Options{})(mustNotRun(t))
	tok := f.issue(t, "123").Value
	f.clock.Advance(defaultTTL + time.Second)

	expired, _ := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok))
	invalid, _ := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok+"x"))
	e, i := expired.Header.Get("WWW-Authenticate"), invalid.Header.Get("WWW-Authenticate")
	if e == i {
		t.Fatalf("got the same challenge %q for expired and invalid tokens, want them distinct", e)
	}
	if !strings.Contains(e, "expired") {
		t.Errorf("got challenge %q for an expired token, want it to say expired", e)
	}
	if strings.Contains(i, "expired") {
		t.Errorf("got challenge %q for an invalid token, want it not to say expired", i)
	}
}

// TestAuthenticateStoreErrorIsNot401 checks that a server fault is never
// reported as the client's.
func TestAuthenticateStoreErrorIsNot401(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{name: "plain error", err: errors.New("test: connection refused")},
		{name: "deadline", err: context.DeadlineExceeded},
		{name: "wrapped deadline", err: fmt.Errorf("test: dial: %w", context.DeadlineExceeded)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWith(t, session.Options{Store: errorStore{tt.err}})
			h := mustAuthenticate(t, f.m, middleware.Options{})(mustNotRun(t))
			res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), f.issue(t, "123").Value))
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("got status %d (body %q), want 503", res.StatusCode, body)
			}
			if got := res.Header.Get("Retry-After"); got != "5" {
				t.Errorf("got Retry-After %q, want %q", got, "5")
			}
		})
	}
}

func TestAuthenticateVerifierDeadline(t *testing.T) {
	v := verifierFunc(func(context.Context, string) (*session.Claims, error) {
		return nil, fmt.Errorf("test: %w", context.DeadlineExceeded)
	})
	h := fakeAuth(t, v, middleware.Options{}).Authenticate(mustNotRun(t))
	res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), "abc"))
	checkFailure(t, res, body, http.StatusServiceUnavailable, defaultRealm, "temporarily_unavailable", descUnavailable)
}

func TestAuthenticateRealm(t *testing.T) {
	tests := []struct {
		name   string
		realm  string
		header string // Authorization
		status int
		code   string
		desc   string
	}{
		{name: "missing", realm: "example.com api", status: http.StatusUnauthorized, desc: descMissing},
		{name: "invalid", realm: "example.com api", header: "Bearer abc", status: http.StatusUnauthorized, code: "invalid_token", desc: descInvalid},
		{name: "malformed", realm: "example.com api", header: "Bearer a b", status: http.StatusBadRequest, code: "invalid_request", desc: descMalformed},
		{name: "punctuation", realm: "a!#$%&'()*+,-./:;<=>?@[]^_`{|}~z", status: http.StatusUnauthorized, desc: descMissing},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustAuthenticate(t, f.m, middleware.Options{Realm: tt.realm})(mustNotRun(t))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			res, body := serve(h, r)
			checkFailure(t, res, body, tt.status, tt.realm, tt.code, tt.desc)
		})
	}
}

func TestAuthenticateRetryAfter(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{name: "zero is the default", d: 0, want: "5"},
		{name: "one nanosecond rounds up", d: time.Nanosecond, want: "1"},
		{name: "one second", d: time.Second, want: "1"},
		{name: "just over a second", d: time.Second + time.Nanosecond, want: "2"},
		{name: "one and a half seconds", d: 1500 * time.Millisecond, want: "2"},
		{name: "two seconds", d: 2 * time.Second, want: "2"},
		{name: "minutes", d: 2 * time.Minute, want: "120"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWith(t, session.Options{Store: errorStore{errors.New("test: down")}})
			h := mustAuthenticate(t, f.m, middleware.Options{RetryAfter: tt.d})(mustNotRun(t))
			res, _ := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), f.issue(t, "123").Value))
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("got status %d, want 503", res.StatusCode)
			}
			if got := res.Header.Get("Retry-After"); got != tt.want {
				t.Fatalf("got Retry-After %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAuthenticateOptional(t *testing.T) {
	f := newFixture(t)
	valid := f.issue(t, "123").Value
	tests := []struct {
		name     string
		header   []string
		wantNext bool
		wantUser string // "" means anonymous
		status   int
		code     string
		desc     string
	}{
		{name: "no token runs anonymously", wantNext: true, status: http.StatusOK},
		{name: "other scheme runs anonymously", header: []string{"Basic dXNlcjpwYXNz"}, wantNext: true, status: http.StatusOK},
		{name: "valid token", header: []string{"Bearer " + valid}, wantNext: true, wantUser: "123", status: http.StatusOK},
		{name: "bad token still rejected", header: []string{"Bearer garbage"}, status: http.StatusUnauthorized, code: "invalid_token", desc: descInvalid},
		{name: "malformed still rejected", header: []string{"Bearer a b"}, status: http.StatusBadRequest, code: "invalid_request", desc: descMalformed},
		{name: "two headers still rejected", header: []string{"Bearer " + valid, "Bearer " + valid}, status: http.StatusBadRequest, code: "invalid_request", desc: descMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			auth := mustAuthenticate(t, f.m, middleware.Options{Optional: true})
			h := auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tt.wantNext {
					t.Fatal("got next handler called, want the request rejected")
				}
				called = true
				claims, ok := middleware.ClaimsFromContext(r.Context())
				uid, uidOK := middleware.UserIDFromContext(r.Context())
				if tt.wantUser == "" {
					if ok || claims != nil || uidOK || uid != "" {
						t.Errorf("got claims %v (%v), user %q (%v), want an anonymous request", claims, ok, uid, uidOK)
					}
					return
				}
				if !ok || !uidOK || uid != tt.wantUser {
					t.Errorf("got user %q (%v), want %q", uid, uidOK, tt.wantUser)
				}
			}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.header {
				r.Header.Add("Authorization", v)
			}
			res, body := serve(h, r)
			if tt.wantNext {
				if !called {
					t.Fatal("got next handler not called, want it called")
				}
				if res.StatusCode != tt.status {
					t.Fatalf("got status %d, want %d", res.StatusCode, tt.status)
				}
				return
			}
			checkFailure(t, res, body, tt.status, defaultRealm, tt.code, tt.desc)
		})
	}
}

// TestAuthenticateErrorHandler checks what a custom error handler gets:
// the fixed texts, the cause matching the sentinels, and the headers
// already set.
func TestAuthenticateErrorHandler(t *testing.T) {
	tests := []struct {
		name       string
		opts       session.Options
		request    func(t *testing.T, f *fixture) *http.Request
		status     int
		code       string
		desc       string
		wantErr    error // nil: e.Err must be nil
		retryAfter string
	}{
		{
			name:    "missing",
			request: func(*testing.T, *fixture) *http.Request { return httptest.NewRequest(http.MethodGet, "/", nil) },
			status:  http.StatusUnauthorized, desc: descMissing,
		},
		{
			name: "malformed",
			request: func(*testing.T, *fixture) *http.Request {
				return bearer(httptest.NewRequest(http.MethodGet, "/", nil), "a b")
			},
			status: http.StatusBadRequest, code: "invalid_request", desc: descMalformed, wantErr: middleware.ErrMalformedAuthorization,
		},
		{
			name: "two headers",
			request: func(*testing.T, *fixture) *http.Request {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Add("Authorization", "Bearer a")
				r.Header.Add("Authorization", "Bearer b")
				return r
			},
			status: http.StatusBadRequest, code: "invalid_request", desc: descMalformed, wantErr: middleware.ErrMultipleAuthorization,
		},
		{
			name: "invalid",
			request: func(*testing.T, *fixture) *http.Request {
				return bearer(httptest.NewRequest(http.MethodGet, "/", nil), "abc.def.ghi")
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descInvalid, wantErr: session.ErrInvalid,
		},
		{
			name: "expired",
			request: func(t *testing.T, f *fixture) *http.Request {
				tok := f.issue(t, "123").Value
				f.clock.Advance(defaultTTL)
				return bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descExpired, wantErr: session.ErrExpired,
		},
		{
			name: "not yet valid",
			request: func(t *testing.T, f *fixture) *http.Request {
				f.clock.Advance(time.Hour)
				tok := f.issue(t, "123").Value
				f.clock.Advance(-time.Hour)
				return bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descNotYet, wantErr: session.ErrNotYetValid,
		},
		{
			name: "revoked",
			request: func(t *testing.T, f *fixture) *http.Request {
				tok := f.issue(t, "123")
				if err := f.m.Revoke(context.Background(), tok.Claims); err != nil {
					t.Fatalf("Revoke: %v", err)
				}
				return bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value)
			},
			status: http.StatusUnauthorized, code: "invalid_token", desc: descRevoked, wantErr: session.ErrRevoked,
		},
		{
			name: "unavailable",
			opts: session.Options{Store: errorStore{errors.New("test: down")}},
			request: func(t *testing.T, f *fixture) *http.Request {
				return bearer(httptest.NewRequest(http.MethodGet, "/", nil), f.issue(t, "123").Value)
			},
			status: http.StatusServiceUnavailable, code: "temporarily_unavailable", desc: descUnavailable,
			wantErr: session.ErrUnavailable, retryAfter: "5",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWith(t, tt.opts)
			var got *middleware.Error
			onError := func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
				got = e
				hdr := w.Header()
				if tt.status == http.StatusServiceUnavailable {
					if ra := hdr.Get("Retry-After"); ra != tt.retryAfter {
						t.Errorf("got Retry-After %q preset, want %q", ra, tt.retryAfter)
					}
				} else if want := challenge(defaultRealm, tt.code, tt.desc); hdr.Get("WWW-Authenticate") != want {
					t.Errorf("got WWW-Authenticate %q preset, want %q", hdr.Get("WWW-Authenticate"), want)
				}
				w.WriteHeader(e.Status)
				fmt.Fprint(w, "custom")
			}
			h := mustAuthenticate(t, f.m, middleware.Options{ErrorHandler: onError})(mustNotRun(t))
			res, body := serve(h, tt.request(t, f))
			if got == nil {
				t.Fatal("got error handler not called, want it called")
			}
			if got.Status != tt.status || got.Code != tt.code || got.Description != tt.desc {
				t.Errorf("got Error{%d, %q, %q}, want {%d, %q, %q}", got.Status, got.Code, got.Description, tt.status, tt.code, tt.desc)
			}
			if tt.wantErr == nil && got.Err != nil {
				t.Errorf("got Err %v, want nil", got.Err)
			}
			if tt.wantErr != nil {
				if !errors.Is(got.Err, tt.wantErr) {
					t.Errorf("got Err %v, want it to match %v", got.Err, tt.wantErr)
				}
				if !errors.Is(got, tt.wantErr) {
					t.Errorf("got *Error %v not matching %v, want Unwrap to expose the cause", got, tt.wantErr)
				}
			}
			if res.StatusCode != tt.status || body != "custom" {
				t.Errorf("got %d %q, want the custom handler's %d %q", res.StatusCode, body, tt.status, "custom")
			}
		})
	}
}

// TestAuthenticateQueryOptIn checks that the query string is read only when
// the application names the parameter.
func TestAuthenticateQueryOptIn(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123").Value
	tests := []struct {
		name     string
		opts     middleware.Options
		wantUser bool
	}{
		{name: "default ignores the query", wantUser: false},
		{name: "QueryParameter opts in", opts: middleware.Options{QueryParameter: "access_token"}, wantUser: true},
		{name: "other parameter name", opts: middleware.Options{QueryParameter: "token"}, wantUser: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := mustAuthenticate(t, f.m, tt.opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tt.wantUser {
					t.Fatal("got next handler called, want 401")
				}
				called = true
				if uid, _ := middleware.UserIDFromContext(r.Context()); uid != "123" {
					t.Errorf("got user %q, want %q", uid, "123")
				}
			}))
			res, body := serve(h, httptest.NewRequest(http.MethodGet, "/me?access_token="+tok, nil))
			if tt.wantUser {
				if !called || res.StatusCode != http.StatusOK {
					t.Fatalf("got status %d, called %v, want 200 from the next handler", res.StatusCode, called)
				}
				return
			}
			checkFailure(t, res, body, http.StatusUnauthorized, defaultRealm, "", descMissing)
		})
	}
}

// TestAuthenticateNeverEchoes checks that no failure response contains the
// token or the text of the underlying error.
func TestAuthenticateNeverEchoes(t *testing.T) {
	const secretCause = "test: dial tcp 10.1.2.3:6379: connection refused"
	tests := []struct {
		name  string
		opts  session.Options
		token func(t *testing.T, f *fixture) string
	}{
		{name: "garbage", token: func(*testing.T, *fixture) string { return "Zm9v.YmFy.YmF6" }},
		{name: "bad signature", token: func(t *testing.T, f *fixture) string { return f.issue(t, "123").Value + "A" }},
		{name: "expired", token: func(t *testing.T, f *fixture) string {
			tok := f.issue(t, "123").Value
			f.clock.Advance(time.Hour)
			return tok
		}},
		{name: "store down", opts: session.Options{Store: errorStore{errors.New(secretCause)}}, token: func(t *testing.T, f *fixture) string {
			return f.issue(t, "123").Value
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWith(t, tt.opts)
			var cause error
			record := func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
				cause = e.Err
				middleware.WriteError(w, r, e)
			}
			h := mustAuthenticate(t, f.m, middleware.Options{ErrorHandler: record})(mustNotRun(t))
			tok := tt.token(t, f)
			res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok))
			if cause == nil {
				t.Fatal("got no cause, want one")
			}
			var all strings.Builder
			all.WriteString(body)
			for name, vs := range res.Header {
				fmt.Fprintf(&all, "\n%s: %s", name, strings.Join(vs, ", "))
			}
			for _, leak := range []string{tok, cause.Error(), secretCause, "10.1.2.3"} {
				if strings.Contains(all.String(), leak) {
					t.Errorf("got response %q containing %q, want neither the token nor the cause", all.String(), leak)
				}
			}
			// The session package's own detail (e.g. "signature does not
			// verify") is for logs only.
			if _, detail, ok := strings.Cut(cause.Error(), ": "); ok && strings.Contains(all.String(), detail) {
				t.Errorf("got response %q containing the cause detail %q", all.String(), detail)
			}
		})
	}
}

// TestAuthenticateNilClaimsFailsClosed checks that a Verifier that returns
// neither claims nor an error does not let the request through.
func TestAuthenticateNilClaimsFailsClosed(t *testing.T) {
	v := verifierFunc(func(context.Context, string) (*session.Claims, error) { return nil, nil })
	var got *middleware.Error
	record := func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
		got = e
		middleware.WriteError(w, r, e)
	}
	h := fakeAuth(t, v, middleware.Options{ErrorHandler: record}).Authenticate(mustNotRun(t))
	res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), "abc"))
	checkFailure(t, res, body, http.StatusUnauthorized, defaultRealm, "invalid_token", descInvalid)
	if got == nil || got.Err == nil {
		t.Fatalf("got %v, want an Error with a cause", got)
	}
}

// TestAuthenticateVerifierGetsTokenAndContext checks that the verifier
// receives the extracted token and the request's context.
func TestAuthenticateVerifierGetsTokenAndContext(t *testing.T) {
	type ctxKey struct{}
	v := verifierFunc(func(ctx context.Context, token string) (*session.Claims, error) {
		if token != "abc.def" {
			t.Errorf("got token %q, want %q", token, "abc.def")
		}
		if ctx.Value(ctxKey{}) != "marker" {
			t.Error("got a context without the request's values, want the request context")
		}
		return &session.Claims{UserID: "u1"}, nil
	})
	var uid string
	h := fakeAuth(t, v, middleware.Options{}).Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid, _ = middleware.UserIDFromContext(r.Context())
		if r.Context().Value(ctxKey{}) != "marker" {
			t.Error("got the request's context values lost, want them kept")
		}
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, "marker"))
	serve(h, bearer(r, "abc.def"))
	if uid != "u1" {
		t.Fatalf("got user %q, want %q", uid, "u1")
	}
}

// TestAuthenticateUnknownErrorIsInvalid checks that a verifier error that
// matches no sentinel is answered as an invalid token, not as a server
// fault or success.
func TestAuthenticateUnknownErrorIsInvalid(t *testing.T) {
	v := verifierFunc(func(context.Context, string) (*session.Claims, error) {
		return &session.Claims{UserID: "u1"}, errors.New("test: odd failure")
	})
	h := fakeAuth(t, v, middleware.Options{}).Authenticate(mustNotRun(t))
	res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), "abc"))
	checkFailure(t, res, body, http.StatusUnauthorized, defaultRealm, "invalid_token", descInvalid)
}

// TestNewErrors: New refuses every configuration it cannot serve, with
// an error that names what to fix.
func TestNewErrors(t *testing.T) {
	f := newFixture(t)
	var typedNil *session.Manager
	tests := []struct {
		name string
		m    *session.Manager
		opts middleware.Options
		want string // in the error
	}{
		{name: "nil manager", m: nil, want: "*session.Manager"},
		{name: "typed nil manager", m: typedNil, want: "*session.Manager"},
		{name: "realm with quote", m: f.m, opts: middleware.Options{Realm: `a"b`}, want: "Options.Realm"},
		{name: "realm with backslash", m: f.m, opts: middleware.Options{Realm: `a\b`}, want: "Options.Realm"},
		{name: "realm with newline", m: f.m, opts: middleware.Options{Realm: "a\r\nX-Injected: 1"}, want: "Options.Realm"},
		{name: "realm with control byte", m: f.m, opts: middleware.Options{Realm: "a\x7fb"}, want: "Options.Realm"},
		{name: "non-ASCII realm", m: f.m, opts: middleware.Options{Realm: "réalm"}, want: "Options.Realm"},
		{name: "negative retry-after", m: f.m, opts: middleware.Options{RetryAfter: -time.Second}, want: "Options.RetryAfter"},
		{name: "space in renew header name", m: f.m, opts: middleware.Options{RenewHeader: "X New"}, want: "Options.RenewHeader"},
		{name: "colon in renew header name", m: f.m, opts: middleware.Options{RenewHeader: "X-Token:"}, want: "Options.RenewHeader"},
		{name: "CRLF in renew header name", m: f.m, opts: middleware.Options{RenewHeader: "X-Token\r\nSet-Cookie"}, want: "Options.RenewHeader"},
		{name: "non-ASCII renew header name", m: f.m, opts: middleware.Options{RenewHeader: "X-Tökén"}, want: "Options.RenewHeader"},
		{name: "slash in renew header name", m: f.m, opts: middleware.Options{RenewHeader: "X/Token"}, want: "Options.RenewHeader"},
		{name: "space in query parameter", m: f.m, opts: middleware.Options{QueryParameter: "access token"}, want: "Options.QueryParameter"},
		{name: "ampersand in query parameter", m: f.m, opts: middleware.Options{QueryParameter: "a&b"}, want: "Options.QueryParameter"},
		{name: "equals sign in query parameter", m: f.m, opts: middleware.Options{QueryParameter: "a=b"}, want: "Options.QueryParameter"},
		{name: "percent in query parameter", m: f.m, opts: middleware.Options{QueryParameter: "a%20b"}, want: "Options.QueryParameter"},
		{name: "non-ASCII query parameter", m: f.m, opts: middleware.Options{QueryParameter: "jéton"}, want: "Options.QueryParameter"},
		{name: "cookie not from NewCookie", m: f.m, opts: middleware.Options{Cookie: &middleware.Cookie{}}, want: "NewCookie"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, err := middleware.New(tt.m, tt.opts)
			if err == nil {
				t.Fatal("got no error, want the configuration refused")
			}
			if auth != nil {
				t.Error("got an Auth with the error, want nil")
			}
			if !strings.HasPrefix(err.Error(), "middleware: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want it prefixed with %q and naming %q", err, "middleware: ", tt.want)
			}
		})
	}
}

// TestNewAccepts: the zero Options work, zero fields take their defaults
// (an empty realm, a nil error handler), and every field can be set.
func TestNewAccepts(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		opts middleware.Options
	}{
		{name: "defaults"},
		{name: "empty realm is the default", opts: middleware.Options{Realm: ""}},
		{name: "nil error handler is the default", opts: middleware.Options{ErrorHandler: nil}},
		{name: "zero retry-after is the default", opts: middleware.Options{RetryAfter: 0}},
		{name: "empty renew header is the default", opts: middleware.Options{RenewHeader: ""}},
		{name: "realm with spaces", opts: middleware.Options{Realm: "my api"}},
		{name: "all options", opts: middleware.Options{
			Realm:          "x",
			Optional:       true,
			Cookie:         mustCookie(t, "s", middleware.CookieOptions{}),
			QueryParameter: "access_token",
			RenewHeader:    "x-new-token",
			RetryAfter:     time.Minute,
			ErrorHandler:   middleware.WriteError,
			OnRenewError:   func(*http.Request, error) {},
			Hooks:          middleware.SlogHooks(nil),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := middleware.New(f.m, tt.opts); err != nil {
				t.Fatalf("got error %v, want none", err)
			}
		})
	}
}

func TestErrorType(t *testing.T) {
	cause := errors.New("test: cause")
	tests := []struct {
		name string
		e    *middleware.Error
		want string
	}{
		{name: "without cause", e: &middleware.Error{Description: "token invalid"}, want: "middleware: token invalid"},
		{name: "with cause", e: &middleware.Error{Description: "token invalid", Err: cause}, want: "middleware: token invalid: test: cause"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if got := errors.Unwrap(tt.e); got != tt.e.Err {
				t.Errorf("got Unwrap %v, want %v", got, tt.e.Err)
			}
		})
	}
}

func TestContextAccessors(t *testing.T) {
	tests := []struct {
		name     string
		ctx      context.Context
		wantOK   bool
		wantUser string
	}{
		{name: "empty context", ctx: context.Background()},
		{name: "nil claims", ctx: middleware.NewContext(context.Background(), nil)},
		{name: "claims", ctx: middleware.NewContext(context.Background(), &session.Claims{UserID: "42"}), wantOK: true, wantUser: "42"},
		{name: "same-named key of another type", ctx: context.WithValue(context.Background(), struct{}{}, &session.Claims{UserID: "42"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := middleware.ClaimsFromContext(tt.ctx)
			if ok != tt.wantOK || (ok && c == nil) || (!ok && c != nil) {
				t.Errorf("got ClaimsFromContext %v, %v, want ok %v", c, ok, tt.wantOK)
			}
			uid, ok := middleware.UserIDFromContext(tt.ctx)
			if ok != tt.wantOK || uid != tt.wantUser {
				t.Errorf("got UserIDFromContext %q, %v, want %q, %v", uid, ok, tt.wantUser, tt.wantOK)
			}
		})
	}
}
