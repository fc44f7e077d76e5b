package session_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/storetest"
)

// switchStore is a MemoryStore whose backend can be taken down: while
// down, every call fails with ErrStoreUnavailable. It counts the calls of
// Revoked that reach it.
type switchStore struct {
	*session.MemoryStore
	down   atomic.Bool
	checks atomic.Int64
}

var errDown = fmt.Errorf("test store: %w: connection refused", session.ErrStoreUnavailable)

func newSwitchStore(clock *testClock) *switchStore {
	return &switchStore{MemoryStore: newStore(clock, 0)}
}

func (s *switchStore) Revoke(ctx context.Context, key, userID string, until time.Time) error {
	if s.down.Load() {
		return errDown
	}
	return s.MemoryStore.Revoke(ctx, key, userID, until)
}

func (s *switchStore) RevokeUser(ctx context.Context, userID string, at, until time.Time) error {
	if s.down.Load() {
		return errDown
	}
	return s.MemoryStore.RevokeUser(ctx, userID, at, until)
}

func (s *switchStore) Revoked(ctx context.Context, c *session.Claims) (bool, error) {
	s.checks.Add(1)
	if s.down.Load() {
		return false, errDown
	}
	return s.MemoryStore.Revoked(ctx, c)
}

func TestErrStoreUnavailable(t *testing.T) {
	err := fmt.Errorf("redisstore: revoked: %w: %w", session.ErrStoreUnavailable, errors.New("dial tcp: connection refused"))
	tests := []struct {
		target error
		want   bool
	}{
		{session.ErrStoreUnavailable, true},
		{session.ErrUnavailable, true},
		{session.ErrRevoked, false},
		{session.ErrInvalid, false},
		{session.ErrStoreFull, false},
	}
	for _, tt := range tests {
		t.Run(tt.target.Error(), func(t *testing.T) {
			if got := errors.Is(err, tt.target); got != tt.want {
				t.Fatalf("errors.Is(%v, %v): got %v, want %v", err, tt.target, got, tt.want)
			}
		})
	}
	if errors.Is(session.ErrUnavailable, session.ErrStoreUnavailable) {
		t.Error("ErrUnavailable matches ErrStoreUnavailable: want only the other way round")
	}
}

func TestFailClosedByDefault(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	store := newSwitchStore(clock)
	m := newManager(t, newSecret(t), clock, session.Options{Store: store})
	tok := issue(t, m, "u", nil)
	c := mustVerify(t, m, tok.Value)

	store.down.Store(true)
	_, err := verify(m, tok.Value)
	checkOnly(t, err, session.ErrUnavailable)
	if !errors.Is(err, session.ErrStoreUnavailable) {
		t.Errorf("Verify: got %v, want it to wrap the store's ErrStoreUnavailable", err)
	}
	for name, do := range map[string]func() error{
		"Revoke":        func() error { return m.Revoke(ctx, c) },
		"RevokeSession": func() error { return m.RevokeSession(ctx, c.SessionID) },
		"RevokeUser":    func() error { return m.RevokeUser(ctx, "u") },
	} {
		if err := do(); !errors.Is(err, session.ErrUnavailable) || !errors.Is(err, session.ErrStoreUnavailable) {
			t.Errorf("%s: got %v, want ErrUnavailable and ErrStoreUnavailable", name, err)
		}
	}
}

func TestFailOpen(t *testing.T) {
	ctx := context.Background()

	t.Run("refuses a nil store", func(t *testing.T) {
		if _, err := session.FailOpen(nil, nil); err == nil {
			t.Fatal("got no error, want one")
		}
	})

	t.Run("conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, now func() time.Time) session.Store {
			s, err := session.FailOpen(session.NewMemoryStore(session.MemoryStoreOptions{Clock: now}), nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})

	t.Run("through the manager", func(t *testing.T) {
		clock := newClock(t0)
		store := newSwitchStore(clock)
		var reported []error
		var mu sync.Mutex
		open, err := session.FailOpen(store, func(_ context.Context, err error) {
			mu.Lock()
			defer mu.Unlock()
			reported = append(reported, err)
		})
		if err != nil {
			t.Fatal(err)
		}
		m := newManager(t, newSecret(t), clock, session.Options{Store: open})
		loggedOut := issue(t, m, "u", nil)
		active := issue(t, m, "v", nil)
		if err := m.Revoke(ctx, mustVerify(t, m, loggedOut.Value)); err != nil {
			t.Fatal(err)
		}
		_, err = verify(m, loggedOut.Value)
		checkOnly(t, err, session.ErrRevoked)

		store.down.Store(true)
		mustVerify(t, m, active.Value)
		// The documented risk: a logged-out token is accepted again.
		mustVerify(t, m, loggedOut.Value)
		mu.Lock()
		if len(reported) != 2 || !errors.Is(reported[0], session.ErrStoreUnavailable) {
			t.Errorf("reported: got %v, want the two store errors", reported)
		}
		mu.Unlock()
		// A logout that cannot be recorded is still an error.
		if err := m.Revoke(ctx, mustVerify(t, m, active.Value)); !errors.Is(err, session.ErrStoreUnavailable) {
			t.Errorf("Revoke while down: got %v, want ErrStoreUnavailable", err)
		}
		if err := m.RevokeUser(ctx, "v"); !errors.Is(err, session.ErrStoreUnavailable) {
			t.Errorf("RevokeUser while down: got %v, want ErrStoreUnavailable", err)
		}

		store.down.Store(false)
		_, err = verify(m, loggedOut.Value)
		checkOnly(t, err, session.ErrRevoked)
	})

	t.Run("other errors still fail closed", func(t *testing.T) {
		refused := errors.New("test store: WRONGTYPE")
		open, err := session.FailOpen(failingStore{refused}, func(context.Context, error) {
			t.Error("onUnavailable called for an error that is not an outage")
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := open.Revoked(ctx, sidClaims("s")); !errors.Is(err, refused) {
			t.Fatalf("got %v, want the store's error", err)
		}
	})
}

func TestMemoryStoreRevokedAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(newClock(t0), 0)
	if err := s.Revoke(ctx, "sid:other", "", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUser(ctx, "u-s", t0.Add(-time.Hour), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c := sidClaims("s")
	allocs := testing.AllocsPerRun(100, func() { s.Revoked(ctx, c) })
	if allocs != 0 {
		t.Fatalf("got %v allocations per check, want 0", allocs)
	}
}
