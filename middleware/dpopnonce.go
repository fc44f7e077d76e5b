package middleware

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// nonceStep is the time step of server nonces. A nonce is accepted in
// its step and the two after it (and, for clocks of instances that run a
// little apart, the one before it), so it lives at least 60 seconds.
const nonceStep = 30 * time.Second

// nonceAccepted is how many steps after its own a nonce is accepted.
const nonceAccepted = 2

// A nonce is base64url(step || random || mac): an 8-byte big-endian
// step number, 8 random bytes (so that nonces are unpredictable even
// within one step), and the first 16 bytes of HMAC-SHA256 over a domain
// label and both.
const (
	nonceRandom = 8
	nonceMAC    = 16
	nonceRaw    = 8 + nonceRandom + nonceMAC
)

// nonceLabel separates these MACs from any other use of the secret.
const nonceLabel = "jwtsession DPoP nonce v1\x00"

var nonceEncoding = base64.RawURLEncoding.Strict()

// nonceSource makes and checks stateless server nonces (RFC 9449 §8-9).
type nonceSource struct {
	secret []byte
	now    func() time.Time
}

func newNonceSource(secret []byte, now func() time.Time) *nonceSource {
	return &nonceSource{secret: secret, now: now}
}

// step returns the step number of t.
func step(t time.Time) int64 { return t.Unix() / int64(nonceStep/time.Second) }

// mint returns a fresh nonce for the current step.
func (n *nonceSource) mint() string {
	var raw [nonceRaw]byte
	binary.BigEndian.PutUint64(raw[:8], uint64(step(n.now())))
	rand.Read(raw[8 : 8+nonceRandom])
	copy(raw[8+nonceRandom:], n.mac(raw[:8+nonceRandom]))
	return nonceEncoding.EncodeToString(raw[:])
}

func (n *nonceSource) mac(data []byte) []byte {
	m := hmac.New(sha256.New, n.secret)
	m.Write([]byte(nonceLabel))
	m.Write(data)
	return m.Sum(nil)[:nonceMAC]
}

// check reports whether nonce is one this source (or another with the
// same secret) made and is still accepted, and whether it is of the
// current step or later, so that no fresh one needs to be sent.
func (n *nonceSource) check(nonce string) (ok, current bool) {
	var raw [nonceRaw + 3]byte
	if len(nonce) != nonceEncoding.EncodedLen(nonceRaw) {
		return false, false
	}
	if k, err := nonceEncoding.Decode(raw[:], []byte(nonce)); err != nil || k != nonceRaw {
		return false, false
	}
	s := int64(binary.BigEndian.Uint64(raw[:8]))
	now := step(n.now())
	if s < now-nonceAccepted || s > now+1 {
		return false, false
	}
	if !hmac.Equal(n.mac(raw[:8+nonceRandom]), raw[8+nonceRandom:nonceRaw]) {
		return false, false
	}
	return true, s >= now
}
