package middleware

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/session"
)

// DPoPMode says which token schemes [Auth.Authenticate] accepts.
type DPoPMode int

// The modes of [DPoPOptions.Mode].
const (
	// DPoPAllowed accepts both "Authorization: Bearer <token>" and
	// "Authorization: DPoP <token>" with a DPoP proof (RFC 9449). A token
	// bound to a key (cnf.jkt) is accepted only with a proof of that key,
	// never as Bearer. The default.
	DPoPAllowed DPoPMode = iota
	// DPoPRequired accepts only DPoP: a Bearer token in the Authorization
	// header is refused with 401. [New] refuses it together with
	// [Options.Cookie] or [Options.QueryParameter], which carry bearer
	// tokens only.
	DPoPRequired
	// DPoPDisabled ignores the DPoP scheme: "Authorization: DPoP ..."
	// counts as no token, and a token bound to a key (cnf.jkt) is
	// refused (401 invalid_token), never accepted as Bearer.
	DPoPDisabled
)

// DPoPOptions configures DPoP proofs (RFC 9449), in [Options.DPoP]. The
// zero value accepts Bearer and DPoP, checks htu against the request's
// own scheme and Host, allows proofs at most 60 seconds old and 5 seconds
// ahead, remembers proof ids in memory, and uses no server nonces.
type DPoPOptions struct {
	// Mode chooses the accepted schemes. Default: [DPoPAllowed].
	Mode DPoPMode

	// PublicURL is the URL under which clients reach this server, such as
	// "https://api.example.com", optionally with a path prefix that a
	// proxy strips ("https://example.com/api"): a proof's htu must equal
	// it followed by the request's path (query and fragment ignored,
	// compared after RFC 3986 §6.2.2–6.2.3 normalisation; a request path
	// whose dot segments climb above "/" is refused). Default: "", the
	// request's own origin: https when the connection is TLS, else http,
	// and the Host header. Without PublicURL the Host header, which the
	// client writes, decides the origin, so a proof made for another
	// server that accepts the same tokens can be replayed here by
	// sending that server's Host (RFC 9449 §11.1): set PublicURL in
	// production.
	PublicURL string

	// TrustForwardedHeaders takes the origin from the X-Forwarded-Proto
	// and X-Forwarded-Host request headers (their first element) when
	// PublicURL is unset. Set it only behind a proxy that overwrites
	// them: a client can send any value. Default: false, never read.
	TrustForwardedHeaders bool

	// MaxAge is how old a proof's iat may be, on the [session.Manager]'s
	// clock, at most 10 minutes. Default: 60 seconds.
	MaxAge time.Duration

	// MaxFuture is how far ahead of the clock a proof's iat may be, at
	// most one minute. Default: 5 seconds.
	MaxFuture time.Duration

	// ReplayCache remembers accepted proofs for their window, by the
	// key's thumbprint and the jti, so that none is accepted twice.
	// Several instances behind one address must share one, such as
	// session/redisstore's Store, which has no entry cap; Authenticate,
	// [Auth.Proof] and [Auth.CheckProof] then all record in it. A cache
	// that cannot answer, or that is full, makes the request fail closed
	// (503). Default: two new in-memory [session.MemoryStore] caches on
	// the manager's clock, which serve this process only: one for
	// Authenticate, and one for Proof and CheckProof, the token
	// endpoint's checks, which anyone can reach before any credential
	// (POST /login), so that a flood of login proofs fills only the
	// second and refuses logins, never the API. Each holds MaxEntries
	// live proofs (100 000 by default), each for MaxAge plus one second
	// after its iat (at most MaxAge+MaxFuture+1 s): about MaxEntries /
	// (MaxAge+MaxFuture) proofs per second, 1 500 with the defaults,
	// before it refuses new ones.
	ReplayCache session.ReplayCache

	// NonceSecret turns on server nonces (RFC 9449 §8): every proof must
	// carry a nonce that this server made, else the request gets 401
	// use_dpop_nonce with a fresh nonce in the DPoP-Nonce header. Nonces
	// are stateless (a keyed MAC over a 30-second time step), so every
	// instance with the same secret accepts them, each for at least 60
	// seconds; a successful response carries a fresh DPoP-Nonce once the
	// presented one is older than the current step. At least 32 random
	// bytes. Default: nil, no nonces.
	NonceSecret []byte
}

