package session

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func newES256(t testing.TB, kid string) Key {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return mustKey(t, k, "ES256", kid)
}

// TestKeyRotationWalkThrough follows the documented procedure: add the new
// key, activate it, retire the old one; nobody is logged out on the way.
func TestKeyRotationWalkThrough(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ks, err := NewKeySet(newES256(t, "2026-a"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ks, Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := m.Issue(ctx, "123", nil)
	if got := testkit.KidOf(t, old.Value); got != "2026-a" {
		t.Fatalf("kid: got %q, want 2026-a", got)
	}
	mustVerify := func(step, tok string) *Claims {
		t.Helper()
		c, err := m.Verify(ctx, tok)
		if err != nil {
			t.Fatalf("%s: got %v, want the token valid", step, err)
		}
		return c
	}

	// 1. Add: the new key verifies but does not sign yet.
	if err := ks.Add(newES256(t, "2026-b")); err != nil {
		t.Fatal(err)
	}
	mustVerify("after Add", old.Value)
	if tok, _ := m.Issue(ctx, "123", nil); testkit.KidOf(t, tok.Value) != "2026-a" {
		t.Error("after Add: new tokens are not signed with the active key")
	}

	// 2. Activate: new and renewed tokens move to the new key; old tokens
	// keep working.
	if err := ks.Activate("2026-b"); err != nil {
		t.Fatal(err)
	}
	mustVerify("after Activate", old.Value)
	fresh, _ := m.Issue(ctx, "123", nil)
	if got := testkit.KidOf(t, fresh.Value); got != "2026-b" {
		t.Errorf("after Activate: new token kid %q, want 2026-b", got)
	}
	now = now.Add(25 * time.Minute)
	renewed, err := m.Renew(ctx, mustVerify("before renewal", old.Value))
	if err != nil {
		t.Fatal(err)
	}
	if got := testkit.KidOf(t, renewed.Value); got != "2026-b" {
		t.Errorf("renewed token kid %q, want 2026-b", got)
	}

	// 3. Retire once the old key's tokens have expired: the sessions live
	// on through their renewed tokens.
	now = now.Add(10 * time.Minute)
	if err := ks.Retire("2026-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Verify(ctx, old.Value); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrExpired) {
		t.Errorf("token of the retired key: got %v, want it rejected", err)
	}
	mustVerify("renewed after Retire", renewed.Value)
	later, _ := m.Issue(ctx, "456", nil)
	mustVerify("issued after Retire", later.Value)
	if got := ks.IDs(); len(got) != 1 || got[0] != "2026-b" {
		t.Errorf("IDs: got %v, want [2026-b]", got)
	}
}

// TestRetireDropsCachedVerifications: a token verified (and cached) before
// its key was retired is rejected afterwards.
func TestRetireDropsCachedVerifications(t *testing.T) {
	ctx := context.Background()
	ks, err := NewKeySet(newES256(t, "a"), newES256(t, "b"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.cache == nil {
		t.Fatal("the cache is off for an ES256 key set")
	}
	tok, _ := m.Issue(ctx, "123", nil)
	if _, err := m.Verify(ctx, tok.Value); err != nil {
		t.Fatal(err)
	}
	if err := ks.Activate("b"); err != nil {
		t.Fatal(err)
	}
	if err := ks.Retire("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Verify(ctx, tok.Value); !errors.Is(err, ErrInvalid) {
		t.Errorf("got %v, want ErrInvalid for a cached token of a retired key", err)
	}
}

func TestKeySetRefusals(t *testing.T) {
	a, b := newES256(t, "a"), newES256(t, "b")
	secret := make([]byte, 32)
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"key without id", func() error { _, err := NewKeySet(HS256(secret)); return err }, "needs a key id"},
		{"duplicate id", func() error { _, err := NewKeySet(a, newES256(t, "a")); return err }, "used twice"},
		{"verify-only active key", func() error {
			_, err := NewKeySet(mustKey(t, a.Public().(*ecdsa.PublicKey), "ES256", "p"))
			return err
		}, "must be able to sign"},
		{"weak key added", func() error {
			ks, _ := NewKeySet(a)
			return ks.Add(HS256(secret[:16]).WithID("weak"))
		}, "at least 32"},
		{"activate unknown", func() error { ks, _ := NewKeySet(a); return ks.Activate("zzz") }, "no key"},
		{"activate verify-only", func() error {
			ks, _ := NewKeySet(a, mustKey(t, b.Public().(*ecdsa.PublicKey), "ES256", "pub"))
			return ks.Activate("pub")
		}, "only verifies"},
		{"retire active", func() error { ks, _ := NewKeySet(a); return ks.Retire("a") }, "is active"},
		{"retire unknown", func() error { ks, _ := NewKeySet(a); return ks.Retire("zzz") }, "no key"},
		{"nil keys", func() error { _, err := New(nil, Options{}); return err }, "needs keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestKeySetSelection: the kid selects the key, the header alg must match
// it, and without a kid only a single-key set verifies.
func TestKeySetSelection(t *testing.T) {
	ctx := context.Background()
	hs := HS256([]byte("key-set-selection-test-secret-0123456789")).WithID("hs")
	es := newES256(t, "es")
	signer := func(k Key) *Manager {
		m, err := New(k, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ks, err := NewKeySet(es, hs)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := New(ks, Options{})
	hsTok, _ := signer(hs).Issue(ctx, "1", nil)
	if _, err := m.Verify(ctx, hsTok.Value); err != nil {
		t.Errorf("HS256 token of a verification key: got %v, want valid", err)
	}
	// A token naming kid "es" but signed with the HMAC key: alg mismatch.
	forged, _ := signer(HS256([]byte("key-set-selection-test-secret-0123456789")).WithID("es")).Issue(ctx, "1", nil)
	if _, err := m.Verify(ctx, forged.Value); !errors.Is(err, ErrInvalid) {
		t.Errorf("HS256 token claiming the ES256 kid: got %v, want ErrInvalid", err)
	}
	noKid, _ := signer(HS256([]byte("key-set-selection-test-secret-0123456789"))).Issue(ctx, "1", nil)
	if _, err := m.Verify(ctx, noKid.Value); !errors.Is(err, ErrInvalid) {
		t.Errorf("token without kid in a two-key set: got %v, want ErrInvalid", err)
	}
	unknown, _ := signer(newES256(t, "other")).Issue(ctx, "1", nil)
	if _, err := m.Verify(ctx, unknown.Value); !errors.Is(err, ErrInvalid) {
		t.Errorf("token with an unknown kid: got %v, want ErrInvalid", err)
	}
}

// TestKeySetPublicKeys: the asymmetric keys, the active one first, each
// the very Key the set verifies with; HS256 keys never.
func TestKeySetPublicKeys(t *testing.T) {
	ctx := context.Background()
	hs := HS256([]byte("key-set-public-keys-test-secret-0123456789")).WithID("hs")
	a, b := newES256(t, "a"), newES256(t, "b")
	ks, err := NewKeySet(hs, a, b)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(keys []Key) []string {
		var out []string
		for _, k := range keys {
			out = append(out, k.ID())
		}
		return out
	}
	if got := ids(ks.PublicKeys()); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("HS256 active: got %v, want [a b]", got)
	}
	if err := ks.Activate("b"); err != nil {
		t.Fatal(err)
	}
	keys := ks.PublicKeys()
	if got := ids(keys); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("b active: got %v, want [b a]", got)
	}
	if got, _ := ks.VerificationKey(ctx, "", "a"); len(keys) == 2 && got != keys[1] {
		t.Error("PublicKeys returned another Key than the set verifies with")
	}
	if got := ks.IDs(); !slices.Equal(got, []string{"b", "hs", "a"}) {
		t.Errorf("IDs: got %v, want [b hs a]", got)
	}
}

// TestKeySetConcurrentRotation rotates while requests verify and renew,
// under -race: every token issued is verifiable until its key is retired.
func TestKeySetConcurrentRotation(t *testing.T) {
	ctx := context.Background()
	ks, err := NewKeySet(HS256([]byte("rotation-secret-0-0123456789abcdefgh")).WithID("k0"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := New(ks, Options{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tok, err := m.Issue(ctx, "1", nil)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := m.Verify(ctx, tok.Value); err != nil && !errors.Is(err, ErrInvalid) {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := 1; i <= 20; i++ {
		id := "k" + string(rune('0'+i%10)) + string(rune('a'+i))
		if err := ks.Add(HS256([]byte("rotation-secret-" + id + "-0123456789abcdefgh")).WithID(id)); err != nil {
			t.Fatal(err)
		}
		active, _ := ks.SigningKey()
		prev := active.ID()
		if err := ks.Activate(id); err != nil {
			t.Fatal(err)
		}
		if err := ks.Retire(prev); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}
