package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// issueExtra starts a session for userID with application claims.
func (f *fixture) issueExtra(t testing.TB, userID string, extra map[string]any) *session.Token {
	t.Helper()
	tok, err := f.m.Issue(context.Background(), userID, extra)
	if err != nil {
		t.Fatalf("Issue(%q, %v): %v", userID, extra, err)
	}
	return tok
}

// claimsWith returns the claims of a token whose application claims are
// the raw JSON texts of extra.
func claimsWith(t testing.TB, extra map[string]string) *session.Claims {
	t.Helper()
	m, err := session.New(session.HS256([]byte("claimsWith secret, 32 bytes long")), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	values := make(map[string]any, len(extra))
	for name, raw := range extra {
		values[name] = json.RawMessage(raw)
	}
	tok, err := m.Issue(context.Background(), "123", values)
	if err != nil {
		t.Fatalf("Issue with claims %v: %v", extra, err)
	}
	return tok.Claims
}

const descScope = "insufficient scope"

func TestRequireScope(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		require string
		extra   map[string]any
		allowed bool
	}{
		{name: "scope string, one of several", require: "read", extra: map[string]any{"scope": "read write"}, allowed: true},
		{name: "scope string, all required", require: "read write", extra: map[string]any{"scope": "write admin read"}, allowed: true},
		{name: "scope string, one missing", require: "read delete", extra: map[string]any{"scope": "read write"}},
		{name: "scope string, prefix is not a match", require: "read", extra: map[string]any{"scope": "readonly"}},
		{name: "scope string, extra spaces", require: "write", extra: map[string]any{"scope": "  read   write "}, allowed: true},
		{name: "scp array", require: "orders:read", extra: map[string]any{"scp": []string{"orders:read", "orders:write"}}, allowed: true},
		{name: "scp array, missing", require: "orders:delete", extra: map[string]any{"scp": []string{"orders:read"}}},
		{name: "scp array elements are not split", require: "b", extra: map[string]any{"scp": []string{"a b"}}},
		{name: "scp space-separated string", require: "b", extra: map[string]any{"scp": "a b"}, allowed: true},
		{name: "union of scope and scp", require: "a b", extra: map[string]any{"scope": "a", "scp": []string{"b"}}, allowed: true},
		{name: "escaped string", require: "a/b", extra: map[string]any{"scope": "x a/b <\u00e9>"}, allowed: true},
		{name: "scope of another type", require: "1", extra: map[string]any{"scope": 1}},
		{name: "scp with a non-string element", require: "a", extra: map[string]any{"scp": []any{1, "a"}}},
		{name: "no scope claims", require: "read"},
		{name: "empty scope claim", require: "read", extra: map[string]any{"scope": ""}},
		{name: "other claim named like a scope", require: "read", extra: map[string]any{"role": "read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := f.issueExtra(t, "123", tt.extra)
			auth := mustNew(t, f.m, middleware.Options{})
			called := false
			h := alice.New(auth.Authenticate, auth.RequireScope(strings.Fields(tt.require)...)).ThenFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tt.allowed {
					t.Fatal("got handler called, want the request refused")
				}
				called = true
			})
			res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
			if tt.allowed {
				if res.StatusCode != http.StatusOK || !called {
					t.Fatalf("got status %d, handler called %v; want 200 and the handler", res.StatusCode, called)
				}
				return
			}
			checkForbidden(t, res, body, defaultRealm, tt.require)
		})
	}
}

// checkForbidden checks a 403 insufficient_scope response with the scope
// parameter (none when scope is "").
func checkForbidden(t *testing.T, res *http.Response, body, realm, scope string) {
	t.Helper()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("got status %d, want 403 (body %q)", res.StatusCode, body)
	}
	want := challenge(realm, "insufficient_scope", descScope)
	if scope != "" {
		want += fmt.Sprintf(", scope=%q", scope)
	}
	if got := res.Header.Values("WWW-Authenticate"); len(got) != 1 || got[0] != want {
		t.Errorf("got WWW-Authenticate %q, want exactly [%q]", got, want)
	}
	if e := decodeError(t, body); e.Error != "insufficient_scope" || e.Description != descScope {
		t.Errorf("got body %+v, want insufficient_scope / %q", e, descScope)
	}
}

