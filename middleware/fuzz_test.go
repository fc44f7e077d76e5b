package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/middleware"
)

// bearerSyntax is RFC 6750 §2.1 as a regular expression: an independent
// oracle for the hand-written parser ("Bearer" in any case, 1*SP,
// b64token, nothing else).
var bearerSyntax = regexp.MustCompile(`^(?i:bearer) +([A-Za-z0-9\-._~+/]+=*)$`)

// FuzzBearerHeader checks the Authorization parser against bearerSyntax
// and runs the full Authenticate handler on the same header: no input
// panics, answers anything but 200, 400 or 401, or reaches the next
// handler without the one valid token.
func FuzzBearerHeader(f *testing.F) {
	fx := newFixture(f)
	valid := fx.issue(f, "123").Value
	f.Add("Bearer " + valid)
	f.Add("bearer  abc.def.ghi")
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("Bearer " + strings.Repeat(".", middleware.MaxAuthorizationLength))
	var reached string
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.UserIDFromContext(r.Context())
		reached = id
	})
	h := mustAuthenticate(f, fx.m, middleware.Options{})(next)

	f.Fuzz(func(t *testing.T, value string) {
		r := httptest.NewRequest(http.MethodGet, "/me", nil)
		r.Header["Authorization"] = []string{value}
		tok, err := middleware.FromAuthorizationHeader(r)

		m := bearerSyntax.FindStringSubmatch(value)
		switch {
		case err != nil:
			if tok != "" || !errors.Is(err, middleware.ErrMalformedAuthorization) {
				t.Fatalf("got token %q and error %v, want no token and a malformed-header error", tok, err)
			}
			if m != nil && len(value) <= middleware.MaxAuthorizationLength {
				t.Fatalf("rejected %q (%v), which is RFC 6750 bearer syntax", value, err)
			}
			if errors.Is(err, middleware.ErrAuthorizationTooLong) != (len(value) > middleware.MaxAuthorizationLength) {
				t.Fatalf("got %v for a %d-byte header", err, len(value))
			}
		case tok != "":
			if m == nil || m[1] != tok {
				t.Fatalf("accepted token %q from %q, which RFC 6750 syntax does not give", tok, value)
			}
		default:
			if m != nil {
				t.Fatalf("found no token in %q, which is RFC 6750 bearer syntax", value)
			}
			if len(value) >= 7 && strings.EqualFold(value[:7], "bearer ") {
				t.Fatalf("found no token and no error in %q, a Bearer header", value)
			}
		}

		reached = ""
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		switch {
		case rec.Code == http.StatusOK:
			if tok != valid || reached != "123" {
				t.Fatalf("got 200 for %q, want only the issued token to pass", value)
			}
		case rec.Code == http.StatusBadRequest && err == nil, rec.Code == http.StatusUnauthorized && err != nil:
			t.Fatalf("got status %d with extractor error %v", rec.Code, err)
		case rec.Code != http.StatusBadRequest && rec.Code != http.StatusUnauthorized:
			t.Fatalf("got status %d, want 200, 400 or 401", rec.Code)
		case reached != "":
			t.Fatalf("got the next handler called on status %d", rec.Code)
		}
		if rec.Code != http.StatusOK {
			// The body is one of the fixed texts: nothing of the request
			// is echoed.
			e := decodeError(t, rec.Body.String())
			switch e.Description {
			case descMissing, descMalformed, descInvalid, descExpired, descNotYet, descRevoked:
			default:
				t.Fatalf("got error_description %q, want a fixed text", e.Description)
			}
		}
	})
}
