// Package storetest is the conformance suite for [session.Store]
// implementations. The stores of this module run it (the in-memory store
// and the Redis store alike), and so can third-party stores:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) session.Store {
//			return mystore.New(mystore.Options{Clock: now, Prefix: uniquePrefix(t)})
//		})
//	}
//
// The suite checks the contract documented on [session.Store]: what Revoke
// and RevokeUser cover and for how long, that a later revocation never
// weakens an earlier one, that session and user records are kept apart,
// that unusual bytes in keys and user ids are handled exactly, and that
// the store is safe for concurrent use (run it with -race).
package storetest

import (
	"context"
	"fmt"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// NewStore returns a new, empty store that reads the current time from
// now. Stores returned by different calls must not share records: a store
// on a shared backend uses a fresh key prefix or database for each call.
// It may register cleanups with t.
type NewStore func(t *testing.T, now func() time.Time) session.Store

// Run runs the conformance suite against the stores made by newStore,
// each case in its own subtest with its own store.
//
// The suite's clock starts at the current time, truncated to the second,
// and only moves forward, so a store that also lets records expire by a
// backend's own clock keeps them for as long as the suite needs them.
// Every until the suite passes is a whole millisecond, the precision a
// store may round to.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := testkit.NewClock(time.Now().Truncate(time.Second))
			s := newStore(t, clock.Now)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			c.run(t, &fixture{s: s, clock: clock, start: clock.Now()})
		})
	}
}

type fixture struct {
	s     session.Store
	clock *testkit.Clock
	start time.Time
}

func (f *fixture) at(d time.Duration) time.Time { return f.start.Add(d) }

// revoke records a revocation of key whose user is not known, as
// [session.Manager.RevokeSession] does.
func (f *fixture) revoke(t *testing.T, key string, until time.Time) {
	t.Helper()
	if err := f.s.Revoke(context.Background(), key, "", until); err != nil {
		t.Fatalf("Revoke(%q, %v): %v", key, until, err)
	}
}

func (f *fixture) revokeUser(t *testing.T, userID string, at, until time.Time) {
	t.Helper()
	if err := f.s.RevokeUser(context.Background(), userID, at, until); err != nil {
		t.Fatalf("RevokeUser(%q, %v, %v): %v", userID, at, until, err)
	}
}

func (f *fixture) revoked(t *testing.T, c *session.Claims) bool {
	t.Helper()
	ok, err := f.s.Revoked(context.Background(), c)
	if err != nil {
		t.Fatalf("Revoked(%s): %v", describe(c), err)
	}
	return ok
}

// want fails unless Revoked(c) is want at the clock's current time.
func (f *fixture) want(t *testing.T, c *session.Claims, want bool) {
	t.Helper()
	if got := f.revoked(t, c); got != want {
		t.Errorf("at start + %v: Revoked(%s) got %v, want %v", f.clock.Now().Sub(f.start), describe(c), got, want)
	}
}

func describe(c *session.Claims) string {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "none"
		}
		return t.Format("15:04:05.000")
	}
	return fmt.Sprintf("user %q, key %q, auth_time %s, iat %s", c.UserID, c.RevocationKey(), at(c.AuthTime), at(c.IssuedAt))
}

// token returns the claims of the first token of session sid and user
// userID, which started at start (to the millisecond).
func token(userID, sid string, start time.Time) *session.Claims {
	return &session.Claims{
		UserID:    userID,
		SessionID: sid,
		TokenID:   "jti-" + sid + "-" + fmt.Sprint(start.UnixMilli()),
		IssuedAt:  start.Truncate(time.Second),
		ExpiresAt: start.Add(time.Hour).Truncate(time.Second),
		AuthTime:  start,
	}
}

// renewed returns the claims of a token of the session of c renewed at
// iat: same session start, later iat.
func renewed(c *session.Claims, iat time.Time) *session.Claims {
	r := *c
	r.TokenID = c.TokenID + "-renewed-" + fmt.Sprint(iat.Unix())
	r.IssuedAt = iat.Truncate(time.Second)
	r.ExpiresAt = iat.Add(time.Hour).Truncate(time.Second)
	return &r
}

type testCase struct {
	name string
	run  func(t *testing.T, f *fixture)
}

