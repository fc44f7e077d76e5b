package middleware_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// exampleSecret is a throwaway HS256 secret for the examples. Real
// servers use at least 32 random bytes, kept out of the source.
var exampleSecret = []byte("example-only-secret-0123456789abcdef")

func ExampleNew() {
	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// One constructor, one error check; the zero Options work.
	auth, err := middleware.New(manager, middleware.Options{})
	if err != nil {
		log.Fatal(err)
	}
	me := func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.UserIDFromContext(r.Context())
		fmt.Fprintf(w, "user %s", id)
	}
	order := func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "order created") }
	mux := http.NewServeMux()
	mux.Handle("GET /me", alice.New(auth.Authenticate, auth.Renew).ThenFunc(me))
	mux.Handle("POST /orders", alice.New(auth.Authenticate, auth.RequireScope("orders:write")).ThenFunc(order))

	// At login, the server issues a token for the user.
	tok, err := manager.Issue(context.Background(), "123", map[string]any{"scope": "orders:read"})
	if err != nil {
		log.Fatal(err)
	}
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/me", nil),
		httptest.NewRequest(http.MethodPost, "/orders", nil),
	} {
		req.Header.Set("Authorization", "Bearer "+tok.Value)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(req.Method, req.URL.Path, rec.Code, strings.TrimSpace(rec.Body.String()))
	}

	// Output:
	// GET /me 200 user 123
	// POST /orders 403 {"error":"insufficient_scope","error_description":"insufficient scope"}
}

func ExampleAuth_Authenticate() {
	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{})
	if err != nil {
		log.Fatal(err)
	}
	me := func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.UserIDFromContext(r.Context())
		fmt.Fprintf(w, "user %s", id)
	}
	handler := auth.Authenticate(http.HandlerFunc(me))

	// At login, the server issues a token for the user.
	tok, err := manager.Issue(context.Background(), "123", nil)
	if err != nil {
		log.Fatal(err)
	}

	// A request with the token reaches the handler.
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Value)
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())

	// A request without one is challenged.
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))

	// Output:
	// 200 user 123
	// 401 Bearer realm="api"
}

func ExampleAuth_Renew() {
	// A clock the example can move; servers leave the default time.Now.
	now := time.Date(2030, time.January, 1, 12, 0, 0, 0, time.UTC)
	manager, err := session.New(session.HS256(exampleSecret), session.Options{
		TTL:         30 * time.Minute,
		RenewWithin: 10 * time.Minute,
		Clock:       func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{})
	if err != nil {
		log.Fatal(err)
	}
	handler := alice.New(auth.Authenticate, auth.Renew).ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	})

	tok, err := manager.Issue(context.Background(), "123", nil)
	if err != nil {
		log.Fatal(err)
	}
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Value)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}

	// With 25 minutes left, nothing is renewed.
	now = now.Add(5 * time.Minute)
	fmt.Println("renewed:", get().Header().Get("X-Renewed-Token") != "")

	// With 5 minutes left, the response carries a new token of the same
	// session; the client uses it from now on.
	now = now.Add(20 * time.Minute)
	rec := get()
	renewed := rec.Header().Get("X-Renewed-Token")
	claims, err := manager.Verify(context.Background(), renewed)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("renewed:", renewed != "")
	fmt.Println("same session:", claims.SessionID == tok.Claims.SessionID)
	fmt.Println("expires in:", claims.ExpiresAt.Sub(now))
	fmt.Println("exposed:", rec.Header().Get("Access-Control-Expose-Headers"))

	// Output:
	// renewed: false
	// renewed: true
	// same session: true
	// expires in: 30m0s
	// exposed: X-Renewed-Token
}

func ExampleUserIDFromContext() {
	me := func(w http.ResponseWriter, r *http.Request) {
		id, ok := middleware.UserIDFromContext(r.Context())
		if !ok {
			http.Error(w, "no user", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "hello, user %s", id)
	}

	// Handlers can be tested without tokens: NewContext builds the context
	// that Authenticate would.
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req = req.WithContext(middleware.NewContext(req.Context(), &session.Claims{UserID: "123"}))
	rec := httptest.NewRecorder()
	me(rec, req)
	fmt.Println(rec.Body.String())

	rec = httptest.NewRecorder()
	me(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())

	// Output:
	// hello, user 123
	// 401 no user
}

func ExampleOptions_optional() {
	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{Optional: true})
	if err != nil {
		log.Fatal(err)
	}
	greet := auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := middleware.UserIDFromContext(r.Context()); ok {
			fmt.Fprintf(w, "welcome back, user %s", id)
			return
		}
		fmt.Fprint(w, "welcome, guest")
	}))
	tok, err := manager.Issue(context.Background(), "123", nil)
	if err != nil {
		log.Fatal(err)
	}

	for _, authorization := range []string{"", "Bearer " + tok.Value, "Bearer not-a-token"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		greet.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}

	// Output:
	// 200 welcome, guest
	// 200 welcome back, user 123
	// 401 {"error":"invalid_token","error_description":"token invalid"}
}
