package session

// Signatures are made and checked with the standard library's crypto
// packages only, one function per algorithm (RFC 7518 §3): the algorithm
// is the key's, never the token's.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"math/big"
	"sync"
)

// pinnedKey is the material of a [Key], its validation error and, for a
// valid key, what signing and verifying need, prepared once.
type pinnedKey struct {
	alg string
	id  string
	// secret is an HS256 key's; private signs and public verifies the
	// others (private is nil for a verification-only key).
	secret  []byte
	private crypto.Signer
	public  crypto.PublicKey
	// err is what is wrong with the material; the fields below are set
	// only when it is nil.
	err error

	// macs holds keyed HMAC states for HS256 keys; nil otherwise.
	macs *sync.Pool
	// sigSize is the length of a raw signature, sigLen of its encoding.
	sigSize, sigLen int
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

// pssOptions are RFC 7518 §3.5's: the salt is as long as the hash, on
// signing and on verification alike.
var pssOptions = rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}

// prepare computes the header, the signature size and, for HS256, the
// pool of keyed HMAC states of a validated key.
func (p *pinnedKey) prepare() {
	hdr := []byte(`{"alg":`)
	hdr = appendJSONString(hdr, p.alg)
	if p.id != "" {
		hdr = append(hdr, `,"kid":`...)
		hdr = appendJSONString(hdr, p.id)
	}
	hdr = append(hdr, `,"typ":"JWT"}`...)
	p.header = base64.RawURLEncoding.EncodeToString(hdr)
	switch pub := p.public.(type) {
	case *rsa.PublicKey:
		p.sigSize = pub.Size()
	case *ecdsa.PublicKey, ed25519.PublicKey:
		p.sigSize = 64
	}
	if p.alg == "HS256" {
		p.sigSize = sha256.Size
		secret := p.secret
		p.macs = &sync.Pool{New: func() any {
			return &macState{h: hmac.New(sha256.New, secret)}
		}}
	}
	p.sigLen = b64.EncodedLen(p.sigSize)
}

// appendSignature appends the signature over signingInput to dst.
func (p *pinnedKey) appendSignature(dst, signingInput []byte) ([]byte, error) {
	if p.macs != nil {
		st := p.macs.Get().(*macState)
		defer p.macs.Put(st)
		st.h.Reset()
		st.h.Write(signingInput)
		return st.h.Sum(dst), nil
	}
	digest := sha256.Sum256(signingInput)
	switch priv := p.private.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
		if err != nil {
			return nil, err
		}
		// RFC 7518 §3.4: R and S as 32-byte big-endian integers.
		var sig [64]byte
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return append(dst, sig[:]...), nil
	case ed25519.PrivateKey:
		return append(dst, ed25519.Sign(priv, signingInput)...), nil
	case *rsa.PrivateKey:
		var sig []byte
		var err error
		if p.alg == "PS256" {
			sig, err = rsa.SignPSS(rand.Reader, priv, crypto.SHA256, digest[:], &pssOptions)
		} else {
			sig, err = rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
		}
		return append(dst, sig...), err
	}
	return nil, errVerifyOnly
}

// verify checks the encoded signature sigPart over signingInput with the
// pinned key and algorithm. A signature of any other length than the
// algorithm's is refused before decoding: an ASN.1 ECDSA signature, a
// raw one with a byte more or less, or one made for another RSA key.
func (p *pinnedKey) verify(signingInput, sigPart string) error {
	if len(sigPart) != p.sigLen {
		return errSignature
	}
	if p.macs != nil {
		return p.verifyMAC(signingInput, sigPart)
	}
	var buf [512]byte
	sig, err := b64.AppendDecode(buf[:0], bytesView(sigPart))
	if err != nil {
		return errEncoding
	}
	// The crypto functions only read their input, so a view of the
	// string's bytes spares a copy of up to the token size cap.
	in := bytesView(signingInput)
	var ok bool
	switch pub := p.public.(type) {
	case *ecdsa.PublicKey:
		digest := sha256.Sum256(in)
		var r, s big.Int
		r.SetBytes(sig[:32])
		s.SetBytes(sig[32:])
		// ecdsa.Verify refuses r or s outside [1, n-1], the zero
		// signature of CVE-2022-21449 included.
		ok = ecdsa.Verify(pub, digest[:], &r, &s)
	case ed25519.PublicKey:
		ok = ed25519.Verify(pub, in, sig)
	case *rsa.PublicKey:
		digest := sha256.Sum256(in)
		if p.alg == "PS256" {
			ok = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &pssOptions) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
		}
	}
	if !ok {
		return errSignature
	}
	return nil
}

// verifyMAC checks an HS256 signature with a pooled keyed state and a
// constant-time comparison.
func (p *pinnedKey) verifyMAC(signingInput, sigPart string) error {
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
