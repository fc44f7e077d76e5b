package session_test

import (
	"context"
	"fmt"
	"log"

	"github.com/jwtsession/jwtsession/session"
)

// downStore stands for a shared store whose backend cannot be reached.
type downStore struct{ session.Store }

func (downStore) Revoked(context.Context, *session.Claims) (bool, error) {
	return false, fmt.Errorf("mystore: %w: connection refused", session.ErrStoreUnavailable)
}

func ExampleFailOpen() {
	ctx := context.Background()
	backend := downStore{session.NewMemoryStore(session.MemoryStoreOptions{})}

	// By default verification fails closed: the middleware answers 503.
	closed, _ := session.New(session.HS256(newExampleSecret()), session.Options{Store: backend})
	tok, _ := closed.Issue(ctx, "123", nil)
	_, err := closed.Verify(ctx, tok.Value)
	fmt.Println("fail closed:", err != nil)

	// Fail open, explicitly: revoked tokens are accepted during an outage.
	open, err := session.FailOpen(backend, func(_ context.Context, err error) {
		fmt.Println("revocation store down:", err)
	})
	if err != nil {
		log.Fatal(err)
	}
	m, _ := session.New(session.HS256(newExampleSecret()), session.Options{Store: open})
	tok, _ = m.Issue(ctx, "123", nil)
	c, err := m.Verify(ctx, tok.Value)
	fmt.Println("fail open:", c.UserID, err)
	// Output:
	// fail closed: true
	// revocation store down: mystore: session: revocation store unavailable: connection refused
	// fail open: 123 <nil>
}
