package session_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

func TestCacheNotRevokedOptions(t *testing.T) {
	mem := session.NewMemoryStore(session.MemoryStoreOptions{})
	tests := []struct {
		name    string
		store   session.Store
		opts    session.CacheOptions
		wantErr string
	}{
		{name: "nil store", opts: session.CacheOptions{MaxAge: time.Second}, wantErr: "got nil"},
		{name: "no max age", store: mem, wantErr: "max age"},
		{name: "negative max age", store: mem, opts: session.CacheOptions{MaxAge: -time.Second}, wantErr: "max age"},
		{name: "max age over the cap", store: mem, opts: session.CacheOptions{MaxAge: maxCacheAge + time.Nanosecond}, wantErr: "max age"},
		{name: "negative entries", store: mem, opts: session.CacheOptions{MaxAge: time.Second, MaxEntries: -1}, wantErr: "entries"},
		{name: "max age at the cap", store: mem, opts: session.CacheOptions{MaxAge: maxCacheAge}},
		{name: "all set", store: mem, opts: session.CacheOptions{MaxAge: time.Second, MaxEntries: 10, Clock: time.Now}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := session.CacheNotRevoked(tt.store, tt.opts)
			switch {
			case tt.wantErr == "" && (err != nil || s == nil):
				t.Fatalf("got (%v, %v), want a store", s, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got error %v, want one about %q", err, tt.wantErr)
			}
		})
	}
}

