package middleware_test

// The HTTP family of the attack suite (the token families are in
// session/attack_test.go): hostile Authorization headers and token
// placements, each answered by the full Authenticate handler with a
// valid token inside wherever one fits, so that only the request's
// syntax can be the reason for a rejection. Simpler syntax cases are in
// extract_test.go and TestAuthenticateFailures.

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// attackOutcome is what a hostile request must get.
type attackOutcome struct {
	status int
	code   string
	desc   string
}

var (
	passes      = attackOutcome{status: http.StatusOK}
	noToken     = attackOutcome{http.StatusUnauthorized, "", descMissing}
	malformed   = attackOutcome{http.StatusBadRequest, "invalid_request", descMalformed}
	badToken    = attackOutcome{http.StatusUnauthorized, "invalid_token", descInvalid}
	hugeHeader  = strings.Repeat(".", 500_000)
	overHeader  = strings.Repeat("a", middleware.MaxAuthorizationLength+1-len("Bearer "))
	atHeaderCap = strings.Repeat("a", middleware.MaxAuthorizationLength-len("Bearer "))
)

// oversizedToken returns a correctly signed token just over the default
// size cap of package session.
func oversizedToken(t testing.TB, f *fixture) string {
	t.Helper()
	exp := f.clock.Now().Add(time.Hour).Unix()
	return f.foreign(t, fmt.Sprintf(`{"user_id":"123","exp":%d,"pad":"%s"}`, exp, strings.Repeat("x", defaultMaxTokenSize)))
}

// altAlphabetToken returns a valid token whose payload spelling holds '-'
// and '_', and the same token spelled with the standard alphabet.
func altAlphabetToken(t *testing.T, f *fixture) (string, string) {
	t.Helper()
	exp := f.clock.Now().Add(time.Hour).Unix()
	tok := f.foreign(t, fmt.Sprintf(`{"user_id":"123","exp":%d,"q":">>>>>>??????"}`, exp))
	std := strings.NewReplacer("-", "+", "_", "/").Replace(tok)
	if std == tok {
		t.Fatalf("precondition: %q should contain '-' or '_'", tok)
	}
	return tok, std
}

