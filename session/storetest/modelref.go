package storetest

import (
	"fmt"
	"slices"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// Bounds of what the reference model remembers, so that a run of any
// length uses constant memory.
const (
	maxRefTokens   = 32
	maxRefSessions = 32
	maxRefClaims   = 16
	maxRefRenewals = 256
	// renewalWindow is how long a Manager may answer a repeated renewal of
	// the same token with the token it renewed it to before.
	renewalWindow = 30 * time.Second
)

// refModel is the reference model of [RunModel]: the sessions and tokens
// the run knows, and what the session life cycle and the revocation
// invariants say about each of them.
type refModel struct {
	ttl, maxLifetime time.Duration

	sessions []*refSession // the latest sessions
	tokens   []*refToken   // the latest tokens
	claims   []*refClaims  // verified claims kept for a later Renew or Revoke
	renewals []refRenewal  // the renewals of the last renewalWindow
	cutoffs  map[string]time.Time

	sessionCount, tokenCount int
}

// refSession is a session: dead once revoked by its id or by its user.
type refSession struct {
	name      string // s1, s2, … in the order of logins
	sid, user string
	authTime  time.Time
	revoked   bool // by Revoke or RevokeSession
}

// refToken is an issued or renewed token.
type refToken struct {
	name  string // t1, t2, … in the order of issue
	value string
	jti   string
	s     *refSession
	exp   time.Time
}

// refClaims are the claims of tok as one Verify returned them.
type refClaims struct {
	claims *session.Claims
	tok    *refToken
}

// refRenewal records that manager mgr renewed parent to child at at.
type refRenewal struct {
	mgr           int
	parent, child *refToken
	at            time.Time
}

func newRefModel(ttl, maxLifetime time.Duration) *refModel {
	return &refModel{ttl: ttl, maxLifetime: maxLifetime, cutoffs: make(map[string]time.Time)}
}

func (s *refSession) String() string { return s.name + " of " + s.user }

func (tok *refToken) String() string { return fmt.Sprintf("%s (%v)", tok.name, tok.s) }

// dead reports whether s is revoked: by its id, or by a RevokeUser at or
// after its auth_time.
func (m *refModel) dead(s *refSession) bool {
	cutoff, ok := m.cutoffs[s.user]
	return s.revoked || ok && !s.authTime.After(cutoff)
}

// wantVerify returns the error Verify of tok must match at now, or nil.
func (m *refModel) wantVerify(tok *refToken, now time.Time) error {
	switch {
	case !now.Before(tok.exp):
		return session.ErrExpired
	case m.dead(tok.s):
		return session.ErrRevoked
	}
	return nil
}

// wantRenew returns the expiry of the token that Renew of claims of tok
// returns at now, or the error that Renew must match.
func (m *refModel) wantRenew(tok *refToken, now time.Time) (time.Time, error) {
	end := tok.s.authTime.Add(m.maxLifetime)
	switch {
	case !now.Before(tok.exp):
		return time.Time{}, session.ErrExpired
	case !now.Before(end):
		return time.Time{}, session.ErrNotRenewable
	case m.dead(tok.s):
		return time.Time{}, session.ErrRevoked
	}
	exp := now.Add(m.ttl)
	if end.Before(exp) {
		exp = end
	}
	return exp.Truncate(time.Second), nil
}

// login records a new session and its first token.
func (m *refModel) login(user, sid string, authTime time.Time, value, jti string, exp time.Time) *refToken {
	m.sessionCount++
	s := &refSession{name: fmt.Sprintf("s%d", m.sessionCount), sid: sid, user: user, authTime: authTime}
	if len(m.sessions) == maxRefSessions {
		m.sessions = slices.Delete(m.sessions, 0, 1)
	}
	m.sessions = append(m.sessions, s)
	return m.addToken(s, value, jti, exp)
}

// addToken records a token of s. When the model is full it forgets an
// expired token, else the oldest.
func (m *refModel) addToken(s *refSession, value, jti string, exp time.Time) *refToken {
	m.tokenCount++
	tok := &refToken{name: fmt.Sprintf("t%d", m.tokenCount), value: value, jti: jti, s: s, exp: exp}
	if len(m.tokens) == maxRefTokens {
		i := 0
		for j, old := range m.tokens {
			if old.exp.Before(m.tokens[i].exp) {
				i = j
			}
		}
		m.tokens = slices.Delete(m.tokens, i, i+1)
	}
	m.tokens = append(m.tokens, tok)
	return tok
}

// keep records verified claims; when the model is full they replace the
// entry at replace (taken modulo the bound).
func (m *refModel) keep(c *session.Claims, tok *refToken, replace int) {
	rc := &refClaims{claims: c, tok: tok}
	if len(m.claims) < maxRefClaims {
		m.claims = append(m.claims, rc)
		return
	}
	m.claims[replace%maxRefClaims] = rc
}

// knownToken returns the known token whose value is value, or nil.
func (m *refModel) knownToken(value string) *refToken {
	for _, tok := range m.tokens {
		if tok.value == value {
			return tok
		}
	}
	return nil
}

// knownSession reports whether sid is the id of a known session.
func (m *refModel) knownSession(sid string) bool {
	return slices.ContainsFunc(m.sessions, func(s *refSession) bool { return s.sid == sid })
}

// repeated returns the token that manager mgr renewed parent to within
// the last renewalWindow and whose value is value, or nil.
func (m *refModel) repeated(mgr int, parent *refToken, value string, now time.Time) *refToken {
	for _, r := range m.renewals {
		if r.mgr == mgr && r.parent == parent && r.child.value == value && now.Sub(r.at) <= renewalWindow {
			return r.child
		}
	}
	return nil
}

// renewed records that manager mgr renewed parent to child at now, and
// forgets renewals older than renewalWindow.
func (m *refModel) renewed(mgr int, parent, child *refToken, now time.Time) {
	m.renewals = slices.DeleteFunc(m.renewals, func(r refRenewal) bool { return now.Sub(r.at) > renewalWindow })
	if len(m.renewals) == maxRefRenewals {
		m.renewals = slices.Delete(m.renewals, 0, 1)
	}
	m.renewals = append(m.renewals, refRenewal{mgr: mgr, parent: parent, child: child, at: now})
}

// revokeUser records a RevokeUser of user at now.
func (m *refModel) revokeUser(user string, now time.Time) {
	if old, ok := m.cutoffs[user]; !ok || now.After(old) {
		m.cutoffs[user] = now
	}
}
