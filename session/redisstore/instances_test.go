package redisstore_test

import (
	"context"
	"errors"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// instance is one server instance: its own client, store and manager,
// sharing the secret, the Redis and the key prefix with the others.
func instance(t *testing.T, addr, prefix string, secret []byte, clock *testkit.Clock) *session.Manager {
	t.Helper()
	store := newStore(t, newClient(t, addr), redisstore.Options{Prefix: prefix, Clock: clock.Now})
	m, err := session.New(session.HS256(secret), session.Options{Store: store, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTwoInstances logs out on one instance and checks the other: the
// token and every token renewed from its session are rejected there, and
// "log out everywhere" holds across instances too.
func TestTwoInstances(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Options{})
	prefix, secret := uniquePrefix(t), newSecret(t)
	clock := testkit.NewClock(time.Now().Truncate(time.Second))
	a := instance(t, srv.Addr, prefix, secret, clock)
	b := instance(t, srv.Addr, prefix, secret, clock)

	verify := func(m *session.Manager, name, token string, want error) {
		t.Helper()
		_, err := m.Verify(ctx, token)
		switch {
		case want == nil && err != nil:
			t.Errorf("%s: got %v, want it valid", name, err)
		case want != nil && !errors.Is(err, want):
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
	}

	// eventually is verify on another instance than the one that
	// revoked: it waits, at most 2 s and 200 checks, for Redis's
	// invalidation of its cached answer.
	eventually := func(m *session.Manager, name, token string) {
		t.Helper()
		start := time.Now()
		for i := 0; ; i++ {
			_, err := m.Verify(ctx, token)
			if errors.Is(err, session.ErrRevoked) {
				return
			}
			if i >= 200 || time.Since(start) > 2*time.Second {
				t.Errorf("%s: got %v after %v, want %v", name, err, time.Since(start), session.ErrRevoked)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	first, err := a.Issue(ctx, "123", nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.Issue(ctx, "123", nil) // the same user's other session
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(21 * time.Minute)
	renewedOnB, err := b.Refresh(ctx, first.Value)
	if err != nil {
		t.Fatalf("Refresh on B: %v", err)
	}
	clock.Advance(time.Second)
	renewedOnA, err := a.Refresh(ctx, renewedOnB.Value)
	if err != nil {
		t.Fatalf("Refresh on A: %v", err)
	}
	for _, m := range []*session.Manager{a, b} {
		verify(m, "renewed on A, before logout", renewedOnA.Value, nil)
	}

	// Log out on A with the token B renewed.
	c, err := a.Verify(ctx, renewedOnB.Value)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(ctx, c); err != nil {
		t.Fatalf("Revoke on A: %v", err)
	}
	verify(a, "A: first token", first.Value, session.ErrRevoked)
	verify(a, "A: renewed on B", renewedOnB.Value, session.ErrRevoked)
	verify(a, "A: renewed on A", renewedOnA.Value, session.ErrRevoked)
	eventually(b, "B: first token", first.Value)
	eventually(b, "B: renewed on B", renewedOnB.Value)
	eventually(b, "B: renewed on A", renewedOnA.Value)
	for name, m := range map[string]*session.Manager{"A": a, "B": b} {
		verify(m, name+": the other session", other.Value, nil)
	}
	if _, err := b.Refresh(ctx, renewedOnA.Value); !errors.Is(err, session.ErrRevoked) {
		t.Errorf("Refresh on B after logout on A: got %v, want ErrRevoked", err)
	}

	// Log out everywhere on B.
	if err := b.RevokeUser(ctx, "123"); err != nil {
		t.Fatalf("RevokeUser on B: %v", err)
	}
	verify(b, "B: the other session after logout everywhere", other.Value, session.ErrRevoked)
	eventually(a, "A: the other session after logout everywhere", other.Value)
	clock.Advance(time.Second)
	fresh, err := a.Issue(ctx, "123", nil) // a new login afterwards
	if err != nil {
		t.Fatal(err)
	}
	verify(b, "B: a login after logout everywhere", fresh.Value, nil)
	verify(b, "B: another user", mustIssue(t, a, "456"), nil)
}

func mustIssue(t *testing.T, m *session.Manager, userID string) string {
	t.Helper()
	tok, err := m.Issue(context.Background(), userID, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Value
}

// TestManagerWhileRedisIsDown checks the manager's errors: verification
// fails closed with ErrUnavailable, and a logout that could not be
// recorded says so.
func TestManagerWhileRedisIsDown(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Options{})
	clock := testkit.NewClock(time.Now().Truncate(time.Second))
	m := instance(t, srv.Addr, uniquePrefix(t), newSecret(t), clock)
	tok, err := m.Issue(ctx, "123", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Verify(ctx, tok.Value)
	if err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	// Until the client sees the connection closed, the cached answer of
	// a moment ago may still be served; then checks fail closed.
	start := time.Now()
	for i := 0; ; i++ {
		_, err := m.Verify(ctx, tok.Value)
		if errors.Is(err, session.ErrUnavailable) {
			break
		}
		if i >= 1000 || time.Since(start) > time.Second {
			t.Fatalf("Verify %v after Redis stopped: got %v, want ErrUnavailable", time.Since(start), err)
		}
		time.Sleep(time.Millisecond)
	}
	tests := []struct {
		name string
		do   func() error
	}{
		{"Verify", func() error { _, err := m.Verify(ctx, tok.Value); return err }},
		{"Refresh", func() error { _, err := m.Refresh(ctx, tok.Value); return err }},
		{"Revoke", func() error { return m.Revoke(ctx, c) }},
		{"RevokeSession", func() error { return m.RevokeSession(ctx, c.SessionID) }},
		{"RevokeUser", func() error { return m.RevokeUser(ctx, "123") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, session.ErrUnavailable) {
				t.Fatalf("got %v, want ErrUnavailable", err)
			}
		})
	}

	srv.Restart()
	waitFor(t, func() error { _, err := m.Verify(ctx, tok.Value); return err })
	if err := m.Revoke(ctx, c); err != nil {
		t.Fatalf("Revoke after restart: %v", err)
	}
	if _, err := m.Verify(ctx, tok.Value); !errors.Is(err, session.ErrRevoked) {
		t.Fatalf("Verify after logout: got %v, want ErrRevoked", err)
	}
}
