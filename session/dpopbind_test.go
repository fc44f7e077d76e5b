package session_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/session"
)

// newThumbprint returns the thumbprint of a new client key.
func newThumbprint(t *testing.T) string {
	t.Helper()
	keys := testkit.NewKeys(t)
	tp, err := jose.Thumbprint(keys.Ed.Public())
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

// TestBoundTokenLifecycle: a bound token carries cnf.jkt, verifies with
// it, keeps it through Renew and RefreshBound, and is refused by
// Refresh and by RefreshBound with another key.
func TestBoundTokenLifecycle(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	m := newManager(t, newSecret(t), clock, session.Options{})
	jkt, other := newThumbprint(t), newThumbprint(t)
	tok, err := m.IssueBound(ctx, "u1", jkt, map[string]any{"role": "admin"})
	if err != nil {
		t.Fatal(err)
	}
	cnf, ok := payloadOf(t, tok.Value)["cnf"].(map[string]any)
	if !ok || len(cnf) != 1 || cnf["jkt"] != jkt {
		t.Fatalf("got cnf %v on the wire, want {\"jkt\": %q}", payloadOf(t, tok.Value)["cnf"], jkt)
	}
	c := mustVerify(t, m, tok.Value)
	if c.KeyThumbprint != jkt || tok.Claims.KeyThumbprint != jkt {
		t.Fatalf("got KeyThumbprint %q (issued %q), want %q", c.KeyThumbprint, tok.Claims.KeyThumbprint, jkt)
	}
	if _, ok := c.Claim("cnf"); ok {
		t.Error("got cnf among the application claims, want it registered")
	}
	clock.Advance(25 * time.Minute)
	renewed, err := m.Renew(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustVerify(t, m, renewed.Value).KeyThumbprint; got != jkt {
		t.Errorf("Renew: got KeyThumbprint %q, want %q", got, jkt)
	}
	_, err = m.Refresh(ctx, renewed.Value)
	checkOnly(t, err, session.ErrInvalid)
	_, err = m.RefreshBound(ctx, renewed.Value, other)
	checkOnly(t, err, session.ErrInvalid)
	_, err = m.RefreshBound(ctx, renewed.Value, "")
	checkOnly(t, err, session.ErrInvalid)
	refreshed, err := m.RefreshBound(ctx, renewed.Value, jkt)
	if err != nil {
		t.Fatal(err)
	}
	rc := mustVerify(t, m, refreshed.Value)
	if rc.KeyThumbprint != jkt || rc.SessionID != c.SessionID {
		t.Errorf("RefreshBound: got KeyThumbprint %q, sid %q; want %q, %q", rc.KeyThumbprint, rc.SessionID, jkt, c.SessionID)
	}
	// A bearer token is not refreshed as a bound one, and keeps working
	// with Refresh.
	bearer := issue(t, m, "u2", nil)
	if mustVerify(t, m, bearer.Value).KeyThumbprint != "" {
		t.Error("got a KeyThumbprint on a bearer token, want none")
	}
	_, err = m.RefreshBound(ctx, bearer.Value, jkt)
	checkOnly(t, err, session.ErrInvalid)
	if _, err := m.Refresh(ctx, bearer.Value); err != nil {
		t.Errorf("Refresh of a bearer token: %v", err)
	}
}

func TestIssueBoundRefusesBadThumbprints(t *testing.T) {
	m := newManager(t, newSecret(t), newClock(t0), session.Options{})
	good := newThumbprint(t)
	for _, tp := range []string{"", "abc", good + "A", good[:42] + "=", good[:42] + "+", strings.Repeat("A", 42) + "B"} {
		if _, err := m.IssueBound(context.Background(), "u1", tp, nil); err == nil {
			t.Errorf("IssueBound(%q): got no error, want one", tp)
		}
	}
	for _, name := range []string{"cnf", "CNF", "Cnf"} {
		if _, err := m.Issue(context.Background(), "u1", map[string]any{name: map[string]string{"jkt": good}}); err == nil {
			t.Errorf("Issue with application claim %q: got no error, want cnf registered", name)
		}
	}
}

// TestDecodeConfirmation: cnf is an object with exactly one jkt, a
// SHA-256 thumbprint; anything else rejects the token.
func TestDecodeConfirmation(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	jkt := newThumbprint(t)
	exp := unix(t0.Add(time.Hour))
	tests := []struct {
		name, cnf string
		ok        bool
	}{
		{"jkt", `{"jkt":"` + jkt + `"}`, true},
		{"jkt with white space", `{ "jkt" : "` + jkt + `" }`, true},
		{"string", `"` + jkt + `"`, false},
		{"array", `["` + jkt + `"]`, false},
		{"null", `null`, false},
		{"empty object", `{}`, false},
		{"empty jkt", `{"jkt":""}`, false},
		{"jkt a number", `{"jkt":1}`, false},
		{"jkt an object", `{"jkt":{}}`, false},
		{"jkt too short", `{"jkt":"` + jkt[:42] + `"}`, false},
		{"jkt not base64url", `{"jkt":"` + jkt[:42] + `/"}`, false},
		{"jkt twice", `{"jkt":"` + jkt + `","jkt":"` + jkt + `"}`, false},
		{"another method", `{"x5t#S256":"` + jkt + `"}`, false},
		{"jkt and another method", `{"jkt":"` + jkt + `","jwk":{}}`, false},
		{"JKT", `{"JKT":"` + jkt + `"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := signToken(secret, `{"alg":"HS256"}`, `{"user_id":"u","exp":`+exp+`,"cnf":`+tt.cnf+`}`)
			c, err := verify(m, tok)
			if !tt.ok {
				checkOnly(t, err, session.ErrInvalid)
				return
			}
			if err != nil || c.KeyThumbprint != jkt {
				t.Fatalf("got %v, %v; want KeyThumbprint %q", c, err, jkt)
			}
		})
	}
	t.Run("cnf twice", func(t *testing.T) {
		cnf := `{"jkt":"` + jkt + `"}`
		_, err := verify(m, signToken(secret, `{"alg":"HS256"}`, `{"user_id":"u","exp":`+exp+`,"cnf":`+cnf+`,"cnf":`+cnf+`}`))
		checkOnly(t, err, session.ErrInvalid)
	})
	t.Run("CNF in capitals", func(t *testing.T) {
		_, err := verify(m, signToken(secret, `{"alg":"HS256"}`, `{"user_id":"u","exp":`+exp+`,"CNF":{"jkt":"`+jkt+`"}}`))
		checkOnly(t, err, session.ErrInvalid)
	})
}
