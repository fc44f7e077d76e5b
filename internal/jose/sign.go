package jose

// Signatures are made and checked with the standard library's crypto
// packages only, one function per algorithm (RFC 7518 §3): the algorithm
// is the key's, never the token's.

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"math/big"
	"sync"
)

// macState is a keyed HMAC with buffers for one verification, as long
// as the longest hash output (SHA-512's).
type macState struct {
	h   hash.Hash
	sum [sha512.Size]byte
	sig [sha512.Size]byte
}

// prepare computes the header, the signature size and, for HS*, the
// pool of keyed HMAC states of a validated key.
func (k *Key) prepare() {
	hdr := []byte(`{"alg":`)
	hdr = AppendJSONString(hdr, k.alg)
	if k.id != "" {
		hdr = append(hdr, `,"kid":`...)
		hdr = AppendJSONString(hdr, k.id)
	}
	hdr = append(hdr, `,"typ":"JWT"}`...)
	k.header = base64.RawURLEncoding.EncodeToString(hdr)
	k.sigSize = k.spec.size
	if pub, ok := k.public.(*rsa.PublicKey); ok {
		k.sigSize = pub.Size()
	}
	if k.Symmetric() {
		secret, newHash := k.secret, k.spec.newHash
		k.macs = &sync.Pool{New: func() any {
			return &macState{h: hmac.New(newHash, secret)}
		}}
	}
	k.sigLen = b64.EncodedLen(k.sigSize)
}

// AppendSignature appends the signature over signingInput to dst. A
// key that only verifies cannot sign.
func (k *Key) AppendSignature(dst, signingInput []byte) ([]byte, error) {
	if k.macs != nil {
		st := k.macs.Get().(*macState)
		defer k.macs.Put(st)
		st.h.Reset()
		st.h.Write(signingInput)
		return st.h.Sum(dst), nil
	}
	switch priv := k.private.(type) {
	case *ecdsa.PrivateKey:
		var buf [64]byte
		r, s, err := ecdsa.Sign(rand.Reader, priv, k.spec.digest(&buf, signingInput))
		if err != nil {
			return nil, err
		}
		// RFC 7518 §3.4: R and S as big-endian integers of the
		// curve's size each (32, 48 or 66 bytes).
		n := len(dst)
		dst = append(dst, make([]byte, k.sigSize)...)
		r.FillBytes(dst[n : n+k.sigSize/2])
		s.FillBytes(dst[n+k.sigSize/2:])
		return dst, nil
	case ed25519.PrivateKey:
		return append(dst, ed25519.Sign(priv, signingInput)...), nil
	case *rsa.PrivateKey:
		var buf [64]byte
		var sig []byte
		var err error
		digest := k.spec.digest(&buf, signingInput)
		if k.spec.pss != nil {
			sig, err = rsa.SignPSS(rand.Reader, priv, k.spec.hash, digest, k.spec.pss)
		} else {
			sig, err = rsa.SignPKCS1v15(nil, priv, k.spec.hash, digest)
		}
		return append(dst, sig...), err
	}
	return nil, errVerifyOnly
}

// Verify checks the encoded signature sigPart over signingInput with the
// pinned key and algorithm. A signature of any other length than the
// algorithm's is refused before decoding: an ASN.1 ECDSA signature, a
// raw one with a byte more or less, one of another curve, or one made
// for another RSA key.
func (k *Key) Verify(signingInput, sigPart string) error {
	if len(sigPart) != k.sigLen {
		return errSignature
	}
	if k.macs != nil {
		return k.verifyMAC(signingInput, sigPart)
	}
	var buf [512]byte
	sig, err := b64.AppendDecode(buf[:0], BytesView(sigPart))
	if err != nil {
		return errEncoding
	}
	// The crypto functions only read their input, so a view of the
	// string's bytes spares a copy of up to the token size cap.
	in := BytesView(signingInput)
	var ok bool
	switch pub := k.public.(type) {
	case *ecdsa.PublicKey:
		var sum [64]byte
		half := k.sigSize / 2
		var r, s big.Int
		r.SetBytes(sig[:half])
		s.SetBytes(sig[half:])
		// ecdsa.Verify refuses r or s outside [1, n-1], the zero
		// signature of CVE-2022-21449 included.
		ok = ecdsa.Verify(pub, k.spec.digest(&sum, in), &r, &s)
	case ed25519.PublicKey:
		ok = ed25519.Verify(pub, in, sig)
	case *rsa.PublicKey:
		var sum [64]byte
		digest := k.spec.digest(&sum, in)
		if k.spec.pss != nil {
			ok = rsa.VerifyPSS(pub, k.spec.hash, digest, sig, k.spec.pss) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(pub, k.spec.hash, digest, sig) == nil
		}
	}
	if !ok {
		return errSignature
	}
	return nil
}

// verifyMAC checks an HS* signature with a pooled keyed state and a
// constant-time comparison.
func (k *Key) verifyMAC(signingInput, sigPart string) error {
	st := k.macs.Get().(*macState)
	defer k.macs.Put(st)
	if _, err := b64.Decode(st.sig[:], BytesView(sigPart)); err != nil {
		return errEncoding
	}
	st.h.Reset()
	st.h.Write(BytesView(signingInput))
	if !hmac.Equal(st.h.Sum(st.sum[:0]), st.sig[:k.sigSize]) {
		return errSignature
	}
	return nil
}
