package middleware_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// With the fixture's defaults (TTL 30m, threshold 10m), a token issued and
// then aged by nearExpiryAge has 5 minutes left and is renewed.
const nearExpiryAge = 25 * time.Minute

// authRenewChain returns the chain of Authenticate and Renew of a new Auth.
func authRenewChain(t testing.TB, m *session.Manager, opts middleware.Options) alice.Chain {
	t.Helper()
	a := mustNew(t, m, opts)
	return alice.New(a.Authenticate, a.Renew)
}

// authRenew chains Authenticate and Renew of a over h with alice.
func authRenew(t testing.TB, a *middleware.Auth, h http.Handler) http.Handler {
	t.Helper()
	return alice.New(a.Authenticate, a.Renew).Then(h)
}

// spyRenewer wraps a manager, counts its renewal calls and can make Renew
// fail.
type spyRenewer struct {
	inner    *session.Manager
	renewErr error
	should   atomic.Int64
	renews   atomic.Int64
}

// auth returns an Auth over s's manager, configured by opts, whose
// session calls go through s.
func (s *spyRenewer) auth(t testing.TB, opts middleware.Options) *middleware.Auth {
	t.Helper()
	return middleware.WithSessionCalls(mustNew(t, s.inner, opts), s)
}

func (s *spyRenewer) Verify(ctx context.Context, token string) (*session.Claims, error) {
	return s.inner.Verify(ctx, token)
}

func (s *spyRenewer) ShouldRenew(c *session.Claims) bool {
	s.should.Add(1)
	return s.inner.ShouldRenew(c)
}

func (s *spyRenewer) Renew(ctx context.Context, c *session.Claims) (*session.Token, error) {
	s.renews.Add(1)
	if s.renewErr != nil {
		return nil, s.renewErr
	}
	return s.inner.Renew(ctx, c)
}

// checkRenewed checks that hdr carries a correct successor of orig under
// name and returns its verified claims.
func checkRenewed(t *testing.T, f *fixture, hdr http.Header, name string, orig *session.Token) *session.Claims {
	t.Helper()
	values := hdr.Values(name)
	if len(values) != 1 {
		t.Fatalf("got %s %q, want exactly one renewed token", name, values)
	}
	v := values[0]
	if strings.HasPrefix(strings.ToLower(v), "bearer") || strings.ContainsAny(v, " \t") {
		t.Fatalf("got %s %q, want a bare compact JWT", name, v)
	}
	if strings.Count(v, ".") != 2 {
		t.Fatalf("got %s with %d dots, want a compact JWS with three parts", name, strings.Count(v, "."))
	}
	if v == orig.Value {
		t.Fatalf("got the original token back in %s, want a new one", name)
	}
	c, err := f.m.Verify(context.Background(), v)
	if err != nil {
		t.Fatalf("got renewed token rejected by the manager: %v", err)
	}
	o := orig.Claims
	if c.UserID != o.UserID {
		t.Errorf("got user %q, want %q kept", c.UserID, o.UserID)
	}
	if c.SessionID == "" || c.SessionID != o.SessionID {
		t.Errorf("got sid %q, want %q kept", c.SessionID, o.SessionID)
	}
	if !c.AuthTime.Equal(o.AuthTime) {
		t.Errorf("got auth_time %v, want %v kept", c.AuthTime, o.AuthTime)
	}
	if !c.ExpiresAt.After(o.ExpiresAt) {
		t.Errorf("got exp %v, want later than %v", c.ExpiresAt, o.ExpiresAt)
	}
	if c.TokenID == "" || c.TokenID == o.TokenID {
		t.Errorf("got jti %q, want a new one (old %q)", c.TokenID, o.TokenID)
	}
	var exposed []string
	for _, v := range hdr.Values("Access-Control-Expose-Headers") {
		for _, n := range strings.Split(v, ",") {
			exposed = append(exposed, http.CanonicalHeaderKey(strings.TrimSpace(n)))
		}
	}
	if !slices.Contains(exposed, http.CanonicalHeaderKey(name)) {
		t.Errorf("got Access-Control-Expose-Headers %q, want it to list %s", hdr.Values("Access-Control-Expose-Headers"), name)
	}
	if got := hdr.Get("Cache-Control"); got != "no-store" {
		t.Errorf("got Cache-Control %q, want %q", got, "no-store")
	}
	return c
}

