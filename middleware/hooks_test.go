package middleware_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// recorder collects hook calls.
type recorder struct {
	authenticated []string // user ids
	rejected      []middleware.Reason
	errs          []*middleware.Error
	renewed       []string
	fps           []string
}

func (rec *recorder) hooks() middleware.Hooks {
	return middleware.Hooks{
		Authenticated: func(r *http.Request, c *session.Claims, fp middleware.Fingerprint) {
			rec.authenticated = append(rec.authenticated, c.UserID)
			rec.fps = append(rec.fps, fp.String())
		},
		Rejected: func(r *http.Request, e *middleware.Error, fp middleware.Fingerprint) {
			rec.rejected = append(rec.rejected, e.Reason)
			rec.errs = append(rec.errs, e)
			rec.fps = append(rec.fps, fp.String())
		},
		Renewed: func(r *http.Request, c *session.Claims, fp middleware.Fingerprint) {
			rec.renewed = append(rec.renewed, c.UserID)
			rec.fps = append(rec.fps, fp.String())
		},
	}
}

func fingerprintOf(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

func TestHooksReasons(t *testing.T) {
	f := newFixture(t)
	valid := f.issue(t, "123").Value
	expiring := f.issue(t, "123").Value
	revoked := f.issue(t, "123")
	if err := f.m.Revoke(t.Context(), revoked.Claims); err != nil {
		t.Fatal(err)
	}
	down := newFixtureWith(t, session.Options{Store: errorStore{errors.New("test: store down")}})
	cookie := mustCookie(t, "session", middleware.CookieOptions{})
	tests := []struct {
		name       string
		m          *session.Manager
		r          *http.Request
		advance    time.Duration
		wantReason middleware.Reason
		wantStatus int
		wantFP     string
	}{
		{name: "missing", m: f.m, r: httptest.NewRequest("GET", "/", nil), wantReason: middleware.ReasonMissing, wantStatus: 401},
		{name: "malformed", m: f.m, r: func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header["Authorization"] = []string{"Bearer a", "Bearer b"}
			return r
		}(), wantReason: middleware.ReasonMalformed, wantStatus: 400},
		{name: "invalid", m: f.m, r: bearer(httptest.NewRequest("GET", "/", nil), "garbage"), wantReason: middleware.ReasonInvalid, wantStatus: 401, wantFP: fingerprintOf("garbage")},
		{name: "invalid on the slow path", m: f.m, r: func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "bearer  garbage")
			return r
		}(), wantReason: middleware.ReasonInvalid, wantStatus: 401, wantFP: fingerprintOf("garbage")},
		{name: "revoked", m: f.m, r: bearer(httptest.NewRequest("GET", "/", nil), revoked.Value), wantReason: middleware.ReasonRevoked, wantStatus: 401, wantFP: fingerprintOf(revoked.Value)},
		{name: "unavailable", m: down.m, r: bearer(httptest.NewRequest("GET", "/", nil), down.issue(t, "1").Value), wantReason: middleware.ReasonUnavailable, wantStatus: 503},
		{name: "forbidden cross-origin", m: f.m, r: cookieRequest("POST", valid, map[string]string{"Sec-Fetch-Site": "cross-site"}), wantReason: middleware.ReasonForbidden, wantStatus: 403, wantFP: fingerprintOf(valid)},
		{name: "expired", m: f.m, r: bearer(httptest.NewRequest("GET", "/", nil), expiring), advance: time.Hour, wantReason: middleware.ReasonExpired, wantStatus: 401, wantFP: fingerprintOf(expiring)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Advance(tt.advance)
			var rec recorder
			auth := mustAuthenticate(t, tt.m, middleware.Options{Hooks: rec.hooks(), Cookie: cookie})
			res, _ := serve(auth(mustNotRun(t)), tt.r)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if len(rec.rejected) != 1 || rec.rejected[0] != tt.wantReason || len(rec.authenticated) != 0 {
				t.Fatalf("got rejected %v, authenticated %v; want [%s] only", rec.rejected, rec.authenticated, tt.wantReason)
			}
			if e := rec.errs[0]; e.Status != tt.wantStatus {
				t.Errorf("got hook error status %d, want %d", e.Status, tt.wantStatus)
			}
			if tt.wantFP != "" && rec.fps[0] != tt.wantFP {
				t.Errorf("got fingerprint %q, want %q", rec.fps[0], tt.wantFP)
			}
			if tt.name == "missing" && rec.fps[0] != "" {
				t.Errorf("got fingerprint %q without a token, want none", rec.fps[0])
			}
		})
	}
}

