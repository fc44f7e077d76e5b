package middleware_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

func ExampleAuth_RequireScope() {
	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	mux := http.NewServeMux()
	mux.Handle("GET /orders", alice.New(auth.Authenticate, auth.RequireScope("orders:read")).Then(ok))
	mux.Handle("POST /orders", alice.New(auth.Authenticate, auth.RequireScope("orders:write")).Then(ok))

	// The token grants reading only: "scope" is a space-separated list
	// ("scp", an array, works too).
	tok, err := manager.Issue(context.Background(), "123", map[string]any{"scope": "orders:read profile"})
	if err != nil {
		log.Fatal(err)
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req := httptest.NewRequest(method, "/orders", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Value)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(strings.TrimSpace(fmt.Sprint(method, " ", rec.Code, " ", rec.Header().Get("WWW-Authenticate"))))
	}

	// Without a token the guard is never reached: 401, not 403.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/orders", nil))
	fmt.Println("anonymous", rec.Code)

	// Output:
	// GET 200
	// POST 403 Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="orders:write"
	// anonymous 401
}

func ExampleAuth_RequireClaim() {
	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{})
	if err != nil {
		log.Fatal(err)
	}
	handler := alice.New(auth.Authenticate, auth.RequireClaim("role", "admin")).ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "welcome, admin")
	})

	for _, role := range []any{"admin", []string{"support", "admin"}, "support"} {
		tok, err := manager.Issue(context.Background(), "123", map[string]any{"role": role})
		if err != nil {
			log.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, "/admin", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Value)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(role, rec.Code)
	}

	// Output:
	// admin 200
	// [support admin] 200
	// support 403
}

func ExampleAuth_Require() {
	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// Any predicate on the verified claims: here, only user 123, and only
	// with either scope.
	owner := auth.Require(func(c *session.Claims) bool {
		return c.UserID == "123" && (middleware.HasScope(c, "billing") || middleware.HasScope(c, "admin"))
	})
	handler := alice.New(auth.Authenticate, owner).ThenFunc(func(w http.ResponseWriter, r *http.Request) {})

	for _, user := range []string{"123", "456"} {
		tok, err := manager.Issue(context.Background(), user, map[string]any{"scp": []string{"billing"}})
		if err != nil {
			log.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, "/invoices", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Value)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(user, rec.Code)
	}

	// Output:
	// 123 200
	// 456 403
}