// TestRequireScopeChallengeListsScopes: the challenge of a refusal
// lists the scopes, space-separated, in the realm of the Auth.
func TestRequireScopeChallengeListsScopes(t *testing.T) {
	guard := mustNew(t, newFixture(t).m, middleware.Options{Realm: "shop"}).RequireScope("a", "b")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	res, body := serve(guard(mustNotRun(t)), r.WithContext(middleware.NewContext(r.Context(), claimsWith(t, nil))))
	checkForbidden(t, res, body, "shop", "a b")
}

func TestRequireClaim(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		extra   map[string]any
		allowed bool
	}{
		{name: "string equal", extra: map[string]any{"role": "admin"}, allowed: true},
		{name: "string different", extra: map[string]any{"role": "user"}},
		{name: "string differs in case", extra: map[string]any{"role": "Admin"}},
		{name: "array contains", extra: map[string]any{"role": []string{"ops", "admin"}}, allowed: true},
		{name: "array lacks", extra: map[string]any{"role": []string{"ops"}}},
		{name: "empty array", extra: map[string]any{"role": []string{}}},
		{name: "string is not split", extra: map[string]any{"role": "ops admin"}},
		{name: "boolean", extra: map[string]any{"role": true}},
		{name: "object", extra: map[string]any{"role": map[string]string{"admin": "admin"}}},
		{name: "absent", extra: map[string]any{"roles": "admin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := f.issueExtra(t, "123", tt.extra)
			auth := mustNew(t, f.m, middleware.Options{})
			h := alice.New(auth.Authenticate, auth.RequireClaim("role", "admin")).ThenFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tt.allowed {
					t.Fatal("got handler called, want the request refused")
				}
			})
			res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
			if tt.allowed {
				if res.StatusCode != http.StatusOK {
					t.Fatalf("got status %d, want 200", res.StatusCode)
				}
				return
			}
			checkForbidden(t, res, body, defaultRealm, "")
		})
	}
}

func TestRequire(t *testing.T) {
	f := newFixture(t)
	auth := mustNew(t, f.m, middleware.Options{})
	h := alice.New(auth.Authenticate, auth.Require(func(c *session.Claims) bool { return c.UserID == "123" }))
	t.Run("allowed", func(t *testing.T) {
		called := false
		res, _ := serve(h.ThenFunc(func(http.ResponseWriter, *http.Request) { called = true }),
			bearer(httptest.NewRequest(http.MethodGet, "/", nil), f.issue(t, "123").Value))
		if res.StatusCode != http.StatusOK || !called {
			t.Fatalf("got status %d, handler called %v; want 200 and the handler", res.StatusCode, called)
		}
	})
	t.Run("refused", func(t *testing.T) {
		res, body := serve(h.Then(mustNotRun(t)), bearer(httptest.NewRequest(http.MethodGet, "/", nil), f.issue(t, "456").Value))
		checkForbidden(t, res, body, defaultRealm, "")
	})
}

// guards returns the three kinds of guard of a, by name.
func guards(a *middleware.Auth) map[string]func(http.Handler) http.Handler {
	return map[string]func(http.Handler) http.Handler{
		"scope":     a.RequireScope("read"),
		"claim":     a.RequireClaim("role", "admin"),
		"predicate": a.Require(func(*session.Claims) bool { return true }),
	}
}

// TestGuardUnauthenticated: a request without verified claims is a
// missing token at any guard, never a 403 and never the handler.
func TestGuardUnauthenticated(t *testing.T) {
	f := newFixture(t)
	required := mustNew(t, f.m, middleware.Options{})
	optional := mustNew(t, f.m, middleware.Options{Optional: true})
	for name, guard := range guards(required) {
		t.Run(name+"/no Authenticate in front", func(t *testing.T) {
			res, body := serve(guard(mustNotRun(t)), httptest.NewRequest(http.MethodGet, "/", nil))
			checkFailure(t, res, body, http.StatusUnauthorized, defaultRealm, "", descMissing)
		})
	}
	for name, guard := range guards(optional) {
		t.Run(name+"/anonymous in optional mode", func(t *testing.T) {
			h := alice.New(optional.Authenticate, guard).Then(mustNotRun(t))
			res, body := serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
			checkFailure(t, res, body, http.StatusUnauthorized, defaultRealm, "", descMissing)
		})
	}
}

