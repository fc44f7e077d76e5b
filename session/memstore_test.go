package session_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) session.Store {
		return session.NewMemoryStore(session.MemoryStoreOptions{Clock: now})
	})
}

// Flags of the model-based test: a long run, or the replay of a failure.
var (
	modelOps  = flag.Int("model.ops", 5000, "operations of each run of TestMemoryStoreModel")
	modelSeed = flag.Uint64("model.seed", 0, "seed of TestMemoryStoreModel; 0 takes one from the time")
)

// TestMemoryStoreModel checks the session life cycle and the revocation
// invariants on the memory store against the reference model of
// storetest.RunModel. A long run: go test ./session -run Model -model.ops 1000000
func TestMemoryStoreModel(t *testing.T) {
	storetest.RunModel(t, func(t *testing.T, now func() time.Time) session.Store {
		return session.NewMemoryStore(session.MemoryStoreOptions{Clock: now})
	}, storetest.ModelOptions{Ops: *modelOps, Seed: *modelSeed})
}

// sidClaims returns claims of a token of session sid.
func sidClaims(sid string) *session.Claims {
	return &session.Claims{UserID: "u-" + sid, SessionID: sid, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
}

func newStore(clock *testClock, max int) *session.MemoryStore {
	return session.NewMemoryStore(session.MemoryStoreOptions{MaxEntries: max, Clock: clock.Now})
}

func revoked(t *testing.T, s session.Store, c *session.Claims) bool {
	t.Helper()
	ok, err := s.Revoked(context.Background(), c)
	if err != nil {
		t.Fatalf("Revoked: %v", err)
	}
	return ok
}

func TestMemoryStoreConcurrent(t *testing.T) {
	const workers, iterations = 8, 200
	ctx := context.Background()
	clock := newClock(t0)
	s := newStore(clock, 0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := &session.Claims{UserID: fmt.Sprintf("user-%d", w), IssuedAt: t0}
			for i := range iterations {
				c := sidClaims(fmt.Sprintf("w%d-%d", w, i))
				if err := s.Revoke(ctx, c.RevocationKey(), "", t0.Add(time.Hour)); err != nil {
					t.Errorf("Revoke: %v", err)
					return
				}
				if ok, err := s.Revoked(ctx, c); !ok || err != nil {
					t.Errorf("Revoked(own write %s): got (%v, %v), want (true, nil)", c.SessionID, ok, err)
					return
				}
				// Read what another worker may be writing.
				other := sidClaims(fmt.Sprintf("w%d-%d", (w+1)%workers, i))
				if _, err := s.Revoked(ctx, other); err != nil {
					t.Errorf("Revoked: %v", err)
					return
				}
				if i%50 == 0 {
					if err := s.RevokeUser(ctx, user.UserID, t0.Add(time.Second), t0.Add(time.Hour)); err != nil {
						t.Errorf("RevokeUser: %v", err)
						return
					}
					if ok, _ := s.Revoked(ctx, user); !ok {
						t.Errorf("Revoked(%s): got false after RevokeUser, want true", user.UserID)
						return
					}
				}
				_ = session.StoreLen(s)
				if w == 0 {
					clock.Advance(time.Second) // lets writes sweep while others read
				}
			}
		}()
	}
	wg.Wait()
	if got, want := session.StoreLen(s), workers*iterations+workers; got != want {
		t.Fatalf("Len: got %d, want %d", got, want)
	}
	for w := range workers {
		for i := range iterations {
			if c := sidClaims(fmt.Sprintf("w%d-%d", w, i)); !revoked(t, s, c) {
				t.Fatalf("session %s: got not revoked, want revoked", c.SessionID)
			}
		}
	}
}

