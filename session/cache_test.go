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
	m, err := New(testKeys(t)["ES256"], WithClock(func() time.Time { return now }), WithVerifiedTokenCache(entries))
	if err != nil {
		t.Fatal(err)
	}
	return m, &now
}

func TestVerifiedCacheDefaults(t *testing.T) {
	for alg, key := range testKeys(t) {
		m, err := New(key)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		if m.cache != nil {
			got = m.cache.max
		}
		want := DefaultVerifiedCacheEntries
		if alg == "HS256" {
			want = 0
		}
		if got != want {
			t.Errorf("%s: got cache size %d, want %d", alg, got, want)
		}
	}
	if _, err := New(testKeys(t)["HS256"], WithVerifiedTokenCache(-1)); err == nil {
		t.Error("got no error for a negative cache size")
	}
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
		*now = now.Add(DefaultTTL)
		if _, err := m.Verify(ctx, tok.Value); !errors.Is(err, ErrExpired) {
			t.Errorf("got %v, want ErrExpired from a cached token", err)
		}
		if _, ok := m.cache.get(tok.Value, 0); ok {
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