var cases = []testCase{
	{"empty store revokes nothing", func(t *testing.T, f *fixture) {
		for _, c := range []*session.Claims{
			token("u", "s", f.start),
			{UserID: "u", TokenID: "j", ExpiresAt: f.at(time.Hour)},
			{UserID: "u", ExpiresAt: f.at(time.Hour)},
		} {
			f.want(t, c, false)
		}
	}},

	{"Revoke covers the key until until", func(t *testing.T, f *fixture) {
		until := f.at(10 * time.Minute)
		c := token("u", "s", f.start)
		f.revoke(t, c.RevocationKey(), until)
		for _, step := range []struct {
			at   time.Time
			want bool
		}{
			{f.start, true},
			{until.Add(-time.Millisecond), true},
			{until.Add(-time.Nanosecond), true},
			{until, false},
			{until.Add(time.Hour), false},
		} {
			f.clock.Set(step.at)
			f.want(t, c, step.want)
		}
	}},

	{"Revoke of a session covers all its tokens", func(t *testing.T, f *fixture) {
		f.revoke(t, "sid:s", f.at(time.Hour))
		for _, c := range []*session.Claims{
			token("u", "s", f.start),
			token("u", "s", f.at(-20*time.Minute)),
			token("u", "s", f.at(time.Minute)), // a renewed token
			{UserID: "u", SessionID: "s", ExpiresAt: f.at(time.Hour)},
		} {
			f.want(t, c, true)
		}
	}},

	{"Revoke by token id", func(t *testing.T, f *fixture) {
		c := &session.Claims{UserID: "u", TokenID: "j", IssuedAt: f.start, ExpiresAt: f.at(time.Hour)}
		if got, want := c.RevocationKey(), "jti:j"; got != want {
			t.Fatalf("RevocationKey: got %q, want %q", got, want)
		}
		f.revoke(t, c.RevocationKey(), f.at(time.Hour))
		f.want(t, c, true)
		f.want(t, &session.Claims{UserID: "u", TokenID: "k", IssuedAt: f.start}, false)
	}},

	{"Revoke leaves other keys alone", func(t *testing.T, f *fixture) {
		f.revoke(t, "sid:a", f.at(time.Hour))
		for _, c := range []*session.Claims{
			token("u", "b", f.start),
			token("u", "A", f.start),
			token("u", "ab", f.start),
			token("u", "a ", f.start),
			{UserID: "u", TokenID: "a", IssuedAt: f.start},       // jti:a, not sid:a
			{UserID: "a", SessionID: "x", IssuedAt: f.start},     // user a
			{UserID: "sid:a", SessionID: "y", IssuedAt: f.start}, // user named like the key
		} {
			f.want(t, c, false)
		}
	}},

	{"an earlier-ending Revoke never shortens a revocation", func(t *testing.T, f *fixture) {
		c := token("u", "s", f.start)
		f.revoke(t, c.RevocationKey(), f.at(time.Hour))
		f.revoke(t, c.RevocationKey(), f.at(time.Minute))
		f.clock.Set(f.at(59 * time.Minute))
		f.want(t, c, true)
		f.clock.Set(f.at(time.Hour))
		f.want(t, c, false)
	}},

	{"a later-ending Revoke extends a revocation", func(t *testing.T, f *fixture) {
		c := token("u", "s", f.start)
		f.revoke(t, c.RevocationKey(), f.at(time.Minute))
		f.revoke(t, c.RevocationKey(), f.at(time.Hour))
		f.clock.Set(f.at(59 * time.Minute))
		f.want(t, c, true)
	}},

	{"Revoke is idempotent", func(t *testing.T, f *fixture) {
		c := token("u", "s", f.start)
		for range 3 {
			f.revoke(t, c.RevocationKey(), f.at(time.Hour))
		}
		f.want(t, c, true)
		f.clock.Set(f.at(time.Hour))
		f.want(t, c, false)
	}},

	{"Revoke whose until has passed records nothing", func(t *testing.T, f *fixture) {
		c := token("u", "s", f.start)
		f.revoke(t, c.RevocationKey(), f.start)
		f.revoke(t, c.RevocationKey(), f.at(-time.Hour))
		f.want(t, c, false)
		// And it does not spoil a later, real one.
		f.revoke(t, c.RevocationKey(), f.at(time.Minute))
		f.want(t, c, true)
	}},

	{"RevokeUser covers tokens whose session started by the cutoff", func(t *testing.T, f *fixture) {
		cutoff := f.at(time.Minute + 500*time.Millisecond)
		until := f.at(time.Hour)
		f.clock.Set(cutoff)
		f.revokeUser(t, "u", cutoff, until)
		// foreign is a token of another issuer: iat, no auth_time.
		foreign := func(iat time.Time) *session.Claims {
			return &session.Claims{UserID: "u", TokenID: "j-" + fmt.Sprint(iat.Unix()), IssuedAt: iat, ExpiresAt: until}
		}
		old := token("u", "old", cutoff.Add(-time.Hour))
		tests := []struct {
			name   string
			claims *session.Claims
			at     time.Time
			want   bool
		}{
			{"started a millisecond before", token("u", "a", cutoff.Add(-time.Millisecond)), cutoff, true},
			{"started long before", token("u", "b", cutoff.Add(-20*time.Hour)), cutoff, true},
			{"started at the cutoff", token("u", "c", cutoff), cutoff, true},
			{"started a millisecond after, same second", token("u", "d", cutoff.Add(time.Millisecond)), cutoff.Add(time.Millisecond), false},
			{"started a second after", token("u", "e", cutoff.Add(time.Second)), cutoff.Add(time.Second), false},
			{"renewed after the cutoff from an older session", renewed(old, cutoff.Add(time.Second)), cutoff.Add(time.Second), true},
			{"renewed in the cutoff's second", renewed(old, cutoff.Add(time.Millisecond)), cutoff.Add(time.Millisecond), true},
			{"foreign, iat before", foreign(cutoff.Add(-time.Second)), cutoff, true},
			{"foreign, iat in the cutoff's second", foreign(cutoff.Truncate(time.Second)), cutoff, true},
			{"foreign, iat a second after", foreign(cutoff.Truncate(time.Second).Add(time.Second)), cutoff.Add(time.Second), false},
			{"without iat and auth_time", &session.Claims{UserID: "u", TokenID: "j"}, cutoff, true},
			{"started before, 1ns before until", token("u", "f", cutoff.Add(-time.Second)), until.Add(-time.Nanosecond), true},
			{"started before, at until", token("u", "g", cutoff.Add(-time.Second)), until, false},
			{"without iat and auth_time, at until", &session.Claims{UserID: "u", TokenID: "j"}, until, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.clock.Set(tt.at)
				f.want(t, tt.claims, tt.want)
			})
		}
	}},

	{"RevokeUser covers only that user", func(t *testing.T, f *fixture) {
		f.revokeUser(t, "u", f.start, f.at(time.Hour))
		old := f.at(-time.Minute)
		f.want(t, token("u", "s", old), true)
		for _, other := range []string{"U", "u ", " u", "u1", "uu", "v", "sid:u", "user:u"} {
			f.want(t, token(other, "s-"+other, old), false)
		}
	}},

	{"RevokeUser keeps the latest cutoff and until", func(t *testing.T, f *fixture) {
		cutoff, until := f.start, f.at(time.Hour)
		f.revokeUser(t, "u", cutoff, until)
		// An earlier cutoff and a shorter record: both ignored.
		f.revokeUser(t, "u", cutoff.Add(-time.Hour), f.at(time.Minute))
		f.clock.Set(until.Add(-time.Second))
		f.want(t, token("u", "a", cutoff), true)
		f.want(t, token("u", "b", cutoff.Add(time.Millisecond)), false)
		// A later cutoff and a longer record: both taken.
		f.revokeUser(t, "u", cutoff.Add(time.Minute), until.Add(time.Hour))
		f.want(t, token("u", "c", cutoff.Add(30*time.Second)), true)
		f.clock.Set(until.Add(30 * time.Minute))
		f.want(t, token("u", "d", cutoff.Add(30*time.Second)), true)
		f.want(t, token("u", "e", cutoff.Add(time.Minute+time.Millisecond)), false)
		f.clock.Set(until.Add(time.Hour))
		f.want(t, token("u", "f", cutoff.Add(30*time.Second)), false)
	}},

	{"RevokeUser whose until has passed records nothing", func(t *testing.T, f *fixture) {
		f.revokeUser(t, "u", f.start, f.start)
		f.revokeUser(t, "u", f.start, f.at(-time.Hour))
		f.want(t, token("u", "s", f.at(-time.Minute)), false)
		f.revokeUser(t, "u", f.start, f.at(time.Minute))
		f.want(t, token("u", "s", f.at(-time.Minute)), true)
	}},

	{"session and user records are apart", func(t *testing.T, f *fixture) {
		old := f.at(-time.Minute)
		f.revokeUser(t, "sid:x", f.start, f.at(time.Hour))
		f.revokeUser(t, "x", f.start, f.at(time.Hour))
		f.want(t, token("other", "x", old), false)
		f.revoke(t, "sid:y", f.at(time.Hour))
		f.want(t, token("sid:y", "z", f.at(time.Minute)), false)
		f.want(t, token("y", "z", f.at(time.Minute)), false)
	}},

	{"session and user records add up", func(t *testing.T, f *fixture) {
		c := token("u", "s", f.at(-time.Minute))
		f.revoke(t, c.RevocationKey(), f.at(10*time.Minute))
		f.revokeUser(t, "u", f.start, f.at(time.Hour))
		f.want(t, c, true)
		f.clock.Set(f.at(30 * time.Minute)) // the session record is over
		f.want(t, c, true)
		f.want(t, token("u", "t", f.at(time.Millisecond)), false)
		f.clock.Set(f.at(time.Hour)) // and the user record
		f.want(t, c, false)
	}},

	{"unusual bytes in keys and user ids", func(t *testing.T, f *fixture) {
		for _, v := range []string{
			"with space", "colon:colon", "{hash}tag", "}{", "*?[]", "ünïcødé ✓",
			"nul\x00byte", "new\nline", "\xff\xfe", strings.Repeat("long", 256),
		} {
			old := f.at(-time.Minute)
			f.revoke(t, "sid:"+v, f.at(time.Hour))
			f.want(t, token("owner", v, f.start), true)
			f.want(t, token("owner", v+"x", f.start), false)
			f.revokeUser(t, v, f.start, f.at(time.Hour))
			f.want(t, token(v, "other-"+v, old), true)
			f.want(t, token(v+"x", "other-"+v, old), false)
		}
	}},

	{"Revoked leaves the claims unchanged", func(t *testing.T, f *fixture) {
		f.revoke(t, "sid:s", f.at(time.Hour))
		f.revokeUser(t, "u", f.start, f.at(time.Hour))
		for _, c := range []*session.Claims{token("u", "s", f.start), token("u", "t", f.at(-time.Hour)), token("v", "w", f.start)} {
			before := *c
			f.revoked(t, c)
			if !reflect.DeepEqual(*c, before) {
				t.Errorf("Revoked changed the claims: got %+v, want %+v", *c, before)
			}
		}
	}},

	{"concurrent use", func(t *testing.T, f *fixture) {
		const workers, iterations = 8, 40
		ctx := context.Background()
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				user := fmt.Sprintf("user-%d", w)
				for i := range iterations {
					c := token(user, fmt.Sprintf("w%d-%d", w, i), f.start)
					if err := f.s.Revoke(ctx, c.RevocationKey(), user, f.at(time.Hour)); err != nil {
						t.Errorf("Revoke: %v", err)
						return
					}
					if ok, err := f.s.Revoked(ctx, c); !ok || err != nil {
						t.Errorf("Revoked(own write %s): got (%v, %v), want (true, nil)", c.SessionID, ok, err)
						return
					}
					// Read what another worker may be writing.
					other := token(fmt.Sprintf("user-%d", (w+1)%workers), fmt.Sprintf("w%d-%d", (w+1)%workers, i), f.start)
					if _, err := f.s.Revoked(ctx, other); err != nil {
						t.Errorf("Revoked: %v", err)
						return
					}
					if i%10 == 0 {
						if err := f.s.RevokeUser(ctx, user, f.at(time.Duration(i)*time.Second), f.at(time.Hour)); err != nil {
							t.Errorf("RevokeUser: %v", err)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		for w := range workers {
			for i := range iterations {
				c := token(fmt.Sprintf("other-%d", w), fmt.Sprintf("w%d-%d", w, i), f.at(time.Hour))
				if !f.revoked(t, c) {
					t.Fatalf("session %s: got not revoked after the concurrent writes, want revoked", c.SessionID)
				}
			}
			late := token(fmt.Sprintf("user-%d", w), "late", f.at(25*time.Second))
			if !f.revoked(t, late) {
				t.Errorf("user-%d: got the cutoff of an earlier RevokeUser kept, want the latest", w)
			}
		}
	}},
}
