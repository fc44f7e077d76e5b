package storetest

import "time"

// The operations of [RunModel]. Each runs on a manager drawn at random
// and checks its result against the model; one that lacks what it needs
// (a token, kept claims) runs the operation that makes it instead.

func (r *modelRun) login() {
	i, mgr := r.manager()
	user := modelUsers[r.rng.IntN(len(modelUsers))]
	now := r.clock.Now()
	tok, err := mgr.Issue(r.ctx, user, nil)
	if err != nil {
		r.record("m%d login %s: %v", i, user, err)
		r.fail("Issue: got error %v, want a token", err)
	}
	if tok == nil || tok.Claims == nil {
		r.record("m%d login %s: a token without claims", i, user)
		r.fail("Issue: got a token without claims")
	}
	c := tok.Claims
	fresh := c.SessionID != "" && !r.m.knownSession(c.SessionID)
	got := r.m.login(user, c.SessionID, now, tok.Value, c.TokenID, now.Add(modelTTL).Truncate(time.Second))
	r.record("m%d login %s: %v", i, user, got)
	r.count("login")
	if !fresh {
		r.fail("Issue: got session id %q, want a new one", c.SessionID)
	}
	r.checkToken("Issue", tok, got)
}

func (r *modelRun) verify() {
	tok := r.pickToken()
	if tok == nil {
		r.login()
		return
	}
	i, _ := r.manager()
	r.verifyToken(i, tok, "verify", true)
}

// verifyAndKeep verifies a token and keeps its claims for a later Renew or
// Revoke, which may come after the session was revoked.
func (r *modelRun) verifyAndKeep() {
	tok := r.pickToken()
	if tok == nil {
		r.login()
		return
	}
	i, _ := r.manager()
	if c := r.verifyToken(i, tok, "verify and keep", true); c != nil {
		r.m.keep(c, tok, r.rng.IntN(maxRefClaims))
	}
}

func (r *modelRun) renew() {
	rc := r.pickClaims()
	if rc == nil {
		r.verifyAndKeep()
		return
	}
	i, mgr := r.manager()
	tok, err := mgr.Renew(r.ctx, rc.claims)
	r.checkRenewal(i, "Renew", "renew kept claims of", rc.tok, tok, err)
}

func (r *modelRun) refresh() {
	parent := r.pickToken()
	if parent == nil {
		r.login()
		return
	}
	i, mgr := r.manager()
	tok, err := mgr.Refresh(r.ctx, parent.value)
	r.checkRenewal(i, "Refresh", "refresh", parent, tok, err)
}

// logout revokes the session of kept claims, as a logout handler would.
func (r *modelRun) logout() {
	rc := r.pickClaims()
	if rc == nil {
		r.verifyAndKeep()
		return
	}
	i, mgr := r.manager()
	err := mgr.Revoke(r.ctx, rc.claims)
	r.record("m%d Revoke with kept claims of %v: %s", i, rc.tok, outcome(err))
	if err != nil {
		r.fail("Revoke: got error %v, want none", err)
	}
	rc.tok.s.revoked = true
	r.count("Revoke")
}

func (r *modelRun) revokeSession() {
	if len(r.m.sessions) == 0 {
		r.login()
		return
	}
	s := r.m.sessions[r.rng.IntN(len(r.m.sessions))]
	i, mgr := r.manager()
	err := mgr.RevokeSession(r.ctx, s.sid)
	r.record("m%d RevokeSession %v: %s", i, s, outcome(err))
	if err != nil {
		r.fail("RevokeSession: got error %v, want none", err)
	}
	s.revoked = true
	r.count("RevokeSession")
}

func (r *modelRun) revokeUser() {
	user := modelUsers[r.rng.IntN(len(modelUsers))]
	i, mgr := r.manager()
	err := mgr.RevokeUser(r.ctx, user)
	r.record("m%d RevokeUser %s: %s", i, user, outcome(err))
	if err != nil {
		r.fail("RevokeUser: got error %v, want none", err)
	}
	r.m.revokeUser(user, r.clock.Now())
	r.count("RevokeUser")
}

// pickToken returns a known token drawn at random, most often one that
// has not expired, or nil.
func (r *modelRun) pickToken() *refToken {
	return pick(r, r.m.tokens, func(tok *refToken) time.Time { return tok.exp })
}

// pickClaims returns kept claims drawn at random, most often those of a
// token that has not expired, or nil.
func (r *modelRun) pickClaims() *refClaims {
	return pick(r, r.m.claims, func(rc *refClaims) time.Time { return rc.tok.exp })
}

// pick returns an element of items drawn at random: three times in four
// among those whose expiry exp has not passed, if any, else among all.
func pick[T any](r *modelRun, items []T, exp func(T) time.Time) T {
	var zero T
	if len(items) == 0 {
		return zero
	}
	if r.rng.IntN(4) > 0 {
		now := r.clock.Now()
		live := 0
		for _, it := range items {
			if exp(it).After(now) {
				live++
			}
		}
		if live > 0 {
			k := r.rng.IntN(live)
			for _, it := range items {
				if exp(it).After(now) {
					if k == 0 {
						return it
					}
					k--
				}
			}
		}
	}
	return items[r.rng.IntN(len(items))]
}
