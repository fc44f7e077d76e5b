package session

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// cacheFixture is an ES256 manager with a settable clock and a cache of
// the given size.
func cacheFixture(t *testing.T, entries int) (*Manager, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	m, err := New(testKeys(t)["ES256"], Options{Clock: func() time.Time { return now }, VerifiedTokenCache: entries})
	if err != nil {
		t.Fatal(err)
	}
	return m, &now
}

// TestVerifiedCacheDefaults: by default the cache holds the tokens of
// asymmetric keys only, whatever the Keys (a single key, or a KeySet that
// rotates from HS256 to ES256); an explicit bound caches every token.
func TestVerifiedCacheDefaults(t *testing.T) {
	ctx := context.Background()
	keys := testKeys(t)
	cachedAfterVerify := func(t *testing.T, m *Manager, tok string) int {
		t.Helper()
		if _, err := m.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if m.cache == nil {
			return -1
		}
		return m.cache.len()
	}
	for alg, key := range keys {
		t.Run(alg, func(t *testing.T) {
			m, err := New(key, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tok, _ := m.Issue(ctx, "123", nil)
			want := 1
			if alg == "HS256" {
				want = 0
			}
			if got := cachedAfterVerify(t, m, tok.Value); got != want {
				t.Errorf("default: got %d cached tokens, want %d", got, want)
			}
			m, _ = New(key, Options{VerifiedTokenCache: 16})
			tok, _ = m.Issue(ctx, "123", nil)
			if got := cachedAfterVerify(t, m, tok.Value); got != 1 {
				t.Errorf("VerifiedTokenCache 16: got %d cached tokens, want 1", got)
			}
			m, _ = New(key, Options{VerifiedTokenCache: -1})
			tok, _ = m.Issue(ctx, "123", nil)
			if got := cachedAfterVerify(t, m, tok.Value); got != -1 {
				t.Errorf("VerifiedTokenCache -1: got a cache of %d tokens, want none", got)
			}
		})
	}
	t.Run("KeySet rotating from HS256 to ES256", func(t *testing.T) {
		ks, err := NewKeySet(keys["HS256"].WithID("hs"), keys["ES256"].WithID("es"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(ks, Options{})
		if err != nil {
			t.Fatal(err)
		}
		hs, _ := m.Issue(ctx, "123", nil)
		if got := cachedAfterVerify(t, m, hs.Value); got != 0 {
			t.Errorf("HS256 token: got %d cached tokens, want 0", got)
		}
		ks.Activate("es")
		es, _ := m.Issue(ctx, "123", nil)
		if got := cachedAfterVerify(t, m, es.Value); got != 1 {
			t.Errorf("ES256 token: got %d cached tokens, want 1", got)
		}
	})
}

func TestVerifiedCacheKeepsEveryCheck(t *testing.T) {
	ctx := context.Background()
	m, now := cacheFixture(t, 16)
	tok, err := m.Issue(ctx, "123", nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := m.Verify(ctx, tok.Value)
	if err != nil {
		t.Fatal(err)
	}
	if m.cache.len() != 1 {
		t.Fatalf("got %d cache entries, want 1", m.cache.len())
	}
	first.UserID = "mallory" // callers get copies
	second, err := m.Verify(ctx, tok.Value)
	if err != nil || second.UserID != "123" {
		t.Fatalf("cache hit: got %+v, %v; want user 123", second, err)
	}

	t.Run("forgeries miss", func(t *testing.T) {
		last := "A"
		if strings.HasSuffix(tok.Value, "A") {
			last = "B"
		}
		for name, forged := range map[string]string{
			"last character changed": tok.Value[:len(tok.Value)-1] + last,
			"junk appended":          tok.Value + "A",
			"prefix":                 tok.Value[:len(tok.Value)-2],
		} {
			if _, err := m.Verify(ctx, forged); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: got %v, want ErrInvalid", name, err)
			}
		}
	})

	t.Run("revocation still applies", func(t *testing.T) {
		other, _ := m.Issue(ctx, "456", nil)
		c, err := m.Verify(ctx, other.Value)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Revoke(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Verify(ctx, other.Value); !errors.Is(err, ErrRevoked) {
			t.Errorf("got %v, want ErrRevoked from a cached token", err)
		}
	})

	t.Run("expiry still applies", func(t *testing.T) {
		*now = now.Add(defaultTTL)
		if _, err := m.Verify(ctx, tok.Value); !errors.Is(err, ErrExpired) {
			t.Errorf("got %v, want ErrExpired from a cached token", err)
		}
		if _, ok := m.cache.get(tok.Value); ok {
			t.Error("an expired token stayed in the cache")
		}
	})
}

func TestVerifiedCacheBounded(t *testing.T) {
	ctx := context.Background()
	m, _ := cacheFixture(t, 3)
	for i := 0; i < 10; i++ {
		tok, err := m.Issue(ctx, "123", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Verify(ctx, tok.Value); err != nil {
			t.Fatal(err)
		}
		if n := m.cache.len(); n > 3 {
			t.Fatalf("got %d entries, want at most 3", n)
		}
	}
}

func TestVerifiedCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	m, _ := cacheFixture(t, 8)
	var tokens []string
	for i := 0; i < 16; i++ {
		tok, _ := m.Issue(ctx, "123", nil)
		tokens = append(tokens, tok.Value)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if _, err := m.Verify(ctx, tokens[(g+i)%len(tokens)]); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestVerifiedCacheHitAllocations(t *testing.T) {
	ctx := context.Background()
	m, _ := cacheFixture(t, 16)
	tok, _ := m.Issue(ctx, "123", nil)
	if _, err := m.Verify(ctx, tok.Value); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := m.Verify(ctx, tok.Value); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("cache hit: got %v allocations, want at most 2", allocs)
	}
}
