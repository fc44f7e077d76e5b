package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// TestReplayCache checks Add on a single node and a cluster: new once,
// seen until its until, one key of fixed size per id that expires
// ClockSkew after until, shared by every store on the same Redis.
func TestReplayCache(t *testing.T) {
	single := redistest.Start(t, redistest.Options{})
	cluster := redistest.Start(t, redistest.Options{Cluster: true})
	for _, tt := range []struct{ name, addr string }{{"single node", single.Addr}, {"cluster", cluster.Addr}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := testkit.NewClock(time.Now())
			prefix := uniquePrefix(t)
			a := newStore(t, newClient(t, tt.addr), redisstore.Options{Prefix: prefix, Clock: clock.Now, ClockSkew: time.Second})
			b := newStore(t, newClient(t, tt.addr), redisstore.Options{Prefix: prefix, Clock: clock.Now, ClockSkew: time.Second})
			var rc session.ReplayCache = a
			until := clock.Now().Add(time.Minute)
			id := strings.Repeat("j", 256)
			if ok, err := rc.Add(ctx, id, until); err != nil || !ok {
				t.Fatalf("first Add: got %v, %v; want true, nil", ok, err)
			}
			for name, s := range map[string]*redisstore.Store{"same store": a, "another instance": b} {
				if ok, err := s.Add(ctx, id, until); err != nil || ok {
					t.Errorf("%s: repeated Add got %v, %v; want false, nil", name, ok, err)
				}
			}
			if ok, err := b.Add(ctx, "other", until); err != nil || !ok {
				t.Errorf("another id: got %v, %v; want true, nil", ok, err)
			}
			sum := sha256.Sum256([]byte(id))
			key := prefix + "dpop:" + base64.RawURLEncoding.EncodeToString(sum[:])
			if v, err := redistest.Do(tt.addr, "GET", key); err != nil || v != "1" {
				t.Fatalf("GET %s: got %q, %v; want \"1\"", key, v, err)
			}
			at, err := redistest.Do(tt.addr, "PEXPIRETIME", key)
			if err != nil {
				t.Fatal(err)
			}
			if want := until.Add(time.Second).UnixMilli(); at != strconv.FormatInt(want, 10) && at != strconv.FormatInt(want+1, 10) {
				t.Errorf("got PEXPIRETIME %s, want until + ClockSkew = %d", at, want)
			}
			// An until already passed records nothing.
			if ok, err := a.Add(ctx, "late", clock.Now()); err != nil || !ok {
				t.Errorf("passed until: got %v, %v; want true, nil", ok, err)
			}
			if n, _ := redistest.Do(tt.addr, "EXISTS", prefix+"dpop:"+hashOf("late")); n != "0" {
				t.Errorf("got EXISTS %s for a passed until, want 0", n)
			}
		})
	}
}

func hashOf(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TestReplayCacheOneCommand: Add costs exactly one SET and nothing else.
func TestReplayCacheOneCommand(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	s := newStore(t, newClient(t, srv.Addr), redisstore.Options{Prefix: uniquePrefix(t)})
	until := time.Now().Add(time.Minute)
	if _, err := s.Add(context.Background(), "warm-up", until); err != nil {
		t.Fatal(err)
	}
	if _, err := redistest.Do(srv.Addr, "CONFIG", "RESETSTAT"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.Add(context.Background(), "id-"+strconv.Itoa(i%2), until); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := redistest.Do(srv.Addr, "INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for _, m := range regexp.MustCompile(`cmdstat_([a-z|]+):calls=(\d+)`).FindAllStringSubmatch(stats, -1) {
		calls[m[1]], _ = strconv.Atoi(m[2])
	}
	if calls["set"] != 3 {
		t.Errorf("got %d SET calls for 3 Adds, want 3 (stats %q)", calls["set"], stats)
	}
	for cmd, n := range calls {
		switch cmd {
		case "set", "info", "ping", "config|resetstat":
		case "hello", "client|tracking", "client|setinfo":
			// A connection the client opens (or reopens) in the
			// meantime announces itself; that is per connection, not
			// per Add.
		default:
			t.Errorf("got %d %s calls, want none: Add is one SET", n, cmd)
		}
	}
}

// TestReplayCacheConcurrent: of many concurrent Adds of one id through
// two clients, exactly one is told the id is new.
func TestReplayCacheConcurrent(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	prefix := uniquePrefix(t)
	stores := []*redisstore.Store{
		newStore(t, newClient(t, srv.Addr), redisstore.Options{Prefix: prefix}),
		newStore(t, newClient(t, srv.Addr), redisstore.Options{Prefix: prefix}),
	}
	until := time.Now().Add(time.Minute)
	for round := range 10 {
		id := "id-" + strconv.Itoa(round)
		var fresh atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, err := stores[i%2].Add(context.Background(), id, until); err == nil && ok {
					fresh.Add(1)
				}
			}()
		}
		wg.Wait()
		if got := fresh.Load(); got != 1 {
			t.Fatalf("round %d: got %d Adds told the id is new, want exactly 1", round, got)
		}
	}
}

// TestReplayCacheUnavailable: an unreachable Redis is reported as
// ErrStoreUnavailable, never as "new".
func TestReplayCacheUnavailable(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	s := newStore(t, newClient(t, srv.Addr), redisstore.Options{Prefix: uniquePrefix(t)})
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ok, err := s.Add(ctx, "id", time.Now().Add(time.Minute))
	if ok || !errors.Is(err, session.ErrStoreUnavailable) {
		t.Errorf("got %v, %v; want false and ErrStoreUnavailable", ok, err)
	}
}
