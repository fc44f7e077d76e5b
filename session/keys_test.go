package session_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

// funcKeys is a Keys whose answers a test sets.
type funcKeys struct {
	mu     sync.Mutex
	sign   session.Key
	canSig bool
	verify func(kid string) (session.Key, error)
	calls  int
}

func (k *funcKeys) SigningKey() (session.Key, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.sign, k.canSig
}

func (k *funcKeys) VerificationKey(_ context.Context, _, kid string) (session.Key, error) {
	k.mu.Lock()
	k.calls++
	f := k.verify
	k.mu.Unlock()
	return f(kid)
}

func (k *funcKeys) set(verify func(kid string) (session.Key, error)) {
	k.mu.Lock()
	k.verify = verify
	k.mu.Unlock()
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestCustomKeys: a Manager trusts what any Keys answers only as far as
// the rules go: the header alg must be the key's, an invalid key or an
// unexpected error is the server's fault (ErrUnavailable), an unknown kid
// the client's (ErrInvalid).
func TestCustomKeys(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	ecKey := newECKey(t)
	signer := mustKey(t, ecKey, "ES256", "k")
	issuer, err := session.New(signer, session.Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tok := issue(t, issuer, "123", nil).Value
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	public := mustKey(t, &ecKey.PublicKey, "ES256", "k")
	tests := []struct {
		name   string
		verify func(kid string) (session.Key, error)
		want   error // nil: valid
	}{
		{"the key", func(string) (session.Key, error) { return public, nil }, nil},
		{"the kid is passed", func(kid string) (session.Key, error) {
			if kid != "k" {
				return session.Key{}, errors.New("wrong kid " + kid)
			}
			return public, nil
		}, nil},
		{"unknown kid", func(string) (session.Key, error) { return session.Key{}, errUnknownKidForTest }, session.ErrInvalid},
		{"keys unavailable", func(string) (session.Key, error) { return session.Key{}, errKeysDownForTest }, session.ErrUnavailable},
		{"any other error", func(string) (session.Key, error) { return session.Key{}, errors.New("kms: throttled") }, session.ErrUnavailable},
		{"zero Key", func(string) (session.Key, error) { return session.Key{}, nil }, session.ErrUnavailable},
		{"invalid Key", func(string) (session.Key, error) { return session.HS256([]byte("short")), nil }, session.ErrUnavailable},
		{"key of another algorithm", func(string) (session.Key, error) { return mustKey(t, edPub, "EdDSA", ""), nil }, session.ErrInvalid},
		{"another key of the algorithm", func(string) (session.Key, error) {
			return mustKey(t, &newECKey(t).PublicKey, "ES256", ""), nil
		}, session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := session.New(&funcKeys{verify: tt.verify}, session.Options{Clock: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if m.CanSign() {
				t.Error("CanSign: got true for keys without a signing key")
			}
			_, err = m.Verify(ctx, tok)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			checkOnly(t, err, tt.want)
		})
	}
}

var (
	errUnknownKidForTest = errors.Join(session.ErrInvalid, errors.New("no such kid"))
	errKeysDownForTest   = errors.Join(session.ErrUnavailable, errors.New("key service down"))
)

// TestCustomKeysCache: the verified-token cache keeps a token only while
// the keys give, for its iss and kid, the very Key that verified it.
func TestCustomKeysCache(t *testing.T) {
	clock := newClock(t0)
	ecKey := newECKey(t)
	issuer, _ := session.New(mustKey(t, ecKey, "ES256", "k"), session.Options{Clock: clock.Now})
	tok := issue(t, issuer, "123", nil).Value
	public := mustKey(t, &ecKey.PublicKey, "ES256", "k")
	keys := &funcKeys{verify: func(string) (session.Key, error) { return public, nil }}
	m, err := session.New(keys, session.Options{Clock: clock.Now, VerifiedTokenCache: 16})
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, m, tok)
	mustVerify(t, m, tok) // from the cache, which asks the keys again
	if keys.calls != 2 {
		t.Errorf("got %d calls of VerificationKey for two verifications, want 2", keys.calls)
	}

	// The same material under a new handle: verified again, and valid.
	keys.set(func(string) (session.Key, error) { return public.WithID("k"), nil })
	mustVerify(t, m, tok)

	// Other material under the kid (a replaced key): the cached
	// verification is dropped and the token fails.
	other := mustKey(t, &newECKey(t).PublicKey, "ES256", "k")
	keys.set(func(string) (session.Key, error) { return other, nil })
	if _, err := verify(m, tok); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("token of a replaced key: got %v, want ErrInvalid", err)
	}
	// The kid gone: the same.
	keys.set(func(string) (session.Key, error) { return session.Key{}, errUnknownKidForTest })
	if _, err := verify(m, tok); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("token of a removed key: got %v, want ErrInvalid", err)
	}
}

