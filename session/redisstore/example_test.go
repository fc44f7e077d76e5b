package redisstore_test

import (
	"log"
	"net"
	"os"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// Every instance of the server builds its manager on the same Redis (and
// the same key), so a logout on one is a logout on all. Checks are served
// from the process's cache, which Redis invalidates when a revocation
// changes what it holds.
func ExampleNew() {
	client, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress: []string{"127.0.0.1:6379"},
		// The client-side cache of each connection: 16 MiB here
		// (rueidis's default is 128 MiB).
		CacheSizeEachConn: 16 << 20,
		// An outage should turn into a quick 503, not a slow one: no
		// retries (rueidis otherwise retries a read until the request's
		// context is done) and short timeouts. rueidis drops a
		// connection that stays silent, with its cache, at most
		// 2 × KeepAlive + ConnWriteTimeout = 2 s after its last sign of
		// life; the store itself stops serving the cached answers of a
		// silent Redis within Options.MaxStaleness (2 s by default),
		// whatever these options.
		DisableRetry:     true,
		Dialer:           net.Dialer{Timeout: time.Second, KeepAlive: 500 * time.Millisecond},
		ConnWriteTimeout: time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:"})
	if err != nil {
		log.Fatal(err)
	}
	// The same secret on every instance: 32 random bytes or more, kept out
	// of the source. New refuses a shorter one.
	secret := []byte(os.Getenv("JWT_SECRET"))
	m, err := session.New(session.HS256(secret), session.Options{Store: store})
	if err != nil {
		log.Fatal(err)
	}
	_ = m // m.Revoke and m.RevokeUser now reach every instance
}

// A Redis Cluster works the same way: rueidis finds the cluster from any
// of its nodes and sends each key to its slot's master.
func ExampleNew_cluster() {
	client, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress:      []string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"},
		DisableRetry:     true,
		Dialer:           net.Dialer{Timeout: time.Second, KeepAlive: 500 * time.Millisecond},
		ConnWriteTimeout: time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	_ = store
}
