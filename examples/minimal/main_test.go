package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestQuickStart runs the README's quick start: log in, call /me with the
// token, and be refused without one.
func TestQuickStart(t *testing.T) {
	handler, err := newServer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newServer([]byte("short")); err == nil {
		t.Fatal("newServer with a 5-byte secret: got no error, want one")
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()

	res, err := http.Post(srv.URL+"/login", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&login); err != nil || res.StatusCode != http.StatusOK || login.AccessToken == "" {
		t.Fatalf("POST /login: got %d %+v (%v), want 200 with a token", res.StatusCode, login, err)
	}
	res.Body.Close()

	for _, tt := range []struct {
		name, auth string
		status     int
		body       string
	}{
		{"with the token", "Bearer " + login.AccessToken, http.StatusOK, `{"user_id":"123"}`},
		{"without a token", "", http.StatusUnauthorized, `{"error":"unauthorized","error_description":"bearer token required"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/me", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status || strings.TrimSpace(string(body)) != tt.body {
				t.Fatalf("GET /me: got %d %s, want %d %s", res.StatusCode, body, tt.status, tt.body)
			}
		})
	}
}
