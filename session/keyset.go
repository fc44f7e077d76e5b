package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// KeySet holds one active signing key and any number of verification keys,
// each with a distinct key id, and rotates them at run time without
// logging anyone out. It is safe for concurrent use; each change takes
// effect atomically. It is the [Keys] of a Manager that rotates.
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
	active Key
	keys   []Key // in the order added
	byID   map[string]Key
}

// NewKeySet returns a key set whose active signing key is active, with
// others as verification keys. Every key needs a distinct key id
// ([Key.WithID]); active must be able to sign.
func NewKeySet(active Key, others ...Key) (*KeySet, error) {
	keys := append([]Key{active}, others...)
	for _, k := range keys {
		if err := checkSetKey(k); err != nil {
			return nil, err
		}
	}
	if !active.CanSign() {
		return nil, errors.New("session: the active key of a KeySet must be able to sign")
	}
	snap, err := newKeySnapshot(active, keys)
	if err != nil {
		return nil, err
	}
	ks := &KeySet{}
	ks.snap.Store(snap)
	return ks, nil
}

func checkSetKey(k Key) error {
	if err := k.check(); err != nil {
		return err
	}
	if k.ID() == "" {
		return fmt.Errorf("session: every key of a KeySet needs a key id; set one with %v.WithID", k)
	}
	return nil
}

func newKeySnapshot(active Key, keys []Key) (*keySnapshot, error) {
	s := &keySnapshot{active: active, keys: keys, byID: make(map[string]Key, len(keys))}
	for _, k := range keys {
		if _, dup := s.byID[k.ID()]; dup {
			return nil, fmt.Errorf("session: key id %q is used twice in the KeySet", k.ID())
		}
		s.byID[k.ID()] = k
	}
	return s, nil
}

// Add adds a verification key. It does not sign until activated.
func (ks *KeySet) Add(k Key) error {
	if err := checkSetKey(k); err != nil {
		return err
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	old := ks.snap.Load()
	snap, err := newKeySnapshot(old.active, append(slices.Clone(old.keys), k))
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
	k, ok := old.byID[kid]
	switch {
	case !ok:
		return fmt.Errorf("session: no key %q in the KeySet", kid)
	case !k.CanSign():
		return fmt.Errorf("session: key %q only verifies; activate a private key or secret", kid)
	}
	ks.snap.Store(&keySnapshot{active: k, keys: old.keys, byID: old.byID})
	return nil
}

// Retire removes the key with id kid: tokens it signed no longer verify,
// including ones already in the verified-token cache. The active key
// cannot be retired.
func (ks *KeySet) Retire(kid string) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	old := ks.snap.Load()
	k, ok := old.byID[kid]
	switch {
	case !ok:
		return fmt.Errorf("session: no key %q in the KeySet", kid)
	case k == old.active:
		return fmt.Errorf("session: key %q is active; activate another key before retiring it", kid)
	}
	keys := slices.DeleteFunc(slices.Clone(old.keys), func(o Key) bool { return o == k })
	snap, err := newKeySnapshot(old.active, keys)
	if err != nil {
		return err
	}
	ks.snap.Store(snap)
	return nil
}

// IDs returns the key ids of every key in the set, the active one first.
func (ks *KeySet) IDs() []string {
	s := ks.snap.Load()
	ids := make([]string, 0, len(s.keys))
	for _, k := range s.ordered() {
		ids = append(ids, k.ID())
	}
	return ids
}

// PublicKeys returns the asymmetric keys of the set, the active one first,
// as a JWK Set publishes them (see package jwks); HS256 keys are left out.
func (ks *KeySet) PublicKeys() []Key {
	return slices.DeleteFunc(ks.snap.Load().ordered(), func(k Key) bool { return k.Public() == nil })
}

// ordered returns the keys of s, the active one first.
func (s *keySnapshot) ordered() []Key {
	keys := make([]Key, 0, len(s.keys))
	keys = append(keys, s.active)
	for _, k := range s.keys {
		if k != s.active {
			keys = append(keys, k)
		}
	}
	return keys
}

// SigningKey returns the active key.
func (ks *KeySet) SigningKey() (Key, bool) { return ks.snap.Load().active, true }

// VerificationKey returns the key whose id is kid. A token without kid
// verifies only when the set holds a single key. The issuer is not
// consulted: a KeySet holds one issuer's keys.
func (ks *KeySet) VerificationKey(_ context.Context, _, kid string) (Key, error) {
	s := ks.snap.Load()
	if kid == "" {
		if len(s.keys) == 1 {
			return s.keys[0], nil
		}
		return Key{}, errNoKid
	}
	if k, ok := s.byID[kid]; ok {
		return k, nil
	}
	return Key{}, errUnknownKey
}
