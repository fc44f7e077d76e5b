package jwks

import (
	"context"
	"fmt"
	"time"
)

// discoverNow discovers ik now, or waits for the discovery in flight, for
// a caller that found it not discovered. It does not fetch within the
// cooldown after the last on-demand discovery.
func (is *Issuers) discoverNow(ctx context.Context, ik *issuerKeys) error {
	ik.mu.Lock()
	if ik.remote.Load() != nil {
		ik.mu.Unlock()
		return nil // the caller looks again
	}
	f := ik.inflight
	if f == nil {
		now := is.now()
		switch {
		case ik.closed:
			ik.mu.Unlock()
			return errClosed
		case !ik.lastTry.IsZero() && now.Sub(ik.lastTry) < is.opts.RefetchCooldown:
			ik.mu.Unlock()
			return errCoolingDown
		}
		ik.lastTry = now
		f = &remoteFetch{done: make(chan struct{})}
		ik.inflight = f
		// Not any one request's context: every waiting request shares it.
		is.wg.Go(func() {
			err := is.discover(ik)
			ik.mu.Lock()
			ik.inflight = nil
			ik.mu.Unlock()
			f.err = err
			close(f.done)
		})
	}
	ik.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// discover fetches ik's provider configuration and installs the key set
// it names; a failure is recorded and reported.
func (is *Issuers) discover(ik *issuerKeys) error {
	jwksURI, err := discover(is.client, ik.issuer)
	if err == nil {
		err = is.install(ik, jwksURI)
	}
	ik.mu.Lock()
	ik.lastErr = err
	closed := ik.closed
	ik.mu.Unlock()
	if err != nil && !closed && is.opts.OnFetchError != nil {
		is.opts.OnFetchError(err)
	}
	return err
}

// install makes the key set at jwksURI ik's. The first one is installed
// at once, and fetched on demand; a jwks_uri that changes replaces the
// current set only once its own set has been fetched, so that a bad move
// keeps the last good keys.
func (is *Issuers) install(ik *issuerKeys, jwksURI string) error {
	ik.mu.Lock()
	old, oldURI := ik.remote.Load(), ik.jwksURI
	ik.mu.Unlock()
	same := old != nil && oldURI == jwksURI
	if same {
		return nil
	}
	r, err := NewRemote(jwksURI, is.opts)
	if err != nil {
		return fmt.Errorf("jwks: discovery of %s: jwks_uri: %w", ik.issuer, err)
	}
	r.now = is.now
	if old != nil {
		ctx, cancel := context.WithTimeout(is.client.ctx, is.opts.FetchTimeout+time.Second)
		err := r.Ready(ctx)
		cancel()
		if err != nil {
			r.Close()
			return fmt.Errorf("jwks: discovery of %s: its keys moved to %s, which gave none; keeping the keys of %s: %w", ik.issuer, jwksURI, oldURI, err)
		}
	}
	ik.mu.Lock()
	if ik.closed || ik.remote.Load() != old { // closed, or another install won
		ik.mu.Unlock()
		r.Close()
		return nil
	}
	ik.jwksURI = jwksURI
	ik.remote.Store(r)
	ik.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// refreshLoop discovers every issuer again every RefreshEvery, until ctx
// is done: an issuer not discovered yet is tried again, and a discovered
// one follows a change of its jwks_uri.
func (is *Issuers) refreshLoop(ctx context.Context) {
	tick := time.NewTicker(is.opts.RefreshEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, ik := range is.list {
			if ctx.Err() != nil {
				return
			}
			is.discover(ik)
		}
	}
}
