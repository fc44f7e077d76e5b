package session_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"math/big"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/jwtsession/jwtsession/session"
)

// BenchmarkVerifyAlgorithms compares, for every algorithm and on the same
// token: "bare", the floor (base64url decoding of the signature, the hash
// of the signing input and the crypto/* verification, nothing else);
// "verify", Manager.Verify with the verified-token cache off (every
// check: split, header, signature, claims, times, revocation store);
// "forged", the same token with a letter of its signature changed (what
// a forgery costs); and "cached", Manager.Verify answered by the
// verified-token cache.
func BenchmarkVerifyAlgorithms(b *testing.B) {
	clock := func() time.Time { return t0 }
	for _, km := range newAlgMaterial(b) {
		b.Run(km.alg, func(b *testing.B) {
			key := mustKey(b, km.private, km.alg, "")
			issuer, err := session.New(key, session.Options{Clock: clock})
			if err != nil {
				b.Fatal(err)
			}
			tok := issue(b, issuer, "123", nil).Value
			bare := bareVerifier(b, km.alg, km.public)
			i := strings.LastIndexByte(tok, '.')
			in, sig := tok[:i], tok[i+1:]
			if !bare(in, sig) {
				b.Fatal("the bare verification refuses the token")
			}
			b.Run("bare", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if !bare(in, sig) {
						b.Fatal("refused")
					}
				}
			})
			// A different letter inside the signature: still canonical
			// base64url, so the forgery reaches the signature check.
			forged := []byte(tok)
			if j := len(forged) - 10; forged[j] == 'A' {
				forged[j] = 'B'
			} else {
				forged[j] = 'A'
			}
			for _, mode := range []struct {
				name  string
				token string
				cache int
			}{{"verify", tok, -1}, {"forged", string(forged), -1}, {"cached", tok, 1024}} {
				verifier, err := session.New(mustKey(b, km.public, km.alg, ""), session.Options{Clock: clock, VerifiedTokenCache: mode.cache})
				if err != nil {
					b.Fatal(err)
				}
				valid := mode.token == tok
				if valid {
					mustVerify(b, verifier, tok)
				}
				b.Run(mode.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := verify(verifier, mode.token); (err == nil) != valid {
							b.Fatalf("got %v, want valid=%v", err, valid)
						}
					}
				})
			}
		})
	}
}

// bareVerifier returns the floor of verifying a signature of alg with
// public: decode, hash, crypto/* check, with buffers prepared once as a
// hand-written verifier would.
func bareVerifier(b *testing.B, alg string, public any) func(in, sig string) bool {
	b.Helper()
	var buf [1024]byte
	dec := base64.RawURLEncoding
	switch alg[:2] {
	case "HS":
		mac := hmac.New(map[string]func() hash.Hash{"HS256": sha256.New, "HS384": sha512.New384, "HS512": sha512.New}[alg], public.([]byte))
		var sum [64]byte
		return func(in, sig string) bool {
			n, err := dec.Decode(buf[:], view(sig))
			if err != nil {
				return false
			}
			mac.Reset()
			mac.Write(view(in))
			return hmac.Equal(mac.Sum(sum[:0]), buf[:n])
		}
	case "RS", "PS":
		pub := public.(*rsa.PublicKey)
		h := hashOf(alg)
		pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
		return func(in, sig string) bool {
			n, err := dec.Decode(buf[:], view(sig))
			if err != nil {
				return false
			}
			d := digestBare(alg, in)
			if alg[0] == 'P' {
				return rsa.VerifyPSS(pub, h, d, buf[:n], pss) == nil
			}
			return rsa.VerifyPKCS1v15(pub, h, d, buf[:n]) == nil
		}
	case "ES":
		pub := public.(*ecdsa.PublicKey)
		return func(in, sig string) bool {
			n, err := dec.Decode(buf[:], view(sig))
			if err != nil {
				return false
			}
			var r, s big.Int
			r.SetBytes(buf[:n/2])
			s.SetBytes(buf[n/2 : n])
			return ecdsa.Verify(pub, digestBare(alg, in), &r, &s)
		}
	}
	pub := public.(ed25519.PublicKey)
	return func(in, sig string) bool {
		n, err := dec.Decode(buf[:], view(sig))
		if err != nil {
			return false
		}
		return ed25519.Verify(pub, view(in), buf[:n])
	}
}

// digestBare hashes in with alg's hash function.
func digestBare(alg, in string) []byte {
	switch {
	case strings.HasSuffix(alg, "256"):
		d := sha256.Sum256(view(in))
		return d[:]
	case strings.HasSuffix(alg, "384"):
		d := sha512.Sum384(view(in))
		return d[:]
	}
	d := sha512.Sum512(view(in))
	return d[:]
}

// view returns the bytes of s without a copy, as the package reads a
// token, so that the floor does not pay for copies the package avoids.
func view(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
