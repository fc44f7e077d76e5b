package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// realm names the demo in WWW-Authenticate challenges.
const realm = "jwtsession-demo"

// maxLoginBody bounds the size of a login request.
const maxLoginBody = 4 << 10

// The cookies of the cookie transport. The page (static/app.js) reads
// expiryCookie to show the countdown; the session cookie is HttpOnly.
// On HTTPS, a "__Host-" name would be stronger, but it needs Secure,
// which plain HTTP on loopback cannot have.
const (
	sessionCookie = "demo_session"
	expiryCookie  = "demo_session_exp"
)

// newServer returns the demo API and its page:
//
//	GET  /         → the browser demo (static/index.html)
//	POST /login    {"username","password"} → token JSON; with a DPoP
//	               proof header, a DPoP token bound to the proof's key;
//	               with "transport": "cookie" the token goes into a cookie
//	GET  /me       → {"user_id": "..."}; renews near expiry
//	POST /refresh  → token JSON for a valid token (bound tokens stay bound)
//	POST /logout   → 204; the session's tokens stop working
//	POST /logout-all → 204; every earlier token of the user, on every
//	               session, stops working
//	GET  /healthz  → 200, unauthenticated
//
// Tokens are read from the Authorization header (Bearer, or DPoP with a
// proof of the request) or, when there is none, from the session cookie;
// every authentication outcome is logged with log/slog, naming tokens by
// their fingerprint only.
func newServer(m *session.Manager, logger *log.Logger, cfg serverConfig) (http.Handler, error) {
	cookie, err := middleware.NewCookie(sessionCookie, middleware.CookieOptions{
		ExpiryCookie: expiryCookie,
		Insecure:     cfg.insecureCookie,
	})
	if err != nil {
		return nil, err
	}
	dpop, err := cfg.dpopOptions()
	if err != nil {
		return nil, err
	}
	hooks := middleware.SlogHooks(slog.New(slog.NewTextHandler(logger.Writer(), nil)))
	auth, err := middleware.New(m, middleware.Options{
		Realm:  realm,
		Cookie: cookie,
		DPoP:   dpop,
		Hooks:  hooks,
		OnRenewError: func(r *http.Request, err error) {
			logger.Printf("renewal failed: %v", err)
		},
	})
	if err != nil {
		return nil, err
	}
	// POST /login checks a proof if it carries one, with the same
	// settings, answering as a token endpoint (400, and logging the
	// status it sends): an Auth of its own for that error handler.
	loginDPoP := dpop
	if cfg.loginReplay != nil {
		loginDPoP.ReplayCache = cfg.loginReplay
	}
	loginAuth, err := middleware.New(m, middleware.Options{
		Realm:        realm,
		DPoP:         loginDPoP,
		ErrorHandler: tokenEndpointError(hooks),
	})
	if err != nil {
		return nil, err
	}
	authenticated := alice.New(auth.Authenticate)
	api := authenticated.Append(auth.Renew)

	s := &server{m: m, logger: logger, cookie: cookie}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", demo.Healthz)
	mux.Handle("POST /login", loginAuth.CheckProof(http.HandlerFunc(s.login)))
	mux.Handle("GET /me", api.ThenFunc(s.me))
	mux.Handle("POST /refresh", authenticated.ThenFunc(s.refresh))
	mux.Handle("POST /logout", authenticated.ThenFunc(s.logout))
	mux.Handle("POST /logout-all", authenticated.ThenFunc(s.logoutAll))
	mountPage(mux)
	return mux, nil
}

