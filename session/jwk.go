package session

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// JWKOption configures how JWKs become keys in [ParseJWK], [ParseJWKSet]
// and [NewRemoteKeySet] (every JWKOption is also a [RemoteOption]).
type JWKOption func(*jwkConfig)

type jwkConfig struct {
	// rsaAlg is the algorithm of RSA JWKs without alg; "" refuses them.
	rsaAlg string
	// set: oct keys are refused (a key set is for publishing or
	// verification by others, and never holds secrets).
	set bool
	// published: private keys are refused too (a set fetched from its
	// publisher must hold public keys only).
	published bool
	err       error
}

// WithRSAAlgorithm sets the algorithm, "RS256" or "PS256", of RSA JWKs that
// have no "alg" member. An RSA key signs with either padding, so without
// this option such a JWK is refused rather than guessed. EC P-256 keys
// without "alg" are always ES256 and OKP Ed25519 keys EdDSA: those keys
// allow one algorithm only. Default: none (RSA JWKs need "alg").
func WithRSAAlgorithm(alg string) JWKOption {
	return func(c *jwkConfig) {
		if alg != "RS256" && alg != "PS256" {
			c.err = fmt.Errorf("session: WithRSAAlgorithm(%q): want RS256 or PS256", alg)
			return
		}
		c.rsaAlg = alg
	}
}

func newJWKConfig(opts []JWKOption) (jwkConfig, error) {
	var c jwkConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c, c.err
}

// ParseJWK returns the key of one JSON Web Key (RFC 7517). The JWK needs a
// "kid"; its "alg", when present, pins the algorithm and must fit the key
// type; when absent, see [WithRSAAlgorithm]. A JWK with "use" other than
// "sig", or "key_ops" without "sign" or "verify", is refused. A private
// key ("d") gives a signing key, a public key a verification-only key, and
// an oct key an [HS256] key (its "alg", if any, must be HS256). The key is
// validated as [ParsePEM] validates; x5c, x5u and x5t members are ignored,
// so certificates are neither needed nor checked.
func ParseJWK(data []byte, opts ...JWKOption) (Key, error) {
	cfg, err := newJWKConfig(opts)
	if err != nil {
		return Key{}, err
	}
	jk, err := jwk.ParseKey(data)
	if err != nil {
		return Key{}, fmt.Errorf("session: JWK: %w", err)
	}
	return keyFromJWK(jk, cfg)
}

