package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
	"github.com/jwtsession/jwtsession/session/storetest"
)

// newClient returns a client of the server (or cluster) at addr, closed
// when t ends. Retries are off, so that an unreachable server shows at
// once.
func newClient(t testing.TB, addr string) rueidis.Client {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress:  []string{addr},
		DisableRetry: true,
		Dialer:       net.Dialer{Timeout: time.Second},
	})
	if err != nil {
		t.Fatalf("rueidis.NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// do runs one command on a client and fails t on an error other than
// a missing key.
func do(t *testing.T, c rueidis.Client, args ...string) rueidis.RedisResult {
	t.Helper()
	r := c.Do(context.Background(), c.B().Arbitrary(args...).Build())
	if err := r.Error(); err != nil && !rueidis.IsRedisNil(err) {
		t.Fatalf("%q: %v", args, err)
	}
	return r
}

// uniquePrefix returns a key prefix no other store of the run uses.
func uniquePrefix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "test:" + hex.EncodeToString(b) + ":"
}

func newStore(t *testing.T, client rueidis.Client, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(client, opts)
	if err != nil {
		t.Fatalf("redisstore.New: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	single := redistest.Start(t, redistest.Options{})
	cluster := redistest.Start(t, redistest.Options{Cluster: true})
	tests := []struct {
		name   string
		addr   string
		prefix func(t *testing.T) string
	}{
		{name: "single node", addr: single.Addr, prefix: uniquePrefix},
		{name: "cluster", addr: cluster.Addr, prefix: uniquePrefix},
		{name: "cluster, one hash slot", addr: cluster.Addr, prefix: func(t *testing.T) string { return "{" + uniquePrefix(t) + "}" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := newClient(t, tt.addr)
			storetest.Run(t, func(t *testing.T, now func() time.Time) session.Store {
				return newStore(t, client, redisstore.Options{Prefix: tt.prefix(t), Clock: now})
			})
		})
	}
}

// Flags of the model-based test: a long run, or the replay of a failure.
var (
	modelOps  = flag.Int("model.ops", 1000, "operations of each run of TestModel")
	modelSeed = flag.Uint64("model.seed", 0, "seed of TestModel; 0 takes one from the time")
)

// TestModel checks the session life cycle and the revocation invariants
// on a Redis store against the reference model of storetest.RunModel,
// with every check read through the client-side cache of a real
// redis-server, on a single node and on a cluster. A long run:
// go test ./session/redisstore -run Model -model.ops 100000
func TestModel(t *testing.T) {
	single := redistest.Start(t, redistest.Options{})
	cluster := redistest.Start(t, redistest.Options{Cluster: true})
	for _, tt := range []struct{ name, addr string }{{"single node", single.Addr}, {"cluster", cluster.Addr}} {
		t.Run(tt.name, func(t *testing.T) {
			client := newClient(t, tt.addr)
			storetest.RunModel(t, func(t *testing.T, now func() time.Time) session.Store {
				return newStore(t, client, redisstore.Options{Prefix: uniquePrefix(t), Clock: now})
			}, storetest.ModelOptions{Ops: *modelOps, Seed: *modelSeed})
		})
	}
}

// unusedClient is a rueidis.Client that New may keep but never call.
type unusedClient struct{ rueidis.Client }

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		client  rueidis.Client
		opts    redisstore.Options
		wantErr string
	}{
		{name: "nil client", client: nil, wantErr: "got nil"},
		{name: "negative clock skew", client: unusedClient{}, opts: redisstore.Options{ClockSkew: -time.Second}, wantErr: "clock skew"},
		{name: "negative cache TTL", client: unusedClient{}, opts: redisstore.Options{CacheTTL: -time.Second}, wantErr: "cache TTL"},
		{name: "negative max staleness", client: unusedClient{}, opts: redisstore.Options{MaxStaleness: -time.Second}, wantErr: "max staleness"},
		{name: "max staleness too large", client: unusedClient{}, opts: redisstore.Options{MaxStaleness: time.Minute + 1}, wantErr: "max staleness"},
		{name: "zero options", client: unusedClient{}},
		{name: "all options", client: unusedClient{}, opts: redisstore.Options{Prefix: "app:", ClockSkew: time.Second, Clock: time.Now, CacheTTL: time.Second, MaxStaleness: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(tt.client, tt.opts)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got error %v, want one about %q", err, tt.wantErr)
			case tt.wantErr == "" && s == nil:
				t.Fatal("got a nil store and no error")
			}
		})
	}
}

