package jwks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// RemoteOptions configure a [Remote]. The zero value works: each field
// documents its default, and [NewRemote] refuses invalid values.
type RemoteOptions struct {
	// RefreshEvery is how often the set is fetched again in the
	// background, so that new keys are learnt and removed ones dropped. It
	// must be at least one second. Default: 5 minutes.
	RefreshEvery time.Duration
	// RefetchCooldown is the least time between two fetches made on
	// demand: for a token whose kid is unknown, or while no set has been
	// fetched yet. Tokens with random kids therefore cause at most one
	// fetch per cooldown, however many arrive. The successful first fetch
	// does not count, so that a key rotated in right after start is
	// learnt at once; but a token signed by a brand new key is rejected as
	// invalid within the cooldown after another refetch, which is why
	// issuers publish a key before signing with it (see
	// [session.KeySet]). Default: 30 seconds.
	RefetchCooldown time.Duration
	// FetchTimeout bounds each fetch, from dialing to the last byte of the
	// body, whatever the HTTP client's own settings. Default: 5 seconds.
	FetchTimeout time.Duration
	// MaxSize bounds the response body of each fetch, in bytes; a longer
	// body fails the fetch and is not read past the bound. Default: 1 MiB,
	// two orders of magnitude above the sets of large providers.
	MaxSize int64
	// HTTPClient makes the fetches, for a proxy or custom TLS roots; the
	// fetch timeout and the size bound still apply. Default: a client with
	// the default transport's settings, every phase bounded by the fetch
	// timeout, at most 3 redirects and none from https to http.
	HTTPClient *http.Client
	// OnFetchError is called with every failed fetch (on demand or in the
	// background) and with the keys skipped in a fetched set, for logs and
	// metrics. It may be called from several goroutines. Default: none.
	OnFetchError func(error)
	// InsecureHTTP allows a plain http URL on any host. Without it, http
	// is accepted on loopback hosts only: whoever can alter the response
	// can substitute keys and sign any token. Default: false.
	InsecureHTTP bool
	// RSAAlgorithm is the algorithm of RSA keys that have no "alg"
	// member: RS256, RS384, RS512, PS256, PS384 or PS512. Such a key is
	// pinned to it, never to the algorithm a token's header names. EC keys
	// without "alg" are pinned by their curve and Ed25519 keys to EdDSA.
	// Default: "" (RS256, as identity providers that publish RSA keys
	// without "alg" mean it).
	RSAAlgorithm string
}

// Defaults of RemoteOptions.
const (
	defaultRefreshEvery    = 5 * time.Minute
	defaultRefetchCooldown = 30 * time.Second
	defaultFetchTimeout    = 5 * time.Second
	defaultMaxSize         = 1 << 20
)

// Remote is the verification key set of a service that only verifies
// tokens: the JWK Set another service publishes at a URL (see [Handler]),
// fetched and kept fresh. It is the [session.Keys] of a Manager that
// verifies and never signs, and is safe for concurrent use.
//
// Fetching is built on the JWK cache of github.com/lestrrat-go/jwx:
//
//   - The set is fetched again every RefreshEvery, in the background.
//   - A token whose kid is unknown makes it fetch the set at once, at most
//     once per RefetchCooldown. Concurrent requests share one fetch:
//     requests on a cold start cause one fetch, and a storm of random kids
//     one fetch per cooldown.
//   - Each fetch is bounded by FetchTimeout and MaxSize; redirects are
//     limited; no request is ever made to a URL taken from a token.
//   - A failed fetch keeps the last good set. A fetched set with some bad
//     keys keeps its good ones; a set with none counts as a failed fetch.
//   - Until a set has been fetched, and while fetches fail, a token whose
//     key is not known fails with [session.ErrUnavailable] (the middleware
//     answers 503 with Retry-After, never the user's 401). With a healthy
//     set, an unknown kid is [session.ErrInvalid].
//   - A key that a refetch brings back unchanged stays the same
//     [session.Key], so the Manager's verified-token cache keeps its
//     tokens; a key that leaves the set, or comes back under its kid with
//     other material, drops them.
//
// Every key goes through the checks of [ParseSet] and [session.New]. Keys
// without "kid" are skipped, and so are oct (HMAC) keys, private keys (a
// published set must not hold one), keys with "use" other than "sig",
// unsupported algorithms, weak keys, and keys whose kid appears twice.
// Keys without "alg" are pinned deliberately: EC by its curve, Ed25519 to
// EdDSA, RSA to RemoteOptions.RSAAlgorithm (RS256 by default). A token without kid verifies only when the set holds a
// single key.
//
// Call [Remote.Ready] before serving traffic, or from a readiness probe,
// and [Remote.Close] when done.
type Remote struct {
	url    string
	opts   RemoteOptions
	parse  parseConfig
	cache  *jwk.Cache
	client *fetchClient
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
	keys []session.Key
	byID map[string]session.Key
}

