package jwks

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// remoteFetch is an on-demand fetch that concurrent callers wait for.
type remoteFetch struct {
	done chan struct{}
	err  error
	// first: no set was held when it started.
	first bool
}

var (
	errCoolingDown = errors.New("jwks: refetch waits for the cooldown")
	errClosed      = errors.New("jwks: the Remote is closed")
)

// refetch fetches the set now, or waits for the fetch in flight, for a
// caller that found no key in seen, the set it looked at (nil: none yet).
// It does not fetch when another set has been installed since, nor within
// the cooldown after the last on-demand fetch.
func (r *Remote) refetch(ctx context.Context, seen *remoteSnapshot) error {
	r.mu.Lock()
	if r.snap.Load() != seen {
		r.mu.Unlock()
		return nil // the caller looks again
	}
	f := r.inflight
	if f == nil {
		now := r.now()
		switch {
		case r.closed:
			r.mu.Unlock()
			return errClosed
		case !r.lastTry.IsZero() && now.Sub(r.lastTry) < r.opts.RefetchCooldown:
			r.mu.Unlock()
			return errCoolingDown
		}
		r.lastTry = now
		f = &remoteFetch{done: make(chan struct{}), first: r.snap.Load() == nil}
		r.inflight = f
		r.wg.Add(1)
		go r.fetch(f)
	}
	r.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetch runs one on-demand fetch; its context is not any one request's,
// since every waiting request shares it.
func (r *Remote) fetch(f *remoteFetch) {
	defer r.wg.Done()
	ctx, cancel := context.WithTimeout(r.client.ctx, r.opts.FetchTimeout+time.Second)
	_, err := r.cache.Refresh(ctx, r.url)
	cancel()
	if err != nil {
		err = ownError(err)
		r.failed(err)
	}
	r.mu.Lock()
	r.inflight = nil
	if f.first && err == nil {
		// The first set is not fetched for any kid: the first unknown
		// kid after it (a rotation right after start) may refetch.
		r.lastTry = time.Time{}
	}
	r.mu.Unlock()
	f.err = err
	close(f.done)
}

// failed records a failed fetch and reports it, unless the set is closed.
func (r *Remote) failed(err error) {
	err = ownError(err)
	r.failing.Store(true)
	r.mu.Lock()
	r.lastErr = err
	closed := r.closed
	r.mu.Unlock()
	if !closed {
		r.report(err)
	}
}

func (r *Remote) report(err error) {
	if r.opts.OnFetchError != nil {
		r.opts.OnFetchError(err)
	}
}

// postFetch turns each fetched JWK into a validated key, skipping (and
// reporting) bad ones, and installs the result. A set without a usable key
// fails the fetch, so the last good set stays.
func (r *Remote) postFetch(u string, set jwk.Set) (jwk.Set, error) {
	var problems []error
	if dropped := int(r.client.keyCount.Load()) - set.Len(); dropped > 0 {
		problems = append(problems, fmt.Errorf("jwks: %d JWKs could not be parsed", dropped))
	}
	keys := make([]session.Key, 0, set.Len())
	count := map[string]int{}
	for i := range set.Len() {
		jk, _ := set.Key(i)
		k, err := keyFromJWK(jk, r.parse)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		keys = append(keys, k)
		count[k.ID()]++
	}
	keys = slices.DeleteFunc(keys, func(k session.Key) bool { return count[k.ID()] > 1 })
	for id, n := range count {
		if n > 1 {
			problems = append(problems, fmt.Errorf("jwks: kid %q is used by %d keys; none of them is used", id, n))
		}
	}
	if len(keys) == 0 {
		return nil, &fetchError{fmt.Errorf("jwks: JWK Set at %s has no usable key: %w", u, errors.Join(problems...))}
	}
	r.install(keys)
	if len(problems) > 0 {
		r.report(fmt.Errorf("jwks: JWK Set at %s: keys skipped: %w", u, errors.Join(problems...)))
	}
	return set, nil
}

// install makes keys the current set. A key that the previous set held
// under the same kid with the same algorithm and public key is kept as
// it was, the same session.Key, so that the verifications it made stay
// in the Manager's cache; a new or changed key is a new one.
func (r *Remote) install(keys []session.Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.snap.Load()
	s := &remoteSnapshot{keys: keys, byID: make(map[string]session.Key, len(keys))}
	for i, k := range keys {
		if old != nil {
			if prev, ok := old.byID[k.ID()]; ok && sameKey(prev, k) {
				keys[i] = prev
			}
		}
		s.byID[k.ID()] = keys[i]
	}
	r.snap.Store(s)
	r.failing.Store(false)
	r.lastErr = nil
}

// sameKey reports whether a and b have the same algorithm and public key.
func sameKey(a, b session.Key) bool {
	if a.Algorithm() != b.Algorithm() {
		return false
	}
	pub, ok := a.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(b.Public())
}
