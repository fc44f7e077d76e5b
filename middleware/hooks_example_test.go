package middleware_test

import (
	"context"
	"expvar"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

func ExampleHooks() {
	// Counters by outcome. A server publishes them with
	// expvar.Publish("auth", counters) and serves expvar.Handler() on
	// /debug/vars; see examples/expvar.
	counters := new(expvar.Map).Init()
	for _, reason := range middleware.Reasons() {
		counters.Add("rejected_"+string(reason), 0)
	}
	hooks := middleware.Hooks{
		Authenticated: func(*http.Request, *session.Claims, middleware.Fingerprint) {
			counters.Add("authenticated", 1)
		},
		Rejected: func(_ *http.Request, e *middleware.Error, _ middleware.Fingerprint) {
			counters.Add("rejected_"+string(e.Reason), 1)
		},
	}

	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{Hooks: hooks})
	if err != nil {
		log.Fatal(err)
	}
	handler := auth.Authenticate(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	tok, err := manager.Issue(context.Background(), "123", nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, authorization := range []string{"Bearer " + tok.Value, "Bearer " + tok.Value, "", "Bearer not-a-jwt"} {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		handler.ServeHTTP(httptest.NewRecorder(), req)
	}
	fmt.Println(counters.Get("authenticated"), counters.Get("rejected_missing"), counters.Get("rejected_invalid"), counters.Get("rejected_expired"))

	// Output:
	// 2 1 1 0
}

func ExampleSlogHooks() {
	// A logger without the time and the cause's text (error=...), so the
	// output is repeatable.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if (a.Key == slog.TimeKey || a.Key == "error") && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// Authenticate logs rejections (and, at Debug, every success); Renew
	// logs renewals.
	auth, err := middleware.New(manager, middleware.Options{Hooks: middleware.SlogHooks(logger)})
	if err != nil {
		log.Fatal(err)
	}
	handler := auth.Authenticate(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer not-a-jwt")
	handler.ServeHTTP(httptest.NewRecorder(), req)

	// The log names the token by its fingerprint only, never the token.
	// Output:
	// level=INFO msg="jwtsession: rejected" method=GET path=/me reason=invalid status=401 token=sha256:0a43e0ba27a52f82
}
