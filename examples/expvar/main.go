// Command expvar shows the observability hooks of package middleware:
// authentication outcomes counted by reason and exported with the
// standard library's expvar on /debug/vars.
//
//	go run ./examples/expvar [-addr 127.0.0.1:8081]
//
//	curl -s -X POST 127.0.0.1:8081/login           # a token for user 123
//	curl -s 127.0.0.1:8081/me -H "Authorization: Bearer $TOKEN"
//	curl -s 127.0.0.1:8081/me                       # rejected: missing
//	curl -s 127.0.0.1:8081/debug/vars | jq .jwtsession
//	# {"authenticated": 1, "rejected": {"expired": 0, "forbidden": 0, "invalid": 0, "malformed": 0, "missing": 1, "revoked": 0, "unavailable": 0}, "renewed": 0}
//
// The counters live in an expvar.Map published once, in main: expvar's
// registry is process-wide, which is why this is an example of its own
// rather than a part of examples/basic.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"expvar"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// metrics are the counters, in an unpublished expvar.Map until main
// publishes them.
type metrics struct {
	vars          *expvar.Map // {"authenticated", "renewed", "rejected": {reason: n}}
	authenticated *expvar.Int
	renewed       *expvar.Int
	rejected      *expvar.Map
}

func newMetrics() *metrics {
	m := &metrics{vars: new(expvar.Map).Init(), authenticated: new(expvar.Int), renewed: new(expvar.Int), rejected: new(expvar.Map).Init()}
	// Every reason from the start, so dashboards see zeros, not gaps.
	for _, reason := range middleware.Reasons() {
		m.rejected.Add(string(reason), 0)
	}
	m.vars.Set("authenticated", m.authenticated)
	m.vars.Set("renewed", m.renewed)
	m.vars.Set("rejected", m.rejected)
	return m
}

// hooks counts each outcome. Each call is an atomic add: no allocation,
// no lock held across requests.
func (m *metrics) hooks() middleware.Hooks {
	return middleware.Hooks{
		Authenticated: func(*http.Request, *session.Claims, middleware.Fingerprint) { m.authenticated.Add(1) },
		Rejected: func(_ *http.Request, e *middleware.Error, _ middleware.Fingerprint) {
			m.rejected.Add(string(e.Reason), 1)
		},
		Renewed: func(*http.Request, *session.Claims, middleware.Fingerprint) { m.renewed.Add(1) },
	}
}

// newServer returns the API: POST /login, GET /me (authenticated,
// renewed near expiry), GET /admin (needs the "admin" scope, which no
// token here has: a forbidden rejection to count) and GET /debug/vars.
func newServer(m *session.Manager, met *metrics) (http.Handler, error) {
	auth, err := middleware.New(m, middleware.Options{Hooks: met.hooks()})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// No credentials: this example is about the counters.
		tok, err := m.Issue(r.Context(), "123", map[string]any{"scope": "profile"})
		if err != nil {
			http.Error(w, "could not issue a token", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok.Value, "token_type": "Bearer", "expires_in": int64(tok.ExpiresIn / time.Second)})
	})
	me := func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.UserIDFromContext(r.Context())
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"user_id": id})
	}
	mux.Handle("GET /me", alice.New(auth.Authenticate, auth.Renew).ThenFunc(me))
	mux.Handle("GET /admin", alice.New(auth.Authenticate, auth.RequireScope("admin")).ThenFunc(me))
	mux.Handle("GET /debug/vars", expvar.Handler())
	return mux, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		log.Fatal(err)
	}
	m, err := session.New(session.HS256(secret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	met := newMetrics()
	expvar.Publish("jwtsession", met.vars)
	h, err := newServer(m, met)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: 16 << 10}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Printf("listening on http://%s (counters on /debug/vars)", *addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
