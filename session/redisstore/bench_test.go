package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// BenchmarkRevoked measures a check on loopback, with and without the
// in-process cache of "not revoked" answers in front of it.
func BenchmarkRevoked(b *testing.B) {
	ctx := context.Background()
	srv := redistest.Start(b, redistest.Options{})
	client := redis.NewClient(&redis.Options{Addr: srv.Addr})
	b.Cleanup(func() { client.Close() })
	store, err := redisstore.New(client, redisstore.Options{Prefix: "bench:"})
	if err != nil {
		b.Fatal(err)
	}
	cached, err := session.CacheNotRevoked(store, session.CacheOptions{MaxAge: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	c := &session.Claims{UserID: "123", SessionID: "0123456789abcdefghijkl", IssuedAt: time.Now()}
	for _, bb := range []struct {
		name  string
		store session.Store
	}{{"redis", store}, {"redis behind the cache", cached}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bb.store.Revoked(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
