package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Keys supplies the keys a [Manager] signs and verifies with. It is
// implemented by [Key] (one key, signing or verification only) and by
// [*KeySet] (one active signing key and any number of verification keys,
// rotated at run time).
type Keys interface {
	keyring() (keyring, error)
}

// keyring is what a Manager asks of its keys.
type keyring interface {
	// signing returns the key that signs new tokens, or nil when the keys
	// only verify.
	signing() *pinnedKey
	// byHeader returns the key whose own encoded protected header is
	// exactly encoded, or nil: the fast path for tokens signed here.
	byHeader(encoded string) *pinnedKey
	// lookup selects the verification key for a decoded header.
	lookup(ctx context.Context, h header) (*pinnedKey, error)
	// generation changes whenever a key stops being accepted, so that
	// cached verifications by it are dropped.
	generation() uint64
	// asymmetric reports whether any key is asymmetric.
	asymmetric() bool
}

// keyring makes a single Key a [Keys].
func (k Key) keyring() (keyring, error) {
	pk, err := newPinnedKey(k)
	if err != nil {
		return nil, err
	}
	return staticKey{pk}, nil
}

// staticKey is the keyring of a single [Key].
type staticKey struct{ key *pinnedKey }

func (s staticKey) signing() *pinnedKey {
	if s.key.signKey == nil {
		return nil
	}
	return s.key
}

func (s staticKey) byHeader(encoded string) *pinnedKey {
	if encoded == s.key.header {
		return s.key
	}
	return nil
}

// lookup accepts a token without kid, or with any kid when the key has
// none; a key with an id accepts only its own.
func (s staticKey) lookup(_ context.Context, h header) (*pinnedKey, error) {
	if h.hasKid && s.key.id != "" && h.kid != s.key.id {
		return nil, errUnknownKey
	}
	return s.key, nil
}

func (staticKey) generation() uint64 { return 0 }

func (s staticKey) asymmetric() bool { return s.key.alg != "HS256" }

// KeySet holds one active signing key and any number of verification keys,
// each with a distinct key id, and rotates them at run time without
// logging anyone out. It is safe for concurrent use; each change takes
// effect atomically.
//
// The rotation procedure:
//
//  1. [KeySet.Add] the new key: it verifies but does not sign yet (publish
//     it now, so that verifiers elsewhere learn it before it is used).
//  2. [KeySet.Activate] it: new and renewed tokens are signed with it; the
//     previous active key keeps verifying the tokens it signed.
//  3. [KeySet.Retire] the previous key once every token it signed has
//     expired: after the TTL (plus leeway) when renewal always moves
//     sessions to the active key, which it does.
type KeySet struct {
	mu   sync.Mutex // serializes changes
	snap atomic.Pointer[keySnapshot]
}

// keySnapshot is one immutable state of a KeySet.
type keySnapshot struct {
	active   *pinnedKey // nil: verification only
	keys     []*pinnedKey
	byID     map[string]*pinnedKey
	byHeader map[string]*pinnedKey
	gen      uint64
}

// NewKeySet returns a key set whose active signing key is active, with
// others as verification keys. Every key needs a distinct key id
// ([Key.WithID]); active must be able to sign.
func NewKeySet(active Key, others ...Key) (*KeySet, error) {
	if !active.CanSign() {
		return nil, errors.New("session: the active key of a KeySet must be able to sign")
	}
	pinned := make([]*pinnedKey, 0, 1+len(others))
	for _, k := range append([]Key{active}, others...) {
		pk, err := pinForSet(k)
		if err != nil {
			return nil, err
		}
		pinned = append(pinned, pk)
	}
	snap, err := newKeySnapshot(pinned[0], pinned, 0)
	if err != nil {
		return nil, err
	}
	ks := &KeySet{}
	ks.snap.Store(snap)
	return ks, nil
}

func pinForSet(k Key) (*pinnedKey, error) {
	if k.id == "" {
		return nil, fmt.Errorf("session: every key of a KeySet needs a key id; set one with %v.WithID", k)
	}
	return newPinnedKey(k)
}