func TestHooksAuthenticatedAndRenewed(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123")
	var rec recorder
	h := authRenewChain(t, f.m, middleware.Options{Hooks: rec.hooks()}).Then(noop)

	serve(h, bearer(httptest.NewRequest("GET", "/", nil), tok.Value))
	if len(rec.authenticated) != 1 || len(rec.renewed) != 0 || rec.fps[0] != fingerprintOf(tok.Value) {
		t.Fatalf("got authenticated %v renewed %v fingerprints %v; want one authentication of %s", rec.authenticated, rec.renewed, rec.fps, fingerprintOf(tok.Value))
	}
	f.clock.Advance(nearExpiryAge)
	res, _ := serve(h, bearer(httptest.NewRequest("GET", "/", nil), tok.Value))
	renewed := res.Header.Get(defaultRenewHeader)
	if len(rec.renewed) != 1 || rec.renewed[0] != "123" {
		t.Fatalf("got renewed %v, want [123]", rec.renewed)
	}
	if got := rec.fps[len(rec.fps)-1]; renewed == "" || got != fingerprintOf(renewed) {
		t.Errorf("got renewed fingerprint %q, want that of the new token %q", got, fingerprintOf(renewed))
	}
}

func TestFingerprintNeverPrintsToken(t *testing.T) {
	const tok = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMTIzIn0.c2lnbmF0dXJl"
	var rec recorder
	f := newFixture(t)
	auth := mustAuthenticate(t, f.m, middleware.Options{Hooks: middleware.Hooks{
		Rejected: func(r *http.Request, e *middleware.Error, fp middleware.Fingerprint) {
			rec.fps = append(rec.fps, fp.String())
			var buf bytes.Buffer
			fmt.Fprintf(&buf, "%v %+v %#v %s %q", fp, fp, fp, fp, fp)
			js, err := json.Marshal(struct{ FP middleware.Fingerprint }{fp})
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(js)
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "fp", fp)
			slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "fp", fp)
			out := buf.String()
			if strings.Contains(out, tok) || strings.Contains(out, "c2lnbmF0dXJl") {
				t.Errorf("got the token in %q", out)
			}
			if !strings.Contains(out, fingerprintOf(tok)) {
				t.Errorf("got %q, want the fingerprint %s", out, fingerprintOf(tok))
			}
		},
	}})
	serve(auth(mustNotRun(t)), bearer(httptest.NewRequest("GET", "/", nil), tok))
	if len(rec.fps) != 1 {
		t.Fatalf("got %d rejections, want 1", len(rec.fps))
	}
	var zero middleware.Fingerprint
	if zero.String() != "" || zero.GoString() != "" {
		t.Errorf("got zero fingerprint %q, %q; want \"\"", zero.String(), zero.GoString())
	}
}

