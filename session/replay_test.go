package session_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

func TestMemoryStoreReplay(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	s := session.NewMemoryStore(session.MemoryStoreOptions{Clock: clock.Now})
	var rc session.ReplayCache = s
	add := func(id string, until time.Time) bool {
		t.Helper()
		ok, err := rc.Add(ctx, id, until)
		if err != nil {
			t.Fatalf("Add(%q): %v", id, err)
		}
		return ok
	}
	if !add("a", t0.Add(time.Minute)) {
		t.Fatal("got a first id reported as seen, want new")
	}
	if add("a", t0.Add(time.Minute)) {
		t.Fatal("got a repeated id reported as new, want seen")
	}
	if add("a", t0.Add(time.Hour)) {
		t.Fatal("got a repeated id with a later until reported as new, want seen")
	}
	if !add("b", t0.Add(time.Minute)) {
		t.Fatal("got another id reported as seen, want new")
	}
	clock.Advance(time.Minute - time.Millisecond)
	if add("a", t0.Add(2*time.Minute)) {
		t.Fatal("got an id reported as new a millisecond before its until, want seen")
	}
	clock.Advance(time.Millisecond)
	if !add("a", t0.Add(2*time.Minute)) {
		t.Fatal("got an id reported as seen once its until passed, want new")
	}
	// An until already passed records nothing: the id is new every time.
	if !add("c", t0) {
		t.Fatal("got an id with a passed until reported as seen, want new")
	}
	if !add("c", t0) {
		t.Fatal("got an id with a passed until reported as seen the second time, want new (nothing recorded)")
	}
	if got := session.StoreLen(s); got != 0 {
		t.Errorf("got %d revocation records, want the replay ids kept apart (0)", got)
	}
}

// TestMemoryStoreReplayConcurrent: of many concurrent Adds of one id,
// exactly one reports it new.
func TestMemoryStoreReplayConcurrent(t *testing.T) {
	s := session.NewMemoryStore(session.MemoryStoreOptions{})
	until := time.Now().Add(time.Minute)
	for round := range 20 {
		id := "id-" + strconv.Itoa(round)
		var fresh atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, err := s.Add(context.Background(), id, until); err == nil && ok {
					fresh.Add(1)
				}
			}()
		}
		wg.Wait()
		if got := fresh.Load(); got != 1 {
			t.Fatalf("round %d: got %d calls told the id is new, want exactly 1", round, got)
		}
	}
}

// TestMemoryStoreReplayBound: a full set refuses new ids rather than
// forget a live one, and makes room once ids expire.
func TestMemoryStoreReplayBound(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	s := session.NewMemoryStore(session.MemoryStoreOptions{MaxEntries: 3, Clock: clock.Now})
	for i := range 3 {
		if ok, err := s.Add(ctx, strconv.Itoa(i), t0.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("Add(%d): got %v, %v; want true, nil", i, ok, err)
		}
	}
	if _, err := s.Add(ctx, "3", t0.Add(time.Minute)); !errors.Is(err, session.ErrStoreFull) {
		t.Fatalf("got %v when full, want ErrStoreFull", err)
	}
	for i := range 3 {
		if ok, err := s.Add(ctx, strconv.Itoa(i), t0.Add(time.Minute)); err != nil || ok {
			t.Fatalf("Add(%d) when full: got %v, %v; want false, nil (still remembered)", i, ok, err)
		}
	}
	clock.Advance(time.Minute)
	for i := 3; i < 6; i++ {
		if ok, err := s.Add(ctx, strconv.Itoa(i), t0.Add(2*time.Minute)); err != nil || !ok {
			t.Fatalf("Add(%d) after expiry: got %v, %v; want true, nil", i, ok, err)
		}
	}
}

// TestMemoryStoreReplaySweep: a full set whose ids have expired makes
// room at the next sweep, at most one sweep interval (1 s) later, and not
// before.
func TestMemoryStoreReplaySweep(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	s := session.NewMemoryStore(session.MemoryStoreOptions{MaxEntries: 2, Clock: clock.Now})
	for i := range 2 {
		if ok, err := s.Add(ctx, strconv.Itoa(i), t0.Add(time.Millisecond)); err != nil || !ok {
			t.Fatalf("Add(%d): got %v, %v; want true, nil", i, ok, err)
		}
	}
	clock.Advance(500 * time.Millisecond) // expired, but no sweep is due
	if _, err := s.Add(ctx, "2", t0.Add(time.Minute)); !errors.Is(err, session.ErrStoreFull) {
		t.Fatalf("half a sweep interval later: got %v, want ErrStoreFull", err)
	}
	clock.Advance(500 * time.Millisecond)
	if ok, err := s.Add(ctx, "2", t0.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("a sweep interval later: got %v, %v; want true, nil", ok, err)
	}
}
