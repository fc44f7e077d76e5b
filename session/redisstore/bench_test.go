package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// BenchmarkRevoked measures a check on loopback served from the
// client-side cache, and reports the Redis commands per check, from the
// server's INFO commandstats. The same check on a session.MemoryStore is
// the baseline of the same run.
func BenchmarkRevoked(b *testing.B) {
	ctx := context.Background()
	srv := redistest.Start(b, redistest.Options{})
	store, err := redisstore.New(newClient(b, srv.Addr), redisstore.Options{Prefix: "bench:"})
	if err != nil {
		b.Fatal(err)
	}
	c := &session.Claims{UserID: "123", SessionID: "0123456789abcdefghijkl", IssuedAt: time.Now()}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		before := commands(b, srv.Addr)
		for b.Loop() {
			if _, err := store.Revoked(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(commands(b, srv.Addr)-before)/float64(b.N), "cmds/op")
	})
	b.Run("memory", func(b *testing.B) {
		b.ReportAllocs()
		mem := session.NewMemoryStore(session.MemoryStoreOptions{})
		for b.Loop() {
			if _, err := mem.Revoked(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