func TestSlogHooks(t *testing.T) {
	f := newFixture(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hooks := middleware.SlogHooks(logger)
	h := authRenewChain(t, f.m, middleware.Options{Hooks: hooks}).Then(noop)
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	res, _ := serve(h, bearer(httptest.NewRequest("GET", "/me", nil), tok.Value))
	renewed := res.Header.Get(defaultRenewHeader)
	serve(h, bearer(httptest.NewRequest("POST", "/orders", nil), "garbage"))
	down := newFixtureWith(t, session.Options{Store: errorStore{errors.New("test: store down")}})
	serve(mustAuthenticate(t, down.m, middleware.Options{Hooks: hooks})(noop), bearer(httptest.NewRequest("GET", "/me", nil), down.issue(t, "9").Value))

	var records []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("got log line %q: %v", line, err)
		}
		records = append(records, m)
	}
	want := []map[string]any{
		{"level": "DEBUG", "msg": "jwtsession: authenticated", "method": "GET", "path": "/me", "user_id": "123", "session_id": tok.Claims.SessionID, "token": fingerprintOf(tok.Value)},
		{"level": "INFO", "msg": "jwtsession: renewed", "method": "GET", "path": "/me", "user_id": "123", "session_id": tok.Claims.SessionID, "token": fingerprintOf(renewed)},
		{"level": "INFO", "msg": "jwtsession: rejected", "method": "POST", "path": "/orders", "reason": "invalid", "status": float64(401), "token": fingerprintOf("garbage")},
		{"level": "WARN", "msg": "jwtsession: rejected", "method": "GET", "path": "/me", "reason": "unavailable", "status": float64(503)},
	}
	if len(records) != len(want) {
		t.Fatalf("got %d records, want %d:\n%s", len(records), len(want), buf.String())
	}
	for i, w := range want {
		for k, v := range w {
			if records[i][k] != v {
				t.Errorf("record %d: got %s = %v, want %v", i, k, records[i][k], v)
			}
		}
	}
	if _, ok := records[2]["error"]; !ok {
		t.Error("got no error attribute on a rejection, want the cause")
	}
	if _, ok := records[1]["expires_at"]; !ok {
		t.Error("got no expires_at on a renewal, want one")
	}
	if out := buf.String(); strings.Contains(out, tok.Value) || strings.Contains(out, renewed) {
		t.Error("got a token in the log, want fingerprints only")
	}

	t.Run("below the level nothing is logged", func(t *testing.T) {
		var quiet bytes.Buffer
		hooks := middleware.SlogHooks(slog.New(slog.NewJSONHandler(&quiet, &slog.HandlerOptions{Level: slog.LevelError})))
		h := mustAuthenticate(t, f.m, middleware.Options{Hooks: hooks})(noop)
		serve(h, bearer(httptest.NewRequest("GET", "/", nil), f.issue(t, "1").Value))
		serve(h, bearer(httptest.NewRequest("GET", "/", nil), "garbage"))
		if quiet.Len() != 0 {
			t.Errorf("got %q, want nothing", quiet.String())
		}
	})
}

func TestJoinHooks(t *testing.T) {
	var order []string
	a := middleware.Hooks{Rejected: func(*http.Request, *middleware.Error, middleware.Fingerprint) { order = append(order, "a") }}
	b := middleware.Hooks{
		Rejected:      func(*http.Request, *middleware.Error, middleware.Fingerprint) { order = append(order, "b") },
		Authenticated: func(*http.Request, *session.Claims, middleware.Fingerprint) { order = append(order, "b-auth") },
	}
	j := middleware.JoinHooks(a, middleware.Hooks{}, b)
	if j.Renewed != nil {
		t.Error("got a Renewed hook, want nil when none was given")
	}
	j.Rejected(nil, nil, middleware.Fingerprint{})
	j.Authenticated(nil, nil, middleware.Fingerprint{})
	if got := strings.Join(order, ","); got != "a,b,b-auth" {
		t.Errorf("got %q, want a,b,b-auth", got)
	}
	if empty := middleware.JoinHooks(); empty.Authenticated != nil || empty.Rejected != nil || empty.Renewed != nil {
		t.Error("got hooks from JoinHooks(), want none")
	}
}

func TestReasons(t *testing.T) {
	got := fmt.Sprint(middleware.Reasons())
	if want := "[missing malformed expired invalid revoked unavailable forbidden]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// BenchmarkHooks is Authenticate on a valid HS256 token without hooks and
// with hooks that count (what an expvar or Prometheus adapter does):
// unset hooks cost nothing, set ones only their own work.
func BenchmarkHooks(b *testing.B) {
	alg := benchAlgs(b)[0] // HS256
	m := benchManager(b, alg.key, session.Options{VerifiedTokenCache: -1})
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer "+benchToken(b, alg.key, benchNow))
	var authenticated, rejected atomic.Int64
	counting := middleware.Hooks{
		Authenticated: func(*http.Request, *session.Claims, middleware.Fingerprint) { authenticated.Add(1) },
		Rejected:      func(*http.Request, *middleware.Error, middleware.Fingerprint) { rejected.Add(1) },
	}
	b.Run("without", func(b *testing.B) {
		serveLoop(b, mustAuthenticate(b, m, middleware.Options{})(noop), req, "")
	})
	b.Run("with", func(b *testing.B) {
		serveLoop(b, mustAuthenticate(b, m, middleware.Options{Hooks: counting})(noop), req, "")
	})
	b.Run("slog below level", func(b *testing.B) {
		logger := slog.New(slog.NewJSONHandler(new(bytes.Buffer), &slog.HandlerOptions{Level: slog.LevelInfo}))
		serveLoop(b, mustAuthenticate(b, m, middleware.Options{Hooks: middleware.SlogHooks(logger)})(noop), req, "")
	})
}
