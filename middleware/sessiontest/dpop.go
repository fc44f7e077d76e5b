package sessiontest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // SHA-384 and SHA-512 for crypto.Hash.New
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"
)

// ProofKey is a client's DPoP key pair (RFC 9449) for tests: it signs
// proofs for requests and names its public key by its RFC 7638
// thumbprint. It is written with crypto/* and encoding/json only, apart
// from the library's verifier, so that tests with it check the verifier
// against a second implementation. Its methods are safe for concurrent
// use.
type ProofKey struct {
	alg    string
	signer crypto.Signer
	jwk    json.RawMessage // the public JWK of the proof header
	thumb  string
}

// proofAlgs are the algorithms of [NewProofKey]: every one the library
// accepts for DPoP proofs.
var proofAlgs = map[string]struct {
	hash  crypto.Hash // the JWS hash; 0 for Ed25519, which hashes itself
	curve func() elliptic.Curve
	pss   bool
}{
	"ES256":   {hash: crypto.SHA256, curve: elliptic.P256},
	"ES384":   {hash: crypto.SHA384, curve: elliptic.P384},
	"ES512":   {hash: crypto.SHA512, curve: elliptic.P521},
	"EdDSA":   {},
	"Ed25519": {},
	"RS256":   {hash: crypto.SHA256},
	"RS384":   {hash: crypto.SHA384},
	"RS512":   {hash: crypto.SHA512},
	"PS256":   {hash: crypto.SHA256, pss: true},
	"PS384":   {hash: crypto.SHA384, pss: true},
	"PS512":   {hash: crypto.SHA512, pss: true},
}

// NewProofKey returns a key pair generated now for alg, any algorithm
// the library accepts for DPoP proofs: "ES256" (also for ""), "ES384",
// "ES512", "EdDSA", "Ed25519" (the fully-specified name of RFC 9864 for
// the same Ed25519 signatures), "RS256", "RS384", "RS512", "PS256",
// "PS384" or "PS512" (RSA keys have 2048 bits). Another alg fails the
// test.
func NewProofKey(t testing.TB, alg string) *ProofKey {
	t.Helper()
	if alg == "" {
		alg = "ES256"
	}
	spec, ok := proofAlgs[alg]
	if !ok {
		t.Fatalf("sessiontest: DPoP algorithm %q is not supported; use ES256, ES384, ES512, EdDSA, Ed25519, RS256, RS384, RS512, PS256, PS384 or PS512", alg)
	}
	var (
		signer crypto.Signer
		err    error
	)
	switch {
	case spec.curve != nil:
		signer, err = ecdsa.GenerateKey(spec.curve(), rand.Reader)
	case spec.hash == 0:
		_, signer, err = ed25519.GenerateKey(rand.Reader)
	default:
		signer, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatalf("sessiontest: generate a %s key: %v", alg, err)
	}
	k, err := newProofKey(alg, signer)
	if err != nil {
		t.Fatalf("sessiontest: %v", err)
	}
	return k
}

// newProofKey returns the ProofKey of signer, signing with alg.
func newProofKey(alg string, signer crypto.Signer) (*ProofKey, error) {
	jwk, thumb, err := thumbprint(signer.Public())
	if err != nil {
		return nil, err
	}
	return &ProofKey{alg: alg, signer: signer, jwk: jwk, thumb: thumb}, nil
}

// thumbprint returns the public JWK of pub with its required members only
// and its RFC 7638 SHA-256 thumbprint.
func thumbprint(pub crypto.PublicKey) (jwk []byte, thumb string, err error) {
	members, err := publicJWK(pub)
	if err != nil {
		return nil, "", err
	}
	// members holds the required members of RFC 7638 §3.2 in
	// lexicographic order, and encoding/json writes struct fields in
	// order and without whitespace: its encoding is the thumbprint input.
	if jwk, err = json.Marshal(members); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(jwk)
	return jwk, b64(sum[:]), nil
}

