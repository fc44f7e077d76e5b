package redisstore_test

import (
	"context"
	"net"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
	"github.com/jwtsession/jwtsession/session/storetest"
)

// newClusterClient returns a client of the cluster c, given the address
// of every master, closed when t ends, with the options that the package
// documentation recommends: a connection that stays silent is dropped,
// with its cache, at most 2 × Dialer.KeepAlive + ConnWriteTimeout (2 s)
// after its last sign of life.
func newClusterClient(t testing.TB, c *redistest.Cluster) rueidis.Client {
	t.Helper()
	client, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress:      c.Addrs(),
		DisableRetry:     true,
		Dialer:           net.Dialer{Timeout: time.Second, KeepAlive: clientKeepAlive},
		ConnWriteTimeout: clientWriteTimeout,
	})
	if err != nil {
		t.Fatalf("rueidis.NewClient: %v", err)
	}
	t.Cleanup(client.Close)
	return client
}

// keyRecorder is a store that notes the Redis keys of the revocations
// written through it (the key layout of the package documentation).
type keyRecorder struct {
	session.Store
	prefix string
	mu     *sync.Mutex
	keys   map[string]bool
}

func (r keyRecorder) Revoke(ctx context.Context, key, userID string, until time.Time) error {
	r.note(r.prefix + "rev:" + key)
	return r.Store.Revoke(ctx, key, userID, until)
}

func (r keyRecorder) RevokeUser(ctx context.Context, userID string, at, until time.Time) error {
	r.note(r.prefix + "user:" + userID)
	return r.Store.RevokeUser(ctx, userID, at, until)
}

func (r keyRecorder) note(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[key] = true
}

// spread records the keys that stores write and, when t ends, fails it
// unless they landed on at least two masters of c.
type spread struct {
	c    *redistest.Cluster
	mu   sync.Mutex
	keys map[string]bool
}

func newSpread(t *testing.T, c *redistest.Cluster) *spread {
	t.Helper()
	s := &spread{c: c, keys: map[string]bool{}}
	t.Cleanup(func() { s.check(t) })
	return s
}

func (s *spread) wrap(store session.Store, prefix string) session.Store {
	return keyRecorder{Store: store, prefix: prefix, mu: &s.mu, keys: s.keys}
}

func (s *spread) check(t *testing.T) {
	t.Helper()
	if t.Failed() || t.Skipped() {
		return
	}
	s.mu.Lock()
	keys := make([]string, 0, len(s.keys))
	for k := range s.keys {
		keys = append(keys, k)
	}
	s.mu.Unlock()
	sort.Strings(keys)
	const most = 300 // enough to tell, without a connection per key for minutes
	if len(keys) > most {
		keys = keys[:most]
	}
	owners, err := s.c.Owners(keys...)
	if err != nil {
		t.Fatal(err)
	}
	perNode := map[string]int{}
	for _, o := range owners {
		perNode[o.Addr]++
	}
	t.Logf("%d keys written; per master: %v", len(keys), perNode)
	if len(perNode) < 2 {
		t.Errorf("the revocations landed on %d master(s) (%v), want at least 2", len(perNode), perNode)
	}
}

// TestClusterConformance runs the conformance suite on a real cluster of
// three masters, each key in its own slot (no hash tag), and checks that
// the revocations it wrote landed on several masters.
func TestClusterConformance(t *testing.T) {
	c := redistest.StartCluster(t)
	client := newClusterClient(t, c)
	sp := newSpread(t, c)
	storetest.Run(t, func(t *testing.T, now func() time.Time) session.Store {
		prefix := uniquePrefix(t)
		return sp.wrap(newStore(t, client, redisstore.Options{Prefix: prefix, Clock: now}), prefix)
	})
}

// TestClusterModel runs the model-based test on a real cluster of three
// masters, with every check read through the client-side caches of the
// connections to the masters of its two keys.
func TestClusterModel(t *testing.T) {
	c := redistest.StartCluster(t)
	client := newClusterClient(t, c)
	sp := newSpread(t, c)
	storetest.RunModel(t, func(t *testing.T, now func() time.Time) session.Store {
		prefix := uniquePrefix(t)
		return sp.wrap(newStore(t, client, redisstore.Options{Prefix: prefix, Clock: now}), prefix)
	}, storetest.ModelOptions{Ops: *modelOps, Seed: *modelSeed})
}
