package session_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// newExampleSecret returns 32 random bytes, as a real HS256 secret should be.
func newExampleSecret() []byte {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		log.Fatal(err)
	}
	return secret
}

func ExampleNew() {
	m, err := session.New(session.HS256(newExampleSecret()), session.Options{
		TTL:         15 * time.Minute,
		MaxLifetime: 8 * time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ttl:", m.TTL(), "renew within:", m.RenewWithin(), "max lifetime:", m.MaxLifetime())

	// A weak secret is refused at construction, with what to fix.
	_, err = session.New(session.HS256([]byte("password")), session.Options{})
	fmt.Println(err)
	// Output:
	// ttl: 15m0s renew within: 5m0s max lifetime: 8h0m0s
	// session: HS256 secret is 8 bytes; at least 32 random bytes are required (RFC 7518 §3.2)
}

func ExampleManager_Verify() {
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	m, err := session.New(session.HS256(newExampleSecret()), session.Options{
		Clock: func() time.Time { return now }, // a fixed clock, for the example
	})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := m.Issue(ctx, "123", nil)
	if err != nil {
		log.Fatal(err)
	}

	check := func(token string) {
		c, err := m.Verify(ctx, token)
		switch {
		case err == nil:
			fmt.Println("valid: user", c.UserID, "until", c.ExpiresAt.UTC().Format(time.Kitchen))
		case errors.Is(err, session.ErrExpired):
			fmt.Println("expired: refresh or log in again")
		case errors.Is(err, session.ErrInvalid):
			fmt.Println("invalid: reject")
		default:
			fmt.Println("other:", err)
		}
	}
	check(tok.Value)
	// An unsigned token claiming to be user 123: alg "none" never verifies.
	check("eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoiMTIzIiwiZXhwIjo5OTk5OTk5OTk5fQ.")
	now = now.Add(31 * time.Minute)
	check(tok.Value)
	// Output:
	// valid: user 123 until 12:30PM
	// invalid: reject
	// expired: refresh or log in again
}

func ExampleManager_Refresh() {
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	m, err := session.New(session.HS256(newExampleSecret()), session.Options{
		TTL:         30 * time.Minute,
		MaxLifetime: time.Hour,
		Clock:       func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	first, err := m.Issue(ctx, "123", map[string]any{"role": "admin"})
	if err != nil {
		log.Fatal(err)
	}

	now = now.Add(25 * time.Minute)
	second, err := m.Refresh(ctx, first.Value)
	if err != nil {
		log.Fatal(err)
	}
	c := second.Claims
	fmt.Println("same session:", c.SessionID == first.Claims.SessionID)
	fmt.Println("logged in at:", c.AuthTime.UTC().Format(time.Kitchen))
	fmt.Println("expires at:", c.ExpiresAt.UTC().Format(time.Kitchen))
	role, _ := c.Claim("role")
	fmt.Println("role kept:", role)

	// The session never outlives auth_time + MaxLifetime.
	now = now.Add(25 * time.Minute)
	third, err := m.Refresh(ctx, second.Value)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("capped at:", third.Claims.ExpiresAt.UTC().Format(time.Kitchen))

	// An expired token cannot be refreshed.
	_, err = m.Refresh(ctx, first.Value)
	fmt.Println("refresh expired token:", errors.Is(err, session.ErrExpired))
	// Output:
	// same session: true
	// logged in at: 12:00PM
	// expires at: 12:55PM
	// role kept: "admin"
	// capped at: 1:00PM
	// refresh expired token: true
}

func ExampleManager_Revoke() {
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	m, err := session.New(session.HS256(newExampleSecret()), session.Options{Clock: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	laptop, err := m.Issue(ctx, "123", nil)
	if err != nil {
		log.Fatal(err)
	}
	phone, err := m.Issue(ctx, "123", nil)
	if err != nil {
		log.Fatal(err)
	}
	now = now.Add(25 * time.Minute)
	renewed, err := m.Refresh(ctx, laptop.Value)
	if err != nil {
		log.Fatal(err)
	}

	// Log out on the laptop: the session is revoked, renewed tokens included.
	c, err := m.Verify(ctx, renewed.Value)
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Revoke(ctx, c); err != nil {
		log.Fatal(err)
	}
	for _, tok := range []struct{ name, value string }{
		{"laptop", laptop.Value},
		{"laptop renewed", renewed.Value},
		{"phone", phone.Value},
	} {
		_, err := m.Verify(ctx, tok.value)
		fmt.Printf("%s: revoked=%v\n", tok.name, errors.Is(err, session.ErrRevoked))
	}
	// Output:
	// laptop: revoked=true
	// laptop renewed: revoked=true
	// phone: revoked=false
}

func ExampleClaims_Decode() {
	ctx := context.Background()
	m, err := session.New(session.HS256(newExampleSecret()), session.Options{})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := m.Issue(ctx, "123", map[string]any{"role": "admin", "teams": []string{"blue", "red"}})
	if err != nil {
		log.Fatal(err)
	}
	claims, err := m.Verify(ctx, tok.Value)
	if err != nil {
		log.Fatal(err)
	}
	// In a handler: the application claims, typed, in one call.
	var app struct {
		Role  string   `json:"role"`
		Teams []string `json:"teams"`
	}
	if err := claims.Decode(&app); err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.UserID, app.Role, app.Teams)
	// Output: 123 admin [blue red]
}
