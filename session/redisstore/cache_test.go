package redisstore_test

import (
	"bufio"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// commands returns the number of commands the server at addr has run,
// from INFO commandstats, not counting INFO itself.
func commands(t testing.TB, addr string) int64 {
	t.Helper()
	var n int64
	for _, c := range commandCounts(t, addr) {
		n += c
	}
	return n
}

// commandCounts returns how often the server at addr has run each
// command (lower case), from INFO commandstats, not counting INFO.
func commandCounts(t testing.TB, addr string) map[string]int64 {
	t.Helper()
	info, err := redistest.Do(addr, "INFO", "commandstats")
	if err != nil {
		t.Fatalf("INFO commandstats: %v", err)
	}
	counts := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		name, stats, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_info" {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(stats, "calls="), ",")
		c, err := strconv.ParseInt(calls, 10, 64)
		if err != nil {
			t.Fatalf("INFO commandstats: line %q: %v", sc.Text(), err)
		}
		counts[strings.TrimPrefix(name, "cmdstat_")] = c
	}
	return counts
}

// fillCache runs check until a round of it sends no GET or EXEC to the
// nodes at addrs: the first checks of a store read Redis without the
// cache until each node has answered a PING, then fill the cache.
func fillCache(t *testing.T, check func(), addrs ...string) {
	t.Helper()
	reads := func() int64 {
		var n int64
		for _, addr := range addrs {
			c := commandCounts(t, addr)
			n += c["get"] + c["exec"]
		}
		return n
	}
	for i := 0; ; i++ {
		before := reads()
		check()
		if reads() == before {
			return
		}
		if i >= 100 {
			t.Fatalf("still reading Redis after %d rounds of checks", i+1)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCommandsPerCheck checks that repeated checks of the same tokens
// are answered from the process's cache: once the cache is filled, the
// only commands Redis runs are the store's PINGs (and rueidis's own),
// at most one per MaxStaleness/2 and node, which under load is far
// below 0.01 commands per check. The checks run for longer than
// MaxStaleness, so the PINGs that keep the cache trusted are counted.
func TestCommandsPerCheck(t *testing.T) {
	ctx := context.Background()
	single := redistest.Start(t, redistest.Options{})
	cluster := redistest.Start(t, redistest.Options{Cluster: true})
	const maxStale = 300 * time.Millisecond
	for _, tt := range []struct{ name, addr string }{{"single node", single.Addr}, {"cluster", cluster.Addr}} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, newClient(t, tt.addr), redisstore.Options{Prefix: uniquePrefix(t), MaxStaleness: maxStale})
			until := time.Now().Add(time.Hour)
			if err := s.Revoke(ctx, "sid:s0", "", until); err != nil {
				t.Fatal(err)
			}
			const tokens = 10
			claims := make([]*session.Claims, tokens)
			for i := range claims {
				claims[i] = &session.Claims{UserID: "u" + strconv.Itoa(i), SessionID: "s" + strconv.Itoa(i), IssuedAt: time.Now()}
			}
			check := func() {
				t.Helper()
				for i, c := range claims {
					got, err := s.Revoked(ctx, c)
					if err != nil || got != (i == 0) {
						t.Fatalf("Revoked(%s): got (%v, %v), want %v", c.SessionID, got, err, i == 0)
					}
				}
			}
			fillCache(t, check, tt.addr)

			before := commandCounts(t, tt.addr)
			start := time.Now()
			rounds := 0
			for ; rounds < 1_000_000 && time.Since(start) < 4*maxStale; rounds++ {
				check()
			}
			elapsed := time.Since(start)
			after := commandCounts(t, tt.addr)
			var n int64
			for name, c := range after {
				n += c - before[name]
			}
			pings := after["ping"] - before["ping"]
			perCheck := float64(n) / float64(tokens*rounds)
			t.Logf("%d commands (%d PINGs) for %d checks in %v: %.6f per check", n, pings, tokens*rounds, elapsed, perCheck)
			if perCheck > 0.01 {
				t.Errorf("got %.6f Redis commands per check, want at most 0.01", perCheck)
			}
			if n != pings {
				t.Errorf("got %d commands other than PING at steady state, want 0", n-pings)
			}
			if maxPings := int64(elapsed/(maxStale/2)) + 2; pings < 1 || pings > maxPings {
				t.Errorf("got %d PINGs in %v, want between 1 and %d (one per MaxStaleness/2)", pings, elapsed, maxPings)
			}
		})
	}
}

// TestReadYourWrites checks that a revocation made through a store is
// seen by its next check, although that check's answer was cached.
func TestReadYourWrites(t *testing.T) {
	ctx := context.Background()
	single := redistest.Start(t, redistest.Options{})
	cluster := redistest.Start(t, redistest.Options{Cluster: true})
	for _, tt := range []struct{ name, addr string }{{"single node", single.Addr}, {"cluster", cluster.Addr}} {
		t.Run(tt.name, func(t *testing.T) {
			clock := testkit.NewClock(time.Now().Truncate(time.Second))
			s := newStore(t, newClient(t, tt.addr), redisstore.Options{Prefix: uniquePrefix(t), Clock: clock.Now})
			until := clock.Now().Add(time.Hour)
			const rounds = 50
			for i := range rounds {
				sess := &session.Claims{UserID: "a" + strconv.Itoa(i), SessionID: "s" + strconv.Itoa(i), IssuedAt: clock.Now()}
				user := &session.Claims{UserID: "b" + strconv.Itoa(i), SessionID: "t" + strconv.Itoa(i), IssuedAt: clock.Now()}
				for _, c := range []*session.Claims{sess, user} {
					if got, err := s.Revoked(ctx, c); err != nil || got {
						t.Fatalf("round %d: before revocation: got (%v, %v), want false", i, got, err)
					}
				}
				if err := s.Revoke(ctx, sess.RevocationKey(), sess.UserID, until); err != nil {
					t.Fatal(err)
				}
				if got, err := s.Revoked(ctx, sess); err != nil || !got {
					t.Fatalf("round %d: right after Revoke: got (%v, %v), want true", i, got, err)
				}
				if err := s.RevokeUser(ctx, user.UserID, clock.Now().Add(time.Millisecond), until); err != nil {
					t.Fatal(err)
				}
				if got, err := s.Revoked(ctx, user); err != nil || !got {
					t.Fatalf("round %d: right after RevokeUser: got (%v, %v), want true", i, got, err)
				}
			}
		})
	}
}

