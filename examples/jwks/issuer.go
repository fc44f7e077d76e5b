package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// realm names the demo in WWW-Authenticate challenges.
const realm = "jwtsession-demo"

// maxLoginBody bounds the size of a login request.
const maxLoginBody = 4 << 10

// issuer signs tokens with the active key of its KeySet and rotates it.
type issuer struct {
	opts   options
	alg    string
	iss    string // the iss of its tokens, and its discovery document's issuer
	ks     *session.KeySet
	m      *session.Manager
	logger *log.Logger
	// activateAfter is how long a new key is published before it signs.
	activateAfter time.Duration
	// retireAfter is how long a replaced key stays published: the TTL
	// plus the leeway, after which every token it signed has expired.
	retireAfter time.Duration
	// after runs f after d, as time.AfterFunc does; tests replace it.
	after func(d time.Duration, f func()) (stop func() bool)

	mu      sync.Mutex // serializes rotations; guards the fields below
	pending string     // kid of a published key that does not sign yet
	stopped bool
	timers  []func() bool
}

func newIssuer(opts options, getenv func(string) string, logger *log.Logger) (*issuer, error) {
	is := &issuer{
		alg:           opts.alg,
		opts:          opts,
		logger:        logger,
		activateAfter: opts.activateAfter,
		retireAfter:   opts.ttl + leeway,
		after: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
	}
	first, err := is.firstKey(getenv)
	if err != nil {
		return nil, err
	}
	if is.ks, err = session.NewKeySet(first); err != nil {
		return nil, err
	}
	iss := "http://" + opts.addr
	if len(opts.issuers) > 0 {
		iss = opts.issuers[0]
	}
	if err := is.setIssuer(iss); err != nil {
		return nil, err
	}
	logger.Printf("issuer signing with %s key %q (ttl %v, max lifetime %v)", opts.alg, first.ID(), opts.ttl, opts.maxLifetime)
	return is, nil
}

// setIssuer makes iss the issuer identifier of the tokens and of the
// discovery document, before the server starts.
func (is *issuer) setIssuer(iss string) error {
	if u, err := url.Parse(iss); err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("-issuer %q: want an http or https URL without query or fragment", iss)
	}
	m, err := session.New(is.ks, session.Options{
		TTL:         is.opts.ttl,
		RenewWithin: is.opts.renewWithin,
		MaxLifetime: is.opts.maxLifetime,
		Leeway:      leeway,
		Issuer:      iss,
		Audience:    is.opts.audiences, // none: no aud written
	})
	if err != nil {
		return err
	}
	is.iss, is.m = iss, m
	return nil
}

// rotate publishes a new key at once and makes it the signing key
// activateAfter later; the previous key is then retired once every token
// it signed has expired. Publishing first lets every resource server
// learn the key, by its periodic refresh or on demand, before any token
// names it: signing with a key at the moment it is published would get
// its tokens rejected by a resource server that refetched the set just
// before and waits out its refetch cooldown. A rotation is refused while
// the previous one's key does not sign yet.
func (is *issuer) rotate() error {
	is.mu.Lock()
	defer is.mu.Unlock()
	if is.pending != "" {
		return fmt.Errorf("key %q is published but does not sign yet; rotate again once it does", is.pending)
	}
	next, err := is.newKey()
	if err != nil {
		return err
	}
	if err := is.ks.Add(next); err != nil {
		return err
	}
	kid := next.ID()
	if is.activateAfter == 0 {
		return is.activate(kid)
	}
	is.pending = kid
	is.logger.Printf("rotating: %q is published; it signs in %v", kid, is.activateAfter)
	is.timers = append(is.timers, is.after(is.activateAfter, func() {
		is.mu.Lock()
		defer is.mu.Unlock()
		if is.stopped {
			return
		}
		is.pending = ""
		if err := is.activate(kid); err != nil {
			is.logger.Printf("activate %q: %v", kid, err)
		}
	}))
	return nil
}

