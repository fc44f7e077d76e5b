package main

import (
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// realm names the demo in WWW-Authenticate challenges.
const realm = "jwtsession-demo"

// maxLoginBody bounds the size of a login request.
const maxLoginBody = 4 << 10

// newServer returns the demo API:
//
//	POST /login    {"username","password"} → token JSON
//	GET  /me       → {"user_id": "..."}; renews near expiry
//	POST /refresh  → token JSON for a valid token
//	POST /logout   → 204; the session's tokens stop working
//	GET  /healthz  → 200, unauthenticated
func newServer(m *session.Manager, logger *log.Logger) (http.Handler, error) {
	auth, err := middleware.Authenticate(m, middleware.WithRealm(realm))
	if err != nil {
		return nil, err
	}
	renew, err := middleware.Renew(m, middleware.WithRenewErrorFunc(func(r *http.Request, err error) {
		logger.Printf("renewal failed: %v", err)
	}))
	if err != nil {
		return nil, err
	}
	authenticated := alice.New(auth)
	api := authenticated.Append(renew)

	s := &server{m: m, logger: logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("GET /me", api.ThenFunc(s.me))
	mux.Handle("POST /refresh", authenticated.ThenFunc(s.refresh))
	mux.Handle("POST /logout", authenticated.ThenFunc(s.logout))
	return mux, nil
}

type server struct {
	m      *session.Manager
	logger *log.Logger
}

// tokenResponse is the body of /login and /refresh.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	var creds struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBody))
	if err := dec.Decode(&creds); err != nil {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "body must be JSON with username and password")
		return
	}
	userID, ok := authenticateUser(creds.Username, creds.Password)
	if !ok {
		writeJSONError(w, http.StatusUnauthorized, "invalid_credentials", "wrong username or password")
		return
	}
	tok, err := s.m.Issue(r.Context(), userID, nil)
	if err != nil {
		s.logger.Printf("issue: %v", err)
		writeJSONError(w, http.StatusInternalServerError, "server_error", "could not issue a token")
		return
	}
	writeToken(w, tok)
}

func (s *server) me(w http.ResponseWriter, r *http.Request) {
	userID, _ := middleware.UserIDFromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"user_id": userID})
}

func (s *server) refresh(w http.ResponseWriter, r *http.Request) {
	claims, _ := middleware.ClaimsFromContext(r.Context())
	tok, err := s.m.Renew(r.Context(), claims)
	switch {
	case errors.Is(err, session.ErrNotRenewable), errors.Is(err, session.ErrExpired):
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="invalid_token", error_description="session cannot be renewed; log in again"`)
		writeJSONError(w, http.StatusUnauthorized, "invalid_token", "session cannot be renewed; log in again")
		return
	case err != nil:
		s.logger.Printf("renew: %v", err)
		writeJSONError(w, http.StatusInternalServerError, "server_error", "could not renew the token")
		return
	}
	writeToken(w, tok)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	claims, _ := middleware.ClaimsFromContext(r.Context())
	if err := s.m.Revoke(r.Context(), claims); err != nil {
		s.logger.Printf("logout: %v", err)
		writeJSONError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "could not log out; try again")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeToken(w http.ResponseWriter, tok *session.Token) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: tok.Value,
		TokenType:   "Bearer",
		ExpiresIn:   int64(tok.ExpiresIn / time.Second),
	})
}

func writeJSONError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