func TestNewRefusesKeys(t *testing.T) {
	ec := newECKey(t)
	var nilSet *session.KeySet
	tests := []struct {
		name string
		keys session.Keys
		want string
	}{
		{"nil", nil, "needs keys"},
		{"nil *KeySet", nilSet, "nil *session.KeySet"},
		{"zero Key", session.Key{}, "zero Key"},
		{"invalid Key", session.HS256(make([]byte, 8)), "at least 32"},
		{"signing key that only verifies", &funcKeys{sign: mustKey(t, &ec.PublicKey, "ES256", ""), canSig: true}, "only verifies"},
		{"invalid signing key", &funcKeys{sign: session.HS256(make([]byte, 8)), canSig: true}, "at least 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := session.New(tt.keys, session.Options{}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestKeyHandle: a Key is a comparable handle: copies are equal, WithID
// makes a new key, and the zero Key answers without panicking.
func TestKeyHandle(t *testing.T) {
	ctx := context.Background()
	k := mustKey(t, newECKey(t), "ES256", "")
	copied := k
	if copied != k {
		t.Error("a copy of a Key is not equal to it")
	}
	if k.WithID("a") == k || k.WithID("a") == k.WithID("a") {
		t.Error("WithID returned a Key equal to another")
	}
	if _, ok := k.Public().(*ecdsa.PublicKey); !ok {
		t.Errorf("Public: got %T, want *ecdsa.PublicKey", k.Public())
	}
	if pub := session.HS256(make([]byte, 32)).Public(); pub != nil {
		t.Errorf("Public of an HS256 key: got %T, want nil", pub)
	}
	var zero session.Key
	if zero.Algorithm() != "" || zero.ID() != "" || zero.CanSign() || zero.Public() != nil || zero.String() != "zero key" {
		t.Errorf("zero Key: got %q %q %v %v %q", zero.Algorithm(), zero.ID(), zero.CanSign(), zero.Public(), zero.String())
	}
	if _, ok := zero.SigningKey(); ok {
		t.Error("zero Key: SigningKey reported a signing key")
	}

	withID := k.WithID("k1")
	for _, tc := range []struct {
		key     session.Key
		kid     string
		wantErr bool
	}{
		{k, "", false}, {k, "anything", false},
		{withID, "", false}, {withID, "k1", false}, {withID, "k2", true},
	} {
		got, err := tc.key.VerificationKey(ctx, "any issuer", tc.kid)
		if tc.wantErr != (err != nil) || err == nil && got != tc.key {
			t.Errorf("%v.VerificationKey(%q): got %v, %v", tc.key, tc.kid, got, err)
		}
		if err != nil && !errors.Is(err, session.ErrInvalid) {
			t.Errorf("%v.VerificationKey(%q): got %v, want ErrInvalid", tc.key, tc.kid, err)
		}
	}
}

func TestNewKey(t *testing.T) {
	ec := newECKey(t)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	tests := []struct {
		name     string
		material any
		alg, kid string
		wantAlg  string // "" wants an error containing want
		wantSign bool
		want     string
	}{
		{name: "ECDSA private, alg inferred", material: ec, wantAlg: "ES256", wantSign: true},
		{name: "ECDSA public", material: &ec.PublicKey, alg: "ES256", kid: "e", wantAlg: "ES256"},
		{name: "Ed25519 private", material: ed, wantAlg: "EdDSA", wantSign: true},
		{name: "Ed25519 public", material: ed.Public(), wantAlg: "EdDSA"},
		{name: "RSA private PS256", material: rs, alg: "PS256", wantAlg: "PS256", wantSign: true},
		{name: "RSA public RS256", material: &rs.PublicKey, alg: "RS256", wantAlg: "RS256"},
		{name: "secret", material: secret, kid: "s", wantAlg: "HS256", wantSign: true},
		{name: "secret for HS256", material: secret, alg: "HS256", wantAlg: "HS256", wantSign: true},
		{name: "RSA without alg", material: rs, want: "RS256, RS384, RS512, PS256, PS384 or PS512"},
		{name: "RSA for ES256", material: rs, alg: "ES256", want: "cannot be used for ES256"},
		{name: "ECDSA for HS256", material: ec, alg: "HS256", want: "HMAC algorithm"},
		{name: "secret for RS256", material: secret, alg: "RS256", want: "HMAC keys sign HS256, HS384, HS512"},
		{name: "short secret", material: secret[:8], want: "at least 32"},
		{name: "unknown algorithm", material: ec, alg: "ES256K", want: "not supported"},
		{name: "P-256 for ES384", material: ec, alg: "ES384", want: "ES384 needs a P-384 key; got P-256"},
		{name: "unsupported type", material: "a string", want: "unsupported key type string"},
		{name: "kid with NUL", material: ec, kid: "a\x00", want: "key id"},
		{name: "nil ECDSA key", material: (*ecdsa.PrivateKey)(nil), want: "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := session.NewKey(tt.material, tt.alg, tt.kid)
			if tt.wantAlg == "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got %v, %v; want an error containing %q", k, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm() != tt.wantAlg || k.ID() != tt.kid || k.CanSign() != tt.wantSign {
				t.Errorf("got %v (signs: %v), want %s key %q (signs: %v)", k, k.CanSign(), tt.wantAlg, tt.kid, tt.wantSign)
			}
			if _, err := session.New(k, session.Options{}); err != nil {
				t.Errorf("New: %v", err)
			}
		})
	}
}