func newKeySnapshot(active *pinnedKey, keys []*pinnedKey, gen uint64) (*keySnapshot, error) {
	s := &keySnapshot{
		active:   active,
		keys:     keys,
		byID:     make(map[string]*pinnedKey, len(keys)),
		byHeader: make(map[string]*pinnedKey, len(keys)),
		gen:      gen,
	}
	for _, k := range keys {
		if _, dup := s.byID[k.id]; dup {
			return nil, fmt.Errorf("session: key id %q is used twice in the KeySet", k.id)
		}
		s.byID[k.id] = k
		s.byHeader[k.header] = k
	}
	return s, nil
}

// Add adds a verification key. It does not sign until activated.
func (ks *KeySet) Add(k Key) error {
	pk, err := pinForSet(k)
	if err != nil {
		return err
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	old := ks.snap.Load()
	snap, err := newKeySnapshot(old.active, append(slices.Clone(old.keys), pk), old.gen)
	if err != nil {
		return err
	}
	ks.snap.Store(snap)
	return nil
}

// Activate makes the key with id kid the one that signs new and renewed
// tokens. The previous active key keeps verifying.
func (ks *KeySet) Activate(kid string) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	old := ks.snap.Load()
	k := old.byID[kid]
	switch {
	case k == nil:
		return fmt.Errorf("session: no key %q in the KeySet", kid)
	case k.signKey == nil:
		return fmt.Errorf("session: key %q only verifies; activate a private key or secret", kid)
	}
	snap, err := newKeySnapshot(k, old.keys, old.gen)
	if err != nil {
		return err
	}
	ks.snap.Store(snap)
	return nil
}

// Retire removes the key with id kid: tokens it signed no longer verify,
// including ones already in the verified-token cache. The active key
// cannot be retired.
func (ks *KeySet) Retire(kid string) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	old := ks.snap.Load()
	k := old.byID[kid]
	switch {
	case k == nil:
		return fmt.Errorf("session: no key %q in the KeySet", kid)
	case k == old.active:
		return fmt.Errorf("session: key %q is active; activate another key before retiring it", kid)
	}
	keys := slices.DeleteFunc(slices.Clone(old.keys), func(p *pinnedKey) bool { return p == k })
	snap, err := newKeySnapshot(old.active, keys, old.gen+1)
	if err != nil {
		return err
	}
	ks.snap.Store(snap)
	return nil
}

// ActiveID returns the key id of the active signing key.
func (ks *KeySet) ActiveID() string { return ks.snap.Load().active.id }

// IDs returns the key ids of every key in the set, the active one first.
func (ks *KeySet) IDs() []string {
	s := ks.snap.Load()
	ids := []string{s.active.id}
	for _, k := range s.keys {
		if k != s.active {
			ids = append(ids, k.id)
		}
	}
	return ids
}

func (ks *KeySet) keyring() (keyring, error) { return ks, nil }

func (ks *KeySet) signing() *pinnedKey { return ks.snap.Load().active }

func (ks *KeySet) byHeader(encoded string) *pinnedKey { return ks.snap.Load().byHeader[encoded] }

// lookup selects a key by the token's kid; a token without kid verifies
// only when the set holds a single key.
func (ks *KeySet) lookup(_ context.Context, h header) (*pinnedKey, error) {
	s := ks.snap.Load()
	if !h.hasKid {
		if len(s.keys) == 1 {
			return s.keys[0], nil
		}
		return nil, errNoKid
	}
	if k := s.byID[h.kid]; k != nil {
		return k, nil
	}
	return nil, errUnknownKey
}

func (ks *KeySet) generation() uint64 { return ks.snap.Load().gen }

func (ks *KeySet) asymmetric() bool {
	for _, k := range ks.snap.Load().keys {
		if k.alg != "HS256" {
			return true
		}
	}
	return false
}