// checkNotRenewed checks that hdr carries no renewed token.
func checkNotRenewed(t *testing.T, hdr http.Header, name string) {
	t.Helper()
	if got := hdr.Values(name); len(got) != 0 {
		t.Fatalf("got %s %q, want none", name, got)
	}
	if got := hdr.Values("Access-Control-Expose-Headers"); len(got) != 0 {
		t.Errorf("got Access-Control-Expose-Headers %q without a renewed token, want none", got)
	}
}

func writeOK(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

func TestRenewNearExpiry(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	called := false
	h := authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		if uid, _ := middleware.UserIDFromContext(r.Context()); uid != "123" {
			t.Errorf("got user %q in the handler, want %q", uid, "123")
		}
		io.WriteString(w, "hello")
	}))
	res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok.Value))
	if !called || res.StatusCode != http.StatusOK || body != "hello" {
		t.Fatalf("got called %v, %d %q, want the handler's 200 %q", called, res.StatusCode, body, "hello")
	}
	c := checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
	if want := f.clock.Now().Add(defaultTTL).Truncate(time.Second); !c.ExpiresAt.Equal(want) {
		t.Errorf("got exp %v, want now+TTL %v", c.ExpiresAt, want)
	}
}

// TestRenewThreshold checks that only a token with less than the threshold
// left is renewed.
func TestRenewThreshold(t *testing.T) {
	tests := []struct {
		name string
		age  time.Duration // TTL 30m, threshold 10m
		want bool
	}{
		{name: "fresh", age: 0, want: false},
		{name: "just issued plus a minute", age: time.Minute, want: false},
		{name: "more than the threshold left", age: 19*time.Minute + 59*time.Second, want: false},
		{name: "exactly the threshold left", age: 20 * time.Minute, want: false},
		{name: "just below the threshold", age: 20*time.Minute + time.Second, want: true},
		{name: "five minutes left", age: 25 * time.Minute, want: true},
		{name: "one second left", age: 30*time.Minute - time.Second, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.issue(t, "123")
			f.clock.Advance(tt.age)
			res, _ := serve(authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(writeOK)), bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", res.StatusCode)
			}
			if tt.want {
				checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
			} else {
				checkNotRenewed(t, res.Header, defaultRenewHeader)
			}
		})
	}
}

// TestRenewStatuses checks that only 2xx responses carry a renewed token
// (errors, redirects and 304 do not), and that any other response costs no
// signature. The recorder's
// Result reflects the headers as they were at WriteHeader.
func TestRenewStatuses(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		status  int
		want    bool
	}{
		{name: "writes nothing", handler: func(http.ResponseWriter, *http.Request) {}, status: 200, want: true},
		{name: "Write only", handler: writeOK, status: 200, want: true},
		{name: "WriteHeader 200", handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }, status: 200, want: true},
		{name: "201 with body", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "created")
		}, status: 201, want: true},
		{name: "204", handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }, status: 204, want: true},
		{name: "206", handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusPartialContent) }, status: 206, want: true},
		{name: "redirect", handler: func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) }, status: 302, want: false},
		{name: "303", handler: func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusSeeOther) }, status: 303, want: false},
		{name: "304", handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotModified) }, status: 304, want: false},
		{name: "400", handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadRequest) }, status: 400, want: false},
		{name: "401 via WriteHeader", handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }, status: 401, want: false},
		{name: "403 via http.Error", handler: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "forbidden", http.StatusForbidden)
		}, status: 403, want: false},
		{name: "404 via http.NotFound", handler: http.NotFound, status: 404, want: false},
		{name: "404 then body", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "missing")
		}, status: 404, want: false},
		{name: "500 via http.Error", handler: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, status: 500, want: false},
		{name: "503 via WriteHeader", handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }, status: 503, want: false},
		{name: "404 after a later 200 attempt", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.WriteHeader(http.StatusOK) // superfluous; the first status counts
		}, status: 404, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.issue(t, "123")
			f.clock.Advance(nearExpiryAge)
			spy := &spyRenewer{inner: f.m}
			res, _ := serve(authRenew(t, spy.auth(t, middleware.Options{}), tt.handler), bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
			if res.StatusCode != tt.status {
				t.Fatalf("got status %d, want %d", res.StatusCode, tt.status)
			}
			if tt.want {
				checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
			} else {
				checkNotRenewed(t, res.Header, defaultRenewHeader)
			}
			wantRenews := int64(0)
			if tt.want {
				wantRenews = 1
			}
			if got := spy.renews.Load(); got != wantRenews {
				t.Errorf("got %d calls to Renew, want %d (an error response costs no signature)", got, wantRenews)
			}
		})
	}
}

