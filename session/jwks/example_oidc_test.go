package jwks_test

import (
	"encoding/json"
	"log"
	"net/http"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// An API that takes the access tokens of two OpenID Connect providers:
// their keys are found by discovery, a token's iss picks the provider
// whose keys verify it, and aud must name the API.
func ExampleNewIssuers() {
	keys, err := jwks.NewIssuers([]string{
		"https://example.eu.auth0.com/",
		"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
	}, jwks.RemoteOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer keys.Close()
	m, err := session.New(keys, session.Options{
		UserIDClaim: "sub",
		Audience:    []string{"https://api.example.com", "api://orders"},
		Typ:         session.TypJWTOrAccessToken, // also RFC 9068 at+jwt
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(m, middleware.Options{})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /orders", alice.New(auth.Authenticate, auth.RequireScope("orders:read")).ThenFunc(orders))
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := keys.Ready(r.Context()); err != nil {
			http.Error(w, "keys not fetched yet", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	// http.ListenAndServe(":8080", mux)
}

// orders reads the user and the client of an access token.
func orders(w http.ResponseWriter, r *http.Request) {
	claims, _ := middleware.ClaimsFromContext(r.Context())
	var client struct {
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
	}
	if err := claims.Decode(&client); err != nil {
		http.Error(w, "bad claims", http.StatusBadRequest)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"user": claims.UserID, "client": client.ClientID})
}

// The smallest API on one provider's tokens.
func ExampleIssuers() {
	keys, err := jwks.NewIssuers([]string{"https://example.eu.auth0.com/"}, jwks.RemoteOptions{})
	if err != nil {
		log.Fatal(err)
	}
	m, err := session.New(keys, session.Options{UserIDClaim: "sub", Audience: []string{"https://api.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(m, middleware.Options{})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("GET /orders", auth.Authenticate(http.HandlerFunc(orders)))
}
