// Package testkit holds helpers that the module's tests share across
// packages: key pairs made for a test, and a token's header read without
// the library under test. Only tests import it.
package testkit

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// Keys are key pairs generated for one test, of every kind the library
// accepts and of kinds it refuses (RSA1024, EC384).
type Keys struct {
	RSA, RSA1024 *rsa.PrivateKey
	EC, EC384    *ecdsa.PrivateKey
	Ed           ed25519.PrivateKey
}

// NewKeys generates Keys, or fails the test.
func NewKeys(t testing.TB) Keys {
	t.Helper()
	var k Keys
	var err error
	if k.RSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if k.RSA1024, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
		t.Fatal(err)
	}
	if k.EC, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if k.EC384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if _, k.Ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		t.Fatal(err)
	}
	return k
}

// KidOf returns the kid member of a compact token's protected header, or
// fails the test.
func KidOf(t testing.TB, token string) string {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var hdr struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &hdr); err != nil {
		t.Fatal(err)
	}
	return hdr.Kid
}

// Clock is a settable clock for session.Options.Clock and the stores'
// clocks: it moves only when told to, and is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at the instant at.
func NewClock(at time.Time) *Clock { return &Clock{now: at} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to at.
func (c *Clock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }
