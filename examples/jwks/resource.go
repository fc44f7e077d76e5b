package main

import (
	"context"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// readyTimeout bounds the fetch a readiness probe may wait for.
const readyTimeout = 2 * time.Second

// resource verifies tokens with the keys the issuer publishes.
type resource struct {
	remote *jwks.Remote
	m      *session.Manager
	logger *log.Logger
	wg     sync.WaitGroup
}

// newResource builds the verify-only manager and starts fetching the key
// set in the background, so that the server answers /healthz at once and
// /readyz as soon as the keys are in.
func newResource(opts options, logger *log.Logger) (*resource, error) {
	remote, err := jwks.NewRemote(opts.jwksURL, jwks.RemoteOptions{
		RefreshEvery:    opts.refreshEvery,
		RefetchCooldown: opts.refetchCooldown,
		OnFetchError:    func(err error) { logger.Printf("key set: %v", err) },
	})
	if err != nil {
		return nil, err
	}
	m, err := session.New(remote, session.Options{Leeway: leeway})
	if err != nil {
		remote.Close()
		return nil, err
	}
	res := &resource{remote: remote, m: m, logger: logger}
	res.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
		defer cancel()
		if err := remote.Ready(ctx); err != nil {
			logger.Print("no key set yet: /readyz answers 503 until one is fetched")
			return
		}
		logger.Printf("key set fetched from %s: %v", opts.jwksURL, remote.IDs())
	})
	return res, nil
}

func (res *resource) close() {
	res.wg.Wait()
	res.remote.Close()
}

// newResourceServer returns the resource server's API:
//
//	GET /me      → {"user_id": "..."}; never renews
//	GET /healthz → 200, unauthenticated
//	GET /readyz  → 200 once a key set has been fetched, else 503
func newResourceServer(res *resource) (http.Handler, error) {
	auth, err := middleware.New(res.m, middleware.Options{Realm: realm})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", demo.Healthz)
	mux.HandleFunc("GET /readyz", res.readyz)
	mux.Handle("GET /me", alice.New(auth.Authenticate).ThenFunc(me))
	return mux, nil
}

func me(w http.ResponseWriter, r *http.Request) {
	userID, _ := middleware.UserIDFromContext(r.Context())
	demo.WriteJSON(w, http.StatusOK, map[string]string{"user_id": userID})
}

func (res *resource) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := res.remote.Ready(ctx); err != nil {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: no key set fetched yet\n"))
		return
	}
	w.Write([]byte("ready\n"))
}
