package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/session"
)

var testSecret = []byte("examples-basic-test-secret-0123456789abcdef")

// clock is a settable test clock.
type clock = testkit.Clock

// testServer is the demo API on a test server with the flags' defaults and a
// settable clock.
type testServer struct {
	t     *testing.T
	clock *clock
	url   string
}

func newDemo(t *testing.T) *testServer {
	t.Helper()
	return newDemoWith(t, session.Options{})
}

// newDemoWith is newDemo with opts for the Manager: zero durations take
// the demo's flag defaults, and the test's clock replaces opts.Clock.
func newDemoWith(t *testing.T, opts session.Options) *testServer {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	if opts.TTL == 0 {
		opts.TTL = 30 * time.Minute
	}
	if opts.RenewWithin == 0 {
		opts.RenewWithin = 10 * time.Minute
	}
	if opts.MaxLifetime == 0 {
		opts.MaxLifetime = 24 * time.Hour
	}
	opts.Clock = clk.Now
	m, err := session.New(session.HS256(testSecret), opts)
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(m, log.New(io.Discard, "", 0), serverConfig{insecureCookie: true}) // httptest serves on loopback
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testServer{t: t, clock: clk, url: srv.URL}
}

// do sends a request with an optional bearer token and body.
func (d *testServer) do(method, path, token, body string) *http.Response {
	d.t.Helper()
	req, err := http.NewRequest(method, d.url+path, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// login logs alice in and returns the token response.
func (d *testServer) login() demo.TokenResponse {
	d.t.Helper()
	return d.loginAs("alice", "wonderland")
}

// loginAs logs a demo user in and returns the token response.
func (d *testServer) loginAs(username, password string) demo.TokenResponse {
	d.t.Helper()
	body, err := json.Marshal(map[string]string{"username": username, "password": password})
	if err != nil {
		d.t.Fatal(err)
	}
	resp := d.do("POST", "/login", "", string(body))
	if resp.StatusCode != http.StatusOK {
		d.t.Fatalf("login %s: got status %d, want 200", username, resp.StatusCode)
	}
	return decode[demo.TokenResponse](d.t, resp)
}

func decode[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	return v
}

func wantStatus(t *testing.T, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: got status %d, want %d (body %q)", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}

func TestLogin(t *testing.T) {
	d := newDemo(t)
	tests := []struct {
		name string
		body string
		want int
	}{
		{"alice", `{"username":"alice","password":"wonderland"}`, http.StatusOK},
		{"bob", `{"username":"bob","password":"builder"}`, http.StatusOK},
		{"wrong password", `{"username":"alice","password":"Wonderland"}`, http.StatusUnauthorized},
		{"unknown user", `{"username":"mallory","password":"wonderland"}`, http.StatusUnauthorized},
		{"another user's password", `{"username":"bob","password":"wonderland"}`, http.StatusUnauthorized},
		{"empty", `{}`, http.StatusUnauthorized},
		{"not JSON", `username=alice`, http.StatusBadRequest},
		{"oversized", `{"username":"` + strings.Repeat("a", 8<<10) + `"}`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := d.do("POST", "/login", "", tt.body)
			wantStatus(t, resp, tt.want)
			if tt.want != http.StatusOK {
				return
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			tok := decode[demo.TokenResponse](t, resp)
			if tok.TokenType != "Bearer" || tok.ExpiresIn != 1800 || strings.Count(tok.AccessToken, ".") != 2 {
				t.Errorf("got %+v, want a Bearer JWT expiring in 1800 s", tok)
			}
		})
	}
}

func TestMe(t *testing.T) {
	d := newDemo(t)
	tok := d.login()
	resp := d.do("GET", "/me", tok.AccessToken, "")
	wantStatus(t, resp, http.StatusOK)
	if got := decode[map[string]string](t, resp); got["user_id"] != "123" {
		t.Errorf("got %v, want user_id 123", got)
	}
	if got := resp.Header.Get("X-Renewed-Token"); got != "" {
		t.Errorf("fresh token renewed: got X-Renewed-Token %q, want none", got)
	}

	resp = d.do("GET", "/me", "", "")
	wantStatus(t, resp, http.StatusUnauthorized)
	if got, want := resp.Header.Get("WWW-Authenticate"), `Bearer realm="jwtsession-demo"`; got != want {
		t.Errorf("WWW-Authenticate: got %q, want %q", got, want)
	}

	resp = d.do("GET", "/me", tok.AccessToken+"x", "")
	wantStatus(t, resp, http.StatusUnauthorized)
	if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
		t.Errorf("WWW-Authenticate: got %q, want error=\"invalid_token\"", got)
	}

	d.clock.Advance(31 * time.Minute)
	resp = d.do("GET", "/me", tok.AccessToken, "")
	wantStatus(t, resp, http.StatusUnauthorized)
	if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error_description="token expired"`) {
		t.Errorf("WWW-Authenticate: got %q, want the expired description", got)
	}
}

func TestHealthzNeedsNoToken(t *testing.T) {
	d := newDemo(t)
	wantStatus(t, d.do("GET", "/healthz", "", ""), http.StatusOK)
}

func TestSlidingRenewal(t *testing.T) {
	d := newDemo(t)
	tok := d.login().AccessToken
	d.clock.Advance(21 * time.Minute) // 9 minutes left, under -renew-within 10m
	resp := d.do("GET", "/me", tok, "")
	wantStatus(t, resp, http.StatusOK)
	renewed := resp.Header.Get("X-Renewed-Token")
	if renewed == "" || strings.HasPrefix(renewed, "Bearer") {
		t.Fatalf("X-Renewed-Token: got %q, want a bare token", renewed)
	}
	if got := resp.Header.Get("Access-Control-Expose-Headers"); got != "X-Renewed-Token" {
		t.Errorf("Access-Control-Expose-Headers: got %q", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
	old, next := payload(t, tok), payload(t, renewed)
	for _, claim := range []string{"user_id", "sid", "auth_time"} {
		if string(old[claim]) != string(next[claim]) {
			t.Errorf("%s: got %s, want %s kept", claim, next[claim], old[claim])
		}
	}
	if next["exp"] == nil || string(next["exp"]) <= string(old["exp"]) {
		t.Errorf("exp: got %s, want later than %s", next["exp"], old["exp"])
	}
	// The old token ran out; the renewed one carries on.
	d.clock.Advance(10 * time.Minute)
	wantStatus(t, d.do("GET", "/me", tok, ""), http.StatusUnauthorized)
	wantStatus(t, d.do("GET", "/me", renewed, ""), http.StatusOK)
}

// TestRenewalRepeatsForTheSameToken: requests that present the same
// token inside the renewal window get the same renewed token, so an
// instance signs at most once per presented token (per 30 s).
func TestRenewalRepeatsForTheSameToken(t *testing.T) {
	// A fresh token is already inside the window.
	d := newDemoWith(t, session.Options{TTL: time.Minute, RenewWithin: time.Minute})
	tok := d.login().AccessToken
	d.clock.Advance(time.Second) // a renewed token must expire later than tok

	var renewed []string
	// Two requests at once, then one a second later.
	for i, advance := range []time.Duration{0, 0, time.Second} {
		d.clock.Advance(advance)
		resp := d.do("GET", "/me", tok, "")
		wantStatus(t, resp, http.StatusOK)
		got := resp.Header.Get("X-Renewed-Token")
		if got == "" {
			t.Fatalf("request %d: got no X-Renewed-Token, want one", i+1)
		}
		renewed = append(renewed, got)
	}
	for i, got := range renewed[1:] {
		if got != renewed[0] {
			t.Errorf("request %d: got a renewed token with jti %s, want the first request's (jti %s)", i+2, payload(t, got)["jti"], payload(t, renewed[0])["jti"])
		}
	}
	wantStatus(t, d.do("GET", "/me", renewed[0], ""), http.StatusOK)
}

func TestNoRenewalPastMaxLifetime(t *testing.T) {
	d := newDemoWith(t, session.Options{MaxLifetime: time.Hour})
	tok := d.login().AccessToken
	// Slide the session until it reaches its one-hour limit.
	for i := 0; i < 10; i++ {
		d.clock.Advance(25 * time.Minute)
		resp := d.do("GET", "/me", tok, "")
		if resp.StatusCode != http.StatusOK {
			break
		}
		if renewed := resp.Header.Get("X-Renewed-Token"); renewed != "" {
			tok = renewed
		}
	}
	exp := payload(t, tok)["exp"]
	auth := payload(t, tok)["auth_time"]
	var e, a int64
	json.Unmarshal(exp, &e)
	json.Unmarshal(auth, &a)
	if e-a != 3600 {
		t.Errorf("last token: exp-auth_time got %d s, want exactly the 3600 s max lifetime", e-a)
	}
	wantStatus(t, d.do("GET", "/me", tok, ""), http.StatusUnauthorized)
	wantStatus(t, d.do("POST", "/refresh", tok, ""), http.StatusUnauthorized)
}

func TestRefresh(t *testing.T) {
	d := newDemo(t)
	tok := d.login().AccessToken
	d.clock.Advance(5 * time.Minute)
	resp := d.do("POST", "/refresh", tok, "")
	wantStatus(t, resp, http.StatusOK)
	next := decode[demo.TokenResponse](t, resp)
	if next.TokenType != "Bearer" || next.ExpiresIn != 1800 || next.AccessToken == tok {
		t.Errorf("got %+v, want a new Bearer token expiring in 1800 s", next)
	}
	if got, want := string(payload(t, next.AccessToken)["sid"]), string(payload(t, tok)["sid"]); got != want {
		t.Errorf("sid: got %s, want %s kept", got, want)
	}

	wantStatus(t, d.do("POST", "/refresh", "garbage", ""), http.StatusUnauthorized)
	wantStatus(t, d.do("POST", "/refresh", "", ""), http.StatusUnauthorized)
	d.clock.Advance(31 * time.Minute)
	wantStatus(t, d.do("POST", "/refresh", next.AccessToken, ""), http.StatusUnauthorized)
}

func TestLogoutRevokesTheSession(t *testing.T) {
	d := newDemo(t)
	tok := d.login().AccessToken
	other := d.login().AccessToken // a second session of the same user
	d.clock.Advance(21 * time.Minute)
	resp := d.do("GET", "/me", tok, "")
	wantStatus(t, resp, http.StatusOK)
	renewed := resp.Header.Get("X-Renewed-Token")
	if renewed == "" {
		t.Fatal("no renewed token")
	}
	refreshed := decode[demo.TokenResponse](t, d.do("POST", "/refresh", tok, "")).AccessToken

	wantStatus(t, d.do("POST", "/logout", renewed, ""), http.StatusNoContent)
	for name, tk := range map[string]string{"original": tok, "renewed": renewed, "refreshed": refreshed} {
		resp := d.do("GET", "/me", tk, "")
		wantStatus(t, resp, http.StatusUnauthorized)
		if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
			t.Errorf("%s token after logout: WWW-Authenticate %q", name, got)
		}
		wantStatus(t, d.do("POST", "/refresh", tk, ""), http.StatusUnauthorized)
	}
	wantStatus(t, d.do("GET", "/me", other, ""), http.StatusOK)
}

// seedToken signs {"user_id": 123, "exp": exp} the way the classic recipe
// does, independently of the library.
func seedToken(secret []byte, exp int64) string {
	return signHS256(secret, `{"user_id": 123, "exp": `+jsonInt(exp)+`}`)
}

// signHS256 signs the claims JSON with HS256, independently of the library.
func signHS256(secret []byte, claims string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestSeedShapedTokenAccepted(t *testing.T) {
	d := newDemo(t)
	tok := seedToken(testSecret, d.clock.Now().Add(5*time.Minute).Unix())
	resp := d.do("GET", "/me", tok, "")
	wantStatus(t, resp, http.StatusOK)
	if got := decode[map[string]string](t, resp); got["user_id"] != "123" {
		t.Errorf("got %v, want user_id 123", got)
	}
	if got := resp.Header.Get("X-Renewed-Token"); got != "" {
		t.Error("a token without sid/auth_time was renewed")
	}
	wantStatus(t, d.do("POST", "/refresh", tok, ""), http.StatusUnauthorized)
	wantStatus(t, d.do("POST", "/logout", tok, ""), http.StatusNoContent)
	wantStatus(t, d.do("GET", "/me", tok, ""), http.StatusUnauthorized)
	wantStatus(t, d.do("GET", "/me", seedToken([]byte("another-secret-0123456789abcdefghij"), d.clock.Now().Add(5*time.Minute).Unix()), ""), http.StatusUnauthorized)
}

// payload decodes a token's claims without verifying it.
func payload(t *testing.T, tok string) map[string]json.RawMessage {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    options
		wantErr bool
	}{
		{"defaults", nil, options{addr: "127.0.0.1:8080", ttl: 30 * time.Minute, renewWithin: 10 * time.Minute, maxLifetime: 24 * time.Hour}, false},
		{"all set", []string{"-addr", "127.0.0.1:0", "-ttl", "6s", "-renew-within", "4s", "-max-lifetime", "1m",
			"-issuer", "https://auth.example", "-audience", "demo-api", "-redis-addr", "127.0.0.1:6379"},
			options{"127.0.0.1:0", 6 * time.Second, 4 * time.Second, time.Minute, "https://auth.example", "demo-api", "127.0.0.1:6379", "", false}, false},
		{"http issuer", []string{"-issuer", "http://127.0.0.1:8080"}, options{addr: "127.0.0.1:8080", ttl: 30 * time.Minute, renewWithin: 10 * time.Minute, maxLifetime: 24 * time.Hour, issuer: "http://127.0.0.1:8080"}, false},
		{"issuer not a URL", []string{"-issuer", "demo"}, options{}, true},
		{"issuer without host", []string{"-issuer", "https://"}, options{}, true},
		{"issuer with query", []string{"-issuer", "https://auth.example/?tenant=1"}, options{}, true},
		{"issuer of another scheme", []string{"-issuer", "ftp://auth.example"}, options{}, true},
		{"bad duration", []string{"-ttl", "soon"}, options{}, true},
		{"unknown flag", []string{"-port", "1"}, options{}, true},
		{"stray argument", []string{"serve"}, options{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// running is the demo started by run on a free loopback port.
type running struct {
	url  string // http://host:port
	stop func() // cancels run and fails the test if it does not end cleanly
}

// runLog collects what run logs, safe for the server's goroutines.
type runLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *runLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *runLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startRun calls run with args and getenv in the background and waits,
// up to 10 seconds, until it serves. It logs into logs. The server stops
// at stop or at the end of the test.
func startRun(t *testing.T, args []string, getenv func(string) string, logs *runLog) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- run(ctx, args, getenv, log.New(logs, "", 0), ready) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("server did not shut down")
			}
		})
	}
	t.Cleanup(stop)
	select {
	case addr := <-ready:
		return &running{url: "http://" + addr, stop: stop}
	case err := <-done:
		t.Fatalf("run returned early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	return nil
}

func noEnv(string) string { return "" }

func TestRunServesAndShutsDown(t *testing.T) {
	var logs runLog
	srv := startRun(t, []string{"-addr", "127.0.0.1:0", "-ttl", "6s", "-renew-within", "4s"}, noEnv, &logs)
	resp, err := http.Post(srv.url+"/login", "application/json", strings.NewReader(`{"username":"alice","password":"wonderland"}`))
	if err != nil {
		t.Fatal(err)
	}
	tok := decode[demo.TokenResponse](t, resp)
	resp.Body.Close()
	if tok.ExpiresIn != 6 {
		t.Errorf("expires_in: got %d, want 6 (the -ttl flag)", tok.ExpiresIn)
	}
	srv.stop()
	if !strings.Contains(logs.String(), "JWT_SECRET is not set") {
		t.Errorf("log %q does not say a random secret is used", logs.String())
	}
}

func TestRunRefusesShortSecret(t *testing.T) {
	getenv := func(k string) string {
		if k == "JWT_SECRET" {
			return "too-short"
		}
		return ""
	}
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0"}, getenv, log.New(io.Discard, "", 0), nil)
	if err == nil || !strings.Contains(err.Error(), "32") {
		t.Fatalf("got %v, want an error about the 32-byte minimum", err)
	}
}
