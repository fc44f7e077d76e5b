package redisstore_test

import (
	"context"
	"errors"
	"flag"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

var propagationLogouts = flag.Int("propagation.logouts", 100, "logouts measured by TestPropagation")

// managerOn returns an instance with its own store on client, on the
// real clock.
func managerOn(t *testing.T, client rueidis.Client, prefix string, secret []byte) *session.Manager {
	t.Helper()
	store := newStore(t, client, redisstore.Options{Prefix: prefix})
	m, err := session.New(session.HS256(secret), session.Options{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPropagation measures how late a logout made through instance A is
// seen by instance B, which has the token's "not revoked" cached: for
// each logout, from the call of Revoke on A until B's check answers
// ErrRevoked, B checking in a tight loop meanwhile. It logs p50, p99 and
// the maximum (go test -v -run Propagation) and fails only beyond a
// generous bound, so as not to depend on the machine's load. More
// logouts: -propagation.logouts 10000.
func TestPropagation(t *testing.T) {
	single := redistest.Start(t, redistest.Options{})
	cluster := redistest.StartCluster(t)
	tests := []struct {
		name   string
		client func(t *testing.T) rueidis.Client
	}{
		{"single node", func(t *testing.T) rueidis.Client { return newClient(t, single.Addr) }},
		{"3-master cluster", func(t *testing.T) rueidis.Client { return newClusterClient(t, cluster) }},
	}
	const bound = time.Second
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			prefix, secret := uniquePrefix(t), newSecret(t)
			a := managerOn(t, tt.client(t), prefix, secret)
			b := managerOn(t, tt.client(t), prefix, secret)
			n := *propagationLogouts
			delays := make([]time.Duration, 0, n)
			for i := range n {
				tok := mustIssue(t, a, "u"+strconv.Itoa(i))
				claims, err := b.Verify(ctx, tok) // B caches "not revoked"
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				if err := a.Revoke(ctx, claims); err != nil {
					t.Fatal(err)
				}
				for j := 0; ; j++ {
					_, err := b.Verify(ctx, tok)
					if errors.Is(err, session.ErrRevoked) {
						break
					}
					if err != nil {
						t.Fatalf("logout %d: B: got %v, want valid until the logout reaches it, then ErrRevoked", i, err)
					}
					if j >= 10_000_000 || time.Since(start) > bound {
						t.Fatalf("logout %d: B still accepts the token %v after the logout on A (%d checks)", i, time.Since(start), j+1)
					}
					runtime.Gosched()
				}
				delays = append(delays, time.Since(start))
			}
			slices.Sort(delays)
			p50, p99 := delays[(n-1)/2], delays[(99*n+99)/100-1]
			t.Logf("%d logouts on A seen by B: p50 %v, p99 %v, max %v (from the call of Revoke on A)", n, p50, p99, delays[n-1])
			if p99 > bound {
				t.Errorf("p99 %v, want at most %v", p99, bound)
			}
		})
	}
}