// TestGuardOptions: guards answer with the realm, the error handler and
// the hooks of their Auth.
func TestGuardOptions(t *testing.T) {
	var got []*middleware.Error
	hooks := middleware.Hooks{Rejected: func(r *http.Request, e *middleware.Error, fp middleware.Fingerprint) {
		if fp != (middleware.Fingerprint{}) {
			t.Errorf("got fingerprint %v at a guard, want none", fp)
		}
		got = append(got, e)
	}}
	handler := func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
		w.WriteHeader(e.Status)
		fmt.Fprint(w, "custom ", e.Reason)
	}
	auth := mustNew(t, newFixture(t).m, middleware.Options{Realm: "shop", ErrorHandler: handler, Hooks: hooks})
	guard := auth.RequireScope("write")

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	res, body := serve(guard(mustNotRun(t)), r.WithContext(middleware.NewContext(r.Context(), claimsWith(t, map[string]string{"scope": `"read"`}))))
	if res.StatusCode != http.StatusForbidden || body != "custom forbidden" {
		t.Errorf("got %d %q, want 403 %q", res.StatusCode, body, "custom forbidden")
	}
	if want := `Bearer realm="shop", error="insufficient_scope", error_description="insufficient scope", scope="write"`; res.Header.Get("WWW-Authenticate") != want {
		t.Errorf("got WWW-Authenticate %q, want %q", res.Header.Get("WWW-Authenticate"), want)
	}
	res, _ = serve(guard(mustNotRun(t)), httptest.NewRequest(http.MethodGet, "/", nil))
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("got status %d without claims, want 401", res.StatusCode)
	}
	if want := `Bearer realm="shop"`; res.Header.Get("WWW-Authenticate") != want {
		t.Errorf("got WWW-Authenticate %q without claims, want %q", res.Header.Get("WWW-Authenticate"), want)
	}
	if len(got) != 2 {
		t.Fatalf("got %d Rejected calls, want 2", len(got))
	}
	if got[0].Reason != middleware.ReasonForbidden || !errors.Is(got[0], middleware.ErrInsufficientScope) {
		t.Errorf("got first rejection %v (reason %q), want forbidden, ErrInsufficientScope", got[0], got[0].Reason)
	}
	if got[1].Reason != middleware.ReasonMissing || !errors.Is(got[1], middleware.ErrNotAuthenticated) {
		t.Errorf("got second rejection %v (reason %q), want missing, ErrNotAuthenticated", got[1], got[1].Reason)
	}
}

// TestGuardPanics: a guard given a literal that can only be a mistake
// panics when it is built, at startup, with a message that says what to
// fix.
func TestGuardPanics(t *testing.T) {
	auth := mustNew(t, newFixture(t).m, middleware.Options{})
	tests := []struct {
		name string
		make func() func(http.Handler) http.Handler
		want string // in the panic message
	}{
		{"no scope", func() func(http.Handler) http.Handler { return auth.RequireScope() }, "at least one scope"},
		{"empty scope", func() func(http.Handler) http.Handler { return auth.RequireScope("") }, "is not a scope"},
		{"empty scope among others", func() func(http.Handler) http.Handler { return auth.RequireScope("a", "") }, "is not a scope"},
		{"blank scope", func() func(http.Handler) http.Handler { return auth.RequireScope("   ") }, "is not a scope"},
		{"space-separated list", func() func(http.Handler) http.Handler { return auth.RequireScope("a b") }, "its own argument"},
		{"quote in scope", func() func(http.Handler) http.Handler { return auth.RequireScope(`a"b`) }, "is not a scope"},
		{"backslash in scope", func() func(http.Handler) http.Handler { return auth.RequireScope(`a\b`) }, "is not a scope"},
		{"tab in scope", func() func(http.Handler) http.Handler { return auth.RequireScope("a\tb") }, "is not a scope"},
		{"non-ASCII scope", func() func(http.Handler) http.Handler { return auth.RequireScope("caf\u00e9") }, "is not a scope"},
		{"empty claim name", func() func(http.Handler) http.Handler { return auth.RequireClaim("", "x") }, "needs a claim name"},
		{"registered claim", func() func(http.Handler) http.Handler { return auth.RequireClaim("iss", "x") }, "use Require"},
		{"nil predicate", func() func(http.Handler) http.Handler { return auth.Require(nil) }, "needs a predicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g func(http.Handler) http.Handler
			recovered := func() (v any) {
				defer func() { v = recover() }()
				g = tt.make()
				return nil
			}()
			if recovered == nil || g != nil {
				t.Fatalf("got a guard (%v) and no panic, want a panic", g != nil)
			}
			if msg := fmt.Sprint(recovered); !strings.HasPrefix(msg, "middleware: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("got panic %q, want the package prefix and %q", msg, tt.want)
			}
		})
	}
}

