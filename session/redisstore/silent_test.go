package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// newDefaultClient returns a client of the nodes at addrs with rueidis's
// default Dialer.KeepAlive and ConnWriteTimeout, with which rueidis
// itself drops a silent connection only 10 to 12 s after its last sign
// of life; retries are off, as in the examples.
func newDefaultClient(t testing.TB, addrs ...string) rueidis.Client {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: addrs, DisableRetry: true})
	if err != nil {
		t.Fatalf("rueidis.NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// silentSlackDefault allows for timers and scheduling on a loaded
// machine; it is far below the 10 s that rueidis's defaults would keep
// a silent connection's cache.
const silentSlackDefault = time.Second

// waitSilent checks valid and revoked with verify on a node that was
// just frozen, from paused on, until the valid one fails closed. The
// revoked one must never pass; the valid one must pass (from the cache)
// or fail with ErrUnavailable. It fails t unless the last cached answer
// came at most bound (+ slack) after the pause, and returns when it came.
func waitSilent(t *testing.T, paused time.Time, bound time.Duration, verify func(tok string) error, valid, revoked string) time.Duration {
	t.Helper()
	var lastCached time.Duration
	for i := 0; ; i++ {
		if err := verify(revoked); err == nil {
			t.Fatalf("a logged-out token verified %v after the pause", time.Since(paused))
		}
		err := verify(valid)
		if err == nil {
			lastCached = time.Since(paused)
		} else if errors.Is(err, session.ErrUnavailable) {
			t.Logf("cached answers served until %v after the pause, then %v (at %v)", lastCached, err, time.Since(paused))
			break
		} else {
			t.Fatalf("valid token %v after the pause: got %v, want it valid or ErrUnavailable", time.Since(paused), err)
		}
		if i >= 1_000_000 || time.Since(paused) > 3*bound+2*silentSlackDefault {
			t.Fatalf("cached answers still served %v after the pause (%d checks)", time.Since(paused), i+1)
		}
		time.Sleep(100 * time.Microsecond)
	}
	if lastCached > bound+silentSlackDefault {
		t.Errorf("a cached answer was served %v after the pause, want at most %v (+ %v of slack)", lastCached, bound, silentSlackDefault)
	}
	return lastCached
}

// TestSilentNodeDefaultClient freezes a single node (SIGSTOP: the
// connection stays open, nothing comes back) under a store whose client
// has rueidis's default keep-alive: the cached answers stop within
// MaxStaleness of the store, checks then fail closed without a request
// deadline, a logged-out token is never accepted, and once the node
// answers again the same store answers and sees new logouts. Without a
// request deadline, a check that skips the cache waits at most
// MaxStaleness; with one, at most the deadline.
func TestSilentNodeDefaultClient(t *testing.T) {
	for _, tt := range []struct {
		name     string
		maxStale time.Duration // option
		bound    time.Duration // expected bound
		deadline time.Duration // of each check; 0: none
	}{
		{name: "MaxStaleness 300ms", maxStale: 300 * time.Millisecond, bound: 300 * time.Millisecond},
		{name: "default MaxStaleness", bound: 2 * time.Second, deadline: 200 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv := redistest.Start(t, redistest.Options{})
			prefix := uniquePrefix(t)
			opts := redisstore.Options{Prefix: prefix, MaxStaleness: tt.maxStale}
			a := newStore(t, newDefaultClient(t, srv.Addr), opts)
			b := newStore(t, newDefaultClient(t, srv.Addr), opts)
			until := time.Now().Add(time.Hour)
			valid := &session.Claims{UserID: "u", SessionID: "valid", IssuedAt: time.Now()}
			revoked := &session.Claims{UserID: "u", SessionID: "revoked", IssuedAt: time.Now()}
			claims := map[string]*session.Claims{"valid": valid, "revoked": revoked}
			verify := func(tok string) error {
				ctx := ctx
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				got, err := b.Revoked(ctx, claims[tok])
				if err == nil && got {
					return session.ErrRevoked
				}
				return err
			}
			if err := verify("valid"); err != nil {
				t.Fatalf("before: valid: %v", err)
			}
			// Logged out through a, so that b knows it only from Redis.
			if err := a.Revoke(ctx, revoked.RevocationKey(), revoked.UserID, until); err != nil {
				t.Fatal(err)
			}
			waitRevoked(t, b, revoked)
			fillCache(t, func() {
				if err := verify("valid"); err != nil {
					t.Fatalf("before: valid: %v", err)
				}
				if err := verify("revoked"); !errors.Is(err, session.ErrRevoked) {
					t.Fatalf("before: logged out: got %v, want revoked", err)
				}
			}, srv.Addr)

			srv.Pause()
			paused := time.Now()
			waitSilent(t, paused, tt.bound, verify, "valid", "revoked")
			if err := verify("revoked"); !errors.Is(err, session.ErrStoreUnavailable) {
				t.Errorf("logged out, node silent: got %v, want ErrStoreUnavailable", err)
			}

			srv.Resume()
			waitFor(t, func() error { return verify("valid") })
			if err := verify("revoked"); !errors.Is(err, session.ErrRevoked) {
				t.Errorf("logged out, node back: got %v, want revoked", err)
			}
			if err := a.Revoke(ctx, valid.RevocationKey(), valid.UserID, until); err != nil {
				t.Fatalf("logout, node back: %v", err)
			}
			waitRevoked(t, b, valid)
		})
	}
}

// TestClusterMasterSilentDefaultClient freezes one master of three
// under instances whose clients have rueidis's default keep-alive: the
// cached answers for keys on it stop within MaxStaleness, its checks
// fail closed, the other masters keep answering, and once it answers
// again its checks and invalidations work again without a restart.
func TestClusterMasterSilentDefaultClient(t *testing.T) {
	ctx := context.Background()
	const maxStale = 300 * time.Millisecond
	c := redistest.StartCluster(t)
	prefix := uniquePrefix(t)
	secret := newSecret(t)
	ms := make([]*session.Manager, 2)
	for i := range ms {
		store := newStore(t, newDefaultClient(t, c.Addrs()...), redisstore.Options{Prefix: prefix, MaxStaleness: maxStale})
		m, err := session.New(session.HS256(secret), session.Options{Store: store})
		if err != nil {
			t.Fatal(err)
		}
		ms[i] = m
	}
	a, b := ms[0], ms[1]
	toks := tokensPerMaster(t, c, a, prefix)
	cacheTokens(t, c, b, toks)

	silent := toks[0].node
	silent.Pause()
	verify := func(tok string) error { _, err := b.Verify(ctx, tok); return err }
	waitSilent(t, time.Now(), maxStale, verify, toks[0].valid, toks[0].revoked)
	verifyIs(t, b, "logged out, master silent", toks[0].revoked, session.ErrUnavailable)
	for _, tk := range toks[1:] {
		verifyIs(t, b, "valid on "+tk.node.Addr+", another master silent", tk.valid, nil)
		verifyIs(t, b, "logged out on "+tk.node.Addr+", another master silent", tk.revoked, session.ErrRevoked)
	}

	silent.Resume()
	waitFor(t, func() error { return verify(toks[0].valid) })
	verifyIs(t, b, "logged out, master back", toks[0].revoked, session.ErrRevoked)
	if err := a.Revoke(ctx, toks[0].claims); err != nil {
		t.Fatalf("logout on the master back: %v", err)
	}
	waitVerify(t, b, "logged out on A, master back", toks[0].valid, false, session.ErrRevoked, time.Second)
}

// TestMaxStalenessDefault checks the documented default and the bounds
// of Options.MaxStaleness.
func TestMaxStalenessDefault(t *testing.T) {
	if redisstore.DefaultMaxStaleness != 2*time.Second {
		t.Errorf("DefaultMaxStaleness: got %v, want 2s", redisstore.DefaultMaxStaleness)
	}
	for _, tt := range []struct {
		name      string
		opt, want time.Duration
	}{
		{name: "zero", opt: 0, want: 2 * time.Second},
		{name: "set", opt: 300 * time.Millisecond, want: 300 * time.Millisecond},
		{name: "largest", opt: time.Minute, want: time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(unusedClient{}, redisstore.Options{MaxStaleness: tt.opt})
			if err != nil {
				t.Fatal(err)
			}
			if got := redisstore.MaxStalenessOf(s); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
