package demo

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// TokenResponse is the body of /login and /refresh.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// WriteToken answers 200 with tok as a [TokenResponse], not to be cached.
func WriteToken(w http.ResponseWriter, tok *session.Token) {
	w.Header().Set("Cache-Control", "no-store")
	WriteJSON(w, http.StatusOK, TokenResponse{
		AccessToken: tok.Value,
		TokenType:   "Bearer",
		ExpiresIn:   int64(tok.ExpiresIn / time.Second),
	})
}

// WriteError answers status with {"error": code, "error_description": description}.
func WriteError(w http.ResponseWriter, status int, code, description string) {
	WriteJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Healthz answers 200 "ok", for GET /healthz.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}
