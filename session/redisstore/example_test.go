package redisstore_test

import (
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// Every instance of the server builds its manager on the same Redis (and
// the same key), so a logout on one is a logout on all.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:6379",
		// The store is asked on every request: an outage should turn into
		// a quick 503, not a slow one.
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
		MaxRetries:   1,
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:"})
	if err != nil {
		log.Fatal(err)
	}
	secret := []byte("0123456789abcdef0123456789abcdef") // use 32 random bytes
	m, err := session.New(session.HS256(secret), session.Options{Store: store})
	if err != nil {
		log.Fatal(err)
	}
	_ = m // m.Revoke and m.RevokeUser now reach every instance
}

// A Cluster client works the same way; the two keys of a check are read
// in one pipeline, split by node and sent in parallel.
func ExampleNew_cluster() {
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"},
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	_ = store
}