func TestAttackHTTP(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123").Value
	urlSafe, stdAlphabet := altAlphabetToken(t, f)
	withQuery := middleware.Options{QueryParameter: "access_token"}
	tests := []struct {
		name   string
		target string   // default "/me"
		auth   []string // Authorization header values, set as received
		opts   middleware.Options
		body   string // a form body, sent as POST
		want   attackOutcome
	}{
		{name: "control: Bearer and the token", auth: []string{"Bearer " + tok}, want: passes},
		{name: "control: URL-safe alphabet token", auth: []string{"Bearer " + urlSafe}, want: passes},
		{name: "missing header", want: noToken},
		{name: "empty header", auth: []string{""}, want: noToken},
		{name: "Basic credentials", auth: []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("alice:wonderland"))}, want: noToken},
		{name: "Basic carrying the JWT", auth: []string{"Basic " + tok}, want: noToken},
		{name: "JWT scheme", auth: []string{"JWT " + tok}, want: noToken},
		{name: "Token scheme", auth: []string{"Token " + tok}, want: noToken},
		{name: "scheme in lower case", auth: []string{"bearer " + tok}, want: passes},
		{name: "scheme in upper case", auth: []string{"BEARER " + tok}, want: passes},
		{name: "scheme in mixed case", auth: []string{"BeArEr " + tok}, want: passes},
		{name: "two spaces", auth: []string{"Bearer  " + tok}, want: passes},
		{name: "many spaces", auth: []string{"Bearer" + strings.Repeat(" ", 100) + tok}, want: passes},
		{name: "scheme without space", auth: []string{"Bearer" + tok}, want: noToken},
		{name: "tab after scheme", auth: []string{"Bearer\t" + tok}, want: malformed},
		{name: "space and tab", auth: []string{"Bearer \t" + tok}, want: malformed},
		{name: "trailing tab", auth: []string{"Bearer " + tok + "\t"}, want: malformed},
		{name: "trailing space", auth: []string{"Bearer " + tok + " "}, want: malformed},
		{name: "trailing word", auth: []string{"Bearer " + tok + " junk"}, want: malformed},
		{name: "trailing comma", auth: []string{"Bearer " + tok + ","}, want: malformed},
		{name: "second scheme after a comma", auth: []string{"Bearer " + tok + ", Basic YTpi"}, want: malformed},
		{name: "auth-param after the token", auth: []string{"Bearer " + tok + ` realm="x"`}, want: malformed},
		{name: "trailing semicolon", auth: []string{"Bearer " + tok + ";"}, want: malformed},
		{name: "trailing CRLF", auth: []string{"Bearer " + tok + "\r\n"}, want: malformed},
		{name: "line break inside the token", auth: []string{"Bearer " + tok[:20] + "\n" + tok[20:]}, want: malformed},
		{name: "NUL after the token", auth: []string{"Bearer " + tok + "\x00"}, want: malformed},
		{name: "percent-encoded dot", auth: []string{"Bearer " + strings.Replace(tok, ".", "%2E", 1)}, want: malformed},
		{name: "quoted token", auth: []string{`Bearer "` + tok + `"`}, want: malformed},
		{name: "padding appended", auth: []string{"Bearer " + tok + "=="}, want: badToken},
		{name: "standard alphabet spelling", auth: []string{"Bearer " + stdAlphabet}, want: badToken},
		{name: "token twice", auth: []string{"Bearer " + tok + " " + tok}, want: malformed},
		{name: "Bearer twice", auth: []string{"Bearer Bearer " + tok}, want: malformed},
		{name: "two Authorization headers, both valid", auth: []string{"Bearer " + tok, "Bearer " + tok}, want: malformed},
		{name: "two Authorization headers, Basic first", auth: []string{"Basic YTpi", "Bearer " + tok}, want: malformed},
		{name: "two Authorization headers, empty first", auth: []string{"", "Bearer " + tok}, want: malformed},
		{name: "header and query token", target: "/me?access_token=" + tok, auth: []string{"Bearer " + tok}, opts: withQuery, want: malformed},
		{name: "header and a different query token", target: "/me?access_token=" + urlSafe, auth: []string{"Bearer " + tok}, opts: withQuery, want: malformed},
		{name: "control: query token when enabled", target: "/me?access_token=" + tok, opts: withQuery, want: passes},
		{name: "query token when not enabled", target: "/me?access_token=" + tok, want: noToken},
		{name: "query token named like the header", target: "/me?Authorization=Bearer%20" + tok, want: noToken},
		{name: "form body token (RFC 6750 §2.2), not enabled", body: "access_token=" + tok, want: noToken},
		{name: "8 KiB+ token, correctly signed", auth: []string{"Bearer " + oversizedToken(t, f)}, want: badToken},
		{name: "header at the extractor's cap", auth: []string{"Bearer " + atHeaderCap}, want: badToken},
		{name: "header one byte over the extractor's cap", auth: []string{"Bearer " + overHeader}, want: malformed},
		{name: "500 000 dots", auth: []string{"Bearer " + hugeHeader}, want: malformed},
		{name: "500 000 dots without a scheme", auth: []string{hugeHeader}, want: noToken},
		{name: "500 000 dots under another scheme", auth: []string{"Basic " + hugeHeader}, want: noToken},
		{name: "non-UTF-8 token", auth: []string{"Bearer \xff\xfe\xfd"}, want: malformed},
		{name: "non-UTF-8 after the token", auth: []string{"Bearer " + tok + "\xc0"}, want: malformed},
		{name: "non-UTF-8 before the scheme", auth: []string{"\xffBearer " + tok}, want: noToken},
		{name: "non-breaking space separator", auth: []string{"Bearer\u00a0" + tok}, want: malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := false
			h := mustAuthenticate(t, f.m, tt.opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.want != passes {
					t.Fatal("got next handler called, want the request rejected before it")
				}
				ran = true
				if uid, _ := middleware.UserIDFromContext(r.Context()); uid != "123" {
					t.Errorf("got user %q, want %q", uid, "123")
				}
			}))
			target := tt.target
			if target == "" {
				target = "/me"
			}
			var r *http.Request
			if tt.body != "" {
				r = httptest.NewRequest(http.MethodPost, target, strings.NewReader(tt.body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				r = httptest.NewRequest(http.MethodGet, target, nil)
			}
			if tt.auth != nil {
				r.Header["Authorization"] = tt.auth
			}
			res, body := serve(h, r)
			if tt.want == passes {
				if !ran || res.StatusCode != http.StatusOK {
					t.Fatalf("got status %d (body %q), handler ran %v, want 200 from the handler", res.StatusCode, body, ran)
				}
				return
			}
			checkFailure(t, res, body, tt.want.status, defaultRealm, tt.want.code, tt.want.desc)
		})
	}
}

