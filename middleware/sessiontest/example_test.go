package sessiontest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// greet is an application handler under test.
func greet(w http.ResponseWriter, r *http.Request) {
	id, ok := middleware.UserIDFromContext(r.Context())
	if !ok {
		http.Error(w, "who are you?", http.StatusUnauthorized)
		return
	}
	fmt.Fprintf(w, "hello %s", id)
}

// A resource server verifies the tokens of an issuer that signs with ES256
// and publishes its key set; the test moves the shared clock.
func Example() {
	t := &testing.T{} // in a test, the *testing.T it is given

	iss := sessiontest.NewIssuer(t, "ES256", session.Options{})

	// The resource server under test, built as in production.
	remote, err := jwks.NewRemote(iss.JWKSURL(), jwks.RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	m, err := session.New(remote, session.Options{Clock: iss.Now})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := middleware.New(m, middleware.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := auth.Authenticate(http.HandlerFunc(greet))

	send := func(token string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	valid := iss.Token("123").Value
	send(valid)
	send(iss.Token("123", sessiontest.WithExpiresIn(-time.Minute)).Value)
	send(sessiontest.Tamper(valid))

	iss.Advance(31 * time.Minute) // no sleeping: the verifier reads iss.Now
	send(valid)

	// Output:
	// 200 hello 123
	// 401 {"error":"invalid_token","error_description":"token expired"}
	// 401 {"error":"invalid_token","error_description":"token invalid"}
	// 401 {"error":"invalid_token","error_description":"token expired"}
}

// A handler tested alone, as if Authenticate had let user 123 in with the
// scope orders:read.
func ExampleIssuer_Handler() {
	t := &testing.T{} // in a test, the *testing.T it is given

	iss := sessiontest.NewIssuer(t, "HS256", session.Options{})
	h := iss.Handler(http.HandlerFunc(greet), "123",
		sessiontest.WithClaims(map[string]any{"scope": "orders:read"}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/orders", nil))
	fmt.Println(rec.Code, rec.Body.String())

	// Output:
	// 200 hello 123
}
