package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
)

// Thumbprint returns the RFC 7638 JWK SHA-256 thumbprint of a public key,
// base64url without padding: the value of a bound token's cnf.jkt claim
// (RFC 9449 §6.1) and of [Proof.Thumbprint]. pub is an *ecdsa.PublicKey
// (P-256, P-384 or P-521), an ed25519.PublicKey or an *rsa.PublicKey; a
// private key's public half must be passed, not the private key.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	js, err := appendThumbprintJWK(nil, pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(js)
	return b64.EncodeToString(sum[:]), nil
}

// appendThumbprintJWK appends the canonical JWK of pub (RFC 7638 §3.2):
// only the required members, in lexicographic order, without white space.
// Every value is a base64url string or a fixed name, so no escaping is
// needed.
func appendThumbprintJWK(dst []byte, pub crypto.PublicKey) ([]byte, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil || k.X == nil || k.Y == nil {
			return nil, errors.New("jose: thumbprint of an incomplete ECDSA public key")
		}
		params := k.Curve.Params()
		size := (params.BitSize + 7) / 8
		var crv string
		switch params.Name {
		case "P-256", "P-384", "P-521":
			crv = params.Name
		default:
			return nil, fmt.Errorf("jose: thumbprint of an ECDSA key on unsupported curve %q", params.Name)
		}
		if k.X.Sign() < 0 || k.Y.Sign() < 0 || k.X.BitLen() > 8*size || k.Y.BitLen() > 8*size {
			return nil, errors.New("jose: thumbprint of an ECDSA public key with coordinates out of range")
		}
		dst = append(dst, `{"crv":"`...)
		dst = append(dst, crv...)
		dst = append(dst, `","kty":"EC","x":"`...)
		dst = appendFixed(dst, k.X, size)
		dst = append(dst, `","y":"`...)
		dst = appendFixed(dst, k.Y, size)
		return append(dst, `"}`...), nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, errors.New("jose: thumbprint of an Ed25519 public key of the wrong size")
		}
		dst = append(dst, `{"crv":"Ed25519","kty":"OKP","x":"`...)
		dst = b64.AppendEncode(dst, k)
		return append(dst, `"}`...), nil
	case *rsa.PublicKey:
		if k == nil || k.N == nil || k.N.Sign() <= 0 || k.E <= 0 {
			return nil, errors.New("jose: thumbprint of an incomplete RSA public key")
		}
		dst = append(dst, `{"e":"`...)
		dst = b64.AppendEncode(dst, big.NewInt(int64(k.E)).Bytes())
		dst = append(dst, `","kty":"RSA","n":"`...)
		dst = b64.AppendEncode(dst, k.N.Bytes())
		return append(dst, `"}`...), nil
	}
	return nil, fmt.Errorf("jose: thumbprint of unsupported key type %T", pub)
}

// appendFixed appends the base64url encoding of v as a size-byte
// big-endian integer (RFC 7518 §6.2.1.2).
func appendFixed(dst []byte, v *big.Int, size int) []byte {
	buf := make([]byte, size)
	return b64.AppendEncode(dst, v.FillBytes(buf))
}
