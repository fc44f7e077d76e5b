package redisstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jwtsession/jwtsession/internal/redistest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

// TestClusterDown checks that a cluster that serves no slot any more
// (CLUSTERDOWN) makes writes, and checks that need Redis, fail with
// ErrStoreUnavailable. A check already cached on a connection that still
// receives invalidations may still be answered: nothing can change what
// it mirrors while no slot is served.
func TestClusterDown(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.Options{Cluster: true})
	s := newStore(t, newClient(t, srv.Addr), redisstore.Options{Prefix: uniquePrefix(t)})
	for _, op := range storeOps {
		if err := op.do(ctx, s); err != nil {
			t.Fatalf("%s while the cluster is up: %v", op.name, err)
		}
	}
	if _, err := redistest.Do(srv.Addr, "CLUSTER", "DELSLOTSRANGE", "0", "16383"); err != nil {
		t.Fatal(err)
	}
	fresh := &session.Claims{UserID: "other", SessionID: "other"}
	for _, op := range storeOps[:2] {
		t.Run(op.name, func(t *testing.T) {
			err := op.do(ctx, s)
			if !errors.Is(err, session.ErrStoreUnavailable) {
				t.Errorf("got %v, want ErrStoreUnavailable", err)
			}
		})
	}
	_, err := s.Revoked(ctx, fresh)
	if !errors.Is(err, session.ErrStoreUnavailable) {
		t.Errorf("Revoked of keys never read: got %v, want ErrStoreUnavailable", err)
	}
}