// activate makes the published key kid the signing key and schedules the
// retirement of the previous one. The caller holds is.mu.
func (is *issuer) activate(kid string) error {
	active, _ := is.ks.SigningKey()
	prev := active.ID()
	if err := is.ks.Activate(kid); err != nil {
		return err
	}
	is.logger.Printf("rotated: signing with %q; %q stays published for %v", kid, prev, is.retireAfter)
	is.timers = append(is.timers, is.after(is.retireAfter, func() {
		if err := is.ks.Retire(prev); err != nil {
			is.logger.Printf("retire %q: %v", prev, err)
			return
		}
		is.logger.Printf("retired %q: every token it signed has expired", prev)
	}))
	return nil
}

// rotateOnSignal rotates on SIGHUP and, when every is positive, every
// that often, until ctx is done or the returned function is called.
func (is *issuer) rotateOnSignal(ctx context.Context, every time.Duration) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	var tick <-chan time.Time
	var ticker *time.Ticker
	if every > 0 {
		ticker = time.NewTicker(every)
		tick = ticker.C
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			case <-tick:
			}
			if err := is.rotate(); err != nil {
				is.logger.Printf("rotate: %v", err)
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		if ticker != nil {
			ticker.Stop()
		}
		cancel()
		<-done
	}
}

// stop cancels pending activations and retirements, at shutdown.
func (is *issuer) stop() {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.stopped = true
	for _, stop := range is.timers {
		stop()
	}
}

// newIssuerServer returns the issuer's API:
//
//	POST /login                             → token JSON, as examples/basic
//	POST /refresh                           → token JSON for a valid token
//	GET  /.well-known/jwks.json             → the public JWK Set
//	GET  /.well-known/openid-configuration  → {"issuer", "jwks_uri"}
//	GET  /healthz                           → 200, unauthenticated
func newIssuerServer(is *issuer) (http.Handler, error) {
	auth, err := middleware.New(is.m, middleware.Options{Realm: realm})
	if err != nil {
		return nil, err
	}
	publish, err := jwks.Handler(is.ks, jwks.HandlerOptions{})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", demo.Healthz)
	mux.HandleFunc("POST /login", is.login)
	mux.Handle("POST /refresh", alice.New(auth.Authenticate).ThenFunc(is.refresh))
	mux.Handle("GET /.well-known/jwks.json", publish)
	mux.HandleFunc("GET /.well-known/openid-configuration", is.configuration)
	return mux, nil
}

// configuration serves the issuer's OpenID Connect discovery document
// with the two members a resource server reads: issuer, exactly as its
// tokens carry it in iss, and jwks_uri.
func (is *issuer) configuration(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	demo.WriteJSON(w, http.StatusOK, map[string]string{
		"issuer":   is.iss,
		"jwks_uri": strings.TrimSuffix(is.iss, "/") + "/.well-known/jwks.json",
	})
}

func (is *issuer) login(w http.ResponseWriter, r *http.Request) {
	var creds struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBody))
	if err := dec.Decode(&creds); err != nil {
		demo.WriteError(w, http.StatusBadRequest, "invalid_request", "body must be JSON with username and password")
		return
	}
	userID, ok := demo.AuthenticateUser(creds.Username, creds.Password)
	if !ok {
		demo.WriteError(w, http.StatusUnauthorized, "invalid_credentials", "wrong username or password")
		return
	}
	tok, err := is.m.Issue(r.Context(), userID, nil)
	if err != nil {
		is.logger.Printf("issue: %v", err)
		demo.WriteError(w, http.StatusInternalServerError, "server_error", "could not issue a token")
		return
	}
	demo.WriteToken(w, tok)
}

func (is *issuer) refresh(w http.ResponseWriter, r *http.Request) {
	claims, _ := middleware.ClaimsFromContext(r.Context())
	tok, err := is.m.Renew(r.Context(), claims)
	switch {
	case errors.Is(err, session.ErrNotRenewable), errors.Is(err, session.ErrExpired):
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="invalid_token", error_description="session cannot be renewed; log in again"`)
		demo.WriteError(w, http.StatusUnauthorized, "invalid_token", "session cannot be renewed; log in again")
		return
	case err != nil:
		is.logger.Printf("renew: %v", err)
		demo.WriteError(w, http.StatusInternalServerError, "server_error", "could not renew the token")
		return
	}
	demo.WriteToken(w, tok)
}
