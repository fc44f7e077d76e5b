package session

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Defaults of a [RemoteKeySet], each set by the option of the same name.
const (
	// DefaultRefreshEvery is how often the whole set is fetched again.
	DefaultRefreshEvery = 5 * time.Minute
	// DefaultRefetchCooldown is the least time between two fetches made
	// because a token named an unknown kid.
	DefaultRefetchCooldown = 30 * time.Second
	// DefaultFetchTimeout bounds one fetch, from dialing to the last
	// byte of the body.
	DefaultFetchTimeout = 5 * time.Second
	// DefaultMaxJWKSSize bounds the body of one fetch: 1 MiB, two orders
	// of magnitude above the sets of large providers.
	DefaultMaxJWKSSize = 1 << 20
)

// RemoteOption configures a [RemoteKeySet]. Every [JWKOption] is also a
// RemoteOption.
type RemoteOption interface{ applyRemote(*remoteConfig) }

type remoteOption func(*remoteConfig)

func (o remoteOption) applyRemote(c *remoteConfig) { o(c) }

func (o JWKOption) applyRemote(c *remoteConfig) { o(&c.jwk) }

type remoteConfig struct {
	jwk      jwkConfig
	refresh  time.Duration
	cooldown time.Duration
	timeout  time.Duration
	maxSize  int64
	client   *http.Client
	onError  func(error)
	insecure bool
}

// WithRefreshEvery sets how often the set is fetched again in the
// background, so that new keys are learnt and removed ones dropped. It must
// be at least one second. Default: [DefaultRefreshEvery] (5 minutes).
func WithRefreshEvery(d time.Duration) RemoteOption {
	return remoteOption(func(c *remoteConfig) { c.refresh = d })
}

// WithRefetchCooldown sets the least time between two fetches made on
// demand: for a token whose kid is unknown, or while no set has been
// fetched yet. Tokens with random kids therefore cause at most one fetch
// per cooldown, however many arrive. The successful first fetch does not
// count, so that a key rotated in right after start is learnt at once;
// but a token signed by a brand new key is rejected as invalid within the
// cooldown after another refetch, which is why issuers publish a key
// before signing with it (see [KeySet]). It must be positive. Default:
// [DefaultRefetchCooldown] (30 seconds).
func WithRefetchCooldown(d time.Duration) RemoteOption {
	return remoteOption(func(c *remoteConfig) { c.cooldown = d })
}

// WithFetchTimeout bounds each fetch, from dialing to the last byte of
// the body, whatever the HTTP client's own settings. It must be positive.
// Default: [DefaultFetchTimeout] (5 seconds).
func WithFetchTimeout(d time.Duration) RemoteOption {
	return remoteOption(func(c *remoteConfig) { c.timeout = d })
}

// WithMaxJWKSSize bounds the response body of each fetch, in bytes; a
// longer body fails the fetch and is not read past the bound. It must be
// positive. Default: [DefaultMaxJWKSSize] (1 MiB).
func WithMaxJWKSSize(n int64) RemoteOption {
	return remoteOption(func(c *remoteConfig) { c.maxSize = n })
}

// WithHTTPClient sets the HTTP client of the fetches, for a proxy or
// custom TLS roots. The fetch timeout and the size bound still apply.
// Default: a client with the default transport's settings, every phase
// bounded by the fetch timeout, at most 3 redirects and none from https to
// http.
func WithHTTPClient(c *http.Client) RemoteOption {
	return remoteOption(func(rc *remoteConfig) { rc.client = c })
}

// WithFetchErrorFunc sets a function called with every failed fetch (on
// demand or in the background) and with the keys skipped in a fetched
// set, for logs and metrics. It may be called from several goroutines.
// Default: none.
func WithFetchErrorFunc(f func(error)) RemoteOption {
	return remoteOption(func(c *remoteConfig) { c.onError = f })
}

// WithInsecureHTTP allows a plain http JWKS URL on any host. Without it,
// http is accepted on loopback hosts only: whoever can alter the response
// can substitute keys and sign any token. Default: off.
func WithInsecureHTTP() RemoteOption {
	return remoteOption(func(c *remoteConfig) { c.insecure = true })
}

