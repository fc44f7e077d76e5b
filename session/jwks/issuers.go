package jwks

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// Issuers is the verification keys of one or more OpenID Connect
// providers (or OAuth 2.0 authorization servers that publish the same
// metadata, RFC 8414), found by discovery: for each issuer it fetches
// <issuer>/.well-known/openid-configuration (a trailing "/" of the issuer
// removed, OpenID Connect Discovery 1.0 §4), requires the document's
// "issuer" to equal the configured issuer exactly, and keeps the JWK Set
// at its "jwks_uri" as a [Remote] with the same [RemoteOptions]. It is the
// [session.Keys] of a Manager that verifies the tokens of several issuers
// and never signs, and is safe for concurrent use.
//
// A token's iss selects the issuer, and only that issuer's keys can
// verify it: a kid published by one issuer never matches a token that
// claims another, and a token whose iss is not one of the issuers is
// [session.ErrInvalid]. Each issuer's key set behaves as a Remote does
// (refresh, refetch on an unknown kid at most once per cooldown, the last
// good set kept through failed fetches).
//
// Discovery happens on demand: by [Issuers.Ready] or by the first token
// of an issuer. Until it succeeds, that issuer's tokens fail with
// [session.ErrUnavailable] (the middleware answers 503, never the user's
// 401), and it is tried again on demand at most once per RefetchCooldown,
// and in the background every RefreshEvery. Once discovered, the
// configuration is fetched again every RefreshEvery; a jwks_uri that
// changes is followed once the new set has been fetched. A failed or
// refused discovery is reported to RemoteOptions.OnFetchError. The
// configuration is bounded by MaxSize and FetchTimeout, read strictly
// (duplicate members, or an issuer or jwks_uri that is not a string, are
// refused), and its jwks_uri must be https (http only on a loopback host,
// unless InsecureHTTP).
//
// Call [Issuers.Ready] before serving traffic, or from a readiness probe,
// and [Issuers.Close] when done.
type Issuers struct {
	opts     RemoteOptions
	client   *fetchClient
	byIssuer map[string]*issuerKeys
	list     []*issuerKeys // in the order configured
	cancel   context.CancelFunc
	wg       sync.WaitGroup // background work and discoveries in flight
	now      func() time.Time
}

// issuerKeys is the state of one issuer.
type issuerKeys struct {
	issuer string
	remote atomic.Pointer[Remote] // nil until discovered

	mu       sync.Mutex // guards the fields below
	jwksURI  string
	inflight *remoteFetch
	lastTry  time.Time // start of the last on-demand discovery
	lastErr  error     // of the last discovery; nil after a good one
	closed   bool
}

// NewIssuers returns the keys of issuers, each an issuer identifier as
// tokens carry it in iss: an absolute https URL (http only on a loopback
// host, unless opts.InsecureHTTP) without query or fragment. opts apply to
// the discovery of every issuer and to each issuer's key set. It makes no
// request: see [Issuers.Ready].
func NewIssuers(issuers []string, opts RemoteOptions) (*Issuers, error) {
	return newIssuers(issuers, opts, time.Now)
}

// newIssuers is NewIssuers on the clock now, which the refetch cooldowns
// read.
func newIssuers(issuers []string, opts RemoteOptions, now func() time.Time) (*Issuers, error) {
	if len(issuers) == 0 {
		return nil, errors.New("jwks: NewIssuers needs at least one issuer")
	}
	if err := opts.withDefaults(); err != nil {
		return nil, err
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = newHTTPClient(opts.FetchTimeout) // shared by every fetch
	}
	ctx, cancel := context.WithCancel(context.Background())
	is := &Issuers{
		opts:     opts,
		client:   &fetchClient{ctx: ctx, client: opts.HTTPClient, timeout: opts.FetchTimeout, maxSize: opts.MaxSize},
		byIssuer: make(map[string]*issuerKeys, len(issuers)),
		cancel:   cancel,
		now:      now,
	}
	for _, iss := range issuers {
		if err := checkIssuer(iss, opts.InsecureHTTP); err != nil {
			cancel()
			return nil, err
		}
		if _, dup := is.byIssuer[iss]; dup {
			cancel()
			return nil, fmt.Errorf("jwks: issuer %q is listed twice", iss)
		}
		ik := &issuerKeys{issuer: iss}
		is.byIssuer[iss] = ik
		is.list = append(is.list, ik)
	}
	is.wg.Go(func() { is.refreshLoop(ctx) })
	return is, nil
}

// SigningKey reports that the keys of issuers never sign.
func (is *Issuers) SigningKey() (session.Key, bool) { return session.Key{}, false }

// VerificationKey returns the key of kid published by issuer, discovering
// the issuer first when it has not been yet (see [Issuers]). An issuer
// that is not configured is [session.ErrInvalid].
func (is *Issuers) VerificationKey(ctx context.Context, issuer, kid string) (session.Key, error) {
	ik, ok := is.byIssuer[issuer]
	if !ok {
		return session.Key{}, errUnknownIssuer
	}
	r := ik.remote.Load()
	if r == nil {
		is.discoverNow(ctx, ik) // the outcome shows in ik.remote
		if r = ik.remote.Load(); r == nil {
			return session.Key{}, errNotDiscovered
		}
	}
	return r.VerificationKey(ctx, issuer, kid)
}

// Ready reports whether every issuer has been discovered and has a key
// set. For each one that has not, it discovers and fetches now (sharing
// the work in flight, and at most once per cooldown), waiting no longer
// than ctx allows. A service that takes the tokens of several issuers is
// ready only when it can verify the tokens of each. The error names every
// issuer that is not ready and matches [session.ErrUnavailable].
func (is *Issuers) Ready(ctx context.Context) error {
	errs := make([]error, len(is.list))
	var wg sync.WaitGroup
	for i, ik := range is.list {
		wg.Go(func() { errs[i] = is.ready(ctx, ik) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", session.ErrUnavailable, err)
	}
	return nil
}

func (is *Issuers) ready(ctx context.Context, ik *issuerKeys) error {
	if ik.remote.Load() == nil {
		err := is.discoverNow(ctx, ik)
		if ik.remote.Load() == nil {
			if errors.Is(err, errCoolingDown) {
				ik.mu.Lock()
				if ik.lastErr != nil {
					err = fmt.Errorf("the last discovery failed, and the next waits for the cooldown: %w", ik.lastErr)
				}
				ik.mu.Unlock()
			}
			return fmt.Errorf("issuer %s not discovered yet: %w", ik.issuer, err)
		}
	}
	if err := ik.remote.Load().Ready(ctx); err != nil {
		return fmt.Errorf("issuer %s: %w", ik.issuer, err)
	}
	return nil
}

// IDs returns the key ids of issuer's last fetched set, sorted; none
// before its first good fetch, or for an issuer not configured.
func (is *Issuers) IDs(issuer string) []string {
	if ik, ok := is.byIssuer[issuer]; ok {
		if r := ik.remote.Load(); r != nil {
			return r.IDs()
		}
	}
	return nil
}

// Close stops discovery and the background refreshes, and waits for the
// fetches in flight. The last fetched keys keep verifying; no fetch is
// made afterwards.
func (is *Issuers) Close() {
	for _, ik := range is.list {
		ik.mu.Lock()
		ik.closed = true
		ik.mu.Unlock()
	}
	is.cancel()
	is.wg.Wait()
	for _, ik := range is.list {
		if r := ik.remote.Load(); r != nil {
			r.Close()
		}
	}
}
