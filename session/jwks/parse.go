package jwks

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jwtsession/jwtsession/session"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// parseConfig says which JWKs become keys.
type parseConfig struct {
	// rsaAlg is the algorithm of RSA JWKs without alg; "" is RS256.
	rsaAlg string
	// set: oct keys are refused (a key set is for publishing or
	// verification by others, and never holds secrets).
	set bool
	// published: private keys are refused too (a set fetched from its
	// publisher must hold public keys only).
	published bool
}

// Parse returns the key of one JSON Web Key (RFC 7517). The JWK needs a
// "kid"; its "alg" pins the algorithm, any of RS256, RS384, RS512, PS256,
// PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519, HS256, HS384 or
// HS512, and must fit the key type and curve (ES384 needs an EC P-384
// key, an HS* alg an oct key, and so on), or the JWK is refused. A JWK
// without "alg" is pinned to one algorithm all the same, never chosen by
// a token's header: an EC key by its curve (P-256 is ES256, P-384 ES384,
// P-521 ES512), an OKP Ed25519 key EdDSA, an oct key HS256, and an RSA
// key RS256, as identity providers that publish RSA keys without "alg"
// mean it (for a remote set, [RemoteOptions.RSAAlgorithm] chooses
// another). A JWK with "use" other than "sig", or "key_ops" without
// "sign" or "verify", is refused. A private key ("d") gives a signing
// key, a public key a verification-only key, and an oct key an HMAC key.
// The key is validated as [session.New] validates keys; x5c, x5u and x5t
// members are ignored, so certificates are neither needed nor checked.
func Parse(data []byte) (session.Key, error) {
	jk, err := jwk.ParseKey(data)
	if err != nil {
		return session.Key{}, fmt.Errorf("jwks: JWK: %w", err)
	}
	return keyFromJWK(jk, parseConfig{})
}

// ParseSet returns the keys of a JWK Set ({"keys": [...]}), each read as
// [Parse] reads one, in order. It is strict: a malformed or refused key
// fails the whole set, with an error naming it, and so do two keys with
// one kid. oct (HMAC) keys are refused, because a JWK Set is meant to be
// published or shared; private keys are accepted (an issuer's own set) and
// give signing keys. Pass the keys to [session.NewKeySet]. For a set that
// another service publishes, use [NewRemote], which skips bad keys
// instead.
func ParseSet(data []byte) ([]session.Key, error) {
	var set struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("jwks: JWK Set: %w", err)
	}
	if set.Keys == nil || len(*set.Keys) == 0 {
		return nil, errors.New(`jwks: JWK Set has no "keys"`)
	}
	keys := make([]session.Key, 0, len(*set.Keys))
	for i, raw := range *set.Keys {
		jk, err := jwk.ParseKey(raw)
		if err != nil {
			return nil, fmt.Errorf("jwks: JWK Set key #%d: %w", i, err)
		}
		k, err := keyFromJWK(jk, parseConfig{set: true})
		if err != nil {
			return nil, fmt.Errorf("jwks: JWK Set key #%d: %w", i, err)
		}
		if slices.ContainsFunc(keys, func(o session.Key) bool { return o.ID() == k.ID() }) {
			return nil, fmt.Errorf("jwks: JWK Set key #%d: kid %q is used twice", i, k.ID())
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// rsaAlgorithms are the algorithms an RSA key may be pinned to.
var rsaAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

// checkRSAAlgorithm checks a configured algorithm for RSA JWKs without
// "alg": "" (RS256) or one of the RSA algorithms.
func checkRSAAlgorithm(alg string) error {
	if alg != "" && !slices.Contains(rsaAlgorithms, alg) {
		return fmt.Errorf("jwks: RSAAlgorithm %q: want one of RS256, RS384, RS512, PS256, PS384 or PS512", alg)
	}
	return nil
}

// rsaAlgorithm returns the algorithm of RSA JWKs without "alg".
func (c parseConfig) rsaAlgorithm() string {
	if c.rsaAlg == "" {
		return "RS256"
	}
	return c.rsaAlg
}

// keyFromJWK returns the validated Key of a parsed JWK under cfg.
func keyFromJWK(jk jwk.Key, cfg parseConfig) (session.Key, error) {
	kid := jk.KeyID()
	if kid == "" {
		return session.Key{}, errors.New(`jwks: JWK has no "kid"; every key needs a key id`)
	}
	if use := jk.KeyUsage(); use != "" && use != string(jwk.ForSignature) {
		return session.Key{}, fmt.Errorf(`jwks: JWK %q has "use": %q; only signature keys ("sig") sign or verify tokens`, kid, use)
	}
	if ops := jk.KeyOps(); len(ops) > 0 && !slices.Contains(ops, jwk.KeyOpVerify) && !slices.Contains(ops, jwk.KeyOpSign) {
		return session.Key{}, fmt.Errorf(`jwks: JWK %q has "key_ops" without "sign" or "verify"`, kid)
	}
	alg := jk.Algorithm().String()
	var family string
	switch jk.KeyType() {
	case jwa.OctetSeq:
		return octKey(jk, kid, alg, cfg)
	case jwa.RSA:
		family = "RSA"
		if alg == "" {
			alg = cfg.rsaAlgorithm()
		}
	case jwa.EC:
		family = "EC"
	case jwa.OKP:
		family = "OKP"
	default:
		return session.Key{}, fmt.Errorf("jwks: JWK %q has unsupported key type %q", kid, jk.KeyType())
	}
	private, err := jwk.IsPrivateKey(jk)
	if err != nil {
		return session.Key{}, fmt.Errorf("jwks: JWK %q: %w", kid, err)
	}
	if private && cfg.published {
		return session.Key{}, fmt.Errorf(`jwks: JWK %q holds a private key ("d"); a published key set must hold public keys only`, kid)
	}
	var raw any
	if err := jk.Raw(&raw); err != nil {
		return session.Key{}, fmt.Errorf("jwks: %s JWK %q: %w", family, kid, err)
	}
	if err := checkKeyMaterial(raw); err != nil {
		return session.Key{}, fmt.Errorf("jwks: %s JWK %q: %w", family, kid, err)
	}
	k, err := session.NewKey(raw, alg, kid)
	if err != nil {
		return session.Key{}, fmt.Errorf("jwks: JWK %q: %w", kid, unprefixed(err))
	}
	return k, nil
}

// octKey returns the HMAC key of an oct JWK, where cfg allows one: its
// "alg" is HS256 (the default), HS384 or HS512.
func octKey(jk jwk.Key, kid, alg string, cfg parseConfig) (session.Key, error) {
	if cfg.set {
		return session.Key{}, fmt.Errorf("jwks: JWK %q is an oct (HMAC secret) key; a JWK Set is public and never holds secrets", kid)
	}
	switch alg {
	case "":
		alg = "HS256"
	case "HS256", "HS384", "HS512":
	default:
		return session.Key{}, fmt.Errorf("jwks: JWK %q is an oct (HMAC) key and cannot be used for %s; HMAC keys verify HS256, HS384 or HS512", kid, alg)
	}
	var secret []byte
	if err := jk.Raw(&secret); err != nil {
		return session.Key{}, fmt.Errorf("jwks: oct JWK %q: %w", kid, err)
	}
	k, err := session.NewKey(secret, alg, kid)
	if err != nil {
		return session.Key{}, fmt.Errorf("jwks: JWK %q: %w", kid, unprefixed(err))
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
