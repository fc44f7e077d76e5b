package session

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// Manager issues, verifies, renews and revokes session tokens. It is safe
// for concurrent use and immutable once built by [New].
type Manager struct {
	cfg   config
	keys  Keys
	cache *verifiedCache // nil when off
	// aud is the aud claim of issued tokens, shared by all of them.
	aud []string
	// maxLife is the maximum lifetime rounded up to whole seconds, the
	// precision of exp and iat: no token lives longer, and no revocation
	// record of a session lives shorter.
	maxLife time.Duration
	// renewals remembers recent successors (see [Manager.Renew]).
	renewals renewals
}

// Token is an issued token with the claims it carries.
type Token struct {
	// Value is the compact JWS to hand to the client.
	Value string
	// Claims are the claims encoded in Value.
	Claims *Claims
	// ExpiresIn is the lifetime the token was issued with (exp - iat), for
	// an OAuth expires_in.
	ExpiresIn time.Duration
}

// New returns a [Manager] that signs and verifies with keys: a single
// [Key] (such as [HS256]), a verification-only key for a service that only
// checks tokens, a [*KeySet] for rotation, or any other [Keys], such as
// another service's published key set (package jwks). The zero [Options]
// are ready to use; each field documents its default. New refuses a weak
// key or an inconsistent configuration with an error that says what to
// fix.
func New(keys Keys, opts Options) (*Manager, error) {
	if err := checkKeys(keys); err != nil {
		return nil, err
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if _, ok := keys.SigningKey(); ok && cfg.typ == TypAccessToken {
		return nil, errors.New("session: Options.Typ TypAccessToken is for verifying the access tokens of another issuer; the tokens of a Manager that signs carry typ JWT (use TypJWTOrAccessToken)")
	}
	m := &Manager{
		cfg:     cfg,
		keys:    keys,
		cache:   newVerifiedCache(cfg.cacheEntries),
		maxLife: (cfg.maxLifetime + time.Second - 1).Truncate(time.Second),
	}
	m.aud = cfg.audience
	return m, nil
}

// CanSign reports whether m holds a signing key, so that it can issue and
// renew tokens; a Manager built on verification-only keys cannot.
func (m *Manager) CanSign() bool { return m.signingKey() != nil }

// TTL returns the lifetime of issued tokens.
func (m *Manager) TTL() time.Duration { return m.cfg.ttl }

// RenewWithin returns the renewal threshold.
func (m *Manager) RenewWithin() time.Duration { return m.cfg.renewWithin }

// MaxLifetime returns the absolute session limit counted from login.
func (m *Manager) MaxLifetime() time.Duration { return m.cfg.maxLifetime }

// Issue starts a session for userID and returns its first token, with a new
// session id and auth_time set to now. extra holds application claims,
// encoded as JSON; their names must not be registered claim names nor the
// user id claim's name, in any letter case. [Manager.IssueBound] issues a
// token bound to a DPoP key.
func (m *Manager) Issue(ctx context.Context, userID string, extra map[string]any) (*Token, error) {
	return m.issue(userID, "", extra)
}

// issue issues the first token of a session, bound to the key of
// thumbprint jkt unless it is "".
func (m *Manager) issue(userID, jkt string, extra map[string]any) (*Token, error) {
	if !jose.ValidString(userID) {
		return nil, fmt.Errorf("session: user id must be non-empty valid UTF-8 without NUL")
	}
	c := &Claims{UserID: userID, KeyThumbprint: jkt}
	if len(extra) > 0 {
		c.extra = make(map[string]string, len(extra))
		for name, v := range extra {
			raw, err := m.encodeExtra(name, v)
			if err != nil {
				return nil, err
			}
			c.extra[name] = string(raw)
		}
	}
	sid, err := randomID()
	if err != nil {
		return nil, err
	}
	now := m.now()
	c.SessionID = sid
	c.AuthTime = now.Truncate(time.Millisecond)
	return m.sign(c, now, now.Add(m.cfg.ttl))
}

// encodeExtra checks an application claim's name and encodes its value.
func (m *Manager) encodeExtra(name string, v any) (json.RawMessage, error) {
	if !jose.ValidString(name) || m.cfg.reservedClaimName(name) {
		return nil, fmt.Errorf("session: application claim %q is empty, invalid, or a registered claim name", name)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("session: application claim %q: %w", name, err)
	}
	sc := strictjson.New(string(raw))
	if err := sc.SkipValue(); err != nil || !sc.End() {
		return nil, fmt.Errorf("session: application claim %q does not encode as strict JSON", name)
	}
	return raw, nil
}

// sign completes c with iat, exp, jti, iss and aud, and signs it.
func (m *Manager) sign(c *Claims, now, exp time.Time) (*Token, error) {
	jti, err := randomID()
	if err != nil {
		return nil, err
	}
	c.TokenID = jti
	c.IssuedAt = now.Truncate(time.Second)
	c.ExpiresAt = exp.Truncate(time.Second)
	c.AuthTime = c.AuthTime.Truncate(time.Millisecond)
	c.Issuer = m.cfg.issuer
	c.aud = m.aud
	key := m.signingKey()
	if key == nil {
		return nil, fmt.Errorf("session: sign: %w", errVerifyOnly)
	}
	var payloadBuf, sigBuf [512]byte
	payload := appendClaims(payloadBuf[:0], c, m.cfg.userIDClaim)
	size := len(key.Header()) + b64.EncodedLen(len(payload)) + b64.EncodedLen(key.SignatureSize()) + 2
	if size > m.cfg.maxTokenSize {
		return nil, fmt.Errorf("session: the token would be %d bytes, over the %d-byte size cap; shorten the user id or the application claims, or raise Options.MaxTokenSize", size, m.cfg.maxTokenSize)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, key.Header()...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	sig, err := key.AppendSignature(sigBuf[:0], buf)
	if err != nil {
		return nil, fmt.Errorf("session: sign: %w", err)
	}
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return &Token{Value: unsafe.String(unsafe.SliceData(buf), len(buf)), Claims: c, ExpiresIn: c.ExpiresAt.Sub(c.IssuedAt)}, nil
}

func (m *Manager) now() time.Time { return m.cfg.now() }

// Now returns the current time of m's clock ([Options.Clock]), which
// checks that belong with m's, such as a DPoP proof's iat window, use.
func (m *Manager) Now() time.Time { return m.cfg.now() }

// randomID returns 128 random bits in base64url.
func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
