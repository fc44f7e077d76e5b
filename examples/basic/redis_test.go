package main

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// redisDemo is the demo API as one instance of a deployment whose
// revocations live in the Redis at addr. Instances built with the same
// clock share it, so renewal is deterministic across them.
func redisDemo(t *testing.T, addr string, clk *clock) *testServer {
	t.Helper()
	client, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableRetry: true, Dialer: net.Dialer{Timeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	store, err := redisstore.New(client, redisstore.Options{Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(session.HS256(testSecret), session.Options{
		TTL:         30 * time.Minute,
		RenewWithin: 10 * time.Minute,
		MaxLifetime: 24 * time.Hour,
		Clock:       clk.Now,
		Store:       store,
	})
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

// nowClock returns a test clock at the current second: the Redis server
// expires keys by its own clock, so the demo's must not lie in the past.
func nowClock() *clock { return testkit.NewClock(time.Now().Truncate(time.Second)) }

// waitStatus repeats a request, at most 200 times within 2 s, until it
// gets status: another instance sees a revocation once Redis's
// invalidation reaches its cache, and a lost connection once its client
// notices it.
func waitStatus(t *testing.T, d *testServer, method, path, tok string, status int) {
	t.Helper()
	start := time.Now()
	for i := 0; ; i++ {
		resp := d.do(method, path, tok, "")
		resp.Body.Close()
		if resp.StatusCode == status {
			return
		}
		if i >= 200 || time.Since(start) > 2*time.Second {
			t.Fatalf("%s %s: still %d after %v, want %d", method, path, resp.StatusCode, time.Since(start), status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func wantRevoked(t *testing.T, resp *http.Response) {
	t.Helper()
	wantStatus(t, resp, http.StatusUnauthorized)
	if got, want := resp.Header.Get("WWW-Authenticate"), `error_description="token revoked"`; !strings.Contains(got, want) {
		t.Errorf("WWW-Authenticate: got %q, want %s", got, want)
	}
}

// TestTwoInstancesShareLogout runs two instances behind an imaginary load
// balancer: a logout on one rejects the token and every token renewed
// from its session, on both.
func TestTwoInstancesShareLogout(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	clk := nowClock()
	a, b := redisDemo(t, srv.Addr, clk), redisDemo(t, srv.Addr, clk)

	tok := a.login().AccessToken
	other := b.login().AccessToken // the same user's other session
	wantStatus(t, b.do("GET", "/me", tok, ""), http.StatusOK)

	clk.Advance(21 * time.Minute) // 9 minutes left: renewed on the next call
	resp := b.do("GET", "/me", tok, "")
	wantStatus(t, resp, http.StatusOK)
	renewedOnB := resp.Header.Get("X-Renewed-Token")
	if renewedOnB == "" {
		t.Fatal("B: no renewed token")
	}
	refreshedOnA := decode[demo.TokenResponse](t, a.do("POST", "/refresh", tok, "")).AccessToken
	wantStatus(t, b.do("GET", "/me", refreshedOnA, ""), http.StatusOK)

	wantStatus(t, b.do("POST", "/logout", refreshedOnA, ""), http.StatusNoContent)
	for _, tk := range []string{tok, renewedOnB, refreshedOnA} {
		waitStatus(t, a, "GET", "/me", tk, http.StatusUnauthorized)
	}
	for _, inst := range []struct {
		name string
		d    *testServer
	}{{"A", a}, {"B", b}} {
		for name, tk := range map[string]string{"original": tok, "renewed on B": renewedOnB, "refreshed on A": refreshedOnA} {
			t.Run(inst.name+"/"+name, func(t *testing.T) {
				wantRevoked(t, inst.d.do("GET", "/me", tk, ""))
				wantStatus(t, inst.d.do("POST", "/refresh", tk, ""), http.StatusUnauthorized)
			})
		}
		wantStatus(t, inst.d.do("GET", "/me", other, ""), http.StatusOK)
	}
}

// TestRedisDown checks the failure policy end to end: while Redis is
// down, authenticated requests get 503 with Retry-After (never 401, never
// 200), a logout reports that it could not be recorded, and everything
// works again once Redis is back.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	d := redisDemo(t, srv.Addr, nowClock())
	tok := d.login().AccessToken
	wantStatus(t, d.do("GET", "/me", tok, ""), http.StatusOK)

	srv.Stop()
	waitStatus(t, d, "GET", "/me", tok, http.StatusServiceUnavailable)
	for _, req := range []struct{ method, path string }{{"GET", "/me"}, {"POST", "/refresh"}, {"POST", "/logout"}} {
		t.Run(req.method+" "+req.path+" while down", func(t *testing.T) {
			resp := d.do(req.method, req.path, tok, "")
			wantStatus(t, resp, http.StatusServiceUnavailable)
			if got := resp.Header.Get("Retry-After"); got != "5" {
				t.Errorf("Retry-After: got %q, want %q", got, "5")
			}
			if got := decode[map[string]string](t, resp)["error"]; got != "temporarily_unavailable" {
				t.Errorf("error: got %q, want temporarily_unavailable", got)
			}
		})
	}
	wantStatus(t, d.do("GET", "/healthz", "", ""), http.StatusOK)

	srv.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		resp := d.do("GET", "/me", tok, "")
		if resp.StatusCode == http.StatusOK {
			break
		}
		if i >= 100 || time.Now().After(deadline) {
			t.Fatalf("after restart: still %d after %d attempts", resp.StatusCode, i+1)
		}
		time.Sleep(20 * time.Millisecond)
	}
	wantStatus(t, d.do("POST", "/logout", tok, ""), http.StatusNoContent)
	wantRevoked(t, d.do("GET", "/me", tok, ""))
}

// TestRunWithRedisAddr starts two instances with -redis-addr, as the
// README shows, and logs out on one: on a single node, and on a cluster
// given as a comma-separated list.
func TestRunWithRedisAddr(t *testing.T) {
	single := redistest.Start(t, redistest.Options{})
	cluster := redistest.Start(t, redistest.Options{Cluster: true})
	getenv := func(k string) string {
		if k == "JWT_SECRET" {
			return string(testSecret)
		}
		return ""
	}
	for _, tt := range []struct{ name, addr string }{
		{"single node", single.Addr},
		{"cluster", cluster.Addr + "," + cluster.Addr},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs runLog
			args := []string{"-addr", "127.0.0.1:0", "-redis-addr", tt.addr}
			first, second := startRun(t, args, getenv, &logs), startRun(t, args, getenv, &logs)
			a, b := &testServer{t: t, url: first.url}, &testServer{t: t, url: second.url}
			tok := a.login().AccessToken
			wantStatus(t, b.do("GET", "/me", tok, ""), http.StatusOK)
			wantStatus(t, a.do("GET", "/me", tok, ""), http.StatusOK)
			wantStatus(t, b.do("POST", "/logout", tok, ""), http.StatusNoContent)
			wantRevoked(t, b.do("GET", "/me", tok, ""))
			waitStatus(t, a, "GET", "/me", tok, http.StatusUnauthorized)
			wantRevoked(t, a.do("GET", "/me", tok, ""))

			first.stop()
			second.stop()
			if !strings.Contains(logs.String(), "revocations in Redis at "+tt.addr) {
				t.Errorf("log %q does not say where revocations go", logs.String())
			}
		})
	}
}

func TestRunRefusesUnreachableRedis(t *testing.T) {
	// A port that was free a moment ago: nothing answers there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = run(context.Background(), []string{"-addr", "127.0.0.1:0", "-redis-addr", addr}, func(string) string { return "" }, log.New(io.Discard, "", 0), nil)
	if err == nil || !strings.Contains(err.Error(), "redis at "+addr) {
		t.Fatalf("got %v, want an error naming the Redis address", err)
	}
}

func TestRunDefaultsToMemory(t *testing.T) {
	var logs runLog
	startRun(t, []string{"-addr", "127.0.0.1:0"}, noEnv, &logs).stop()
	if !strings.Contains(logs.String(), "revocations in memory") {
		t.Errorf("log %q does not say that revocations stay in memory", logs.String())
	}
}