// TestKeyLayoutAndTTLs checks the documented key names, values and
// expiry times against Redis itself.
func TestKeyLayoutAndTTLs(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Options{})
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	const skew = 2 * time.Second
	clock := testkit.NewClock(time.Now().Truncate(time.Second))
	s := newStore(t, client, redisstore.Options{Prefix: prefix, ClockSkew: skew, Clock: clock.Now})
	start := clock.Now()
	sessUntil := start.Add(10*time.Minute + 1500*time.Microsecond) // rounds up to ...002 ms
	userUntil := start.Add(time.Hour)

	if err := s.Revoke(ctx, "sid:abc", "", sessUntil); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUser(ctx, "123", start, userUntil); err != nil {
		t.Fatal(err)
	}
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	sessMS := strconv.FormatInt(sessUntil.UnixMilli()+1, 10)

	type record struct{ value, expireAt string }
	want := map[string]record{
		prefix + "rev:sid:abc": {sessMS, strconv.FormatInt(sessUntil.UnixMilli()+1+skew.Milliseconds(), 10)},
		prefix + "user:123":    {ms(start) + ":" + ms(userUntil), ms(userUntil.Add(skew))},
	}
	check := func(step string) {
		t.Helper()
		keys, err := do(t, client, "KEYS", prefix+"*").AsStrSlice()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != len(want) {
			t.Errorf("%s: got keys %q, want %d keys", step, keys, len(want))
		}
		for key, rec := range want {
			if got, err := do(t, client, "GET", key).ToString(); err != nil || got != rec.value {
				t.Errorf("%s: GET %s: got (%q, %v), want %q", step, key, got, err, rec.value)
			}
			if got, err := redistest.Do(srv.Addr, "PEXPIRETIME", key); err != nil || got != rec.expireAt {
				t.Errorf("%s: PEXPIRETIME %s: got (%s, %v), want %s (until + clock skew)", step, key, got, err, rec.expireAt)
			}
			if ttl, err := do(t, client, "PTTL", key).AsInt64(); err != nil || ttl <= 0 {
				t.Errorf("%s: PTTL %s: got (%v, %v), want a positive TTL", step, key, ttl, err)
			}
		}
	}
	check("after the first revocations")

	// Earlier-ending revocations change neither the values nor the TTLs.
	if err := s.Revoke(ctx, "sid:abc", "", start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUser(ctx, "123", start.Add(-time.Hour), start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	check("after earlier-ending revocations")

	// Later-ending ones extend both; the later cutoff is kept.
	later := start.Add(2 * time.Hour)
	if err := s.Revoke(ctx, "sid:abc", "", later); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUser(ctx, "123", start.Add(-time.Hour), later); err != nil {
		t.Fatal(err)
	}
	want[prefix+"rev:sid:abc"] = record{ms(later), ms(later.Add(skew))}
	want[prefix+"user:123"] = record{ms(start) + ":" + ms(later), ms(later.Add(skew))}
	check("after later-ending revocations")

	// A revocation that is already over writes nothing.
	if err := s.Revoke(ctx, "sid:over", "", start); err != nil {
		t.Fatal(err)
	}
	check("after a revocation already over")
}

// TestUserRecordInSeconds reads a user record whose cutoff is in whole
// Unix seconds ("tokens with iat before"): it covers the same tokens as
// the cutoff B×1000−1 in milliseconds, and a later RevokeUser merges with
// it.
func TestUserRecordInSeconds(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Options{})
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	clock := testkit.NewClock(time.Now().Truncate(time.Second))
	s := newStore(t, client, redisstore.Options{Prefix: prefix, Clock: clock.Now})
	start := clock.Now()
	until := start.Add(time.Hour)
	old := strconv.FormatInt(start.Unix(), 10) + ":" + strconv.FormatInt(until.UnixMilli(), 10)
	do(t, client, "SET", prefix+"user:u", old, "EX", "3600")
	claims := func(iat time.Time) *session.Claims {
		return &session.Claims{UserID: "u", TokenID: "j", IssuedAt: iat, ExpiresAt: until}
	}
	for _, tt := range []struct {
		iat  time.Time
		want bool
	}{
		{start.Add(-time.Second), true}, // iat before the old cutoff
		{start, false},                  // iat at it: a cutoff in seconds means "before"
	} {
		if got, err := s.Revoked(ctx, claims(tt.iat)); err != nil || got != tt.want {
			t.Errorf("iat %v: got (%v, %v), want %v", tt.iat.Sub(start), got, err, tt.want)
		}
	}
	// An earlier cutoff with a later until keeps the stored cutoff, written
	// back in milliseconds.
	later := until.Add(time.Hour)
	if err := s.RevokeUser(ctx, "u", start.Add(-time.Minute), later); err != nil {
		t.Fatal(err)
	}
	if got, err := do(t, client, "GET", prefix+"user:u").ToString(); err != nil || got != strconv.FormatInt(start.UnixMilli()-1, 10)+":"+strconv.FormatInt(later.UnixMilli(), 10) {
		t.Errorf("after an earlier RevokeUser: got (%q, %v), want the stored cutoff in ms", got, err)
	}
	if got, err := s.Revoked(ctx, claims(start.Add(-time.Second))); err != nil || !got {
		t.Errorf("after an earlier RevokeUser: got (%v, %v), want revoked", got, err)
	}
}