// NewRemote returns the key set published at url, an absolute https URL
// (http only on a loopback host, unless opts.InsecureHTTP). It makes no
// request: the set is fetched by [Remote.Ready] or by the first token to
// verify.
func NewRemote(url string, opts RemoteOptions) (*Remote, error) {
	if err := opts.withDefaults(); err != nil {
		return nil, err
	}
	if err := checkURL(url, opts.InsecureHTTP); err != nil {
		return nil, err
	}
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = newHTTPClient(opts.FetchTimeout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Remote{
		url:    url,
		opts:   opts,
		parse:  parseConfig{rsaAlg: opts.RSAAlgorithm, set: true, published: true},
		client: &fetchClient{ctx: ctx, client: httpClient, timeout: opts.FetchTimeout, maxSize: opts.MaxSize},
		cancel: cancel,
		now:    time.Now,
	}
	// The cache checks what is due every window; a quarter of the
	// interval keeps refreshes within 25% of it.
	window := max(opts.RefreshEvery/4, time.Second)
	r.cache = jwk.NewCache(ctx, jwk.WithRefreshWindow(window), jwk.WithErrSink(errSink(r.failed)))
	err := r.cache.Register(url,
		jwk.WithHTTPClient(r.client),
		jwk.WithRefreshInterval(opts.RefreshEvery),
		jwk.WithIgnoreParseError(true), // a malformed key is skipped, not the set
		jwk.WithPostFetcher(jwk.PostFetchFunc(r.postFetch)),
	)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("jwks: JWK cache: %w", err)
	}
	return r, nil
}

// withDefaults fills in the zero fields of o and checks the others.
func (o *RemoteOptions) withDefaults() error {
	for _, d := range []struct {
		field *time.Duration
		def   time.Duration
	}{{&o.RefreshEvery, defaultRefreshEvery}, {&o.RefetchCooldown, defaultRefetchCooldown}, {&o.FetchTimeout, defaultFetchTimeout}} {
		if *d.field == 0 {
			*d.field = d.def
		}
	}
	if o.MaxSize == 0 {
		o.MaxSize = defaultMaxSize
	}
	switch {
	case checkRSAAlgorithm(o.RSAAlgorithm) != nil:
		return checkRSAAlgorithm(o.RSAAlgorithm)
	case o.RefreshEvery < time.Second:
		return fmt.Errorf("jwks: refresh interval %v is below one second", o.RefreshEvery)
	case o.RefetchCooldown < 0:
		return fmt.Errorf("jwks: refetch cooldown %v must be positive", o.RefetchCooldown)
	case o.FetchTimeout < 0:
		return fmt.Errorf("jwks: fetch timeout %v must be positive", o.FetchTimeout)
	case o.MaxSize < 0:
		return fmt.Errorf("jwks: size limit %d must be positive", o.MaxSize)
	}
	return nil
}

// errSink adapts a function to the JWK cache's error sink.
type errSink func(error)

func (f errSink) Error(err error) { f(err) }

// Ready reports whether a key set has been fetched. If none has, it
// fetches one now (sharing a fetch in flight, and at most once per
// cooldown), waiting no longer than ctx allows and the fetch timeout.
// Once a set has been fetched Ready stays nil, since a later failed fetch
// keeps the last good set. The error matches [session.ErrUnavailable].
func (r *Remote) Ready(ctx context.Context) error {
	if r.snap.Load() != nil {
		return nil
	}
	err := r.refetch(ctx, nil)
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
	return fmt.Errorf("%w: no JWK Set fetched yet: %w", session.ErrUnavailable, err)
}

// IDs returns the key ids of the last fetched set, sorted; none before the
// first good fetch.
func (r *Remote) IDs() []string {
	s := r.snap.Load()
	if s == nil {
		return nil
	}
	ids := make([]string, 0, len(s.keys))
	for _, k := range s.keys {
		ids = append(ids, k.ID())
	}
	slices.Sort(ids)
	return ids
}

// Close stops the background refresh and waits for a fetch in flight.
// The last fetched keys keep verifying; no fetch is made afterwards.
func (r *Remote) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// SigningKey reports that a remote set never signs.
func (r *Remote) SigningKey() (session.Key, bool) { return session.Key{}, false }

// VerificationKey returns the key of kid, fetching the set first when the
// kid is unknown or no set is held yet (see [Remote]). The issuer is not
// consulted: a Remote holds one issuer's keys (see [Issuers] for several).
func (r *Remote) VerificationKey(ctx context.Context, _, kid string) (session.Key, error) {
	seen := r.snap.Load()
	if seen != nil {
		if k, ok, err := seen.find(kid); ok || err != nil {
			return k, err
		}
	}
	r.refetch(ctx, seen) // the outcome shows in the snapshot and the health
	s := r.snap.Load()
	if s == nil {
		return session.Key{}, errKeysNotFetched
	}
	if k, ok, err := s.find(kid); ok || err != nil {
		return k, err
	}
	if r.failing.Load() {
		return session.Key{}, errKeysUnreachable
	}
	return session.Key{}, errUnknownKid
}

// find returns the key of kid and whether it is known. Without kid, the
// only key of a single-key set is chosen; several keys are an error.
func (s *remoteSnapshot) find(kid string) (session.Key, bool, error) {
	if kid == "" {
		if len(s.keys) == 1 {
			return s.keys[0], true, nil
		}
		return session.Key{}, false, errNoKid
	}
	k, ok := s.byID[kid]
	return k, ok, nil
}
