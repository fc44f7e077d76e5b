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
	"crypto/sha512"
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
	// secret is an HMAC key's; private signs and public verifies the
	// others (private is nil for a verification-only key).
	secret  []byte
	private crypto.Signer
	public  crypto.PublicKey
	// err is what is wrong with the material; the fields below are set
	// only when it is nil.
	err error

	// spec is the algorithm alg names.
	spec *algorithm
	// macs holds keyed HMAC states for HS* keys; nil otherwise.
	macs *sync.Pool
	// sigSize is the length of a raw signature, sigLen of its encoding.
	sigSize, sigLen int
	// header is the base64url protected header of tokens this key signs.
	header string
}

// macState is a keyed HMAC with buffers for one verification, as long
// as the longest hash output (SHA-512's).
type macState struct {
	h   hash.Hash
	sum [sha512.Size]byte
	sig [sha512.Size]byte
}

var errVerifyOnly = errors.New("session: the key only verifies; signing needs a private key or secret")

// symmetric reports whether p is an HMAC key.
func (p *pinnedKey) symmetric() bool { return p.spec.family == familyHMAC }

// prepare computes the header, the signature size and, for HS*, the
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
	p.sigSize = p.spec.size
	if pub, ok := p.public.(*rsa.PublicKey); ok {
		p.sigSize = pub.Size()
	}
	if p.symmetric() {
		secret, newHash := p.secret, p.spec.newHash
		p.macs = &sync.Pool{New: func() any {
			return &macState{h: hmac.New(newHash, secret)}
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
	switch priv := p.private.(type) {
	case *ecdsa.PrivateKey:
		var buf [64]byte
		r, s, err := ecdsa.Sign(rand.Reader, priv, p.spec.digest(&buf, signingInput))
		if err != nil {
			return nil, err
		}
		// RFC 7518 §3.4: R and S as big-endian integers of the
		// curve's size each (32, 48 or 66 bytes).
		n := len(dst)
		dst = append(dst, make([]byte, p.sigSize)...)
		r.FillBytes(dst[n : n+p.sigSize/2])
		s.FillBytes(dst[n+p.sigSize/2:])
		return dst, nil
	case ed25519.PrivateKey:
		return append(dst, ed25519.Sign(priv, signingInput)...), nil
	case *rsa.PrivateKey:
		var buf [64]byte
		var sig []byte
		var err error
		digest := p.spec.digest(&buf, signingInput)
		if p.spec.pss != nil {
			sig, err = rsa.SignPSS(rand.Reader, priv, p.spec.hash, digest, p.spec.pss)
		} else {
			sig, err = rsa.SignPKCS1v15(nil, priv, p.spec.hash, digest)
		}
		return append(dst, sig...), err
	}
	return nil, errVerifyOnly
}

// verify checks the encoded signature sigPart over signingInput with the
// pinned key and algorithm. A signature of any other length than the
// algorithm's is refused before decoding: an ASN.1 ECDSA signature, a
// raw one with a byte more or less, one of another curve, or one made
// for another RSA key.
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
		var sum [64]byte
		half := p.sigSize / 2
		var r, s big.Int
		r.SetBytes(sig[:half])
		s.SetBytes(sig[half:])
		// ecdsa.Verify refuses r or s outside [1, n-1], the zero
		// signature of CVE-2022-21449 included.
		ok = ecdsa.Verify(pub, p.spec.digest(&sum, in), &r, &s)
	case ed25519.PublicKey:
		ok = ed25519.Verify(pub, in, sig)
	case *rsa.PublicKey:
		var sum [64]byte
		digest := p.spec.digest(&sum, in)
		if p.spec.pss != nil {
			ok = rsa.VerifyPSS(pub, p.spec.hash, digest, sig, p.spec.pss) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(pub, p.spec.hash, digest, sig) == nil
		}
	}
	if !ok {
		return errSignature
	}
	return nil
}

// verifyMAC checks an HS* signature with a pooled keyed state and a
// constant-time comparison.
func (p *pinnedKey) verifyMAC(signingInput, sigPart string) error {
	st := p.macs.Get().(*macState)
	defer p.macs.Put(st)
	if _, err := b64.Decode(st.sig[:], bytesView(sigPart)); err != nil {
		return errEncoding
	}
	st.h.Reset()
	st.h.Write(bytesView(signingInput))
	if !hmac.Equal(st.h.Sum(st.sum[:0]), st.sig[:p.sigSize]) {
		return errSignature
	}
	return nil
}
