package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// masterTokens are tokens whose two keys (session and user) both live on
// one master of a cluster: one still valid, one logged out.
type masterTokens struct {
	node           *redistest.Server
	valid, revoked string
	claims         *session.Claims // of valid
}

// clusterManagers returns two instances on c, each with its own client,
// sharing the secret and the prefix, on the real clock.
func clusterManagers(t *testing.T, c *redistest.Cluster, prefix string) (a, b *session.Manager) {
	t.Helper()
	secret := newSecret(t)
	ms := make([]*session.Manager, 2)
	for i := range ms {
		store := newStore(t, newClusterClient(t, c), redisstore.Options{Prefix: prefix})
		m, err := session.New(session.HS256(secret), session.Options{Store: store})
		if err != nil {
			t.Fatal(err)
		}
		ms[i] = m
	}
	return ms[0], ms[1]
}

// tokensPerMaster issues, through m, a valid and a logged-out token for
// each master of c, both keys of each token on that master.
func tokensPerMaster(t *testing.T, c *redistest.Cluster, m *session.Manager, prefix string) []masterTokens {
	t.Helper()
	ctx := context.Background()
	const users = 60
	userKeys := make([]string, users)
	for i := range userKeys {
		userKeys[i] = prefix + "user:u" + strconv.Itoa(i)
	}
	userOwners, err := c.Owners(userKeys...)
	if err != nil {
		t.Fatal(err)
	}
	var out []masterTokens
	for _, node := range c.Nodes {
		user := -1
		for i, o := range userOwners {
			if o == node {
				user = i
				break
			}
		}
		if user < 0 {
			t.Fatalf("none of %d user keys on %s", users, node.Addr)
		}
		var toks []string
		for attempt := 0; len(toks) < 2; attempt++ {
			if attempt >= 100 {
				t.Fatalf("%d logins and no two sessions on %s", attempt, node.Addr)
			}
			tok := mustIssue(t, m, "u"+strconv.Itoa(user))
			claims, err := m.Verify(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			o, err := c.Owners(prefix + "rev:" + claims.RevocationKey())
			if err != nil {
				t.Fatal(err)
			}
			if o[0] == node {
				toks = append(toks, tok)
			}
		}
		claims, err := m.Verify(ctx, toks[1])
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Revoke(ctx, claims); err != nil {
			t.Fatal(err)
		}
		if claims, err = m.Verify(ctx, toks[0]); err != nil {
			t.Fatal(err)
		}
		out = append(out, masterTokens{node: node, valid: toks[0], revoked: toks[1], claims: claims})
	}
	return out
}

// verifyIs calls m.Verify on tok and fails t unless the error matches
// want (nil: valid).
func verifyIs(t *testing.T, m *session.Manager, what, tok string, want error) {
	t.Helper()
	_, err := m.Verify(context.Background(), tok)
	if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
		t.Errorf("%s: got %v, want %v", what, err, want)
	}
}

// waitVerify calls m.Verify on tok until it fails with want, at most
// 2000 times within limit, and fails t if a logged-out token is accepted

// cacheTokens has m, which knows toks only from Redis, see each valid
// and each logged out, and waits until every node's answers come from
// m's client-side cache.
func cacheTokens(t *testing.T, c *redistest.Cluster, m *session.Manager, toks []masterTokens) {
	t.Helper()
	for _, tk := range toks {
		verifyIs(t, m, "before: valid on "+tk.node.Addr, tk.valid, nil)
		waitVerify(t, m, "before: logged out on "+tk.node.Addr, tk.revoked, true, session.ErrRevoked, time.Second)
	}
	fillCache(t, func() {
		for _, tk := range toks {
			verifyIs(t, m, "before: valid on "+tk.node.Addr, tk.valid, nil)
			verifyIs(t, m, "before: logged out on "+tk.node.Addr, tk.revoked, session.ErrRevoked)
		}
	}, c.Addrs()...)
}

