package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/jwtsession/jwtsession/session"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of the public key of
// k, in base64url: a key id that any party can compute from the key
// alone. An HMAC (HS*) key has none.
//
//	key, err := session.ParsePEM(data, "ES256", "")
//	kid, err := jwks.Thumbprint(key)
//	key = key.WithID(kid)
func Thumbprint(k session.Key) (string, error) {
	pub := k.Public()
	if pub == nil {
		return "", fmt.Errorf("jwks: %v has no public key to take the thumbprint of", k)
	}
	jk, err := jwk.FromRaw(pub)
	if err != nil {
		return "", fmt.Errorf("jwks: key thumbprint: %w", err)
	}
	sum, err := jk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("jwks: key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// Marshal returns the JWK Set (RFC 7517) of the public halves of keys, in
// order, such as [session.KeySet.PublicKeys] returns them: for each, "kty",
// its public members, "kid", "alg" and "use": "sig". Private members ("d",
// "p", "q", "dp", "dq", "qi") are never written, and HMAC (HS*) keys are
// left out entirely: a secret is never published. Without asymmetric keys
// it gives {"keys":[]}.
func Marshal(keys []session.Key) ([]byte, error) {
	set := jwk.NewSet()
	for _, k := range keys {
		pub := k.Public()
		switch pub.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			continue // HMAC: a secret is never published
		}
		jk, err := jwk.FromRaw(pub)
		if err != nil {
			return nil, fmt.Errorf("jwks: JWK of %v: %w", k, err)
		}
		members := map[string]any{
			jwk.AlgorithmKey: jwa.SignatureAlgorithm(k.Algorithm()),
			jwk.KeyUsageKey:  jwk.ForSignature,
		}
		if k.ID() != "" {
			members[jwk.KeyIDKey] = k.ID()
		}
		for name, v := range members {
			if err := jk.Set(name, v); err != nil {
				return nil, fmt.Errorf("jwks: JWK of %v: %w", k, err)
			}
		}
		if err := set.AddKey(jk); err != nil {
			return nil, fmt.Errorf("jwks: JWK Set: %w", err)
		}
	}
	return json.Marshal(set)
}