func TestHasScopeAndHasClaim(t *testing.T) {
	tests := []struct {
		name   string
		extra  map[string]string
		scopes []string
		want   bool
	}{
		{"array with white space", map[string]string{"scp": `[ "a" ,	"b" ]`}, []string{"b"}, true},
		{"array with escapes", map[string]string{"scp": `["\u0061", "x\"y"]`}, []string{"a"}, true},
		{"string with escapes", map[string]string{"scope": `"x\u0020a"`}, []string{"a"}, true},
		{"every scope of a list", map[string]string{"scope": `"a b"`}, []string{"b", "a"}, true},
		{"one of a list missing", map[string]string{"scope": `"a b"`}, []string{"a", "c"}, false},
		{"no scopes never granted", map[string]string{"scope": `"a"`}, nil, false},
		{"empty scope never granted", map[string]string{"scope": `"a"`}, []string{""}, false},
		{"a list is not one scope", map[string]string{"scope": `"a b"`}, []string{"a b"}, false},
		{"an array element with a space is not a scope", map[string]string{"scp": `["a b"]`}, []string{"a b"}, false},
		{"nested array", map[string]string{"scp": `[["a"]]`}, []string{"a"}, false},
		{"number", map[string]string{"scope": `12`}, []string{"12"}, false},
		{"null", map[string]string{"scope": `null`}, []string{"null"}, false},
		{"empty string element", map[string]string{"scp": `[""]`}, []string{"a"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := middleware.HasScope(claimsWith(t, tt.extra), tt.scopes...); got != tt.want {
				t.Errorf("got HasScope %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("nil claims", func(t *testing.T) {
		if middleware.HasScope(nil, "a") || middleware.HasClaim(nil, "role", "a") {
			t.Error("got true for nil claims, want false")
		}
	})
	t.Run("HasClaim", func(t *testing.T) {
		c := claimsWith(t, map[string]string{"role": `["ops","admin"]`, "team": `"blue"`})
		for _, tc := range []struct {
			name, value string
			want        bool
		}{{"role", "admin", true}, {"role", "root", false}, {"team", "blue", true}, {"team", "blu", false}, {"absent", "x", false}} {
			if got := middleware.HasClaim(c, tc.name, tc.value); got != tc.want {
				t.Errorf("got HasClaim(%q, %q) %v, want %v", tc.name, tc.value, got, tc.want)
			}
		}
	})
}

// TestGuardAllocations: the common case, strings without escapes, checks
// without allocating.
func TestGuardAllocations(t *testing.T) {
	c := claimsWith(t, map[string]string{"scope": `"a b c"`, "scp": `["d", "e"]`, "role": `["x","admin"]`})
	allocs := testing.AllocsPerRun(100, func() {
		if !middleware.HasScope(c, "c", "e") || !middleware.HasClaim(c, "role", "admin") {
			t.Fatal("got false, want true")
		}
	})
	if allocs != 0 {
		t.Errorf("got %v allocations, want 0", allocs)
	}
}