// snapshotWriter is a ResponseWriter that cannot flush and records the
// headers as they were at each WriteHeader and Write.
type snapshotWriter struct {
	header http.Header
	events []writeEvent
	body   bytes.Buffer
}

type writeEvent struct {
	call   string // "WriteHeader" or "Write"
	status int
	header http.Header
}

func newSnapshotWriter() *snapshotWriter { return &snapshotWriter{header: http.Header{}} }

func (w *snapshotWriter) Header() http.Header { return w.header }

func (w *snapshotWriter) WriteHeader(status int) {
	w.events = append(w.events, writeEvent{"WriteHeader", status, w.header.Clone()})
}

func (w *snapshotWriter) Write(b []byte) (int, error) {
	w.events = append(w.events, writeEvent{"Write", 0, w.header.Clone()})
	return w.body.Write(b)
}

// TestRenewHeaderBeforeFirstByte checks that the renewed token is in the
// header map when the handler's first WriteHeader or Write reaches the
// underlying writer, and that 1xx responses neither carry nor decide it.
func TestRenewHeaderBeforeFirstByte(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		// want[i] says whether the token must be present at event i; the
		// number of events must match.
		want []bool
	}{
		{name: "Write first", handler: func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "a")
			io.WriteString(w, "b")
		}, want: []bool{true, true}},
		{name: "WriteHeader then Write", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "a")
		}, want: []bool{true, true}},
		{name: "io.Copy first", handler: func(w http.ResponseWriter, _ *http.Request) {
			io.Copy(w, struct{ io.Reader }{strings.NewReader("abc")})
		}, want: []bool{true}},
		{name: "early hints then 200", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusOK)
		}, want: []bool{false, true}},
		{name: "early hints then 404", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "missing")
		}, want: []bool{false, false, false}},
		{name: "writes nothing", handler: func(http.ResponseWriter, *http.Request) {}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.issue(t, "123")
			f.clock.Advance(nearExpiryAge)
			w := newSnapshotWriter()
			authRenew(t, mustNew(t, f.m, middleware.Options{}), tt.handler).ServeHTTP(w, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
			if len(w.events) != len(tt.want) {
				t.Fatalf("got %d writes, want %d", len(w.events), len(tt.want))
			}
			for i, ev := range w.events {
				has := ev.header.Get(defaultRenewHeader) != ""
				if has != tt.want[i] {
					t.Errorf("got token present %v at %s #%d (status %d), want %v", has, ev.call, i, ev.status, tt.want[i])
				}
				if tt.want[i] {
					checkRenewed(t, f, ev.header, defaultRenewHeader, tok)
				}
			}
			if len(tt.want) == 0 {
				// Nothing was written: net/http sends the header map when
				// the handler returns, so the token must be there by then.
				checkRenewed(t, f, w.header, defaultRenewHeader, tok)
			}
		})
	}
}

// TestRenewFlushNotSupported checks that flushing through the wrapper over
// a writer that cannot flush reports http.ErrNotSupported.
func TestRenewFlushNotSupported(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	var flushErr error
	h := authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		flushErr = http.NewResponseController(w).Flush()
		io.WriteString(w, "ok")
	}))
	w := newSnapshotWriter()
	h.ServeHTTP(w, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
	if !errors.Is(flushErr, http.ErrNotSupported) {
		t.Fatalf("got Flush error %v, want one wrapping http.ErrNotSupported", flushErr)
	}
	if len(w.events) == 0 {
		t.Fatal("got no writes, want the body")
	}
	checkRenewed(t, f, w.events[0].header, defaultRenewHeader, tok)
}