type server struct {
	m      *session.Manager
	logger *log.Logger
	cookie *middleware.Cookie
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	// Login CSRF: a cross-site page must not log the browser into the
	// attacker's account. Non-browser clients (no Origin, no
	// Sec-Fetch-Site) pass.
	if err := s.cookie.Check(r); err != nil {
		demo.WriteError(w, http.StatusForbidden, "cross_origin_request", "cross-origin request refused")
		return
	}
	var creds struct {
		Username  string `json:"username"`
		Password  string `json:"password"`
		Transport string `json:"transport"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBody))
	if err := dec.Decode(&creds); err != nil {
		demo.WriteError(w, http.StatusBadRequest, "invalid_request", "body must be JSON with username and password")
		return
	}
	if creds.Transport != "" && creds.Transport != "header" && creds.Transport != "cookie" {
		demo.WriteError(w, http.StatusBadRequest, "invalid_request", `transport must be "header" or "cookie"`)
		return
	}
	// A good proof's thumbprint, put there by CheckProof; none without
	// a DPoP header (a Bearer login).
	thumbprint, _ := middleware.ThumbprintFromContext(r.Context())
	if thumbprint != "" && creds.Transport == "cookie" {
		demo.WriteError(w, http.StatusBadRequest, "invalid_request", "a DPoP-bound token goes in the Authorization header, not a cookie")
		return
	}
	userID, ok := demo.AuthenticateUser(creds.Username, creds.Password)
	if !ok {
		demo.WriteError(w, http.StatusUnauthorized, "invalid_credentials", "wrong username or password")
		return
	}
	var tok *session.Token
	var err error
	if thumbprint != "" {
		tok, err = s.m.IssueBound(r.Context(), userID, thumbprint, nil)
	} else {
		tok, err = s.m.Issue(r.Context(), userID, nil)
	}
	if err != nil {
		s.logger.Printf("issue: %v", err)
		demo.WriteError(w, http.StatusInternalServerError, "server_error", "could not issue a token")
		return
	}
	if creds.Transport == "cookie" {
		setCookie(s.cookie, w, r, tok)
		return
	}
	writeToken(w, tok, thumbprint != "")
}

// setCookie puts tok into the session cookie c and answers without the
// token: scripts never see it.
func setCookie(c *middleware.Cookie, w http.ResponseWriter, r *http.Request, tok *session.Token) {
	c.Set(w, r, tok)
	demo.WriteJSON(w, http.StatusOK, map[string]any{
		"token_type": "cookie",
		"expires_in": int64(tok.ExpiresIn / time.Second),
	})
}

func (s *server) me(w http.ResponseWriter, r *http.Request) {
	userID, _ := middleware.UserIDFromContext(r.Context())
	demo.WriteJSON(w, http.StatusOK, meResponse{userID})
}

// meResponse is the body of GET /me.
type meResponse struct {
	UserID string `json:"user_id"`
}

func (s *server) refresh(w http.ResponseWriter, r *http.Request) {
	claims, _ := middleware.ClaimsFromContext(r.Context())
	// Authenticate let a bound token in only with a proof of its key;
	// the renewed token is bound to the same key.
	bound := claims.KeyThumbprint != ""
	tok, err := s.m.Renew(r.Context(), claims)
	switch {
	case errors.Is(err, session.ErrNotRenewable), errors.Is(err, session.ErrExpired):
		// The challenge of the scheme the token came with (RFC 6750
		// §3, RFC 9449 §7.1; algs is optional there).
		challenge := `Bearer realm="` + realm + `"`
		if bound {
			challenge = `DPoP realm="` + realm + `"`
		}
		w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token", error_description="session cannot be renewed; log in again"`)
		demo.WriteError(w, http.StatusUnauthorized, "invalid_token", "session cannot be renewed; log in again")
		return
	case err != nil:
		s.logger.Printf("renew: %v", err)
		demo.WriteError(w, http.StatusInternalServerError, "server_error", "could not renew the token")
		return
	}
	if c, ok := middleware.CookieFromContext(r.Context()); ok {
		setCookie(c, w, r, tok)
		return
	}
	writeToken(w, tok, bound)
}

// logout ends the request's session: its token and every token renewed
// from the session are refused from then on.
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	s.endSessions(w, r, "logout", s.m.Revoke)
}

// logoutAll logs the user out everywhere: every token of the user's
// sessions that exist now is refused from then on, on every instance
// sharing the revocation store; a later login works.
func (s *server) logoutAll(w http.ResponseWriter, r *http.Request) {
	s.endSessions(w, r, "logout-all", func(ctx context.Context, c *session.Claims) error {
		return s.m.RevokeUser(ctx, c.UserID)
	})
}

// endSessions revokes with the request's claims and answers 204, clearing
// the cookie of a cookie session; a revocation that could not be recorded
// is a 503, never reported as done.
func (s *server) endSessions(w http.ResponseWriter, r *http.Request, what string, revoke func(context.Context, *session.Claims) error) {
	claims, _ := middleware.ClaimsFromContext(r.Context())
	if err := revoke(r.Context(), claims); err != nil {
		s.logger.Printf("%s: %v", what, err)
		demo.WriteError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "could not log out; try again")
		return
	}
	if c, ok := middleware.CookieFromContext(r.Context()); ok {
		c.Clear(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
}
