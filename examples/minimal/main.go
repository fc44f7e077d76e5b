// Command minimal is the smallest server built on jwtsession: POST /login
// hands out a token, GET /me answers with the user id of a valid one and
// renews it near expiry. The README's quick start is this file.
//
//	JWT_SECRET=$(openssl rand -hex 32) go run ./examples/minimal
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"

	"github.com/justinas/alice"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

func main() {
	handler, err := newServer([]byte(os.Getenv("JWT_SECRET")))
	if err != nil {
		log.Fatal(err) // such as a secret shorter than 32 bytes
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", handler))
}

func newServer(secret []byte) (http.Handler, error) {
	m, err := session.New(session.HS256(secret), session.Options{})
	if err != nil {
		return nil, err
	}
	auth, err := middleware.New(m, middleware.Options{})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		userID := "123" // after checking the credentials
		tok, err := m.Issue(r.Context(), userID, nil)
		if err != nil {
			http.Error(w, "could not log in", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]string{"access_token": tok.Value, "token_type": "Bearer"})
	})
	mux.Handle("GET /me", alice.New(auth.Authenticate, auth.Renew).ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		userID, _ := middleware.UserIDFromContext(r.Context())
		json.NewEncoder(w).Encode(map[string]string{"user_id": userID})
	}))
	return mux, nil
}