// meanwhile. It returns how long it took.
func waitVerify(t *testing.T, m *session.Manager, what, tok string, revoked bool, want error, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for i := 0; ; i++ {
		_, err := m.Verify(context.Background(), tok)
		if errors.Is(err, want) {
			return time.Since(start)
		}
		if revoked && err == nil {
			t.Fatalf("%s: a logged-out token verified %v in", what, time.Since(start))
		}
		if i >= 2000 || time.Since(start) > limit {
			t.Fatalf("%s: got %v after %v, want %v", what, err, time.Since(start), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestClusterMasterDown kills one master of three: the checks whose keys
// live on it fail closed (ErrUnavailable, the 503 of the middleware)
// within a second, on the instance that logged out and on another one,
// and a logged-out token is never accepted; the checks and logouts whose
// keys live on the other masters keep working.
func TestClusterMasterDown(t *testing.T) {
	ctx := context.Background()
	c := redistest.StartCluster(t)
	prefix := uniquePrefix(t)
	a, b := clusterManagers(t, c, prefix)
	toks := tokensPerMaster(t, c, a, prefix)
	for _, m := range []*session.Manager{a, b} {
		for _, tk := range toks { // fills both instances' caches
			verifyIs(t, m, "before: valid on "+tk.node.Addr, tk.valid, nil)
			waitVerify(t, m, "before: logged out on "+tk.node.Addr, tk.revoked, true, session.ErrRevoked, time.Second)
		}
	}

	down := toks[0].node
	down.Kill()
	for name, m := range map[string]*session.Manager{"A": a, "B": b} {
		d := waitVerify(t, m, name+": logged out, master down", toks[0].revoked, true, session.ErrUnavailable, time.Second)
		waitVerify(t, m, name+": valid, master down", toks[0].valid, false, session.ErrUnavailable, time.Second)
		t.Logf("%s: checks on the dead master fail closed %v after the kill", name, d)
		for _, tk := range toks[1:] {
			verifyIs(t, m, name+": valid on "+tk.node.Addr, tk.valid, nil)
			verifyIs(t, m, name+": logged out on "+tk.node.Addr, tk.revoked, session.ErrRevoked)
		}
	}
	// Logouts on the masters that are up still work and reach the other
	// instance; one on the dead master is refused.
	for _, tk := range toks[1:] {
		if err := b.Revoke(ctx, tk.claims); err != nil {
			t.Fatalf("logout on %s while %s is down: %v", tk.node.Addr, down.Addr, err)
		}
		waitVerify(t, a, "A: logged out on B, master up", tk.valid, false, session.ErrRevoked, time.Second)
	}
	if err := b.Revoke(ctx, toks[0].claims); !errors.Is(err, session.ErrUnavailable) {
		t.Errorf("logout on the dead master: got %v, want ErrUnavailable", err)
	}
}

// The options of newClusterClient, and how long after the last sign of
// life of a silent master a cached answer may still be served with them:
// every KeepAlive, rueidis looks whether a connection received anything
// since it last looked; when not, it sends a PING and drops the
// connection, with its cache, if no answer comes within ConnWriteTimeout.
// The first look after the last sign of life may still see it, hence
// twice KeepAlive. The store's own bound, the default MaxStaleness, is
// the same 2 s. silentSlack allows for timers and scheduling on a loaded
// machine; a cache kept for rueidis's default ConnWriteTimeout (10 s),
// or never dropped, still fails the test.
const (
	clientKeepAlive    = 500 * time.Millisecond
	clientWriteTimeout = time.Second
	silentBound        = 2*clientKeepAlive + clientWriteTimeout
	silentSlack        = time.Second
)

// TestClusterMasterSilent freezes one master of three (SIGSTOP): its
// connections stay open and nothing comes back, a partition that drops
// no connection. The cached answers for keys on it stop within
// silentBound, then its checks fail closed, a logged-out token is never
// accepted, and the other masters keep answering; once it answers again,
// its checks and invalidations work again without a restart.
func TestClusterMasterSilent(t *testing.T) {
	ctx := context.Background()
	c := redistest.StartCluster(t)
	prefix := uniquePrefix(t)
	a, b := clusterManagers(t, c, prefix)
	toks := tokensPerMaster(t, c, a, prefix)
	cacheTokens(t, c, b, toks)

	silent := toks[0].node
	silent.Pause()
	paused := time.Now()
	var lastCached, failed time.Duration
	for i := 0; ; i++ {
		if _, err := b.Verify(ctx, toks[0].revoked); err == nil {
			t.Fatalf("a logged-out token verified %v after the pause", time.Since(paused))
		}
		_, err := b.Verify(ctx, toks[0].valid)
		if err == nil {
			lastCached = time.Since(paused)
		} else if errors.Is(err, session.ErrUnavailable) {
			failed = time.Since(paused)
			break
		} else {
			t.Fatalf("valid token %v after the pause: got %v, want it valid or ErrUnavailable", time.Since(paused), err)
		}
		if i >= 100_000 || time.Since(paused) > 2*silentBound {
			t.Fatalf("cached answers still served %v after the pause (%d checks)", time.Since(paused), i+1)
		}
		time.Sleep(100 * time.Microsecond)
	}
	t.Logf("cached answers served until %v after the pause, then ErrUnavailable (at %v)", lastCached, failed)
	if lastCached > silentBound+silentSlack {
		t.Errorf("a cached answer was served %v after the pause, want at most %v (+ %v of slack)", lastCached, silentBound, silentSlack)
	}
	verifyIs(t, b, "logged out, master silent", toks[0].revoked, session.ErrUnavailable)
	for _, tk := range toks[1:] {
		verifyIs(t, b, "valid on "+tk.node.Addr+", another master silent", tk.valid, nil)
		verifyIs(t, b, "logged out on "+tk.node.Addr+", another master silent", tk.revoked, session.ErrRevoked)
	}

	silent.Resume()
	waitFor(t, func() error { _, err := b.Verify(ctx, toks[0].valid); return err })
	verifyIs(t, b, "logged out, master back", toks[0].revoked, session.ErrRevoked)
	if err := a.Revoke(ctx, toks[0].claims); err != nil {
		t.Fatalf("logout on the master back: %v", err)
	}
	waitVerify(t, b, "logged out on A, master back", toks[0].valid, false, session.ErrRevoked, time.Second)
}