func TestMemoryStoreBound(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	s := newStore(clock, 3)
	a, b := sidClaims("a"), sidClaims("b")
	u := &session.Claims{UserID: "u", IssuedAt: t0.Add(-time.Minute)}

	steps := []struct {
		name string
		at   time.Time
		do   func() error
		want error
		len  int
	}{
		{name: "a until +1m", at: t0, do: func() error { return s.Revoke(ctx, a.RevocationKey(), "", t0.Add(time.Minute)) }, len: 1},
		{name: "b until +2m", at: t0, do: func() error { return s.Revoke(ctx, b.RevocationKey(), "", t0.Add(2*time.Minute)) }, len: 2},
		{name: "user until +3m", at: t0, do: func() error { return s.RevokeUser(ctx, "u", t0, t0.Add(3*time.Minute)) }, len: 3},
		{name: "fourth key refused", at: t0, do: func() error { return s.Revoke(ctx, "sid:c", "", t0.Add(time.Minute)) }, want: session.ErrStoreFull, len: 3},
		{name: "fourth user refused", at: t0, do: func() error { return s.RevokeUser(ctx, "v", t0, t0.Add(time.Minute)) }, want: session.ErrStoreFull, len: 3},
		{name: "existing key again", at: t0, do: func() error { return s.Revoke(ctx, a.RevocationKey(), "", t0.Add(time.Minute)) }, len: 3},
		{name: "existing user again", at: t0, do: func() error { return s.RevokeUser(ctx, "u", t0, t0.Add(3*time.Minute)) }, len: 3},
		{name: "still full just before a's until", at: t0.Add(time.Minute - time.Nanosecond), do: func() error { return s.Revoke(ctx, "sid:c", "", t0.Add(time.Hour)) }, want: session.ErrStoreFull, len: 3},
		{name: "room once a's until has passed", at: t0.Add(time.Minute), do: func() error { return s.Revoke(ctx, "sid:c", "", t0.Add(time.Hour)) }, len: 3},
		{name: "full again", at: t0.Add(time.Minute), do: func() error { return s.Revoke(ctx, "sid:d", "", t0.Add(time.Hour)) }, want: session.ErrStoreFull, len: 3},
		{name: "room for two after b and the user", at: t0.Add(3 * time.Minute), do: func() error { return s.Revoke(ctx, "sid:d", "", t0.Add(time.Hour)) }, len: 2},
	}
	for i, st := range steps {
		clock.Set(st.at)
		err := st.do()
		if !errors.Is(err, st.want) {
			t.Fatalf("%s: got error %v, want %v", st.name, err, st.want)
		}
		if got := session.StoreLen(s); got != st.len {
			t.Fatalf("%s: Len got %d, want %d", st.name, got, st.len)
		}
		if i < 2 {
			continue // a, b and u are not all recorded yet
		}
		// A full store never drops a live revocation to make room.
		now := clock.Now()
		for _, c := range []struct {
			claims *session.Claims
			until  time.Time
		}{{a, t0.Add(time.Minute)}, {b, t0.Add(2 * time.Minute)}, {u, t0.Add(3 * time.Minute)}} {
			if got, want := revoked(t, s, c.claims), now.Before(c.until); got != want {
				t.Fatalf("%s: Revoked(%+v) got %v, want %v", st.name, c.claims, got, want)
			}
		}
	}
}

func TestMemoryStoreFullThroughManager(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	m := newManager(t, newSecret(t), clock, session.Options{Store: newStore(clock, 1)})
	a := issue(t, m, "u", nil)
	b := issue(t, m, "u", nil)
	if err := m.Revoke(ctx, a.Claims); err != nil {
		t.Fatalf("Revoke(a): %v", err)
	}
	if err := m.Revoke(ctx, b.Claims); !errors.Is(err, session.ErrStoreFull) {
		t.Fatalf("Revoke(b): got %v, want ErrStoreFull", err)
	}
	_, err := verify(m, a.Value)
	checkOnly(t, err, session.ErrRevoked)
	// The failed revocation is reported, not pretended: b still verifies.
	mustVerify(t, m, b.Value)
}

func TestMemoryStoreForgets(t *testing.T) {
	ctx := context.Background()
	until := t0.Add(10 * time.Second)
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{name: "well before until", at: t0, want: true},
		{name: "1ns before until", at: until.Add(-time.Nanosecond), want: true},
		{name: "at until", at: until, want: false},
		{name: "after until", at: until.Add(time.Hour), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			s := newStore(clock, 0)
			c := sidClaims("s")
			if err := s.Revoke(ctx, c.RevocationKey(), "", until); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			if err := s.RevokeUser(ctx, "user", t0.Add(time.Second), until); err != nil {
				t.Fatalf("RevokeUser: %v", err)
			}
			clock.Set(tt.at)
			if got := revoked(t, s, c); got != tt.want {
				t.Errorf("session record: got revoked=%v, want %v", got, tt.want)
			}
			if got := revoked(t, s, &session.Claims{UserID: "user", IssuedAt: t0}); got != tt.want {
				t.Errorf("user record: got revoked=%v, want %v", got, tt.want)
			}
		})
	}

	t.Run("expired records leave the store", func(t *testing.T) {
		clock := newClock(t0)
		s := newStore(clock, 0)
		for i := range 10 {
			if err := s.Revoke(ctx, fmt.Sprintf("sid:%d", i), "", until); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
		}
		if err := s.RevokeUser(ctx, "user", t0, until); err != nil {
			t.Fatalf("RevokeUser: %v", err)
		}
		if got := session.StoreLen(s); got != 11 {
			t.Fatalf("Len: got %d, want 11", got)
		}
		clock.Set(until.Add(time.Hour))
		if err := s.Revoke(ctx, "sid:new", "", until.Add(2*time.Hour)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if got := session.StoreLen(s); got != 1 {
			t.Fatalf("Len after the records' until: got %d, want 1", got)
		}
	})
}

