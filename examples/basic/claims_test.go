package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

// secretEnv is a getenv that sets JWT_SECRET to secret.
func secretEnv(secret []byte) func(string) string {
	return func(k string) string {
		if k == "JWT_SECRET" {
			return string(secret)
		}
		return ""
	}
}

// audiences reads the aud claim, a string or an array of strings.
func audiences(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	if raw == nil {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		t.Fatalf("aud %s: %v", raw, err)
	}
	return many
}

// TestRunIssuerAndAudience starts the demo with each combination of
// -issuer and -audience: issued tokens carry what is configured, and a
// token signed with JWT_SECRET is accepted only when its iss and aud
// match. With no -audience, a token carrying aud is refused (RFC 7519
// §4.1.3).
func TestRunIssuerAndAudience(t *testing.T) {
	const (
		iss = "https://auth.example"
		aud = "demo-api"
	)
	// A seed-shape token with extra claims, signed with JWT_SECRET.
	token := func(extra string) string {
		return signHS256(testSecret, `{"user_id":123,"exp":`+strconv.FormatInt(time.Now().Add(5*time.Minute).Unix(), 10)+extra+`}`)
	}
	type tokenCase struct {
		name  string
		extra string // claims added to the seed shape
		want  int
	}
	tests := []struct {
		name   string
		args   []string
		tokens []tokenCase
	}{
		{"neither", nil, []tokenCase{
			{"seed shape", ``, http.StatusOK},
			{"any iss", `,"iss":"https://elsewhere.example"`, http.StatusOK},
			{"aud", `,"aud":"x"`, http.StatusUnauthorized},
			{"aud array", `,"aud":["x"]`, http.StatusUnauthorized},
		}},
		{"issuer", []string{"-issuer", iss}, []tokenCase{
			{"its iss", `,"iss":"` + iss + `"`, http.StatusOK},
			{"no iss", ``, http.StatusUnauthorized},
			{"another iss", `,"iss":"https://evil.example"`, http.StatusUnauthorized},
			{"iss with a trailing slash", `,"iss":"` + iss + `/"`, http.StatusUnauthorized},
			{"its iss and an aud", `,"iss":"` + iss + `","aud":"x"`, http.StatusUnauthorized},
		}},
		{"audience", []string{"-audience", aud}, []tokenCase{
			{"its aud", `,"aud":"` + aud + `"`, http.StatusOK},
			{"its aud among others", `,"aud":["other-api","` + aud + `"]`, http.StatusOK},
			{"no aud", ``, http.StatusUnauthorized},
			{"another aud", `,"aud":"other-api"`, http.StatusUnauthorized},
		}},
		{"issuer and audience", []string{"-issuer", iss, "-audience", aud}, []tokenCase{
			{"its iss and aud", `,"iss":"` + iss + `","aud":"` + aud + `"`, http.StatusOK},
			{"another iss", `,"iss":"https://evil.example","aud":"` + aud + `"`, http.StatusUnauthorized},
			{"another aud", `,"iss":"` + iss + `","aud":"other-api"`, http.StatusUnauthorized},
			{"no iss", `,"aud":"` + aud + `"`, http.StatusUnauthorized},
			{"no aud", `,"iss":"` + iss + `"`, http.StatusUnauthorized},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs runLog
			srv := startRun(t, append([]string{"-addr", "127.0.0.1:0"}, tt.args...), secretEnv(testSecret), &logs)
			d := &testServer{t: t, url: srv.url}

			tok := d.login().AccessToken
			claims := payload(t, tok)
			wantIss, wantAud := "", []string(nil)
			if i := slices.Index(tt.args, "-issuer"); i >= 0 {
				wantIss = strconv.Quote(tt.args[i+1])
			}
			if i := slices.Index(tt.args, "-audience"); i >= 0 {
				wantAud = []string{tt.args[i+1]}
			}
			if got := string(claims["iss"]); got != wantIss {
				t.Errorf("issued token: got iss %s, want %s", got, wantIss)
			}
			if got := audiences(t, claims["aud"]); !slices.Equal(got, wantAud) {
				t.Errorf("issued token: got aud %q, want %q", got, wantAud)
			}
			wantStatus(t, d.do("GET", "/me", tok, ""), http.StatusOK)

			for _, tc := range tt.tokens {
				t.Run(tc.name, func(t *testing.T) {
					if got := d.do("GET", "/me", token(tc.extra), "").StatusCode; got != tc.want {
						t.Errorf(`GET /me with claims {"user_id":123,"exp":…%s}: got status %d, want %d`, tc.extra, got, tc.want)
					}
				})
			}
		})
	}
}

// TestRunRefusesTokensOfAnotherAudience: two demos share JWT_SECRET but
// not their -audience; a token of one is refused by the other.
func TestRunRefusesTokensOfAnotherAudience(t *testing.T) {
	var logs runLog
	api := startRun(t, []string{"-addr", "127.0.0.1:0", "-audience", "demo-api"}, secretEnv(testSecret), &logs)
	admin := startRun(t, []string{"-addr", "127.0.0.1:0", "-audience", "admin-api"}, secretEnv(testSecret), &logs)
	a, b := &testServer{t: t, url: api.url}, &testServer{t: t, url: admin.url}
	tok := b.login().AccessToken
	wantStatus(t, b.do("GET", "/me", tok, ""), http.StatusOK)
	wantStatus(t, a.do("GET", "/me", tok, ""), http.StatusUnauthorized)
	wantStatus(t, a.do("POST", "/refresh", tok, ""), http.StatusUnauthorized)
}