// TestRenewStreamingServer checks, against a real server, that a handler
// that flushes before finishing sends the renewed token with the first
// flush: the client sees it while the handler is still running.
func TestRenewStreamingServer(t *testing.T) {
	tests := []struct {
		name  string
		first func(w http.ResponseWriter) error // sends the response head
		want  string                            // body before the handler continues
	}{
		{name: "write then flush", first: func(w http.ResponseWriter) error {
			io.WriteString(w, "first\n")
			return http.NewResponseController(w).Flush()
		}, want: "first\n"},
		{name: "flush before any write", first: func(w http.ResponseWriter) error {
			return http.NewResponseController(w).Flush()
		}},
		{name: "WriteHeader then flush", first: func(w http.ResponseWriter) error {
			w.WriteHeader(http.StatusAccepted)
			return http.NewResponseController(w).Flush()
		}},
		{name: "http.Flusher before any write", first: func(w http.ResponseWriter) error {
			w.(http.Flusher).Flush()
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.issue(t, "123")
			f.clock.Advance(nearExpiryAge)
			proceed := make(chan struct{})
			h := authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := tt.first(w); err != nil {
					t.Errorf("got Flush error %v through the wrapper, want none", err)
					return
				}
				select {
				case <-proceed:
				case <-r.Context().Done():
					return
				}
				io.WriteString(w, "last\n")
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()

			client := *srv.Client()
			client.Timeout = 30 * time.Second // a guard against a hang, not a wait
			req := bearer(httptest.NewRequest(http.MethodGet, srv.URL, nil), tok.Value)
			req.RequestURI = ""
			res, err := client.Do(req)
			if err != nil {
				t.Fatalf("got %v before the handler finished, want headers after the first flush", err)
			}
			defer res.Body.Close()
			checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
			br := bufio.NewReader(res.Body)
			if tt.want != "" {
				if line, err := br.ReadString('\n'); err != nil || line != tt.want {
					t.Fatalf("got first line %q, %v, want %q while the handler runs", line, err, tt.want)
				}
			}
			close(proceed)
			rest, err := io.ReadAll(br)
			if err != nil || string(rest) != "last\n" {
				t.Fatalf("got rest %q, %v, want %q", rest, err, "last\n")
			}
		})
	}
}

// TestRenewServer checks the headers the client receives from a real
// server for handlers that write in different ways.
func TestRenewServer(t *testing.T) {
	large := strings.Repeat("0123456789abcdef", 8<<10) // 128 KiB
	tests := []struct {
		name    string
		handler http.HandlerFunc
		status  int
		body    string
		want    bool
	}{
		{name: "writes nothing", handler: func(http.ResponseWriter, *http.Request) {}, status: 200, want: true},
		{name: "http.Flusher", handler: func(w http.ResponseWriter, _ *http.Request) {
			f, ok := w.(http.Flusher)
			if !ok {
				t.Error("got a wrapper without http.Flusher, want it kept")
				return
			}
			f.Flush()
			io.WriteString(w, "x")
		}, status: 200, body: "x", want: true},
		{name: "io.Copy through ReadFrom", handler: func(w http.ResponseWriter, _ *http.Request) {
			if _, ok := w.(io.ReaderFrom); !ok {
				t.Error("got a wrapper without io.ReaderFrom, want it kept")
			}
			// Hide WriteTo so that io.Copy takes the ReaderFrom path.
			n, err := io.Copy(w, struct{ io.Reader }{strings.NewReader(large)})
			if err != nil || n != int64(len(large)) {
				t.Errorf("got io.Copy %d, %v, want %d, nil", n, err, len(large))
			}
		}, status: 200, body: large, want: true},
		{name: "ResponseController reaches the connection", handler: func(w http.ResponseWriter, _ *http.Request) {
			rc := http.NewResponseController(w)
			// The zero time clears deadlines; it needs no clock.
			if err := rc.SetReadDeadline(time.Time{}); err != nil {
				t.Errorf("got SetReadDeadline error %v through the wrapper, want none", err)
			}
			if err := rc.SetWriteDeadline(time.Time{}); err != nil {
				t.Errorf("got SetWriteDeadline error %v through the wrapper, want none", err)
			}
			if err := rc.EnableFullDuplex(); err != nil {
				t.Errorf("got EnableFullDuplex error %v through the wrapper, want none", err)
			}
			io.WriteString(w, "x")
		}, status: 200, body: "x", want: true},
		{name: "404 then io.Copy", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			io.Copy(w, struct{ io.Reader }{strings.NewReader("missing")})
		}, status: 404, body: "missing", want: false},
		{name: "500 via http.Error", handler: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, status: 500, body: "boom\n", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.issue(t, "123")
			f.clock.Advance(nearExpiryAge)
			srv := httptest.NewServer(authRenew(t, mustNew(t, f.m, middleware.Options{}), tt.handler))
			defer srv.Close()
			req := bearer(httptest.NewRequest(http.MethodGet, srv.URL, nil), tok.Value)
			req.RequestURI = ""
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatalf("reading body: %v", err)
			}
			if res.StatusCode != tt.status || string(body) != tt.body {
				t.Fatalf("got %d with %d bytes, want %d with %d bytes", res.StatusCode, len(body), tt.status, len(tt.body))
			}
			if tt.want {
				checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
			} else {
				checkNotRenewed(t, res.Header, defaultRenewHeader)
			}
		})
	}
}