func TestMemoryStoreLen(t *testing.T) {
	ctx := context.Background()
	s := newStore(newClock(t0), 0)
	later := t0.Add(time.Hour)
	steps := []struct {
		name string
		do   func() error
		want int
	}{
		{name: "empty", do: func() error { return nil }, want: 0},
		{name: "one key", do: func() error { return s.Revoke(ctx, "sid:a", "", later) }, want: 1},
		{name: "same key", do: func() error { return s.Revoke(ctx, "sid:a", "", later.Add(time.Hour)) }, want: 1},
		{name: "another key", do: func() error { return s.Revoke(ctx, "jti:a", "", later) }, want: 2},
		{name: "one user", do: func() error { return s.RevokeUser(ctx, "a", t0, later) }, want: 3},
		{name: "same user", do: func() error { return s.RevokeUser(ctx, "a", t0.Add(time.Second), later) }, want: 3},
		{name: "user named like a key", do: func() error { return s.RevokeUser(ctx, "sid:a", t0, later) }, want: 4},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := session.StoreLen(s); got != st.want {
			t.Fatalf("%s: Len got %d, want %d", st.name, got, st.want)
		}
	}
}

func TestMemoryStoreRevokeUser(t *testing.T) {
	ctx := context.Background()
	cutoff := t0
	until := t0.Add(time.Hour)
	user := func(iat time.Time) *session.Claims {
		return &session.Claims{UserID: "u", IssuedAt: iat, ExpiresAt: until}
	}
	tests := []struct {
		name   string
		claims *session.Claims
		at     time.Time
		want   bool
	}{
		{name: "issued a second before", claims: user(cutoff.Add(-time.Second)), at: t0, want: true},
		{name: "issued long before", claims: user(cutoff.Add(-20 * time.Hour)), at: t0, want: true},
		{name: "without iat", claims: user(time.Time{}), at: t0, want: true},
		{name: "issued at the cutoff", claims: user(cutoff), at: t0, want: true},
		{name: "issued after the cutoff", claims: user(cutoff.Add(time.Second)), at: t0, want: false},
		{name: "other user", claims: &session.Claims{UserID: "v", IssuedAt: cutoff.Add(-time.Second)}, at: t0, want: false},
		{name: "user id in another case", claims: &session.Claims{UserID: "U", IssuedAt: cutoff.Add(-time.Second)}, at: t0, want: false},
		{name: "before the cutoff, at until", claims: user(cutoff.Add(-time.Second)), at: until, want: false},
		{name: "without iat, at until", claims: user(time.Time{}), at: until, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			s := newStore(clock, 0)
			if err := s.RevokeUser(ctx, "u", cutoff, until); err != nil {
				t.Fatalf("RevokeUser: %v", err)
			}
			clock.Set(tt.at)
			if got := revoked(t, s, tt.claims); got != tt.want {
				t.Fatalf("got revoked=%v, want %v", got, tt.want)
			}
		})
	}

	t.Run("a second revocation never weakens the first", func(t *testing.T) {
		clock := newClock(t0)
		s := newStore(clock, 0)
		if err := s.RevokeUser(ctx, "u", cutoff, until); err != nil {
			t.Fatalf("RevokeUser: %v", err)
		}
		// Earlier cutoff and shorter record: both ignored.
		if err := s.RevokeUser(ctx, "u", cutoff.Add(-time.Hour), t0.Add(time.Minute)); err != nil {
			t.Fatalf("RevokeUser: %v", err)
		}
		clock.Set(until.Add(-time.Second))
		if !revoked(t, s, user(cutoff.Add(-time.Second))) {
			t.Fatalf("got not revoked, want the first cutoff and until kept")
		}
		// Later cutoff and longer record: both taken.
		if err := s.RevokeUser(ctx, "u", cutoff.Add(time.Minute), until.Add(time.Hour)); err != nil {
			t.Fatalf("RevokeUser: %v", err)
		}
		clock.Set(until.Add(30 * time.Minute))
		if !revoked(t, s, user(cutoff.Add(30*time.Second))) {
			t.Fatalf("got not revoked, want the later cutoff and until taken")
		}
	})

	t.Run("a key revocation is never shortened", func(t *testing.T) {
		clock := newClock(t0)
		s := newStore(clock, 0)
		c := sidClaims("s")
		if err := s.Revoke(ctx, c.RevocationKey(), "", until); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if err := s.Revoke(ctx, c.RevocationKey(), "", t0.Add(time.Minute)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		clock.Set(until.Add(-time.Second))
		if !revoked(t, s, c) {
			t.Fatalf("got not revoked, want the longer record kept")
		}
	})
}

func TestRevocationKey(t *testing.T) {
	tests := []struct {
		name   string
		claims session.Claims
		want   string
	}{
		{name: "session", claims: session.Claims{SessionID: "s", TokenID: "j"}, want: "sid:s"},
		{name: "token id only", claims: session.Claims{TokenID: "j"}, want: "jti:j"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.claims.RevocationKey(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