func newCache(t *testing.T, inner session.Store, clock *testClock, maxAge time.Duration, entries int) session.Store {
	t.Helper()
	s, err := session.CacheNotRevoked(inner, session.CacheOptions{MaxAge: maxAge, MaxEntries: entries, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCacheNotRevoked(t *testing.T) {
	ctx := context.Background()
	const maxAge = 5 * time.Second

	t.Run("conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, now func() time.Time) session.Store {
			s, err := session.CacheNotRevoked(session.NewMemoryStore(session.MemoryStoreOptions{Clock: now}), session.CacheOptions{MaxAge: maxAge, Clock: now})
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})

	t.Run("a revocation elsewhere takes effect within MaxAge", func(t *testing.T) {
		clock := newClock(t0)
		shared := newSwitchStore(clock) // the backend of both instances
		cache := newCache(t, shared, clock, maxAge, 0)
		c := sidClaims("s")
		if revoked(t, cache, c) {
			t.Fatal("got revoked before any revocation")
		}
		// Another instance logs the session out, straight in the backend.
		clock.Advance(time.Second)
		if err := shared.Revoke(ctx, c.RevocationKey(), "", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			at         time.Time
			want       bool
			wantChecks int64
		}{
			{t0.Add(time.Second), false, 1},
			{t0.Add(maxAge - time.Nanosecond), false, 1}, // still the cached answer
			{t0.Add(maxAge), true, 2},                    // the bound
			{t0.Add(maxAge + time.Second), true, 3},      // "revoked" is never cached
		}
		for _, st := range steps {
			clock.Set(st.at)
			if got := revoked(t, cache, c); got != st.want {
				t.Errorf("at t0+%v: got revoked=%v, want %v", st.at.Sub(t0), got, st.want)
			}
			if got := shared.checks.Load(); got != st.wantChecks {
				t.Errorf("at t0+%v: backend checked %d times, want %d", st.at.Sub(t0), got, st.wantChecks)
			}
		}
	})

	t.Run("the cached answer is for that token only", func(t *testing.T) {
		clock := newClock(t0)
		shared := newSwitchStore(clock)
		cache := newCache(t, shared, clock, maxAge, 0)
		c := sidClaims("s")
		revoked(t, cache, c)
		renewed := *c
		renewed.IssuedAt = c.IssuedAt.Add(time.Minute)
		otherUser := *c
		otherUser.UserID = "someone else"
		noIAT := *c
		noIAT.IssuedAt = time.Time{}
		for _, other := range []*session.Claims{&renewed, &otherUser, &noIAT} {
			before := shared.checks.Load()
			revoked(t, cache, other)
			if shared.checks.Load() != before+1 {
				t.Errorf("%+v: answered from the cache of another token", other)
			}
		}
	})

	t.Run("local revocations take effect at once", func(t *testing.T) {
		clock := newClock(t0)
		cache := newCache(t, newSwitchStore(clock), clock, maxAge, 0)
		c, u := sidClaims("s"), &session.Claims{UserID: "u", SessionID: "t", IssuedAt: t0}
		revoked(t, cache, c)
		revoked(t, cache, u)
		clock.Advance(time.Second)
		if err := cache.Revoke(ctx, c.RevocationKey(), "", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := cache.RevokeUser(ctx, "u", t0.Add(time.Second), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if !revoked(t, cache, c) || !revoked(t, cache, u) {
			t.Fatal("got a cached \"not revoked\" after a revocation through the cache")
		}
	})

	t.Run("an answer in flight during a local revocation is not cached", func(t *testing.T) {
		clock := newClock(t0)
		inner := &blockingStore{Store: newStore(clock, 0), release: make(chan struct{}), entered: make(chan struct{})}
		cache := newCache(t, inner, clock, maxAge, 0)
		c := sidClaims("s")
		done := make(chan bool)
		go func() {
			ok, _ := cache.Revoked(ctx, c) // reads "not revoked", then waits
			done <- ok
		}()
		select {
		case <-inner.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the check did not reach the store")
		}
		if err := cache.Revoke(ctx, c.RevocationKey(), "", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		close(inner.release)
		select {
		case ok := <-done:
			if ok {
				t.Fatal("the check in flight saw the revocation: the test did not race as meant")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the check did not return")
		}
		if !revoked(t, cache, c) {
			t.Fatal("got the stale answer of the check in flight cached")
		}
	})

	t.Run("errors are not cached", func(t *testing.T) {
		clock := newClock(t0)
		shared := newSwitchStore(clock)
		cache := newCache(t, shared, clock, maxAge, 0)
		c := sidClaims("s")
		shared.down.Store(true)
		if _, err := cache.Revoked(ctx, c); !errors.Is(err, session.ErrStoreUnavailable) {
			t.Fatalf("got %v, want the store's error", err)
		}
		shared.down.Store(false)
		if err := shared.Revoke(ctx, c.RevocationKey(), "", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if !revoked(t, cache, c) {
			t.Fatal("got not revoked, want the store asked again")
		}
	})

	t.Run("bounded", func(t *testing.T) {
		clock := newClock(t0)
		shared := newSwitchStore(clock)
		cache := newCache(t, shared, clock, maxAge, 2)
		a, b, c := sidClaims("a"), sidClaims("b"), sidClaims("c")
		for _, x := range []*session.Claims{a, b, c} {
			revoked(t, cache, x)
		}
		// Three tokens, two places: one of a and b was dropped for c.
		before := shared.checks.Load()
		revoked(t, cache, c)
		revoked(t, cache, a)
		revoked(t, cache, b)
		if got := shared.checks.Load() - before; got < 1 || got > 2 {
			t.Fatalf("backend checked %d times for three tokens in a cache of two, want 1 or 2 (c cached, one of a and b dropped)", got)
		}
	})

	t.Run("a cached answer allocates nothing", func(t *testing.T) {
		clock := newClock(t0)
		cache := newCache(t, newSwitchStore(clock), clock, maxAge, 0)
		c := sidClaims("s")
		revoked(t, cache, c)
		allocs := testing.AllocsPerRun(100, func() { cache.Revoked(ctx, c) })
		if allocs != 0 {
			t.Fatalf("got %v allocations per cached check, want 0", allocs)
		}
	})
}

// blockingStore reads the answer of Revoked, then waits for release
// before returning it.
type blockingStore struct {
	session.Store
	entered chan struct{} // closed when the first check has read
	release chan struct{}
	once    sync.Once
}

func (s *blockingStore) Revoked(ctx context.Context, c *session.Claims) (bool, error) {
	ok, err := s.Store.Revoked(ctx, c)
	s.once.Do(func() { close(s.entered) })
	<-s.release
	return ok, err
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