// ParseJWKSet returns the keys of a JWK Set ({"keys": [...]}), each read as
// [ParseJWK] reads one, in order. It is strict: a malformed or refused key
// fails the whole set, with an error naming it, and so do two keys with
// one kid. oct (HMAC) keys are refused, because a JWK Set is meant to be
// published or shared; private keys are accepted (an issuer's own set) and
// give signing keys. Pass the keys to [NewKeySet]. For a set that another
// service publishes, use [NewRemoteKeySet], which skips bad keys instead.
func ParseJWKSet(data []byte, opts ...JWKOption) ([]Key, error) {
	cfg, err := newJWKConfig(opts)
	if err != nil {
		return nil, err
	}
	cfg.set = true
	var set struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("session: JWK Set: %w", err)
	}
	if set.Keys == nil || len(*set.Keys) == 0 {
		return nil, errors.New(`session: JWK Set has no "keys"`)
	}
	keys := make([]Key, 0, len(*set.Keys))
	for i, raw := range *set.Keys {
		jk, err := jwk.ParseKey(raw)
		if err != nil {
			return nil, fmt.Errorf("session: JWK Set key #%d: %w", i, err)
		}
		k, err := keyFromJWK(jk, cfg)
		if err != nil {
			return nil, fmt.Errorf("session: JWK Set key #%d: %w", i, err)
		}
		if slices.ContainsFunc(keys, func(o Key) bool { return o.id == k.id }) {
			return nil, fmt.Errorf("session: JWK Set key #%d: kid %q is used twice", i, k.id)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// keyFromJWK returns the validated Key of a parsed JWK under cfg.
func keyFromJWK(jk jwk.Key, cfg jwkConfig) (Key, error) {
	kid := jk.KeyID()
	if kid == "" {
		return Key{}, errors.New(`session: JWK has no "kid"; every key needs a key id`)
	}
	if use := jk.KeyUsage(); use != "" && use != string(jwk.ForSignature) {
		return Key{}, fmt.Errorf(`session: JWK %q has "use": %q; only signature keys ("sig") sign or verify tokens`, kid, use)
	}
	if ops := jk.KeyOps(); len(ops) > 0 && !slices.Contains(ops, jwk.KeyOpVerify) && !slices.Contains(ops, jwk.KeyOpSign) {
		return Key{}, fmt.Errorf(`session: JWK %q has "key_ops" without "sign" or "verify"`, kid)
	}
	alg := jk.Algorithm().String()
	var family string
	switch jk.KeyType() {
	case jwa.OctetSeq:
		return octKey(jk, kid, alg, cfg)
	case jwa.RSA:
		family = "RSA"
		if alg == "" {
			if alg = cfg.rsaAlg; alg == "" {
				return Key{}, fmt.Errorf(`session: RSA JWK %q has no "alg"; RSA keys sign with RS256 or PS256 alike, so add "alg" or choose with WithRSAAlgorithm`, kid)
			}
		}
	case jwa.EC:
		family = "EC"
	case jwa.OKP:
		family = "OKP"
	default:
		return Key{}, fmt.Errorf("session: JWK %q has unsupported key type %q", kid, jk.KeyType())
	}
	private, err := jwk.IsPrivateKey(jk)
	if err != nil {
		return Key{}, fmt.Errorf("session: JWK %q: %w", kid, err)
	}
	if private && cfg.published {
		return Key{}, fmt.Errorf(`session: JWK %q holds a private key ("d"); a published key set must hold public keys only`, kid)
	}
	var raw any
	if err := jk.Raw(&raw); err != nil {
		return Key{}, fmt.Errorf("session: %s JWK %q: %w", family, kid, err)
	}
	if err := checkKeyMaterial(raw); err != nil {
		return Key{}, fmt.Errorf("session: %s JWK %q: %w", family, kid, err)
	}
	k, err := keyFromCrypto(raw, alg, kid)
	if err != nil {
		return Key{}, fmt.Errorf("session: JWK %q: %w", kid, unprefixed(err))
	}
	return k, nil
}

// octKey returns the HS256 key of an oct JWK, where cfg allows one.
func octKey(jk jwk.Key, kid, alg string, cfg jwkConfig) (Key, error) {
	if cfg.set {
		return Key{}, fmt.Errorf("session: JWK %q is an oct (HMAC secret) key; a JWK Set is public and never holds secrets", kid)
	}
	if alg != "" && alg != "HS256" {
		return Key{}, fmt.Errorf("session: JWK %q is an oct (HMAC) key and cannot be used for %s; HMAC keys verify HS256 only", kid, alg)
	}
	var secret []byte
	if err := jk.Raw(&secret); err != nil {
		return Key{}, fmt.Errorf("session: oct JWK %q: %w", kid, err)
	}
	k := HS256(secret).WithID(kid)
	if err := k.validate(); err != nil {
		return Key{}, fmt.Errorf("session: JWK %q: %w", kid, unprefixed(err))
	}
	return k, nil
}

// checkKeyMaterial refuses keys that parse but are not valid: an EC point
// off its curve, an EC private scalar that does not match its public
// point, an inconsistent RSA private key.
func checkKeyMaterial(raw any) error {
	switch v := raw.(type) {
	case *ecdsa.PublicKey:
		if _, err := v.ECDH(); err != nil {
			return errors.New("the EC public point is not valid on its curve")
		}
	case *ecdsa.PrivateKey:
		if _, err := v.PublicKey.ECDH(); err != nil {
			return errors.New("the EC public point is not valid on its curve")
		}
		priv, err := v.ECDH()
		if err != nil {
			return errors.New("the EC private scalar is not valid")
		}
		if pub, _ := v.PublicKey.ECDH(); !priv.PublicKey().Equal(pub) {
			return errors.New(`the EC private scalar "d" does not match "x" and "y"`)
		}
	case *rsa.PrivateKey:
		if err := v.Validate(); err != nil {
			return fmt.Errorf("invalid RSA private key: %w", err)
		}
	}
	return nil
}

// unprefixed strips the "session: " prefix of an error message, to nest
// it in another.
func unprefixed(err error) error {
	const p = "session: "
	if s := err.Error(); len(s) > len(p) && s[:len(p)] == p {
		return errors.New(s[len(p):])
	}
	return err
}

// thumbprint returns the RFC 7638 SHA-256 thumbprint of a public key, in
// base64url.
func thumbprint(public crypto.PublicKey) (string, error) {
	jk, err := jwk.FromRaw(public)
	if err != nil {
		return "", fmt.Errorf("session: key thumbprint: %w", err)
	}
	sum, err := jk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("session: key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// publicJWKSet returns the JWK Set of the public halves of keys, in order:
// kty, the public members, kid, alg and "use": "sig". HMAC keys are left
// out; no private member is ever written.
func publicJWKSet(keys []*pinnedKey) ([]byte, error) {
	set := jwk.NewSet()
	for _, pk := range keys {
		switch pk.verifyKey.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			continue // HS256: a secret is never published
		}
		jk, err := jwk.FromRaw(pk.verifyKey)
		if err != nil {
			return nil, fmt.Errorf("session: JWK of %s key %q: %w", pk.alg, pk.id, err)
		}
		for name, v := range map[string]any{
			jwk.KeyIDKey:     pk.id,
			jwk.AlgorithmKey: jwa.SignatureAlgorithm(pk.alg),
			jwk.KeyUsageKey:  jwk.ForSignature,
		} {
			if err := jk.Set(name, v); err != nil {
				return nil, fmt.Errorf("session: JWK of %s key %q: %w", pk.alg, pk.id, err)
			}
		}
		if err := set.AddKey(jk); err != nil {
			return nil, fmt.Errorf("session: JWK Set: %w", err)
		}
	}
	return json.Marshal(set)
}
