package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// checkAll verifies every known token on every manager.
func (r *modelRun) checkAll() {
	r.record("verify each of the %d known tokens on each manager", len(r.m.tokens))
	for i := range r.mgrs {
		for _, tok := range r.m.tokens {
			r.verifyToken(i, tok, "check", false)
		}
	}
}

// verifyToken verifies tok on manager i, checks the result against the
// model and returns the claims of a valid token. With log false, only a
// failed check is logged.
func (r *modelRun) verifyToken(i int, tok *refToken, op string, log bool) *session.Claims {
	now := r.clock.Now()
	c, err := r.mgrs[i].Verify(r.ctx, tok.value)
	want := r.m.wantVerify(tok, now)
	r.count(op + ": " + outcome(want))
	if log || !matches(err, want) {
		r.record("m%d %s %v: %s", i, op, tok, outcome(err))
	}
	r.expect("Verify", tok, err, want)
	if want != nil {
		return nil
	}
	r.checkClaims("Verify", c, tok)
	return c
}

// checkRenewal checks the result of a Renew or Refresh of parent on
// manager i against the model, and records a renewed token.
func (r *modelRun) checkRenewal(i int, what, op string, parent *refToken, tok *session.Token, err error) {
	now := r.clock.Now()
	exp, want := r.m.wantRenew(parent, now)
	if want != nil {
		r.count(op + ": " + outcome(want))
	}
	if want != nil || err != nil {
		r.record("m%d %s %v: %s", i, op, parent, outcome(err))
		r.expect(what, parent, err, want)
		return
	}
	if tok == nil || tok.Claims == nil {
		r.record("m%d %s %v: a token without claims", i, op, parent)
		r.fail("%s of %v: got a token without claims", what, parent)
	}
	if same := r.m.repeated(i, parent, tok.Value, now); same != nil {
		r.record("m%d %s %v: %s again", i, op, parent, same.name)
		r.count(op + ": the same token again")
		r.checkClaims(what, tok.Claims, same)
		return
	}
	if old := r.m.knownToken(tok.Value); old != nil {
		r.record("m%d %s %v: %s", i, op, parent, old.name)
		r.fail("%s of %v: got %s, which m%d did not renew %s to in the last %v", what, parent, old.name, i, parent.name, renewalWindow)
	}
	child := r.m.addToken(parent.s, tok.Value, tok.Claims.TokenID, exp)
	r.record("m%d %s %v: %s", i, op, parent, child.name)
	r.count(op + ": a new token")
	if end := parent.s.authTime.Add(modelMaxLifetime); end.Before(now.Add(modelTTL)) {
		r.count(op + ": a new token, its exp capped by the maximum lifetime")
	}
	r.m.renewed(i, parent, child, now)
	r.checkToken(what, tok, child)
	if tok.Claims.TokenID == parent.jti {
		r.fail("%s of %v: got jti %q again, want a new one", what, parent, parent.jti)
	}
}

// checkToken checks a token just issued or renewed: its claims, and its
// iat, the current second.
func (r *modelRun) checkToken(what string, tok *session.Token, ref *refToken) {
	r.checkClaims(what, tok.Claims, ref)
	now := r.clock.Now()
	switch c := tok.Claims; {
	case c.TokenID == "":
		r.fail("%s: %s has no jti", what, ref.name)
	case !c.IssuedAt.Equal(now.Truncate(time.Second)):
		r.fail("%s: iat of %s got %s, want %s", what, ref.name, r.rel(c.IssuedAt), r.rel(now.Truncate(time.Second)))
	}
}

// checkClaims checks claims c of tok against the model.
func (r *modelRun) checkClaims(what string, c *session.Claims, tok *refToken) {
	s := tok.s
	switch {
	case c == nil:
		r.fail("%s of %v: got nil claims", what, tok)
	case c.UserID != s.user:
		r.fail("%s of %v: user id got %q, want %q", what, tok, c.UserID, s.user)
	case c.SessionID != s.sid:
		r.fail("%s of %v: sid got %q, want %q", what, tok, c.SessionID, s.sid)
	case !c.AuthTime.Equal(s.authTime):
		r.fail("%s of %v: auth_time got %s, want %s", what, tok, r.rel(c.AuthTime), r.rel(s.authTime))
	case !c.ExpiresAt.Equal(tok.exp):
		r.fail("%s of %v: exp got %s, want %s", what, tok, r.rel(c.ExpiresAt), r.rel(tok.exp))
	case c.TokenID != tok.jti:
		r.fail("%s of %v: jti got %q, want %q", what, tok, c.TokenID, tok.jti)
	}
}

// expect fails unless err is what the model wants: nil, or an error that
// matches want.
func (r *modelRun) expect(what string, tok *refToken, err, want error) {
	if !matches(err, want) {
		r.fail("%s of %v: got %s, want %s\n%s", what, tok, outcome(err), outcome(want), r.state(tok))
	}
}

func matches(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

// outcome names the result of an operation for the log.
func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, session.ErrExpired):
		return "expired"
	case errors.Is(err, session.ErrRevoked):
		return "revoked"
	case errors.Is(err, session.ErrNotRenewable):
		return "not renewable"
	}
	return "error " + err.Error()
}

// state describes what the model knows of tok.
func (r *modelRun) state(tok *refToken) string {
	s := tok.s
	var b strings.Builder
	fmt.Fprintf(&b, "model: %s expires at %s; %v logged in at %s", tok.name, r.rel(tok.exp), s, r.rel(s.authTime))
	if s.revoked {
		b.WriteString(", revoked by its id")
	}
	if cutoff, ok := r.m.cutoffs[s.user]; ok {
		fmt.Fprintf(&b, "; the last RevokeUser %s was at %s", s.user, r.rel(cutoff))
	}
	return b.String()
}

// count counts an outcome for the summary of the run.
func (r *modelRun) count(outcome string) { r.counts[outcome]++ }

// summary logs how often each outcome occurred, so that a reader can see
// what a run exercised.
func (r *modelRun) summary() {
	keys := slices.Sorted(maps.Keys(r.counts))
	var b strings.Builder
	fmt.Fprintf(&b, "%d operations; outcomes:", r.ops)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n\t%6d %s", r.counts[k], k)
	}
	r.t.Log(b.String())
}

// record appends an operation to the log of the last ones.
func (r *modelRun) record(format string, args ...any) {
	entry := fmt.Sprintf("#%d at %s: ", r.op, r.rel(r.clock.Now())) + fmt.Sprintf(format, args...)
	if len(r.log) == modelLogSize {
		copy(r.log, r.log[1:])
		r.log = r.log[:modelLogSize-1]
	}
	r.log = append(r.log, entry)
}

// fail stops the run with msg, the seed and the last operations.
func (r *modelRun) fail(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("operation %d of %d: %s\nseed %d: replay %s with ModelOptions{Seed: %d} and at least %d operations (this module's tests: -model.seed, -model.ops)\n"+
		"the last operations (m: managers, s: sessions, t: tokens; times from the start):\n\t%s",
		r.op, r.ops, fmt.Sprintf(format, args...), r.seed, r.t.Name(), r.seed, r.op, strings.Join(r.log, "\n\t"))
}

// rel returns at as an offset from the start of the run.
func (r *modelRun) rel(at time.Time) string { return "+" + at.Sub(r.start).String() }
