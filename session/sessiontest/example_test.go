package sessiontest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session/sessiontest"
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

func Example() {
	t := &testing.T{} // in a test, the *testing.T it is given

	env := sessiontest.New(t)

	// The handler alone, as if Authenticate had let user 123 in.
	rec := httptest.NewRecorder()
	env.Handler(http.HandlerFunc(greet), "123").ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, rec.Body.String())

	// The whole chain, with valid, expired and tampered tokens.
	auth, err := middleware.New(env.Manager, middleware.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := auth.Authenticate(http.HandlerFunc(greet))
	valid := env.Token("123").Value
	for _, tok := range []string{
		valid,
		env.Token("123", sessiontest.ExpiresIn(-time.Minute)).Value,
		sessiontest.Tamper(valid),
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", rec.Header().Get("WWW-Authenticate"))))
	}

	// Time moves when the test says so.
	env.Clock.Advance(31 * time.Minute)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+valid)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, "after 31 minutes")

	// Output:
	// 200 hello 123
	// 200
	// 401 Bearer realm="api", error="invalid_token", error_description="token expired"
	// 401 Bearer realm="api", error="invalid_token", error_description="token invalid"
	// 401 after 31 minutes
}