// jwkMembers are the required public members of a JWK (RFC 7638 §3.2),
// in lexicographic order.
type jwkMembers struct {
	Crv string `json:"crv,omitempty"`
	E   string `json:"e,omitempty"`
	Kty string `json:"kty"`
	N   string `json:"n,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// publicJWK returns the required members of the JWK of pub.
func publicJWK(pub crypto.PublicKey) (jwkMembers, error) {
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		size := (pub.Curve.Params().BitSize + 7) / 8
		raw, err := pub.Bytes() // 0x04 || X || Y, each padded to size
		if err != nil {
			return jwkMembers{}, err
		}
		return jwkMembers{Crv: pub.Curve.Params().Name, Kty: "EC", X: b64(raw[1 : 1+size]), Y: b64(raw[1+size:])}, nil
	case ed25519.PublicKey:
		return jwkMembers{Crv: "Ed25519", Kty: "OKP", X: b64(pub)}, nil
	case *rsa.PublicKey:
		return jwkMembers{E: b64(big.NewInt(int64(pub.E)).Bytes()), Kty: "RSA", N: b64(pub.N.Bytes())}, nil
	}
	return jwkMembers{}, fmt.Errorf("sessiontest: no JWK for a %T", pub)
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of the key's public
// JWK, base64url without padding: the cnf.jkt of tokens bound to the key.
func (k *ProofKey) Thumbprint() string { return k.thumb }

// ProofOption configures [ProofKey.Proof] and [ProofKey.Sign].
type ProofOption func(*proofConfig)

type proofConfig struct {
	token string
	nonce string
	iat   time.Time
	jti   string
}

// WithAccessToken makes the proof carry ath, the base64url SHA-256 hash of
// token, as a proof sent with that access token must (RFC 9449 §4.2).
// Default: no ath, as in a proof sent to log in.
func WithAccessToken(token string) ProofOption {
	return func(c *proofConfig) { c.token = token }
}

// WithNonce makes the proof carry the server's nonce (RFC 9449 §8), as
// received in a DPoP-Nonce header. Default: no nonce.
func WithNonce(nonce string) ProofOption {
	return func(c *proofConfig) { c.nonce = nonce }
}

// WithIssuedAt sets the proof's iat to t, in whole seconds: pass the clock of
// the server under test, or a time outside its window. Default: the
// current time.
func WithIssuedAt(t time.Time) ProofOption {
	return func(c *proofConfig) { c.iat = t }
}

// WithJTI sets the proof's jti, as a client that replays a proof would.
// Default: 128 random bits, base64url.
func WithJTI(jti string) ProofOption {
	return func(c *proofConfig) { c.jti = jti }
}

// Proof returns a DPoP proof JWT for a request of method to url, signed
// by the key: header typ "dpop+jwt", the key's alg and public jwk; claims
// jti, htm (method), htu (url without its query and fragment), iat, and
// ath and nonce when opts ask for them. Every call makes a new proof.
func (k *ProofKey) Proof(method, url string, opts ...ProofOption) string {
	cfg := proofConfig{iat: time.Now()}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if cfg.jti == "" {
		var id [16]byte
		rand.Read(id[:])
		cfg.jti = b64(id[:])
	}
	if i := strings.IndexAny(url, "?#"); i >= 0 {
		url = url[:i]
	}
	header, _ := json.Marshal(struct {
		Typ string          `json:"typ"`
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}{"dpop+jwt", k.alg, k.jwk})
	claims := struct {
		JTI   string `json:"jti"`
		HTM   string `json:"htm"`
		HTU   string `json:"htu"`
		IAT   int64  `json:"iat"`
		ATH   string `json:"ath,omitempty"`
		Nonce string `json:"nonce,omitempty"`
	}{JTI: cfg.jti, HTM: method, HTU: url, IAT: cfg.iat.Unix(), Nonce: cfg.nonce}
	if cfg.token != "" {
		sum := sha256.Sum256([]byte(cfg.token))
		claims.ATH = b64(sum[:])
	}
	payload, _ := json.Marshal(claims)
	input := b64(header) + "." + b64(payload)
	return input + "." + b64(k.sign(input))
}

// sign returns the JWS signature (RFC 7518 §3) of input.
func (k *ProofKey) sign(input string) []byte {
	spec := proofAlgs[k.alg]
	var digest []byte
	if spec.hash != 0 {
		h := spec.hash.New()
		h.Write([]byte(input))
		digest = h.Sum(nil)
	}
	switch key := k.signer.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, key, digest)
		if err != nil {
			panic("sessiontest: " + err.Error())
		}
		size := (key.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*size) // R || S, each padded to the curve size
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig
	case ed25519.PrivateKey:
		return ed25519.Sign(key, []byte(input))
	case *rsa.PrivateKey:
		var (
			sig []byte
			err error
		)
		if spec.pss {
			sig, err = rsa.SignPSS(rand.Reader, key, spec.hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, key, spec.hash, digest)
		}
		if err != nil {
			panic("sessiontest: " + err.Error())
		}
		return sig
	}
	panic(fmt.Sprintf("sessiontest: cannot sign with a %T", k.signer))
}

// Sign prepares r as a DPoP client sends it: a DPoP header with a new
// proof for r's method and URL, and, when token is not empty,
// "Authorization: DPoP <token>" with the proof's ath bound to token. An
// empty token sends the proof alone, as a client logging in does. r.URL
// should be absolute (as http.NewRequest makes it); a server-side request
// (httptest.NewRequest) with a path only is completed with r.Host, over
// https when r.TLS is set. opts add to or replace the defaults of
// [ProofKey.Proof].
func (k *ProofKey) Sign(r *http.Request, token string, opts ...ProofOption) {
	u := *r.URL
	if u.Host == "" {
		u.Scheme, u.Host = "http", r.Host
		if r.TLS != nil {
			u.Scheme = "https"
		}
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	if token != "" {
		opts = append([]ProofOption{WithAccessToken(token)}, opts...)
		r.Header.Set("Authorization", "DPoP "+token)
	}
	r.Header.Set("DPoP", k.Proof(r.Method, u.String(), opts...))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