// TestAttackHTTPWire sends hostile requests over a real connection, as
// bytes, to a server running Authenticate: what net/http does to the
// header on the way in is part of what is tested.
func TestAttackHTTPWire(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123").Value
	var ran atomic.Int32
	auth := mustAuthenticate(t, f.m, middleware.Options{})
	srv := httptest.NewServer(auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran.Add(1)
		io.WriteString(w, "ok")
	})))
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()

	tests := []struct {
		name    string
		headers string // raw header lines, each ending in CRLF
		status  int
		passes  bool
	}{
		{name: "control: valid token", headers: "Authorization: Bearer " + tok + "\r\n", status: http.StatusOK, passes: true},
		{name: "control: optional white space around the value is trimmed", headers: "Authorization: \t Bearer " + tok + " \t\r\n", status: http.StatusOK, passes: true},
		{name: "missing header", headers: "", status: http.StatusUnauthorized},
		{name: "two headers", headers: "Authorization: Bearer " + tok + "\r\nAuthorization: Bearer " + tok + "\r\n", status: http.StatusBadRequest},
		{name: "header name in lower case, twice", headers: "authorization: Bearer " + tok + "\r\nAUTHORIZATION: Bearer " + tok + "\r\n", status: http.StatusBadRequest},
		{name: "tab separator", headers: "Authorization: Bearer\t" + tok + "\r\n", status: http.StatusBadRequest},
		{name: "non-UTF-8 bytes", headers: "Authorization: Bearer \xff\xfe" + tok + "\r\n", status: http.StatusBadRequest},
		{name: "500 000 dots", headers: "Authorization: Bearer " + hugeHeader + "\r\n", status: http.StatusBadRequest},
		{name: "8 KiB+ token", headers: "Authorization: Bearer " + oversizedToken(t, f) + "\r\n", status: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ran.Load()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer conn.Close()
			if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatalf("SetDeadline: %v", err)
			}
			req := "GET /me HTTP/1.1\r\nHost: test\r\nConnection: close\r\n" + tt.headers + "\r\n"
			if _, err := io.WriteString(conn, req); err != nil {
				t.Fatalf("Write: %v", err)
			}
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("ReadResponse: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Fatalf("got status %d (body %q), want %d", res.StatusCode, body, tt.status)
			}
			if got := ran.Load() - before; (got == 1) != tt.passes || got > 1 {
				t.Fatalf("got the handler run %d times, want it run: %v", got, tt.passes)
			}
			if !tt.passes && strings.Contains(string(body), tok[:40]) {
				t.Fatalf("got body %q, which echoes the token", body)
			}
		})
	}
}

// TestAttackBoundedWork shows that rejecting a hostile request costs a
// constant amount of work: the allocations of a rejection do not grow
// with the header, whether it is a few bytes, half a megabyte of dots, or
// a token just over a cap (CPU time is in BenchmarkAuthenticateRejectHostile).
func TestAttackBoundedWork(t *testing.T) {
	f := newFixture(t)
	h := mustAuthenticate(t, f.m, middleware.Options{})(mustNotRun(t))
	measure := func(value string) float64 {
		r := httptest.NewRequest(http.MethodGet, "/me", nil)
		r.Header["Authorization"] = []string{value}
		rec := httptest.NewRecorder()
		return testing.AllocsPerRun(50, func() {
			for k := range rec.Header() {
				delete(rec.Header(), k)
			}
			rec.Body.Reset()
			h.ServeHTTP(rec, r)
		})
	}
	smallMalformed := measure("Bearer a b")
	smallInvalid := measure("Bearer abc")
	if smallMalformed > 40 || smallInvalid > 40 {
		t.Fatalf("small rejections: got %v and %v allocations, want at most 40", smallMalformed, smallInvalid)
	}
	tests := []struct {
		name     string
		value    string
		baseline float64
	}{
		{name: "500 000 dots", value: "Bearer " + hugeHeader, baseline: smallMalformed},
		{name: "one byte over the extractor's cap", value: "Bearer " + overHeader, baseline: smallMalformed},
		{name: "junk at the extractor's cap", value: "Bearer " + atHeaderCap, baseline: smallInvalid},
		{name: "dots at the extractor's cap", value: "Bearer " + strings.Repeat(".", len(atHeaderCap)), baseline: smallInvalid},
		{name: "8 KiB+ signed token", value: "Bearer " + oversizedToken(t, f), baseline: smallInvalid},
		{name: "non-UTF-8 bytes", value: "Bearer " + strings.Repeat("\xff", 100_000), baseline: smallMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := measure(tt.value); got > tt.baseline+raceAllocSlack {
				t.Fatalf("got %v allocations for a %d-byte header, want at most the %v of a small rejection", got, len(tt.value), tt.baseline)
			}
		})
	}
}

