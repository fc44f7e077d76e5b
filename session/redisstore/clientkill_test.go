package redisstore_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/session"
)

// namedClient returns a client of the server at addr whose connections
// carry name (CLIENT SETNAME), closed when t ends.
func namedClient(t *testing.T, addr, name string) rueidis.Client {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress:  []string{addr},
		ClientName:   name,
		DisableRetry: true,
		Dialer:       net.Dialer{Timeout: time.Second},
	})
	if err != nil {
		t.Fatalf("rueidis.NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// clientIDs returns the ids of the connections named name, from CLIENT
// LIST.
func clientIDs(t *testing.T, addr, name string) []string {
	t.Helper()
	list, err := redistest.Do(addr, "CLIENT", "LIST")
	if err != nil {
		t.Fatalf("CLIENT LIST: %v", err)
	}
	var ids []string
	for _, line := range strings.Split(list, "\n") {
		fields := strings.Fields(line)
		if !slices.Contains(fields, "name="+name) {
			continue
		}
		for _, f := range fields {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// TestInvalidationConnectionKilled drops instance B's connections, which
// carry Redis's invalidations, with CLIENT KILL while Redis stays up, and
// logs out on instance A right after: B never keeps serving the "not
// revoked" it had cached (it sees the logout within a second, answering
// at most ErrUnavailable meanwhile), and it recovers without a restart:
// new connections, checks served from the cache again, and the next
// logout on A reaches B through a new invalidation.
func TestInvalidationConnectionKilled(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Options{})
	prefix, secret := uniquePrefix(t), newSecret(t)
	a := managerOn(t, namedClient(t, srv.Addr, "instance-a"), prefix, secret)
	b := managerOn(t, namedClient(t, srv.Addr, "instance-b"), prefix, secret)
	first, second := mustIssue(t, a, "123"), mustIssue(t, a, "456")
	for _, tok := range []string{first, second} {
		verifyIs(t, b, "B, before", tok, nil)
	}
	claims, err := a.Verify(ctx, first)
	if err != nil {
		t.Fatal(err)
	}

	killed := clientIDs(t, srv.Addr, "instance-b")
	if len(killed) == 0 {
		t.Fatal("CLIENT LIST shows no connection of instance B")
	}
	for _, id := range killed {
		if _, err := redistest.Do(srv.Addr, "CLIENT", "KILL", "ID", id); err != nil {
			t.Fatalf("CLIENT KILL ID %s: %v", id, err)
		}
	}
	if err := a.Revoke(ctx, claims); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; ; i++ {
		_, err := b.Verify(ctx, first)
		if errors.Is(err, session.ErrRevoked) {
			break
		}
		if err != nil && !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("B after the kill: got %v, want ErrRevoked (or ErrUnavailable meanwhile)", err)
		}
		if i >= 1000 || time.Since(start) > time.Second {
			t.Fatalf("B after the kill and the logout: got %v for %v, want ErrRevoked", err, time.Since(start))
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("B saw the logout %v after it returned on A", time.Since(start))

	// Recovery: new connections, cached checks, invalidations.
	waitFor(t, func() error { _, err := b.Verify(ctx, second); return err })
	ids := clientIDs(t, srv.Addr, "instance-b")
	if len(ids) == 0 || slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(killed, id) }) {
		t.Fatalf("connections of B: got %v, want new ones (killed: %v)", ids, killed)
	}
	before := commands(t, srv.Addr)
	for range 100 {
		verifyIs(t, b, "B, reconnected", second, nil)
	}
	if n := commands(t, srv.Addr) - before; n > 2 {
		t.Errorf("100 checks on B after reconnecting: got %d Redis commands, want at most 2 (served from the cache)", n)
	}
	c2, err := a.Verify(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(ctx, c2); err != nil {
		t.Fatal(err)
	}
	waitVerify(t, b, "B, reconnected, logout on A", second, false, session.ErrRevoked, time.Second)
}
