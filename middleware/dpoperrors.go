package middleware

import (
	"errors"
	"net/http"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// proofError is the cause of a rejected DPoP proof. Its text is what
// was wrong with the proof, without a prefix: the [*Error] that carries
// it puts "middleware: " and its description in front.
type proofError struct{ detail string }

func (e *proofError) Error() string { return e.detail }

// parseError is the cause of a DPoP proof that the parser refused: what
// the parser found wrong, reported as a [proofError] is. It holds a
// single pointer, so that wrapping one of the parser's prebuilt errors
// allocates nothing.
type parseError struct{ err *jose.Error }

func (e parseError) Error() string { return e.err.Detail }
func (e parseError) Unwrap() error { return e.err }

// asProofError reports an error of [jose.ParseProofKey] or
// [jose.UnverifiedProof.Verify] in this package's name.
func asProofError(err error) error {
	if je, ok := err.(*jose.Error); ok {
		return parseError{je}
	}
	return err
}

// The causes of DPoP failures, in [Error.Err]. Unlike the other causes
// they carry no package prefix: they only ever reach users inside an
// [*Error], whose text starts with "middleware: ".
var (
	errNoProof          = &proofError{"the request has no DPoP header"}
	errProofMethod      = &proofError{"htm does not match the request method"}
	errProofURL         = &proofError{"htu does not match the request URL"}
	errProofStale       = &proofError{"iat is too old"}
	errProofFuture      = &proofError{"iat is too far in the future"}
	errProofTokenHash   = &proofError{"ath does not match the access token"}
	errProofReplayed    = &proofError{"jti was already used"}
	errProofKeyMismatch = &proofError{"the proof's key is not the key the token is bound to"}
	errProofNonce       = &proofError{"nonce missing, expired or not made by this server"}
	errMultipleProofs   = errors.New("more than one DPoP header")
	errUnboundDPoP      = errors.New("the DPoP scheme carries a token that is not bound to a key")
	errBoundAsBearer    = errors.New("a token bound to a DPoP key was presented as a bearer token")
	errDPoPRequired     = errors.New("the request presents a bearer token")
)

var (
	failProof         = failure{http.StatusUnauthorized, "invalid_dpop_proof", "DPoP proof invalid", ReasonInvalid}
	failNonce         = failure{http.StatusUnauthorized, "use_dpop_nonce", "DPoP nonce required", ReasonInvalid}
	failBoundBearer   = failure{http.StatusUnauthorized, "invalid_token", "token requires a DPoP proof", ReasonInvalid}
	failNotDPoPToken  = failure{http.StatusUnauthorized, "invalid_token", "token is not bound to a DPoP key", ReasonInvalid}
	failBearerRefused = failure{http.StatusUnauthorized, "invalid_token", "DPoP required", ReasonInvalid}
)

// dpopChallenge returns the DPoP challenge of f: the bare one with the
// accepted algorithms, and f's error code and description.
func (d *dpopConfig) dpopChallenge(f failure) string {
	if f.code == "" {
		return d.challenge
	}
	return d.challenge + `, error="` + f.code + `", error_description="` + f.description + `"`
}

// setChallenges sets the WWW-Authenticate fields of failure f, not a 503.
// The scheme the request used (dpop) carries the error code and comes
// first; the other accepted scheme follows as a bare challenge (RFC 9449
// §7.1), so that a client learns both.
func (a *Auth) setChallenges(h http.Header, f failure, dpop bool) {
	d := a.dpop
	switch {
	case dpop || d.mode == DPoPRequired:
		h.Set("WWW-Authenticate", d.dpopChallenge(f))
		if d.mode == DPoPAllowed {
			h.Add("WWW-Authenticate", a.challenges[failMissing])
		}
	default:
		c, ok := a.challenges[f]
		if !ok {
			return
		}
		h.Set("WWW-Authenticate", c)
		if d.mode == DPoPAllowed && f.status == http.StatusUnauthorized {
			h.Add("WWW-Authenticate", d.challenge)
		}
	}
}

// failDPoP answers a request that used DPoP (the scheme or, for
// [Auth.CheckProof], a proof), as [Auth.fail] answers others; a
// use_dpop_nonce failure carries a fresh nonce in DPoP-Nonce.
func (a *Auth) failDPoP(w http.ResponseWriter, r *http.Request, f failure, err error, tok string) {
	h := w.Header()
	if f.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", a.retryAfter)
	} else {
		a.setChallenges(h, f, true)
	}
	if f == failNonce {
		a.setNonce(h)
	}
	a.reject(w, r, f.newError(err), Fingerprint{tok})
}

// setNonce sends a fresh server nonce, readable by scripts of other
// origins that CORS admits.
func (a *Auth) setNonce(h http.Header) {
	h.Set("DPoP-Nonce", a.dpop.nonces.mint())
	h.Add("Access-Control-Expose-Headers", "DPoP-Nonce")
}
