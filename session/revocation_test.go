package session_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// This file holds the regression tests of the revocation invariants (see
// the package documentation): each names the interleaving it pins down.

// TestRevokeUserNotLaunderedByRenewal: renewal keeps auth_time, and
// RevokeUser compares it, so no renewal, before or after the revocation,
// in the same second or not, yields a token of an old session that
// escapes it.
func TestRevokeUserNotLaunderedByRenewal(t *testing.T) {
	ctx := context.Background()
	t.Run("renewed in the cutoff second, before the revocation", func(t *testing.T) {
		clock := newClock(t0.Add(200 * time.Millisecond))
		m := newManager(t, newSecret(t), clock, session.Options{})
		first := issue(t, m, "u", nil)
		clock.Advance(200 * time.Millisecond)
		renewed, err := m.Refresh(ctx, first.Value)
		if err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		clock.Advance(200 * time.Millisecond)
		if err := m.RevokeUser(ctx, "u"); err != nil {
			t.Fatalf("RevokeUser: %v", err)
		}
		for name, tok := range map[string]string{"first": first.Value, "renewed": renewed.Value} {
			t.Run(name, func(t *testing.T) {
				_, err := verify(m, tok)
				checkOnly(t, err, session.ErrRevoked)
			})
		}
	})
	t.Run("verify, then RevokeUser, then renew the verified claims", func(t *testing.T) {
		clock := newClock(t0)
		m := newManager(t, newSecret(t), clock, session.Options{})
		tok := issue(t, m, "u", nil)
		clock.Advance(25 * time.Minute)
		c := mustVerify(t, m, tok.Value)
		if err := m.RevokeUser(ctx, "u"); err != nil {
			t.Fatalf("RevokeUser: %v", err)
		}
		next, err := m.Renew(ctx, c)
		checkOnly(t, err, session.ErrRevoked)
		if next != nil {
			t.Fatalf("Renew after RevokeUser: got a token, want none")
		}
	})
	t.Run("renewed after the revocation by a racing request", func(t *testing.T) {
		// A Renew that checked the store just before the revocation
		// signs a token of the session; it is covered all the same.
		clock := newClock(t0)
		store := session.NewMemoryStore(session.MemoryStoreOptions{Clock: clock.Now})
		gate := &gateStore{Store: store}
		m := newManager(t, newSecret(t), clock, session.Options{Store: gate})
		tok := issue(t, m, "u", nil)
		clock.Advance(25 * time.Minute)
		c := mustVerify(t, m, tok.Value)
		gate.afterCheck = func() {
			if err := m.RevokeUser(ctx, "u"); err != nil {
				t.Errorf("RevokeUser: %v", err)
			}
		}
		next, err := m.Renew(ctx, c)
		if err != nil {
			t.Fatalf("Renew racing RevokeUser: %v", err)
		}
		gate.afterCheck = nil
		_, err = verify(m, next.Value)
		checkOnly(t, err, session.ErrRevoked)
		_, err = m.Refresh(ctx, next.Value)
		checkOnly(t, err, session.ErrRevoked)
	})
	t.Run("renewed by an instance whose clock runs ahead, racing the revocation", func(t *testing.T) {
		// Instance a's clock is 2 s ahead of b's: the successor a signs
		// carries an iat after b's cutoff, but the session's auth_time.
		secret := newSecret(t)
		clockB := newClock(t0)
		clockA := newClock(t0.Add(2 * time.Second))
		store := session.NewMemoryStore(session.MemoryStoreOptions{Clock: clockB.Now})
		gate := &gateStore{Store: store}
		a := newManager(t, secret, clockA, session.Options{Store: gate, Leeway: 5 * time.Second})
		b := newManager(t, secret, clockB, session.Options{Store: store, Leeway: 5 * time.Second})
		tok := issue(t, b, "u", nil)
		clockA.Advance(25 * time.Minute)
		clockB.Advance(25 * time.Minute)
		c := mustVerify(t, a, tok.Value)
		gate.afterCheck = func() {
			if err := b.RevokeUser(ctx, "u"); err != nil {
				t.Errorf("RevokeUser: %v", err)
			}
		}
		next, err := a.Renew(ctx, c)
		gate.afterCheck = nil
		if err != nil {
			t.Fatalf("Renew racing RevokeUser: %v", err)
		}
		if !next.Claims.IssuedAt.After(clockB.Now()) {
			t.Fatalf("successor iat %v is not after the cutoff %v; the test does not test", next.Claims.IssuedAt, clockB.Now())
		}
		for name, m := range map[string]*session.Manager{"on a": a, "on b": b} {
			t.Run(name, func(t *testing.T) {
				_, err := verify(m, next.Value)
				checkOnly(t, err, session.ErrRevoked)
			})
		}
	})
	t.Run("a stolen token polled inside the renewal window", func(t *testing.T) {
		clock := newClock(t0)
		m := newManager(t, newSecret(t), clock, session.Options{})
		cur := issue(t, m, "u", nil).Value
		clock.Advance(21 * time.Minute)
		for i := range 40 {
			next, err := m.Refresh(ctx, cur)
			if i == 20 {
				if err := m.RevokeUser(ctx, "u"); err != nil {
					t.Fatalf("RevokeUser: %v", err)
				}
			}
			if i > 20 {
				checkOnly(t, err, session.ErrRevoked)
				continue
			}
			if err != nil {
				t.Fatalf("poll %d: %v", i, err)
			}
			cur = next.Value
			clock.Advance(137 * time.Millisecond)
		}
	})
}