// TestKeysExpireOnTheirOwn lets Redis's own clock run out a record.
func TestKeysExpireOnTheirOwn(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Options{})
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	s := newStore(t, client, redisstore.Options{Prefix: prefix, ClockSkew: time.Millisecond})
	until := time.Now().Add(200 * time.Millisecond)
	if err := s.Revoke(ctx, "sid:short", "", until); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUser(ctx, "short", time.Now(), until); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		n, err := do(t, client, "EXISTS", prefix+"rev:sid:short", prefix+"user:short").AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if i >= 200 || time.Now().After(deadline) {
			t.Fatalf("after %d checks: %d keys still there, want them expired", i+1, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, err := do(t, client, "DBSIZE").AsInt64(); err != nil || n != 0 {
		t.Fatalf("DBSIZE: got (%d, %v), want 0", n, err)
	}
}

// storeOps runs each store method once, for the failure tests.
var storeOps = []struct {
	name string
	do   func(ctx context.Context, s session.Store) error
}{
	{"Revoke", func(ctx context.Context, s session.Store) error {
		return s.Revoke(ctx, "sid:s", "", time.Now().Add(time.Hour))
	}},
	{"RevokeUser", func(ctx context.Context, s session.Store) error {
		return s.RevokeUser(ctx, "u", time.Now(), time.Now().Add(time.Hour))
	}},
	{"Revoked", func(ctx context.Context, s session.Store) error {
		_, err := s.Revoked(ctx, &session.Claims{UserID: "u", SessionID: "s"})
		return err
	}},
}

func TestUnreachable(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	s := newStore(t, newClient(t, srv.Addr), redisstore.Options{Prefix: uniquePrefix(t)})
	ctx := context.Background()
	for _, op := range storeOps {
		if err := op.do(ctx, s); err != nil {
			t.Fatalf("%s while Redis is up: %v", op.name, err)
		}
	}

	srv.Stop()
	waitUnavailable(t, func() error { return storeOps[len(storeOps)-1].do(ctx, s) })
	for _, op := range storeOps {
		t.Run(op.name+" while Redis is down", func(t *testing.T) {
			err := op.do(ctx, s)
			if !errors.Is(err, session.ErrStoreUnavailable) || !errors.Is(err, session.ErrUnavailable) {
				t.Fatalf("got %v, want an error matching ErrStoreUnavailable and ErrUnavailable", err)
			}
			var netErr net.Error
			if !errors.As(err, &netErr) && !errors.Is(err, io.EOF) && !errors.Is(err, rueidis.ErrClosing) {
				t.Errorf("got %v, want it to wrap the network error", err)
			}
			if !strings.HasPrefix(err.Error(), "redisstore: ") {
				t.Errorf("got message %q, want it prefixed with the package name", err)
			}
		})
	}

	srv.Restart()
	for _, op := range storeOps {
		t.Run(op.name+" after Redis is back", func(t *testing.T) {
			waitFor(t, func() error { return op.do(ctx, s) })
		})
	}
}

// waitUnavailable calls f until it fails with ErrStoreUnavailable, at
// most 1000 times within 1 s: until the client sees its connection
// closed, a check may still be answered from the cache of a moment ago.
func waitUnavailable(t *testing.T, f func() error) {
	t.Helper()
	start := time.Now()
	for i := 0; ; i++ {
		err := f()
		if errors.Is(err, session.ErrStoreUnavailable) {
			return
		}
		if i >= 1000 || time.Since(start) > time.Second {
			t.Fatalf("%v after Redis stopped: got %v, want ErrStoreUnavailable", time.Since(start), err)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFor calls f until it succeeds, at most 100 times within 10 s: the
// client's pooled connections to a restarted server fail once each.
func waitFor(t *testing.T, f func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		err := f()
		if err == nil {
			return
		}
		if i >= 100 || time.Now().After(deadline) {
			t.Fatalf("still failing after %d attempts: %v", i+1, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestContextDone(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	s := newStore(t, newClient(t, srv.Addr), redisstore.Options{Prefix: uniquePrefix(t)})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, ctx := range []struct {
		name string
		ctx  context.Context
		want error
	}{{"canceled", canceled, context.Canceled}, {"deadline exceeded", expired, context.DeadlineExceeded}} {
		for _, op := range storeOps {
			t.Run(ctx.name+"/"+op.name, func(t *testing.T) {
				err := op.do(ctx.ctx, s)
				if !errors.Is(err, session.ErrStoreUnavailable) || !errors.Is(err, ctx.want) {
					t.Fatalf("got %v, want an error matching ErrStoreUnavailable and %v", err, ctx.want)
				}
			})
		}
	}
}

// TestRefusals checks that a reply of a working Redis is not reported as
// an outage, and that verification still fails closed on it.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Options{})
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	s := newStore(t, client, redisstore.Options{Prefix: prefix})
	until := time.Now().Add(time.Hour)

	// Keys of another type, or values this package did not write.
	do(t, client, "HSET", prefix+"user:hash", "f", "v")
	do(t, client, "HSET", prefix+"rev:sid:hash", "f", "v")
	do(t, client, "SET", prefix+"rev:sid:garbage", "not a time")
	do(t, client, "SET", prefix+"user:garbage", "1:2:3")
	tests := []struct {
		name string
		do   func() error
	}{
		{"RevokeUser on a hash", func() error { return s.RevokeUser(ctx, "hash", time.Now(), until) }},
		{"Revoke on a hash", func() error { return s.Revoke(ctx, "sid:hash", "", until) }},
		{"Revoked on a foreign session value", func() error {
			_, err := s.Revoked(ctx, &session.Claims{UserID: "x", SessionID: "garbage"})
			return err
		}},
		{"Revoked on a foreign user value", func() error {
			_, err := s.Revoked(ctx, &session.Claims{UserID: "garbage", SessionID: "x"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil || errors.Is(err, session.ErrStoreUnavailable) {
				t.Fatalf("got %v, want an error that does not match ErrStoreUnavailable", err)
			}
		})
	}

	t.Run("verification fails closed", func(t *testing.T) {
		m, err := session.New(session.HS256(newSecret(t)), session.Options{Store: s})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := m.Issue(ctx, "garbage", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Verify(ctx, tok.Value); !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Verify: got %v, want ErrUnavailable", err)
		}
	})
}

func newSecret(t testing.TB) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