// BenchmarkAuthenticateRejectHostile measures the rejection of hostile
// headers; compare the figures with BenchmarkAuthenticateRejectGarbage.
func BenchmarkAuthenticateRejectHostile(b *testing.B) {
	f := newFixture(b)
	now := f.clock.Now()
	m, err := session.New(session.HS256(f.secret), session.Options{Clock: func() time.Time { return now }})
	if err != nil {
		b.Fatalf("session.New: %v", err)
	}
	f.m = m
	exp := now.Add(time.Hour).Unix()
	deep := f.foreign(b, fmt.Sprintf(`{"user_id":"123","exp":%d,"x":%s%s}`, exp, strings.Repeat("[", 5000), strings.Repeat("]", 5000)))
	tests := []struct {
		name  string
		value string
	}{
		{name: "500000 dots", value: "Bearer " + hugeHeader},
		{name: "over the header cap", value: "Bearer " + overHeader},
		{name: "junk at the header cap", value: "Bearer " + atHeaderCap},
		{name: "8KiB+ signed token", value: "Bearer " + oversizedToken(b, f)},
		{name: "deep JSON signed token", value: "Bearer " + deep},
		{name: "non-UTF-8", value: "Bearer " + strings.Repeat("\xff", 100_000)},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			h := mustAuthenticate(b, f.m, middleware.Options{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				b.Fatal("got next handler called, want the request rejected")
			}))
			r := httptest.NewRequest(http.MethodGet, "/me", nil)
			r.Header["Authorization"] = []string{tt.value}
			rec := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				rec.Body.Reset()
				h.ServeHTTP(rec, r)
			}
		})
	}
}

// TestAttackHeaderCap pins the extractor's cap: a Bearer header longer
// than MaxAuthorizationLength is refused by its length, with
// ErrAuthorizationTooLong (still an ErrMalformedAuthorization), while
// other schemes of any length are no token at all.
func TestAttackHeaderCap(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    string
		wantErr error
	}{
		{name: "at the cap", value: "Bearer " + atHeaderCap, want: atHeaderCap},
		{name: "one over the cap", value: "Bearer " + overHeader, wantErr: middleware.ErrAuthorizationTooLong},
		{name: "500 000 dots", value: "Bearer " + hugeHeader, wantErr: middleware.ErrAuthorizationTooLong},
		{name: "over the cap in lower case", value: "bearer " + overHeader, wantErr: middleware.ErrAuthorizationTooLong},
		{name: "over the cap, malformed inside", value: "Bearer a b" + overHeader, wantErr: middleware.ErrAuthorizationTooLong},
		{name: "Basic over the cap", value: "Basic " + overHeader},
		{name: "Bearer-like scheme over the cap", value: "BearerX " + overHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header["Authorization"] = []string{tt.value}
			got, err := middleware.FromAuthorizationHeader(r)
			checkExtract(t, got, err, tt.want, tt.wantErr)
			if tt.wantErr != nil && !errors.Is(err, middleware.ErrMalformedAuthorization) {
				t.Fatalf("got %v, want it to match ErrMalformedAuthorization too", err)
			}
		})
	}
}

// TestAttackHTTPSyntaxNotDelegated checks that the RFC 6750 syntax is
// enforced by the middleware whatever verifies the token: a lenient verifier
// (here one that, like some JWT libraries, ignores what follows the first
// white space or comma) must never see a malformed header's token reach
// the handler.
func TestAttackHTTPSyntaxNotDelegated(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123").Value
	lenient := verifierFunc(func(ctx context.Context, token string) (*session.Claims, error) {
		if i := strings.IndexAny(token, " \t,;"); i >= 0 {
			token = token[:i]
		}
		return f.m.Verify(ctx, token)
	})
	tests := []struct{ name, suffix string }{
		{"trailing word", " junk"},
		{"tab and word", "\tjunk"},
		{"comma", ",x"},
		{"semicolon", "; x"},
		{"trailing space", " "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := fakeAuth(t, lenient, middleware.Options{}).Authenticate(mustNotRun(t))
			r := httptest.NewRequest(http.MethodGet, "/me", nil)
			r.Header["Authorization"] = []string{"Bearer " + tok + tt.suffix}
			res, body := serve(h, r)
			checkFailure(t, res, body, http.StatusBadRequest, defaultRealm, "invalid_request", descMalformed)
		})
	}
}