// gateStore runs afterCheck right after each Revoked check.
type gateStore struct {
	session.Store
	afterCheck func()
}

func (s *gateStore) Revoked(ctx context.Context, c *session.Claims) (bool, error) {
	revoked, err := s.Store.Revoked(ctx, c)
	if s.afterCheck != nil {
		s.afterCheck()
	}
	return revoked, err
}

// TestRenewAfterLogout: a handler's logout while the request is served
// is never undone by the renewal at its end, and a remembered successor
// is not handed out after it.
func TestRenewAfterLogout(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	m := newManager(t, newSecret(t), clock, session.Options{})
	tok := issue(t, m, "u", nil)
	clock.Advance(25 * time.Minute)
	c := mustVerify(t, m, tok.Value)
	if _, err := m.Renew(ctx, c); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if err := m.Revoke(ctx, c); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	next, err := m.Renew(ctx, c)
	checkOnly(t, err, session.ErrRevoked)
	if next != nil {
		t.Fatalf("Renew after Revoke: got the remembered successor, want none")
	}
}

// TestRenewSignsOncePerToken: within 30 seconds, renewing one token again
// returns the same successor; after that, or for another token, a new one.
func TestRenewSignsOncePerToken(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	m := newManager(t, newSecret(t), clock, session.Options{})
	tok := issue(t, m, "u", nil)
	clock.Advance(25 * time.Minute)
	c := mustVerify(t, m, tok.Value)
	first, err := m.Renew(ctx, c)
	if err != nil {
		t.Fatalf("Renew: %v", err)
	}
	clock.Advance(29 * time.Second)
	again, err := m.Refresh(ctx, tok.Value)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if again.Value != first.Value {
		t.Fatalf("second renewal within 30 s: got a new token, want the first successor")
	}
	again.Claims.UserID = "mallory"
	if third, _ := m.Renew(ctx, c); third == nil || third.Claims.UserID != "u" {
		t.Fatalf("a caller's change to a successor's claims reached another caller")
	}
	clock.Advance(time.Second)
	later, err := m.Renew(ctx, c)
	if err != nil {
		t.Fatalf("Renew after 30 s: %v", err)
	}
	if later.Value == first.Value || !later.Claims.ExpiresAt.After(first.Claims.ExpiresAt) {
		t.Fatalf("renewal after 30 s: got the old successor, want a new, later one")
	}
	other, err := m.Refresh(ctx, first.Value)
	if err != nil {
		t.Fatalf("Refresh of the successor: %v", err)
	}
	if other.Value == later.Value {
		t.Fatalf("renewals of two tokens: got the same successor, want one each")
	}
}

