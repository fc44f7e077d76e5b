package session

// The calls into github.com/lestrrat-go/jwx are in three files only, the
// seam: this one (signature primitives), jwk.go (reading and writing JWKs)
// and remote.go (the JWK cache behind RemoteKeySet). Token splitting,
// header and claims decoding, and every policy decision are this
// package's own.
//
// One exception keeps the hot path within its budget: HS256 signatures are
// checked with crypto/hmac states that are keyed once and pooled, because
// jwx's HMAC verifier keys a new state (several allocations and two extra
// SHA-256 blocks) on every call. Both compute the same HMAC-SHA256, and the
// tests hold them to each other.

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"sync"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// pinnedKey is a validated [Key] with its jwx signer and verifier and the
// encoded protected header it writes.
type pinnedKey struct {
	alg string
	id  string
	// signKey signs (nil for a verification-only key); verifyKey verifies.
	signKey   any
	verifyKey any
	signer    jws.Signer
	verifier  jws.Verifier
	// macs holds keyed HMAC states for HS256 keys; nil otherwise.
	macs *sync.Pool
	// sigSize is the length of a raw signature.
	sigSize int
	// header is the base64url protected header of tokens this key signs.
	header string
}

// macState is a keyed HMAC-SHA256 with buffers for one verification.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
	sig [sha256.Size]byte
}

var errVerifyOnly = errors.New("session: the key only verifies; signing needs a private key or secret")

// hs256SignatureLen is the length of an encoded HS256 signature.
var hs256SignatureLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

func newPinnedKey(k Key) (*pinnedKey, error) {
	if err := k.validate(); err != nil {
		return nil, err
	}
	alg := jwa.SignatureAlgorithm(k.alg)
	signer, err := jws.NewSigner(alg)
	if err != nil {
		return nil, fmt.Errorf("session: %s signer: %w", k.alg, err)
	}
	verifier, err := jws.NewVerifier(alg)
	if err != nil {
		return nil, fmt.Errorf("session: %s verifier: %w", k.alg, err)
	}
	hdr := []byte(`{"alg":`)
	hdr = appendJSONString(hdr, k.alg)
	if k.id != "" {
		hdr = append(hdr, `,"kid":`...)
		hdr = appendJSONString(hdr, k.id)
	}
	hdr = append(hdr, `,"typ":"JWT"}`...)
	p := &pinnedKey{
		alg:       k.alg,
		id:        k.id,
		signKey:   k.private,
		verifyKey: k.public,
		signer:    signer,
		verifier:  verifier,
		header:    base64.RawURLEncoding.EncodeToString(hdr),
	}
	switch pub := k.public.(type) {
	case *rsa.PublicKey:
		p.sigSize = pub.Size()
	case *ecdsa.PublicKey, ed25519.PublicKey:
		p.sigSize = 64
	}
	if k.alg == "HS256" {
		p.sigSize = sha256.Size
		secret := k.secret
		p.signKey, p.verifyKey = secret, secret
		p.macs = &sync.Pool{New: func() any {
			return &macState{h: hmac.New(sha256.New, secret)}
		}}
	}
	return p, nil
}

// appendSignature appends the signature over signingInput to dst.
func (p *pinnedKey) appendSignature(dst, signingInput []byte) ([]byte, error) {
	if p.signKey == nil {
		return nil, errVerifyOnly
	}
	if p.macs != nil {
		st := p.macs.Get().(*macState)
		defer p.macs.Put(st)
		st.h.Reset()
		st.h.Write(signingInput)
		return st.h.Sum(dst), nil
	}
	sig, err := p.signer.Sign(signingInput, p.signKey)
	return append(dst, sig...), err
}

// verify checks the encoded signature sigPart over signingInput with the
// pinned key and algorithm.
func (p *pinnedKey) verify(signingInput, sigPart string) error {
	if p.macs != nil {
		return p.verifyMAC(signingInput, sigPart)
	}
	sig, err := decodePart(sigPart)
	if err != nil {
		return err
	}
	// The verifier only reads its input, so a view of the string's bytes
	// spares a copy of up to the token size cap.
	if p.verifier.Verify(bytesView(signingInput), sig, p.verifyKey) != nil {
		return errSignature
	}
	return nil
}

// verifyMAC checks an HS256 signature with a pooled keyed state.
func (p *pinnedKey) verifyMAC(signingInput, sigPart string) error {
	if len(sigPart) != hs256SignatureLen {
		return errSignature
	}
	st := p.macs.Get().(*macState)
	defer p.macs.Put(st)
	if _, err := b64.Decode(st.sig[:], bytesView(sigPart)); err != nil {
		return errEncoding
	}
	st.h.Reset()
	st.h.Write(bytesView(signingInput))
	if !hmac.Equal(st.h.Sum(st.sum[:0]), st.sig[:]) {
		return errSignature
	}
	return nil
}