// RemoteKeySet is the verification key set of a service that only
// verifies tokens: the JWK Set another service publishes at a URL (see
// [JWKSHandler]), fetched and kept fresh. Give it to [New] for a Manager
// that verifies and never signs. It is safe for concurrent use.
//
// Fetching is built on the JWK cache of github.com/lestrrat-go/jwx:
//
//   - The set is fetched again every [WithRefreshEvery], in the background.
//   - A token whose kid is unknown makes it fetch the set at once, at most
//     once per [WithRefetchCooldown]. Concurrent requests share one fetch:
//     requests on a cold start cause one fetch, and a storm of random kids
//     one fetch per cooldown.
//   - Each fetch is bounded by [WithFetchTimeout] and [WithMaxJWKSSize];
//     redirects are limited; no request is ever made to a URL taken from a
//     token.
//   - A failed fetch keeps the last good set. A fetched set with some bad
//     keys keeps its good ones; a set with none counts as a failed fetch.
//   - Until a set has been fetched, and while fetches fail, a token whose
//     key is not known fails with [ErrUnavailable] (the middleware answers
//     503 with Retry-After, never the user's 401). With a healthy set, an
//     unknown kid is [ErrInvalid].
//
// Every key goes through the checks of [ParseJWKSet] and [New]. Keys
// without "kid" are skipped, and so are oct (HMAC) keys, private keys
// (a published set must not hold one), keys with "use" other than "sig",
// unsupported algorithms, weak keys, and keys whose kid appears twice.
// Keys without "alg" are read deliberately: EC P-256 is ES256, Ed25519
// EdDSA, and RSA is skipped unless [WithRSAAlgorithm] names its algorithm.
// A token without kid verifies only when the set holds a single key.
//
// Call [RemoteKeySet.Ready] before serving traffic, or from a readiness
// probe, and [RemoteKeySet.Close] when done.
type RemoteKeySet struct {
	url    string
	cfg    remoteConfig
	cache  *jwk.Cache
	client *jwksClient
	cancel context.CancelFunc
	wg     sync.WaitGroup // fetches in flight
	now    func() time.Time

	snap    atomic.Pointer[remoteSnapshot] // nil until the first good fetch
	failing atomic.Bool                    // the last fetch failed

	mu       sync.Mutex // guards the fields below
	inflight *remoteFetch
	lastTry  time.Time // start of the last on-demand fetch
	lastErr  error     // of the last fetch; nil after a good one
	closed   bool
}

// remoteSnapshot is one fetched set.
type remoteSnapshot struct {
	keys     []*pinnedKey
	byID     map[string]*pinnedKey
	byHeader map[string]*pinnedKey
	gen      uint64
}

// remoteFetch is an on-demand fetch that concurrent callers wait for.
type remoteFetch struct {
	done chan struct{}
	err  error
	// first: no set was held when it started.
	first bool
}

var (
	errKeysNotFetched  = &tokenError{ErrUnavailable, "remote key set not fetched yet"}
	errKeysUnreachable = &tokenError{ErrUnavailable, "remote key set unreachable and the token's key is unknown"}
	errCoolingDown     = errors.New("session: JWKS refetch waits for the cooldown")
	errRemoteClosed    = errors.New("session: RemoteKeySet is closed")
)

