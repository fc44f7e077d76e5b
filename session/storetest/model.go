package storetest

import (
	"context"
	crand "crypto/rand"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// The configuration of the managers under test.
const (
	modelTTL         = 10 * time.Minute
	modelMaxLifetime = 30 * time.Minute
	modelCacheSize   = 1024
)

const (
	modelLogSize    = 20 // operations shown when a check fails
	modelCheckEvery = 32 // operations between two checks of every known token
)

var modelUsers = [...]string{"alice", "bob", "carol"}

// RunModel checks the session life cycle and the revocation invariants of
// [session.Manager] on the stores made by newStore: ops random operations
// (logins, verifications, renewals of fresh and of stale claims,
// refreshes, logouts, RevokeSession, RevokeUser and forward clock steps,
// many of them within one second), first on one Manager, then on two
// Managers sharing a store and a clock, one of them with the
// verified-token cache. After each operation it compares the result with
// a small reference model of which sessions are revoked and which tokens
// have expired, and every few operations it verifies every token it
// knows on every Manager.
//
// The model: a token verifies until its exp (whole seconds), after which
// it is expired; before that it is revoked once its session is. Revoke
// and RevokeSession revoke a session, and RevokeUser every session of the
// user whose auth_time (milliseconds) is at or before that instant,
// sessions started later staying valid; a revoked session stays revoked
// with all its tokens, renewed ones included. Renew and Refresh refuse an
// expired token, a session past auth_time + MaxLifetime and a revoked
// session (Renew also with claims verified before the revocation), and
// otherwise return a token of the same user, session and auth_time, with
// iat the current second and exp min(now+TTL, auth_time+MaxLifetime) in
// whole seconds. A Manager may answer a repeated renewal of the same
// token within 30 seconds with the token it returned the first time.
//
// A run is deterministic for its seed. A failure shows the seed and the
// last operations, so that it can be replayed.
func RunModel(t *testing.T, newStore NewStore, opts ModelOptions) {
	t.Helper()
	ops, seed := opts.Ops, opts.Seed
	if ops <= 0 {
		t.Fatalf("RunModel: Ops is %d; it must be positive", ops)
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with the same ModelOptions.Seed)", seed)
	for i, c := range []struct {
		name   string
		caches []int // one manager for each, with this verified-token cache bound (-1: none)
	}{
		{"one manager", []int{-1}},
		{"two managers", []int{-1, modelCacheSize}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newModelRun(t, newStore, c.caches, seed, uint64(i), ops)
			for r.op = 1; r.op <= ops; r.op++ {
				r.step()
				if r.op%modelCheckEvery == 0 {
					r.checkAll()
				}
			}
			r.summary()
		})
	}
}

// ModelOptions configures [RunModel].
type ModelOptions struct {
	// Ops is the number of operations of each run. Required: a few
	// thousand take well under a second; a million, seconds.
	Ops int
	// Seed makes the operations repeatable. Default: one taken from the
	// time, and logged.
	Seed uint64
}

// modelRun is one run of [RunModel].
type modelRun struct {
	t      *testing.T
	ctx    context.Context
	rng    *rand.Rand
	seed   uint64
	clock  *testkit.Clock
	start  time.Time
	mgrs   []*session.Manager
	m      *refModel
	op     int // the current operation, from 1
	ops    int
	log    []string       // the last operations, oldest first
	counts map[string]int // outcomes, for the summary
}