// TestInvalidation checks that a revocation made through one store
// reaches another store's cached answer, within a bounded time.
func TestInvalidation(t *testing.T) {
	ctx := context.Background()
	single := redistest.Start(t, redistest.Options{})
	cluster := redistest.Start(t, redistest.Options{Cluster: true})
	for _, tt := range []struct{ name, addr string }{{"single node", single.Addr}, {"cluster", cluster.Addr}} {
		t.Run(tt.name, func(t *testing.T) {
			prefix := uniquePrefix(t)
			a := newStore(t, newClient(t, tt.addr), redisstore.Options{Prefix: prefix})
			b := newStore(t, newClient(t, tt.addr), redisstore.Options{Prefix: prefix})
			until := time.Now().Add(time.Hour)
			c := &session.Claims{UserID: "u", SessionID: "s", IssuedAt: time.Now()}
			if got, err := b.Revoked(ctx, c); err != nil || got {
				t.Fatalf("before: got (%v, %v), want false", got, err)
			}
			if err := a.Revoke(ctx, c.RevocationKey(), c.UserID, until); err != nil {
				t.Fatal(err)
			}
			waitRevoked(t, b, c)
			// And a user revocation of a token b has cached as valid.
			d := &session.Claims{UserID: "v", SessionID: "t", IssuedAt: time.Now().Add(-time.Second)}
			if got, err := b.Revoked(ctx, d); err != nil || got {
				t.Fatalf("before: got (%v, %v), want false", got, err)
			}
			if err := a.RevokeUser(ctx, d.UserID, time.Now(), until); err != nil {
				t.Fatal(err)
			}
			waitRevoked(t, b, d)
		})
	}
}

// waitRevoked waits, at most 2 s and 2000 checks, until s reports c
// revoked.
func waitRevoked(t *testing.T, s *redisstore.Store, c *session.Claims) {
	t.Helper()
	start := time.Now()
	for i := 0; ; i++ {
		got, err := s.Revoked(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if got {
			t.Logf("revocation seen after %v", time.Since(start))
			return
		}
		if i >= 2000 || time.Since(start) > 2*time.Second {
			t.Fatalf("still not revoked after %d checks in %v", i+1, time.Since(start))
		}
		time.Sleep(time.Millisecond)
	}
}

// TestConnectionLoss stops the server under a store whose cache holds a
// revoked and a valid token: a revoked token is never reported valid,
// checks fail with ErrStoreUnavailable within a second, and the same
// store works again once the server is back.
func TestConnectionLoss(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Options{})
	prefix := uniquePrefix(t)
	s := newStore(t, newClient(t, srv.Addr), redisstore.Options{Prefix: prefix})
	other := newStore(t, newClient(t, srv.Addr), redisstore.Options{Prefix: prefix})
	until := time.Now().Add(time.Hour)
	revoked := &session.Claims{UserID: "u", SessionID: "revoked", IssuedAt: time.Now()}
	valid := &session.Claims{UserID: "u", SessionID: "valid", IssuedAt: time.Now()}
	if got, err := s.Revoked(ctx, revoked); err != nil || got {
		t.Fatalf("before: got (%v, %v), want false", got, err)
	}
	// Revoked through another store, so that s knows it only from Redis.
	if err := other.Revoke(ctx, revoked.RevocationKey(), "u", until); err != nil {
		t.Fatal(err)
	}
	waitRevoked(t, s, revoked)
	if got, err := s.Revoked(ctx, valid); err != nil || got {
		t.Fatalf("valid: got (%v, %v), want false", got, err)
	}

	srv.Stop()
	start := time.Now()
	for _, c := range []*session.Claims{revoked, valid} {
		for i := 0; ; i++ {
			got, err := s.Revoked(ctx, c)
			if c == revoked && err == nil && !got {
				t.Fatalf("%s while Redis is down: got not revoked", c.SessionID)
			}
			if err != nil {
				if !errors.Is(err, session.ErrStoreUnavailable) {
					t.Fatalf("%s while Redis is down: got %v, want ErrStoreUnavailable", c.SessionID, err)
				}
				break
			}
			if i >= 1000 || time.Since(start) > time.Second {
				t.Fatalf("%s: still answered from the cache %v after Redis stopped", c.SessionID, time.Since(start))
			}
			time.Sleep(time.Millisecond)
		}
	}

	// The restarted server is empty (the test server keeps nothing). Each
	// pooled connection of a client fails once before it is redialled.
	srv.Restart()
	waitFor(t, func() error { return s.Revoke(ctx, revoked.RevocationKey(), "u", until) })
	for _, tt := range []struct {
		name  string
		s     *redisstore.Store
		c     *session.Claims
		wantR bool
	}{{"revoked, other store", other, revoked, true}, {"revoked", s, revoked, true}, {"valid", s, valid, false}} {
		waitFor(t, func() error {
			got, err := tt.s.Revoked(ctx, tt.c)
			if err == nil && got != tt.wantR {
				t.Fatalf("%s after restart: got %v, want %v", tt.name, got, tt.wantR)
			}
			return err
		})
	}
}