// TestRenewReadFromRecorder checks the io.Copy path over a writer without
// ReadFrom (the recorder).
func TestRenewReadFromRecorder(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	payload := strings.Repeat("z", 100_000)
	h := authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rf, ok := w.(io.ReaderFrom)
		if !ok {
			t.Fatal("got a wrapper without io.ReaderFrom, want it kept")
		}
		n, err := rf.ReadFrom(strings.NewReader(payload))
		if err != nil || n != int64(len(payload)) {
			t.Errorf("got ReadFrom %d, %v, want %d, nil", n, err, len(payload))
		}
	}))
	res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
	if body != payload {
		t.Fatalf("got %d bytes, want %d", len(body), len(payload))
	}
	checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
}

// TestRenewHijack checks that a handler can still hijack the connection
// through the wrapper, both as an http.Hijacker and through
// http.ResponseController, and that a hijacked connection costs no
// signature.
func TestRenewHijack(t *testing.T) {
	tests := []struct {
		name   string
		hijack func(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error)
	}{
		{name: "http.Hijacker", hijack: func(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
			hj, ok := w.(http.Hijacker)
			if !ok {
				return nil, nil, errors.New("test: wrapper is not an http.Hijacker")
			}
			return hj.Hijack()
		}},
		{name: "ResponseController", hijack: func(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
			return http.NewResponseController(w).Hijack()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.issue(t, "123")
			f.clock.Advance(nearExpiryAge)
			spy := &spyRenewer{inner: f.m}
			h := authRenew(t, spy.auth(t, middleware.Options{}), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				conn, rw, err := tt.hijack(w)
				if err != nil {
					t.Errorf("got Hijack error %v, want none", err)
					return
				}
				defer conn.Close()
				rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
				rw.Flush()
			}))
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(done)
				h.ServeHTTP(w, r)
			}))
			defer srv.Close()
			req := bearer(httptest.NewRequest(http.MethodGet, srv.URL, nil), tok.Value)
			req.RequestURI = ""
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || string(body) != "hijacked" {
				t.Fatalf("got %d %q, want 200 %q", res.StatusCode, body, "hijacked")
			}
			<-done // the whole chain has returned
			if got := spy.renews.Load(); got != 0 {
				t.Errorf("got %d calls to Renew for a hijacked connection, want none", got)
			}
		})
	}
}

// TestRenewHijackNotSupported checks that a failed hijack leaves the
// response to the handler, renewed token included.
func TestRenewHijackNotSupported(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	h := authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if _, _, err := http.NewResponseController(w).Hijack(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("got Hijack error %v over a recorder, want http.ErrNotSupported", err)
		}
		io.WriteString(w, "fallback")
	}))
	res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
	if body != "fallback" {
		t.Fatalf("got body %q, want %q", body, "fallback")
	}
	checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
}

