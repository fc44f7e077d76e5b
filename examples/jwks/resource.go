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

// keySource is where the resource server's keys come from: one issuer's
// JWK Set (*jwks.Remote) or the keys of several issuers found by
// discovery (*jwks.Issuers).
type keySource interface {
	session.Keys
	Ready(ctx context.Context) error
	Close()
}

// resource verifies tokens with the keys the issuers publish.
type resource struct {
	keys   keySource
	m      *session.Manager
	logger *log.Logger
	wg     sync.WaitGroup
}

// newResource builds the verify-only manager and starts fetching the keys
// in the background, so that the server answers /healthz at once and
// /readyz as soon as the keys are in.
func newResource(opts options, logger *log.Logger) (*resource, error) {
	ropts := jwks.RemoteOptions{
		RefreshEvery:    opts.refreshEvery,
		RefetchCooldown: opts.refetchCooldown,
		OnFetchError:    func(err error) { logger.Printf("keys: %v", err) },
	}
	var (
		keys keySource
		err  error
	)
	if len(opts.issuers) > 0 {
		keys, err = jwks.NewIssuers(opts.issuers, ropts)
	} else {
		keys, err = jwks.NewRemote(opts.jwksURL, ropts)
	}
	if err != nil {
		return nil, err
	}
	m, err := session.New(keys, session.Options{
		Leeway:   leeway,
		Audience: opts.audiences, // none: a token carrying aud is rejected
		Typ:      session.TypJWTOrAccessToken,
	})
	if err != nil {
		keys.Close()
		return nil, err
	}
	res := &resource{keys: keys, m: m, logger: logger}
	res.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
		defer cancel()
		if err := keys.Ready(ctx); err != nil {
			logger.Print("no keys yet: /readyz answers 503 until they are fetched")
			return
		}
		switch k := keys.(type) {
		case *jwks.Remote:
			logger.Printf("key set fetched from %s: %v", opts.jwksURL, k.IDs())
		case *jwks.Issuers:
			for _, iss := range opts.issuers {
				logger.Printf("issuer %s discovered, keys %v", iss, k.IDs(iss))
			}
		}
	})
	return res, nil
}

func (res *resource) close() {
	res.wg.Wait()
	res.keys.Close()
}

// newResourceServer returns the resource server's API:
//
//	GET /me      → {"user_id": "..."}; never renews
//	GET /healthz → 200, unauthenticated
//	GET /readyz  → 200 once every issuer's key set has been fetched, else 503
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
	if err := res.keys.Ready(ctx); err != nil {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: keys not fetched yet\n"))
		return
	}
	w.Write([]byte("ready\n"))
}