// The defaults and bounds of [DPoPOptions].
const (
	defaultDPoPMaxAge    = 60 * time.Second
	defaultDPoPMaxFuture = 5 * time.Second
	maxDPoPMaxAge        = 10 * time.Minute
	maxDPoPMaxFuture     = time.Minute
	minNonceSecret       = 32
)

// dpopConfig is the validated [DPoPOptions] of an Auth.
type dpopConfig struct {
	mode DPoPMode
	// origin is the normalised PublicURL without a trailing slash, or ""
	// to use the request's own.
	origin         string
	trustForwarded bool
	maxAge         time.Duration
	maxFuture      time.Duration
	// replay records the proofs of Authenticate, tokenReplay those of
	// Proof and CheckProof: one cache when the user gives one, else two
	// in-memory caches.
	replay      session.ReplayCache
	tokenReplay session.ReplayCache
	nonces      *nonceSource // nil when off
	now         func() time.Time
	// challenge is the bare DPoP challenge, `DPoP algs="..."`.
	challenge string
}

// newDPoP validates o for an Auth on m.
func newDPoP(m *session.Manager, o DPoPOptions) (*dpopConfig, error) {
	d := &dpopConfig{
		mode:           o.Mode,
		trustForwarded: o.TrustForwardedHeaders,
		maxAge:         o.MaxAge,
		maxFuture:      o.MaxFuture,
		replay:         o.ReplayCache,
		tokenReplay:    o.ReplayCache,
		now:            m.Now,
		challenge:      `DPoP algs="` + strings.Join(jose.ProofAlgorithms(), " ") + `"`,
	}
	if d.maxAge == 0 {
		d.maxAge = defaultDPoPMaxAge
	}
	if d.maxFuture == 0 {
		d.maxFuture = defaultDPoPMaxFuture
	}
	switch {
	case o.Mode < DPoPAllowed || o.Mode > DPoPDisabled:
		return nil, fmt.Errorf("middleware: Options.DPoP.Mode %d is not one of DPoPAllowed, DPoPRequired, DPoPDisabled", o.Mode)
	case o.Mode == DPoPDisabled && (o.PublicURL != "" || o.TrustForwardedHeaders || o.MaxAge != 0 || o.MaxFuture != 0 || o.ReplayCache != nil || o.NonceSecret != nil):
		return nil, errors.New("middleware: Options.DPoP sets DPoP options with Mode DPoPDisabled, where they have no effect")
	case d.maxAge < 0 || d.maxAge > maxDPoPMaxAge:
		return nil, fmt.Errorf("middleware: Options.DPoP.MaxAge is %v; it must be positive and at most %v", d.maxAge, maxDPoPMaxAge)
	case d.maxFuture < 0 || d.maxFuture > maxDPoPMaxFuture:
		return nil, fmt.Errorf("middleware: Options.DPoP.MaxFuture is %v; it must be positive and at most %v", d.maxFuture, maxDPoPMaxFuture)
	case o.NonceSecret != nil && len(o.NonceSecret) < minNonceSecret:
		return nil, fmt.Errorf("middleware: Options.DPoP.NonceSecret is %d bytes; at least %d random bytes are required", len(o.NonceSecret), minNonceSecret)
	case o.PublicURL != "" && o.TrustForwardedHeaders:
		return nil, errors.New("middleware: Options.DPoP.TrustForwardedHeaders has no effect with a PublicURL; set one or the other")
	}
	if o.PublicURL != "" {
		origin, err := publicOrigin(o.PublicURL)
		if err != nil {
			return nil, err
		}
		d.origin = origin
	}
	if d.replay == nil {
		d.replay = session.NewMemoryStore(session.MemoryStoreOptions{Clock: m.Now})
		d.tokenReplay = session.NewMemoryStore(session.MemoryStoreOptions{Clock: m.Now})
	}
	if o.NonceSecret != nil {
		d.nonces = newNonceSource(bytes.Clone(o.NonceSecret), m.Now)
	}
	return d, nil
}

// accepts reports whether the DPoP scheme is read at all.
func (d *dpopConfig) accepts() bool { return d.mode != DPoPDisabled }
