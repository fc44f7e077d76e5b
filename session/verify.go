package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"unsafe"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// Verify checks token and returns its claims. It checks, in order: the
// size cap, the compact form, the header (alg must be the key's own), the
// signature, strict claims decoding, exp / nbf / iat / auth_time against
// the clock and leeway, the token's lifetime (exp - iat, or for a token
// without iat the time left, at most the maximum lifetime: a revocation
// must outlive every token it covers), iss when configured, aud (with
// audiences configured it must list one of them; without any, a token
// that carries aud is refused, as RFC 7519 §4.1.3 requires), and the
// revocation store. A header other than the signing key's own is decoded
// with the claims before the signature is checked: its typ must suit
// [Options.Typ], and the claims' iss and the header's kid select the key
// (see [Keys]). The maximum lifetime bounds renewal, not verification: a
// token whose exp is still ahead verifies however old its auth_time. A
// token found in the verified-token cache (see [Options.VerifiedTokenCache])
// skips the checks up to the claims' decoding while the keys still give,
// for its iss and kid, the Key that verified it; the time checks and the
// revocation store still run. Errors match
// [ErrInvalid], [ErrExpired], [ErrNotYetValid], [ErrRevoked] or
// [ErrUnavailable] with [errors.Is].
func (m *Manager) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > m.cfg.maxTokenSize {
		return nil, errTooLong
	}
	if m.cache != nil {
		if c, ok := m.cached(ctx, token); ok {
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
	c, key, kid, err := m.verifySignedToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := m.checkRevoked(ctx, c); err != nil {
		return nil, err
	}
	if m.cache != nil && (m.cfg.cacheAll || !key.Symmetric()) {
		m.cache.put(token, c, key, kid)
	}
	return c, nil
}

// cached returns the claims of token from the verified-token cache while
// m's keys still give, for the token's iss and kid, the key that verified
// it: a token of a retired or replaced key is dropped, and verified again.
func (m *Manager) cached(ctx context.Context, token string) (*Claims, bool) {
	e, ok := m.cache.get(token)
	if !ok {
		return nil, false
	}
	if k, err := m.keys.VerificationKey(ctx, e.claims.Issuer, e.kid); err != nil || k.p != e.key {
		m.cache.forget(token)
		return nil, false
	}
	return e.claims, true
}

// verifySignedToken runs every check of [Manager.Verify] but the
// revocation store's, and returns the claims with the key that verified
// them and the kid of the token's header.
func (m *Manager) verifySignedToken(ctx context.Context, token string) (*Claims, *jose.Key, string, error) {
	parts, err := jose.Split(token)
	if err != nil {
		return nil, nil, "", jsonInvalid(err)
	}
	key, kid, c, err := m.keyFor(ctx, parts)
	if err != nil {
		return nil, nil, "", err
	}
	if err := key.Verify(parts.SigningInput, parts.Signature); err != nil {
		return nil, nil, "", jsonInvalid(err)
	}
	if c == nil {
		if c, err = m.decodeClaims(parts); err != nil {
			return nil, nil, "", err
		}
	}
	if err := m.checkClaims(c, parts); err != nil {
		return nil, nil, "", err
	}
	return c, key, kid, nil
}

// decodeClaims decodes the claims of a token strictly.
func (m *Manager) decodeClaims(parts jose.Compact) (*Claims, error) {
	payload, err := jose.DecodePart(parts.Payload)
	if err != nil {
		return nil, jsonInvalid(err)
	}
	// payload is never written again, so the claims can share its bytes.
	return decodeClaims(unsafe.String(unsafe.SliceData(payload), len(payload)), m.cfg.userIDClaim)
}

// checkClaims checks the decoded claims of a token whose signature
// verified.
func (m *Manager) checkClaims(c *Claims, parts jose.Compact) error {
	if err := m.checkTimes(c); err != nil {
		return err
	}
	if m.cfg.issuer != "" && c.Issuer != m.cfg.issuer {
		return errIssuerMismatch
	}
	switch {
	case len(m.cfg.audience) > 0 && !c.hasAnyAudience(m.cfg.audience):
		return errAudienceMismatch
	case len(m.cfg.audience) == 0 && len(c.aud) > 0:
		return errAudienceUnexpected
	}
	if c.SessionID == "" && c.TokenID == "" {
		// The signed part, not the signature: an ECDSA signature has
		// several valid encodings ((r, s) and (r, n-s)), the signed
		// part only one.
		sum := sha256.Sum256([]byte(parts.SigningInput))
		c.tokenHash = base64.RawURLEncoding.EncodeToString(sum[:16])
	}
	return nil
}

// keyFor selects the key for a token, and returns it with the header's
// kid and, when it had to decode them, the token's claims. The header of
// tokens signed by the signing key matches its own byte for byte; any
// other header is decoded strictly, its typ checked against
// [Options.Typ], the claims decoded strictly (the signature is not
// checked yet) for their iss, the key asked of m's keys by iss and kid,
// and the header's alg must equal the key's own.
func (m *Manager) keyFor(ctx context.Context, parts jose.Compact) (*jose.Key, string, *Claims, error) {
	if key := m.signingKey(); key != nil && parts.Header == key.Header() && m.cfg.typ != TypAccessToken {
		return key, key.ID(), nil, nil
	}
	h, err := jose.ParseHeader(parts.Header)
	if err != nil {
		return nil, "", nil, jsonInvalid(err)
	}
	switch {
	case h.AccessToken && m.cfg.typ == TypJWT:
		return nil, "", nil, errTypAccessToken
	case !h.AccessToken && m.cfg.typ == TypAccessToken:
		return nil, "", nil, errTypNotAccessToken
	}
	c, err := m.decodeClaims(parts)
	if err != nil {
		return nil, "", nil, err
	}
	key, err := m.verificationKey(ctx, c.Issuer, h.Kid)
	if err != nil {
		return nil, "", nil, err
	}
	if h.Alg != key.Algorithm() {
		return nil, "", nil, errAlgorithm
	}
	return key, h.Kid, c, nil
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
