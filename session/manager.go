package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// Manager issues, verifies, renews and revokes session tokens. It is safe
// for concurrent use and immutable once built by [New].
type Manager struct {
	cfg   config
	ring  keyring
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
// checks tokens, or a [*KeySet] for rotation. Each option documents its
// default. New refuses a weak key or an inconsistent configuration with an
// error that says what to fix.
func New(keys Keys, opts ...Option) (*Manager, error) {
	if keys == nil {
		return nil, errors.New("session: New needs keys, such as session.HS256(secret); got nil")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	ring, err := keys.keyring()
	if err != nil {
		return nil, err
	}
	if !cfg.cacheSet && ring.asymmetric() {
		cfg.cacheEntries = DefaultVerifiedCacheEntries
	}
	m := &Manager{
		cfg:     cfg,
		ring:    ring,
		cache:   newVerifiedCache(cfg.cacheEntries),
		maxLife: (cfg.maxLifetime + time.Second - 1).Truncate(time.Second),
	}
	if cfg.audience != "" {
		m.aud = []string{cfg.audience}
	}
	return m, nil
}

// CanSign reports whether m holds a signing key, so that it can issue and
// renew tokens; a Manager built on verification-only keys cannot.
func (m *Manager) CanSign() bool { return m.ring.signing() != nil }

// TTL returns the lifetime of issued tokens.
func (m *Manager) TTL() time.Duration { return m.cfg.ttl }

// RenewWithin returns the renewal threshold.
func (m *Manager) RenewWithin() time.Duration { return m.cfg.renewWithin }

// MaxLifetime returns the absolute session limit counted from login.
func (m *Manager) MaxLifetime() time.Duration { return m.cfg.maxLifetime }

// Issue starts a session for userID and returns its first token, with a new
// session id and auth_time set to now. extra holds application claims,
// encoded as JSON; their names must not be registered claim names nor the
// user id claim's name, in any letter case.
func (m *Manager) Issue(ctx context.Context, userID string, extra map[string]any) (*Token, error) {
	if !validClaimString(userID) {
		return nil, fmt.Errorf("session: user id must be non-empty valid UTF-8 without NUL")
	}
	c := &Claims{UserID: userID}
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
	if !validClaimString(name) || m.cfg.reservedClaimName(name) {
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

// Verify checks token and returns its claims. It checks, in order: the
// size cap, the compact form, the header (alg must be the key's own), the
// signature, strict claims decoding, exp / nbf / iat / auth_time against
// the clock and leeway, the token's lifetime (exp - iat, or for a token
// without iat the time left, at most the maximum lifetime: a revocation
// must outlive every token it covers), iss when configured, aud (with an
// audience configured it must list it; without one, a token that carries
// aud is refused, as RFC 7519 §4.1.3 requires), and the revocation
// store. The maximum lifetime bounds renewal, not verification: a token
// whose exp is still ahead verifies however old its auth_time. A token
// found in the verified-token cache (see [WithVerifiedTokenCache]) skips
// the checks up to the claims' decoding; the time checks and the
// revocation store still run. Errors match
// [ErrInvalid], [ErrExpired], [ErrNotYetValid], [ErrRevoked] or
// [ErrUnavailable] with [errors.Is].
func (m *Manager) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > m.cfg.maxTokenSize {
		return nil, errTooLong
	}
	var gen uint64
	if m.cache != nil {
		gen = m.ring.generation()
		if c, ok := m.cache.get(token, gen); ok {
			if err := m.checkTimes(c); err != nil {
				m.cache.forget(token)
				return nil, err
			}
			if err := m.checkRevoked(ctx, c); err != nil {
				return nil, err
			}
			return c, nil
		}
	}
	c, err := m.verifySignedToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := m.checkRevoked(ctx, c); err != nil {
		return nil, err
	}
	if m.cache != nil {
		m.cache.put(token, c, gen)
	}
	return c, nil
}

// verifySignedToken runs every check of [Manager.Verify] but the
// revocation store's.
func (m *Manager) verifySignedToken(ctx context.Context, token string) (*Claims, error) {
	parts, err := splitCompact(token)
	if err != nil {
		return nil, err
	}
	key, err := m.keyFor(ctx, parts.header)
	if err != nil {
		return nil, err
	}
	if err := key.verify(parts.signingInput, parts.signature); err != nil {
		return nil, err
	}
	payload, err := decodePart(parts.payload)
	if err != nil {
		return nil, err
	}
	// payload is never written again, so the claims can share its bytes.
	c, err := decodeClaims(unsafe.String(unsafe.SliceData(payload), len(payload)), m.cfg.userIDClaim)
	if err != nil {
		return nil, err
	}
	if err := m.checkTimes(c); err != nil {
		return nil, err
	}
	if m.cfg.issuer != "" && c.Issuer != m.cfg.issuer {
		return nil, errIssuerMismatch
	}
	switch {
	case m.cfg.audience != "" && !c.hasAudience(m.cfg.audience):
		return nil, errAudienceMismatch
	case m.cfg.audience == "" && len(c.aud) > 0:
		return nil, errAudienceUnexpected
	}
	if c.SessionID == "" && c.TokenID == "" {
		// The signed part, not the signature: an ECDSA signature has
		// several valid encodings ((r, s) and (r, n-s)), the signed
		// part only one.
		sum := sha256.Sum256([]byte(parts.signingInput))
		c.tokenHash = base64.RawURLEncoding.EncodeToString(sum[:16])
	}
	return c, nil
}

// keyFor selects the key for a token by its encoded header. The header of
// tokens signed here matches byte for byte; any other header is decoded
// strictly, the key is looked up by its kid, and its alg must equal the
// key's own.
func (m *Manager) keyFor(ctx context.Context, encoded string) (*pinnedKey, error) {
	if key := m.ring.byHeader(encoded); key != nil {
		return key, nil
	}
	if len(encoded) > maxHeaderSize {
		return nil, errHeaderTooLong
	}
	raw, err := decodePart(encoded)
	if err != nil {
		return nil, err
	}
	h, err := decodeHeader(string(raw))
	if err != nil {
		return nil, err
	}
	key, err := m.ring.lookup(ctx, h)
	if err != nil {
		return nil, err
	}
	if h.alg != key.alg {
		return nil, errAlgorithm
	}
	return key, nil
}

// checkTimes applies exp, nbf, iat and auth_time with the leeway, and
// the lifetime bound.
func (m *Manager) checkTimes(c *Claims) error {
	now := m.now()
	leeway := m.cfg.leeway
	switch {
	case !now.Before(c.ExpiresAt.Add(leeway)):
		return errExpired
	case !c.NotBefore.IsZero() && now.Add(leeway).Before(c.NotBefore):
		return errNotBefore
	case !c.IssuedAt.IsZero() && now.Add(leeway).Before(c.IssuedAt):
		return errIssuedInFuture
	case !c.AuthTime.IsZero() && now.Add(leeway).Before(c.AuthTime):
		return errAuthTimeFuture
	case !c.IssuedAt.IsZero() && c.ExpiresAt.Sub(c.IssuedAt) > m.maxLife,
		c.IssuedAt.IsZero() && c.ExpiresAt.Sub(now) > m.maxLife:
		return errLifetime
	}
	return nil
}

func (m *Manager) checkRevoked(ctx context.Context, c *Claims) error {
	revoked, err := m.cfg.store.Revoked(ctx, c)
	switch {
	case err != nil:
		return fmt.Errorf("%w: revocation store: %w", ErrUnavailable, err)
	case revoked:
		return errSessionRevoked
	}
	return nil
}

// ShouldRenew reports whether the sliding refresh should renew c now: the
// token is renewable, has less than the renewal threshold left, its
// session is younger than the maximum lifetime, and a renewed token would
// expire later than c.
func (m *Manager) ShouldRenew(c *Claims) bool {
	if !c.Renewable() || m.ring.signing() == nil {
		return false
	}
	now := m.now()
	if c.ExpiresAt.Sub(now) >= m.cfg.renewWithin {
		return false
	}
	exp, ok := m.renewedExpiry(c, now)
	return ok && exp.Unix() > c.ExpiresAt.Unix()
}

// renewedExpiry returns min(now+TTL, auth_time+MaxLifetime) and whether
// the session may still be renewed at now.
func (m *Manager) renewedExpiry(c *Claims, now time.Time) (time.Time, bool) {
	end := c.AuthTime.Add(m.cfg.maxLifetime)
	if !now.Before(end) {
		return time.Time{}, false
	}
	exp := now.Add(m.cfg.ttl)
	if end.Before(exp) {
		exp = end
	}
	return exp, true
}

// Renew issues the successor of verified claims c: same user id, session
// id, auth_time and application claims; a new jti and iat; and
// exp = min(now+TTL, auth_time+MaxLifetime). It returns [ErrNotRenewable]
// for tokens without sid or auth_time and for sessions past their maximum
// lifetime, [ErrExpired] for an expired c, and [ErrRevoked] when the
// session or user has been revoked since c was verified: it asks the
// revocation store again, so that a logout made while a request was being
// served is never undone by the renewal at its end. c must come from
// [Manager.Verify]; use [Manager.Refresh] for a token string.
//
// A token is signed at most once per 30 seconds per presented token:
// renewing the same c again within that time returns the same successor
// (after the same checks), so that a client polling inside the renewal
// window costs no signature per request.
func (m *Manager) Renew(ctx context.Context, c *Claims) (*Token, error) {
	if !c.Renewable() {
		return nil, errNoSession
	}
	now := m.now()
	if !now.Before(c.ExpiresAt.Add(m.cfg.leeway)) {
		return nil, errExpired
	}
	exp, ok := m.renewedExpiry(c, now)
	if !ok {
		return nil, errLifetimeReached
	}
	if m.ring.signing() == nil {
		return nil, fmt.Errorf("session: renew: %w", errVerifyOnly)
	}
	if err := m.checkRevoked(ctx, c); err != nil {
		return nil, err
	}
	sign := func() (*Token, error) {
		next := &Claims{
			UserID:    c.UserID,
			SessionID: c.SessionID,
			AuthTime:  c.AuthTime,
			extra:     c.extra,
		}
		return m.sign(next, now, exp)
	}
	if c.TokenID == "" {
		return sign()
	}
	return m.renewals.do(c.TokenID, now, sign)
}

// Refresh verifies token and returns its successor, as [Manager.Renew].
// Expired, revoked and invalid tokens are refused with the error of
// [Manager.Verify].
func (m *Manager) Refresh(ctx context.Context, token string) (*Token, error) {
	c, err := m.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	return m.Renew(ctx, c)
}

// Revoke rejects the token of c and, for a token with a session id, every
// token of its session, renewed ones included ("log out"). The record
// lasts until no token it covers can be valid any more.
func (m *Manager) Revoke(ctx context.Context, c *Claims) error {
	until := c.ExpiresAt
	if c.SessionID != "" {
		end := m.now().Add(m.maxLife)
		if !c.AuthTime.IsZero() {
			// Tokens of this library's sessions end by then.
			end = c.AuthTime.Add(m.maxLife)
		}
		until = later(until, end)
	}
	if err := m.cfg.store.Revoke(ctx, c.RevocationKey(), c.UserID, until.Add(m.cfg.leeway)); err != nil {
		return fmt.Errorf("session: revoke: %w", err)
	}
	return nil
}

// RevokeSession rejects every token of the session sid, for as long as a
// token of a session that exists now could live. It is meant for
// administration; a logout calls [Manager.Revoke], which also tells the
// store the user, so that one user's revocations cannot crowd out
// another's.
func (m *Manager) RevokeSession(ctx context.Context, sid string) error {
	if sid == "" {
		return fmt.Errorf("session: revoke: empty session id")
	}
	until := m.now().Add(m.maxLife + m.cfg.leeway)
	if err := m.cfg.store.Revoke(ctx, "sid:"+sid, "", until); err != nil {
		return fmt.Errorf("session: revoke: %w", err)
	}
	return nil
}

// RevokeUser rejects every token of userID whose session had started by
// now, to the millisecond ("log out everywhere"; see [Claims.StartedBy]):
// every session's tokens, renewed ones included, however they are renewed
// later. Sessions started after it, such as those of a new login, are
// accepted. For tokens of other issuers, which carry no auth_time, iat
// stands in for the session start, in whole seconds: a token issued in
// the same second as the revocation is covered too.
func (m *Manager) RevokeUser(ctx context.Context, userID string) error {
	if userID == "" {
		return fmt.Errorf("session: revoke: empty user id")
	}
	now := m.now()
	until := now.Add(m.maxLife + m.cfg.leeway)
	if err := m.cfg.store.RevokeUser(ctx, userID, now.Truncate(time.Millisecond), until); err != nil {
		return fmt.Errorf("session: revoke: %w", err)
	}
	return nil
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
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
	key := m.ring.signing()
	if key == nil {
		return nil, fmt.Errorf("session: sign: %w", errVerifyOnly)
	}
	var payloadBuf, sigBuf [512]byte
	payload := appendClaims(payloadBuf[:0], c, m.cfg.userIDClaim)
	size := len(key.header) + b64.EncodedLen(len(payload)) + b64.EncodedLen(key.sigSize) + 2
	if size > m.cfg.maxTokenSize {
		return nil, fmt.Errorf("session: the token would be %d bytes, over the %d-byte size cap; shorten the user id or the application claims, or raise WithMaxTokenSize", size, m.cfg.maxTokenSize)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, key.header...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	sig, err := key.appendSignature(sigBuf[:0], buf)
	if err != nil {
		return nil, fmt.Errorf("session: sign: %w", err)
	}
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return &Token{Value: unsafe.String(unsafe.SliceData(buf), len(buf)), Claims: c, ExpiresIn: c.ExpiresAt.Sub(c.IssuedAt)}, nil
}

func (m *Manager) now() time.Time { return m.cfg.now() }

// randomID returns 128 random bits in base64url.
func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