// TestRenewVerifyOnly: a Manager without a signing key says so and
// refuses to renew.
func TestRenewVerifyOnly(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	clock := newClock(t0)
	issuer, err := session.New(mustKey(t, key, "ES256", ""), session.Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := session.New(mustKey(t, &key.PublicKey, "ES256", ""), session.Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if !issuer.CanSign() || verifier.CanSign() {
		t.Fatalf("CanSign: got issuer %v, verifier %v; want true, false", issuer.CanSign(), verifier.CanSign())
	}
	tok := issue(t, issuer, "u", nil)
	clock.Advance(25 * time.Minute)
	c := mustVerify(t, verifier, tok.Value)
	if verifier.ShouldRenew(c) {
		t.Errorf("ShouldRenew on a verify-only Manager: got true, want false")
	}
	if _, err := verifier.Renew(context.Background(), c); err == nil {
		t.Errorf("Renew on a verify-only Manager: got a token, want an error")
	}
}

// cancelStore answers as a networked store does when the check's context
// is done: unavailable, wrapping the context's error.
type cancelStore struct{ session.Store }

func (s cancelStore) Revoked(ctx context.Context, c *session.Claims) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("test store: %w: %w", session.ErrStoreUnavailable, err)
	}
	return s.Store.Revoked(ctx, c)
}

// TestFailOpenCancelledRequest: under FailOpen, a client that cancels its
// own request does not turn the check of a revoked token into "not
// revoked".
func TestFailOpenCancelledRequest(t *testing.T) {
	clock := newClock(t0)
	inner := cancelStore{session.NewMemoryStore(session.MemoryStoreOptions{Clock: clock.Now})}
	var outages int
	store, err := session.FailOpen(inner, func(context.Context, error) { outages++ })
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, newSecret(t), clock, session.Options{Store: store})
	tok := issue(t, m, "u", nil)
	if err := m.Revoke(context.Background(), tok.Claims); err != nil {
		t.Fatal(err)
	}
	for name, ctx := range map[string]context.Context{"cancelled": cancelled(), "deadline passed": expired()} {
		t.Run(name, func(t *testing.T) {
			c, err := m.Verify(ctx, tok.Value)
			checkOnly(t, err, session.ErrUnavailable)
			if c != nil {
				t.Fatalf("Verify of a revoked token with a %s context: got claims, want an error", name)
			}
		})
	}
	if outages != 0 {
		t.Errorf("got %d outages reported, want none: the store was up", outages)
	}
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func expired() context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(1, 0))
	_ = cancel // expired at once; nothing to release later
	return ctx
}

// TestRevocationOutlivesTokens: a revocation record lasts as long as any
// token it covers can verify, for tokens of other issuers too: tokens
// that would outlive it are refused.
func TestRevocationOutlivesTokens(t *testing.T) {
	ctx := context.Background()
	const life = time.Hour
	secret := newSecret(t)
	foreign := func(iat, exp time.Time) string {
		p := `{"user_id":"u","exp":` + unix(exp)
		if !iat.IsZero() {
			p += `,"iat":` + unix(iat)
		}
		return signToken(secret, hs256Header, p+`}`)
	}
	tests := []struct {
		name   string
		token  func(now time.Time) string
		revoke func(m *session.Manager, c *session.Claims) error
	}{
		{"RevokeUser, iat, the longest lifetime", func(now time.Time) string { return foreign(now, now.Add(life)) },
			func(m *session.Manager, c *session.Claims) error { return m.RevokeUser(ctx, c.UserID) }},
		{"RevokeUser, no iat, the longest time left", func(now time.Time) string { return foreign(time.Time{}, now.Add(life)) },
			func(m *session.Manager, c *session.Claims) error { return m.RevokeUser(ctx, c.UserID) }},
		{"Revoke, no sid, the longest lifetime", func(now time.Time) string { return foreign(now, now.Add(life)) },
			func(m *session.Manager, c *session.Claims) error { return m.Revoke(ctx, c) }},
		{"Revoke, a session whose auth_time is older than the maximum lifetime", func(now time.Time) string {
			return signToken(secret, hs256Header, `{"user_id":"u","sid":"s","auth_time":`+unix(now.Add(-72*time.Hour))+`,"iat":`+unix(now)+`,"exp":`+unix(now.Add(life))+`}`)
		}, func(m *session.Manager, c *session.Claims) error { return m.Revoke(ctx, c) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			m := newManager(t, secret, clock, session.Options{TTL: 10 * time.Minute, MaxLifetime: life})
			tok := tt.token(t0)
			c := mustVerify(t, m, tok)
			if err := tt.revoke(m, c); err != nil {
				t.Fatal(err)
			}
			for _, at := range []time.Duration{time.Second, life / 2, life - time.Second} {
				clock.Set(t0.Add(at))
				_, err := verify(m, tok)
				checkOnly(t, err, session.ErrRevoked)
			}
		})
	}
	t.Run("tokens that would outlive a revocation are refused", func(t *testing.T) {
		m := newManager(t, secret, newClock(t0), session.Options{TTL: 10 * time.Minute, MaxLifetime: life})
		for name, tok := range map[string]string{
			"lifetime over the maximum":     foreign(t0, t0.Add(life+time.Second)),
			"no iat, over the maximum left": foreign(time.Time{}, t0.Add(life+time.Second)),
		} {
			t.Run(name, func(t *testing.T) {
				_, err := verify(m, tok)
				checkOnly(t, err, session.ErrInvalid)
			})
		}
	})
}