func newModelRun(t *testing.T, newStore NewStore, caches []int, seed, stream uint64, ops int) *modelRun {
	t.Helper()
	clock := testkit.NewClock(time.Now().Truncate(time.Second))
	s := newStore(t, clock.Now)
	if s == nil {
		t.Fatal("newStore returned nil")
	}
	secret := make([]byte, 32)
	if _, err := crand.Read(secret); err != nil {
		t.Fatal(err)
	}
	r := &modelRun{
		t:      t,
		ctx:    t.Context(),
		rng:    rand.New(rand.NewPCG(seed, stream)),
		seed:   seed,
		clock:  clock,
		start:  clock.Now(),
		m:      newRefModel(modelTTL, modelMaxLifetime),
		ops:    ops,
		counts: make(map[string]int),
	}
	for _, cache := range caches {
		m, err := session.New(session.HS256(secret), session.Options{
			Clock:              clock.Now,
			Store:              s,
			TTL:                modelTTL,
			RenewWithin:        modelTTL,
			MaxLifetime:        modelMaxLifetime,
			VerifiedTokenCache: cache,
		})
		if err != nil {
			t.Fatalf("session.New: %v", err)
		}
		r.mgrs = append(r.mgrs, m)
	}
	return r
}

// modelOps are the operations of a run and their weights.
var modelOps = [...]struct {
	weight int
	run    func(*modelRun)
}{
	{6, (*modelRun).login},
	{22, (*modelRun).verify},
	{12, (*modelRun).verifyAndKeep},
	{12, (*modelRun).renew},
	{10, (*modelRun).refresh},
	{3, (*modelRun).logout},
	{2, (*modelRun).revokeSession},
	{2, (*modelRun).revokeUser},
	{24, (*modelRun).stepClock},
}

// step runs one operation drawn at random.
func (r *modelRun) step() {
	total := 0
	for _, op := range modelOps {
		total += op.weight
	}
	n := r.rng.IntN(total)
	for _, op := range modelOps {
		if n < op.weight {
			op.run(r)
			return
		}
		n -= op.weight
	}
}

// manager picks a manager at random.
func (r *modelRun) manager() (int, *session.Manager) {
	i := r.rng.IntN(len(r.mgrs))
	return i, r.mgrs[i]
}

// Clock steps that depend on the state; the others are durations.
const (
	stepNextSecond   = -1 // to the next whole second
	stepToExpiry     = -2 // to the nearest expiry of a known token, or 1 ms before it
	stepPastLifetime = -3 // past the maximum lifetime of every session
)

// modelSteps are the clock steps of a run and their weights. Most fall
// within one second, so that logins, renewals and revocations often share
// the second of iat, exp and a user cutoff.
var modelSteps = [...]struct {
	weight int
	d      time.Duration
}{
	{30, 0},
	{30, time.Millisecond},
	{30, 7 * time.Millisecond},
	{30, 499 * time.Millisecond},
	{30, 999 * time.Millisecond},
	{30, time.Second},
	{24, 1500 * time.Millisecond},
	{24, stepNextSecond},
	{18, stepToExpiry},
	{9, modelTTL / 3},
	{3, modelTTL},
	{1, stepPastLifetime},
}

// stepClock moves the clock forward by a step drawn at random.
func (r *modelRun) stepClock() {
	total := 0
	for _, s := range modelSteps {
		total += s.weight
	}
	n := r.rng.IntN(total)
	var d time.Duration
	for _, s := range modelSteps {
		if n < s.weight {
			d = s.d
			break
		}
		n -= s.weight
	}
	now := r.clock.Now()
	next := now.Add(d)
	switch d {
	case stepNextSecond:
		next = now.Truncate(time.Second).Add(time.Second)
	case stepToExpiry:
		next = time.Time{}
		for _, tok := range r.m.tokens {
			if tok.exp.After(now) && (next.IsZero() || tok.exp.Before(next)) {
				next = tok.exp
			}
		}
		if next.IsZero() {
			next = now.Truncate(time.Second).Add(time.Second)
		}
		if r.rng.IntN(2) == 0 && next.Add(-time.Millisecond).After(now) {
			next = next.Add(-time.Millisecond)
		}
	case stepPastLifetime:
		next = now.Add(modelMaxLifetime + time.Second)
	}
	r.clock.Set(next)
	r.record("clock +%v", next.Sub(now))
}