// NewRemoteKeySet returns the key set published at jwksURL, an absolute
// https URL (http only on a loopback host, unless [WithInsecureHTTP]).
// It makes no request: the set is fetched by [RemoteKeySet.Ready] or by
// the first token to verify. Each option documents its default; invalid
// ones are refused with an error.
func NewRemoteKeySet(jwksURL string, opts ...RemoteOption) (*RemoteKeySet, error) {
	cfg := remoteConfig{
		refresh:  DefaultRefreshEvery,
		cooldown: DefaultRefetchCooldown,
		timeout:  DefaultFetchTimeout,
		maxSize:  DefaultMaxJWKSSize,
	}
	for _, o := range opts {
		if o != nil {
			o.applyRemote(&cfg)
		}
	}
	switch {
	case cfg.jwk.err != nil:
		return nil, cfg.jwk.err
	case cfg.refresh < time.Second:
		return nil, fmt.Errorf("session: JWKS refresh interval %v is below one second", cfg.refresh)
	case cfg.cooldown <= 0:
		return nil, fmt.Errorf("session: JWKS refetch cooldown %v must be positive", cfg.cooldown)
	case cfg.timeout <= 0:
		return nil, fmt.Errorf("session: JWKS fetch timeout %v must be positive", cfg.timeout)
	case cfg.maxSize <= 0:
		return nil, fmt.Errorf("session: JWKS size limit %d must be positive", cfg.maxSize)
	}
	if err := checkJWKSURL(jwksURL, cfg.insecure); err != nil {
		return nil, err
	}
	cfg.jwk.set, cfg.jwk.published = true, true
	httpClient := cfg.client
	if httpClient == nil {
		httpClient = newJWKSHTTPClient(cfg.timeout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &RemoteKeySet{
		url:    jwksURL,
		cfg:    cfg,
		client: &jwksClient{ctx: ctx, client: httpClient, timeout: cfg.timeout, maxSize: cfg.maxSize},
		cancel: cancel,
		now:    time.Now,
	}
	// The cache checks what is due every window; a quarter of the
	// interval keeps refreshes within 25% of it.
	window := max(cfg.refresh/4, time.Second)
	r.cache = jwk.NewCache(ctx, jwk.WithRefreshWindow(window), jwk.WithErrSink(errSink(r.failed)))
	err := r.cache.Register(jwksURL,
		jwk.WithHTTPClient(r.client),
		jwk.WithRefreshInterval(cfg.refresh),
		jwk.WithIgnoreParseError(true), // a malformed key is skipped, not the set
		jwk.WithPostFetcher(jwk.PostFetchFunc(r.postFetch)),
	)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("session: JWKS cache: %w", err)
	}
	return r, nil
}

// errSink adapts a function to the JWK cache's error sink.
type errSink func(error)

func (f errSink) Error(err error) { f(err) }

// Ready reports whether a key set has been fetched. If none has, it
// fetches one now (sharing a fetch in flight, and at most once per
// cooldown), waiting no longer than ctx allows and the fetch timeout.
// Once a set has been fetched Ready stays nil, since a later failed fetch
// keeps the last good set. The error matches [ErrUnavailable].
func (r *RemoteKeySet) Ready(ctx context.Context) error {
	if r.snap.Load() != nil {
		return nil
	}
	err := r.refetch(ctx)
	if r.snap.Load() != nil {
		return nil
	}
	if errors.Is(err, errCoolingDown) {
		r.mu.Lock()
		if r.lastErr != nil {
			err = fmt.Errorf("the last fetch failed, and the next waits for the cooldown: %w", r.lastErr)
		}
		r.mu.Unlock()
	}
	return fmt.Errorf("%w: no JWK Set fetched yet: %w", ErrUnavailable, err)
}

// IDs returns the key ids of the last fetched set, sorted; none before the
// first good fetch.
func (r *RemoteKeySet) IDs() []string {
	s := r.snap.Load()
	if s == nil {
		return nil
	}
	ids := make([]string, 0, len(s.keys))
	for _, k := range s.keys {
		ids = append(ids, k.id)
	}
	slices.Sort(ids)
	return ids
}

// Close stops the background refresh and waits for a fetch in flight.
// The last fetched keys keep verifying; no fetch is made afterwards.
func (r *RemoteKeySet) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// refetch fetches the set now, or waits for the fetch in flight. It does
// not fetch within the cooldown after the last on-demand fetch.
func (r *RemoteKeySet) refetch(ctx context.Context) error {
	r.mu.Lock()
	f := r.inflight
	if f == nil {
		now := r.now()
		switch {
		case r.closed:
			r.mu.Unlock()
			return errRemoteClosed
		case !r.lastTry.IsZero() && now.Sub(r.lastTry) < r.cfg.cooldown:
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
func (r *RemoteKeySet) fetch(f *remoteFetch) {
	defer r.wg.Done()
	ctx, cancel := context.WithTimeout(r.client.ctx, r.cfg.timeout+time.Second)
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
func (r *RemoteKeySet) failed(err error) {
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

func (r *RemoteKeySet) report(err error) {
	if r.cfg.onError != nil {
		r.cfg.onError(err)
	}
}

// postFetch turns each fetched JWK into a validated key, skipping (and
// reporting) bad ones, and installs the result. A set without a usable key
// fails the fetch, so the last good set stays.
func (r *RemoteKeySet) postFetch(u string, set jwk.Set) (jwk.Set, error) {
	var problems []error
	if dropped := int(r.client.keyCount.Load()) - set.Len(); dropped > 0 {
		problems = append(problems, fmt.Errorf("session: %d JWKs could not be parsed", dropped))
	}
	keys := make([]*pinnedKey, 0, set.Len())
	count := map[string]int{}
	for i := range set.Len() {
		jk, _ := set.Key(i)
		k, err := keyFromJWK(jk, r.cfg.jwk)
		if err == nil {
			var pk *pinnedKey
			if pk, err = newPinnedKey(k); err == nil {
				keys = append(keys, pk)
				count[pk.id]++
				continue
			}
		}
		problems = append(problems, err)
	}
	keys = slices.DeleteFunc(keys, func(k *pinnedKey) bool { return count[k.id] > 1 })
	for id, n := range count {
		if n > 1 {
			problems = append(problems, fmt.Errorf("session: kid %q is used by %d keys; none of them is used", id, n))
		}
	}
	if len(keys) == 0 {
		return nil, &fetchError{fmt.Errorf("session: JWK Set at %s has no usable key: %w", u, errors.Join(problems...))}
	}
	r.install(keys)
	if len(problems) > 0 {
		r.report(fmt.Errorf("session: JWK Set at %s: keys skipped: %w", u, errors.Join(problems...)))
	}
	return set, nil
}

// install makes keys the current set. The generation moves on when a key
// of the previous set is gone or changed, so that cached verifications by
// it are dropped.
func (r *RemoteKeySet) install(keys []*pinnedKey) {
	s := &remoteSnapshot{
		keys:     keys,
		byID:     make(map[string]*pinnedKey, len(keys)),
		byHeader: make(map[string]*pinnedKey, len(keys)),
	}
	for _, k := range keys {
		s.byID[k.id] = k
		s.byHeader[k.header] = k
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.snap.Load(); old != nil {
		s.gen = old.gen
		for id, k := range old.byID {
			if !sameKey(k, s.byID[id]) {
				s.gen++
				break
			}
		}
	}
	r.snap.Store(s)
	r.failing.Store(false)
	r.lastErr = nil
}

// sameKey reports whether b is a with the same algorithm and public key.
func sameKey(a, b *pinnedKey) bool {
	if b == nil || a.alg != b.alg {
		return false
	}
	pub, ok := a.verifyKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(b.verifyKey)
}

func (r *RemoteKeySet) keyring() (keyring, error) {
	if r == nil {
		return nil, errors.New("session: New needs keys; got a nil *RemoteKeySet")
	}
	return r, nil
}

// signing returns nil: a remote set only verifies.
func (r *RemoteKeySet) signing() *pinnedKey { return nil }

func (r *RemoteKeySet) byHeader(encoded string) *pinnedKey {
	if s := r.snap.Load(); s != nil {
		return s.byHeader[encoded]
	}
	return nil
}

// lookup selects the key for h by its kid, fetching the set first when the
// kid is unknown or no set is held yet (see [RemoteKeySet]).
func (r *RemoteKeySet) lookup(ctx context.Context, h header) (*pinnedKey, error) {
	if s := r.snap.Load(); s != nil {
		if k, err := s.find(h); k != nil || err != nil {
			return k, err
		}
	}
	r.refetch(ctx) // the outcome shows in the snapshot and the health
	s := r.snap.Load()
	if s == nil {
		return nil, errKeysNotFetched
	}
	if k, err := s.find(h); k != nil || err != nil {
		return k, err
	}
	if r.failing.Load() {
		return nil, errKeysUnreachable
	}
	return nil, errUnknownKey
}

// find returns the key of h's kid, nil if unknown. Without kid, the only
// key of a single-key set is chosen; several keys are an error.
func (s *remoteSnapshot) find(h header) (*pinnedKey, error) {
	if !h.hasKid {
		if len(s.keys) == 1 {
			return s.keys[0], nil
		}
		return nil, errNoKid
	}
	return s.byID[h.kid], nil
}

func (r *RemoteKeySet) generation() uint64 {
	if s := r.snap.Load(); s != nil {
		return s.gen
	}
	return 0
}

// asymmetric is true: a remote set never holds HMAC keys.
func (r *RemoteKeySet) asymmetric() bool { return true }
