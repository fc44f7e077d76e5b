package middleware_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
)

// Example_dPoP shows DPoP (RFC 9449): a client that logs in with a proof
// gets a token bound to its key, and every later request needs a fresh
// proof signed by that key; a copy of the token alone is refused.
// TestExampleDPoP drives this server with a client's proofs.
func Example_dPoP() {
	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{
		DPoP: middleware.DPoPOptions{PublicURL: "https://api.example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", dpopMux(manager, auth)))
}

// dpopMux is the server of Example_dPoP: /login issues a token bound to
// the key of the request's DPoP proof, if it has one; /me takes Bearer
// and DPoP requests alike.
func dpopMux(manager *session.Manager, auth *middleware.Auth) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /login", auth.CheckProof(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userID := "123" // after checking the credentials
		tok, tokenType, err := issue(r, manager, userID)
		if err != nil {
			http.Error(w, "could not log in", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]string{"access_token": tok.Value, "token_type": tokenType})
	})))
	mux.Handle("GET /me", alice.New(auth.Authenticate, auth.Renew).ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		userID, _ := middleware.UserIDFromContext(r.Context())
		fmt.Fprintf(w, "user %s", userID)
	}))
	return mux
}

func TestExampleDPoP(t *testing.T) {
	manager, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{
		DPoP: middleware.DPoPOptions{PublicURL: "https://api.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := dpopMux(manager, auth)
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		return rec
	}

	// The client keeps one key pair for the session and signs a proof for
	// each request.
	key := sessiontest.NewProofKey(t, "ES256")
	login := httptest.NewRequest(http.MethodPost, "https://api.example.com/login", nil)
	key.Sign(login, "")
	rec := serve(login)
	var body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(rec.Body).Decode(&body); err != nil || rec.Code != http.StatusOK || body.TokenType != "DPoP" {
		t.Fatalf("login: got %d, token_type %q (%v), want 200 and DPoP", rec.Code, body.TokenType, err)
	}

	me := httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
	key.Sign(me, body.AccessToken)
	if rec := serve(me); rec.Code != http.StatusOK || rec.Body.String() != "user 123" {
		t.Errorf("/me with a proof: got %d %q, want 200 \"user 123\"", rec.Code, rec.Body.String())
	}
	if rec := serve(me); rec.Code != http.StatusUnauthorized {
		t.Errorf("/me with the same proof again: got %d, want 401", rec.Code)
	}

	stolen := httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
	stolen.Header.Set("Authorization", "Bearer "+body.AccessToken)
	rec = serve(stolen)
	if want := `Bearer realm="api", error="invalid_token"`; rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), want) {
		t.Errorf("the bound token as Bearer: got %d %q, want 401 %s…", rec.Code, rec.Header().Get("WWW-Authenticate"), want)
	}
}

// issue starts a session for userID: bound to the key of the request's
// DPoP proof when CheckProof found one, a bearer token otherwise.
func issue(r *http.Request, manager *session.Manager, userID string) (*session.Token, string, error) {
	if jkt, ok := middleware.ThumbprintFromContext(r.Context()); ok {
		tok, err := manager.IssueBound(r.Context(), userID, jkt, nil)
		return tok, "DPoP", err
	}
	tok, err := manager.Issue(r.Context(), userID, nil)
	return tok, "Bearer", err
}