// TestMemoryStoreOneUserCannotFillIt: a user who logs in and out in a loop
// never makes another user's logout fail; the looping user ends up
// logged out everywhere, and no revocation is lost.
func TestMemoryStoreOneUserCannotFillIt(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	store := session.NewMemoryStore(session.MemoryStoreOptions{MaxEntries: 50, Clock: clock.Now})
	m := newManager(t, newSecret(t), clock, session.Options{Store: store})
	victim := issue(t, m, "victim", nil)
	var looped []*session.Token
	for i := range 500 {
		tok := issue(t, m, "mallory", nil)
		if err := m.Revoke(ctx, tok.Claims); err != nil {
			t.Fatalf("logout %d of mallory: %v", i, err)
		}
		looped = append(looped, tok)
		clock.Advance(10 * time.Millisecond)
	}
	if n := session.StoreLen(store); n > 50 {
		t.Fatalf("Len: got %d, want at most the bound 50", n)
	}
	for i, tok := range looped {
		if _, err := verify(m, tok.Value); !errors.Is(err, session.ErrRevoked) {
			t.Fatalf("mallory's session %d: got %v, want ErrRevoked", i, err)
		}
	}
	c := mustVerify(t, m, victim.Value)
	if err := m.Revoke(ctx, c); err != nil {
		t.Fatalf("the victim's logout: %v", err)
	}
	_, err := verify(m, victim.Value)
	checkOnly(t, err, session.ErrRevoked)

	t.Run("full of one record per user", func(t *testing.T) {
		s := session.NewMemoryStore(session.MemoryStoreOptions{MaxEntries: 3, Clock: clock.Now})
		until := clock.Now().Add(time.Hour)
		for i := range 3 {
			if err := s.Revoke(ctx, fmt.Sprintf("sid:%d", i), fmt.Sprint("user", i), until); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Revoke(ctx, "sid:x", "user-x", until); !errors.Is(err, session.ErrStoreFull) {
			t.Fatalf("Revoke into a store of single records: got %v, want ErrStoreFull", err)
		}
	})
}

// TestClaimsImmutable: callers cannot change claims other callers see,
// through the verified-token cache or shared slices.
func TestClaimsImmutable(t *testing.T) {
	clock := newClock(t0)
	m := newManager(t, newSecret(t), clock, session.Options{VerifiedTokenCache: 16, Audience: []string{"api"}})
	tok := issue(t, m, "u", map[string]any{"role": "admin"})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c := mustVerify(t, m, tok.Value)
			c.UserID = "mallory"
			aud := c.Audience()
			aud[0] = "evil"
		})
	}
	wg.Wait()
	c := mustVerify(t, m, tok.Value)
	role, _ := c.Claim("role")
	if c.UserID != "u" || strings.Join(c.Audience(), ",") != "api" || role != `"admin"` {
		t.Fatalf("got user %q aud %q role %s after callers changed their copies, want u [api] \"admin\"", c.UserID, c.Audience(), role)
	}
}