func TestRenewCustomHeader(t *testing.T) {
	tests := []struct {
		name   string
		option string
		want   string
	}{
		{name: "canonical", option: "X-New-Token", want: "X-New-Token"},
		{name: "lower case is canonicalized", option: "x-new-token", want: "X-New-Token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.issue(t, "123")
			f.clock.Advance(nearExpiryAge)
			h := authRenew(t, mustNew(t, f.m, middleware.Options{RenewHeader: tt.option}), http.HandlerFunc(writeOK))
			res, _ := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
			checkRenewed(t, f, res.Header, tt.want, tok)
			if got := res.Header.Values("Access-Control-Expose-Headers"); !slices.Equal(got, []string{tt.want}) {
				t.Errorf("got Access-Control-Expose-Headers %q, want [%q]", got, tt.want)
			}
			if got := res.Header.Values(defaultRenewHeader); len(got) != 0 {
				t.Errorf("got %s %q with a custom header name, want none", defaultRenewHeader, got)
			}
		})
	}
}

// TestRenewKeepsExposedHeaders checks that an Access-Control-Expose-Headers
// set earlier (by a CORS layer) is kept and the token header is added.
func TestRenewKeepsExposedHeaders(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	cors := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Expose-Headers", "X-Request-Id")
			next.ServeHTTP(w, r)
		})
	}
	a := mustNew(t, f.m, middleware.Options{})
	h := alice.New(cors, a.Authenticate, a.Renew).ThenFunc(writeOK)
	res, _ := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
	checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
	if got := strings.Join(res.Header.Values("Access-Control-Expose-Headers"), ","); !strings.Contains(got, "X-Request-Id") {
		t.Errorf("got Access-Control-Expose-Headers %q, want X-Request-Id kept", got)
	}
}

// TestRenewOverridesCacheControl checks that a response carrying a renewed
// token is never cacheable, even when the handler said otherwise.
func TestRenewOverridesCacheControl(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	h := authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		io.WriteString(w, "cacheable?")
	}))
	res, _ := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
	checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
	if got := res.Header.Values("Cache-Control"); !slices.Equal(got, []string{"no-store"}) {
		t.Fatalf("got Cache-Control %q, want exactly [no-store]", got)
	}
}

// forbiddenRenewer stands for a manager that must never be consulted.
type forbiddenRenewer struct{ t *testing.T }

func (p forbiddenRenewer) Verify(context.Context, string) (*session.Claims, error) {
	p.t.Error("got Verify called, want anonymous requests passed through")
	return nil, errors.New("test: unexpected verify")
}

func (p forbiddenRenewer) ShouldRenew(*session.Claims) bool {
	p.t.Error("got ShouldRenew called, want anonymous requests passed through")
	return true
}

func (p forbiddenRenewer) Renew(context.Context, *session.Claims) (*session.Token, error) {
	p.t.Error("got Renew called, want anonymous requests passed through")
	return nil, errors.New("test: unexpected renew")
}

func TestRenewAnonymous(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		h    func(t *testing.T, next http.Handler) http.Handler
	}{
		{name: "optional authentication", h: func(t *testing.T, next http.Handler) http.Handler {
			a := middleware.WithSessionCalls(mustNew(t, f.m, middleware.Options{Optional: true}), forbiddenRenewer{t})
			return alice.New(a.Authenticate, a.Renew).Then(next)
		}},
		{name: "claims cleared with NewContext", h: func(t *testing.T, next http.Handler) http.Handler {
			renew := middleware.WithSessionCalls(mustNew(t, f.m, middleware.Options{}), forbiddenRenewer{t}).Renew(next)
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				renew.ServeHTTP(w, r.WithContext(middleware.NewContext(r.Context(), nil)))
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := tt.h(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				if _, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
					t.Error("got a wrapped ResponseWriter for an anonymous request, want it untouched")
				}
				io.WriteString(w, "anon")
			}))
			res, body := serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
			if !called || res.StatusCode != http.StatusOK || body != "anon" {
				t.Fatalf("got called %v, %d %q, want the handler's 200 %q", called, res.StatusCode, body, "anon")
			}
			checkNotRenewed(t, res.Header, defaultRenewHeader)
		})
	}
}

// TestRenewFailure checks that a failed renewal leaves the response intact,
// without a token, and is reported to Options.OnRenewError.
func TestRenewFailure(t *testing.T) {
	boom := errors.New("test: signer unavailable")
	tests := []struct {
		name     string
		withFunc bool
	}{
		{name: "with error func", withFunc: true},
		{name: "without error func", withFunc: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.issue(t, "123")
			f.clock.Advance(nearExpiryAge)
			spy := &spyRenewer{inner: f.m, renewErr: boom}
			var reported []error
			var opts middleware.Options
			if tt.withFunc {
				opts.OnRenewError = func(r *http.Request, err error) {
					if r == nil || r.URL.Path != "/me" {
						t.Errorf("got request %v, want the failing request", r)
					}
					reported = append(reported, err)
				}
			}
			h := authRenew(t, spy.auth(t, opts), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "still fine")
			}))
			res, body := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/me", nil), tok.Value))
			if res.StatusCode != http.StatusOK || body != "still fine" {
				t.Fatalf("got %d %q, want 200 %q", res.StatusCode, body, "still fine")
			}
			checkNotRenewed(t, res.Header, defaultRenewHeader)
			if spy.renews.Load() != 1 {
				t.Errorf("got %d calls to Renew, want 1", spy.renews.Load())
			}
			if tt.withFunc && (len(reported) != 1 || !errors.Is(reported[0], boom)) {
				t.Errorf("got reported errors %v, want exactly [%v]", reported, boom)
			}
		})
	}
}

// TestRenewNotRenewable checks the tokens the manager never renews.
func TestRenewNotRenewable(t *testing.T) {
	tests := []struct {
		name  string
		opts  session.Options
		token func(t *testing.T, f *fixture) string
	}{
		{
			name: "foreign token without sid",
			token: func(t *testing.T, f *fixture) string {
				exp := f.clock.Now().Add(time.Minute).Unix()
				return f.foreign(t, fmt.Sprintf(`{"user_id":123,"exp":%d}`, exp))
			},
		},
		{
			name: "foreign token with sid but no auth_time",
			token: func(t *testing.T, f *fixture) string {
				exp := f.clock.Now().Add(time.Minute).Unix()
				return f.foreign(t, fmt.Sprintf(`{"user_id":"123","sid":"s1","exp":%d}`, exp))
			},
		},
		{
			name: "session at its max lifetime",
			opts: session.Options{MaxLifetime: defaultTTL},
			token: func(t *testing.T, f *fixture) string {
				tok := f.issue(t, "123").Value
				f.clock.Advance(nearExpiryAge)
				return tok
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWith(t, tt.opts)
			spy := &spyRenewer{inner: f.m}
			called := false
			h := authRenew(t, spy.auth(t, middleware.Options{}), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				writeOK(w, r)
			}))
			res, _ := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tt.token(t, f)))
			if !called || res.StatusCode != http.StatusOK {
				t.Fatalf("got called %v, status %d, want the handler's 200", called, res.StatusCode)
			}
			checkNotRenewed(t, res.Header, defaultRenewHeader)
			if spy.renews.Load() != 0 {
				t.Errorf("got %d calls to Renew, want none", spy.renews.Load())
			}
		})
	}
}

// TestRenewSlidesUntilMaxLifetime follows one session: each renewed token
// is used for the next request, exp never passes auth_time+MaxLifetime,
// and past it the user must log in again.
func TestRenewSlidesUntilMaxLifetime(t *testing.T) {
	f := newFixtureWith(t, session.Options{MaxLifetime: time.Hour}) // TTL 30m, threshold 10m
	first := f.issue(t, "123")
	end := first.Claims.AuthTime.Add(time.Hour)
	h := authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(writeOK))
	steps := []struct {
		advance time.Duration
		status  int
		renewed bool
		wantExp time.Time // checked when renewed
	}{
		{advance: 25 * time.Minute, status: 200, renewed: true, wantExp: first.Claims.AuthTime.Add(55 * time.Minute)},
		{advance: 25 * time.Minute, status: 200, renewed: true, wantExp: end}, // capped
		{advance: 8 * time.Minute, status: 200, renewed: false},               // cannot slide further
		{advance: 2 * time.Minute, status: 401},                               // at the end
	}
	cur := first
	for i, s := range steps {
		f.clock.Advance(s.advance)
		var res *http.Response
		var body string
		if s.status == http.StatusUnauthorized {
			res, body = serve(authRenewChain(t, f.m, middleware.Options{}).Then(mustNotRun(t)),
				bearer(httptest.NewRequest(http.MethodGet, "/", nil), cur.Value))
			checkFailure(t, res, body, http.StatusUnauthorized, defaultRealm, "invalid_token", descExpired)
			continue
		}
		res, _ = serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), cur.Value))
		if res.StatusCode != s.status {
			t.Fatalf("step %d: got status %d, want %d", i, res.StatusCode, s.status)
		}
		if !s.renewed {
			checkNotRenewed(t, res.Header, defaultRenewHeader)
			continue
		}
		c := checkRenewed(t, f, res.Header, defaultRenewHeader, cur)
		if !c.ExpiresAt.Equal(s.wantExp) {
			t.Fatalf("step %d: got exp %v, want %v", i, c.ExpiresAt, s.wantExp)
		}
		if !c.AuthTime.Equal(first.Claims.AuthTime) || c.SessionID != first.Claims.SessionID {
			t.Fatalf("step %d: got auth_time %v sid %q, want the login's %v %q", i, c.AuthTime, c.SessionID, first.Claims.AuthTime, first.Claims.SessionID)
		}
		cur = &session.Token{Value: res.Header.Get(defaultRenewHeader), Claims: c}
	}
}

// TestRenewConcurrent sends many requests with the same near-expiry token
// at once; each must get its own valid renewed token.
func TestRenewConcurrent(t *testing.T) {
	const n = 50
	f := newFixture(t)
	tok := f.issue(t, "123")
	f.clock.Advance(nearExpiryAge)
	h := authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(writeOK))
	results := make([]*http.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tok.Value))
			results[i] = rec.Result()
		})
	}
	wg.Wait()
	// One token presented by many requests at once is signed once: every
	// response carries the same renewed token.
	first := results[0].Header.Get(defaultRenewHeader)
	for i, res := range results {
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: got status %d, want 200", i, res.StatusCode)
		}
		checkRenewed(t, f, res.Header, defaultRenewHeader, tok)
		if got := res.Header.Get(defaultRenewHeader); got != first {
			t.Fatalf("request %d: got a renewed token of its own, want the one signed for all", i)
		}
	}
}

// TestRenewRevokeKillsRenewedTokens checks that logging out (revoking the
// session) rejects the renewed tokens too.
func TestRenewRevokeKillsRenewedTokens(t *testing.T) {
	f := newFixture(t)
	first := f.issue(t, "123")
	h := authRenew(t, mustNew(t, f.m, middleware.Options{}), http.HandlerFunc(writeOK))

	f.clock.Advance(nearExpiryAge)
	res, _ := serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), first.Value))
	c2 := checkRenewed(t, f, res.Header, defaultRenewHeader, first)
	second := &session.Token{Value: res.Header.Get(defaultRenewHeader), Claims: c2}

	f.clock.Advance(nearExpiryAge)
	res, _ = serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), second.Value))
	c3 := checkRenewed(t, f, res.Header, defaultRenewHeader, second)
	third := &session.Token{Value: res.Header.Get(defaultRenewHeader), Claims: c3}

	// Log out with the claims of the latest token, as POST /logout would.
	if err := f.m.Revoke(context.Background(), third.Claims); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	tests := []struct {
		name string
		tok  string
	}{
		{name: "token used at logout", tok: third.Value},
		{name: "earlier renewed token", tok: second.Value},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := authRenewChain(t, f.m, middleware.Options{}).Then(mustNotRun(t))
			res, body := serve(auth, bearer(httptest.NewRequest(http.MethodGet, "/", nil), tt.tok))
			checkFailure(t, res, body, http.StatusUnauthorized, defaultRealm, "invalid_token", descRevoked)
			checkNotRenewed(t, res.Header, defaultRenewHeader)
		})
	}

	// A new login starts a new session and works.
	fresh := f.issue(t, "123")
	res, _ = serve(h, bearer(httptest.NewRequest(http.MethodGet, "/", nil), fresh.Value))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("got status %d for a new login after logout, want 200", res.StatusCode)
	}
}
