package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jwtsession/jwtsession/session"
)

// Error describes a failed authentication or authorization check: it is
// what the error handler ([Options.ErrorHandler]) and [Hooks.Rejected]
// receive. Status, Code and Description are fixed strings, safe to send to
// the client; Reason classifies the failure for logs and metrics; Err is
// the cause, for logs only. The session errors ([session.ErrExpired],
// [session.ErrRevoked], [session.ErrUnavailable], …) match an *Error with
// [errors.Is] through its cause.
type Error struct {
	// Status is the HTTP status: 400, 401, 403 or 503.
	Status int
	// Code is the RFC 6750 error code: "invalid_request", "invalid_token",
	// "insufficient_scope", or "" when the request carried no credentials.
	// A bad DPoP proof has the RFC 9449 code "invalid_dpop_proof", and a
	// proof without a current server nonce "use_dpop_nonce" (both 401, see
	// [DPoPOptions]). A 503 has "temporarily_unavailable", and a
	// cookie-authenticated request refused by the cross-origin protection
	// (403, see [Options.Cookie]) "cross_origin_request".
	Code string
	// Description is a short fixed text for error_description.
	Description string
	// Reason says why the request was rejected.
	Reason Reason
	// Err is the underlying error, or nil when the request carried no
	// credentials. Never send it to the client.
	Err error
}

// Error returns the description and the cause, with the package name
// once: a cause of this package loses its own prefix.
func (e *Error) Error() string {
	if e.Err == nil {
		return "middleware: " + e.Description
	}
	return "middleware: " + e.Description + ": " + strings.TrimPrefix(e.Err.Error(), "middleware: ")
}

// Unwrap returns the cause, so that [errors.Is] matches the session
// errors.
func (e *Error) Unwrap() error { return e.Err }

// Reason says why a request was rejected. The set is fixed, so it can
// label a metric without bounding its cardinality.
type Reason string

// The reasons of [Error.Reason], one per kind of failure.
const (
	// ReasonMissing: the request carried no token (401 without an error
	// code), or it reached a guard without verified claims.
	ReasonMissing Reason = "missing"
	// ReasonMalformed: the request's credentials were malformed (400
	// invalid_request), such as two Authorization headers, two DPoP
	// headers, or a DPoP request that also carries a query token.
	ReasonMalformed Reason = "malformed"
	// ReasonExpired: the token had expired (401 invalid_token).
	ReasonExpired Reason = "expired"
	// ReasonInvalid: the token failed verification, or was not valid yet
	// (401 invalid_token); or the DPoP check failed: a missing, bad or
	// replayed proof or one of another key (401 invalid_dpop_proof), a
	// missing or expired server nonce (401 use_dpop_nonce), a bound token
	// presented as Bearer, a Bearer token in [DPoPRequired] mode, or an
	// unbound token under the DPoP scheme (401 invalid_token).
	ReasonInvalid Reason = "invalid"
	// ReasonRevoked: the token's session or user was revoked (401
	// invalid_token).
	ReasonRevoked Reason = "revoked"
	// ReasonUnavailable: verification itself could not run, such as an
	// unreachable revocation store, or a DPoP replay cache that cannot
	// answer or is full (503).
	ReasonUnavailable Reason = "unavailable"
	// ReasonForbidden: the token verified but the request is not allowed:
	// a guard refused the claims (403 insufficient_scope), or the
	// cross-origin protection of the cookie transport refused the request
	// (403).
	ReasonForbidden Reason = "forbidden"
)

// Reasons lists every [Reason], for pre-registering metrics.
func Reasons() []Reason {
	return []Reason{ReasonMissing, ReasonMalformed, ReasonExpired, ReasonInvalid, ReasonRevoked, ReasonUnavailable, ReasonForbidden}
}

// WriteError is the default error handler ([Options.ErrorHandler]): it
// writes e.Status and a small JSON body {"error": ..., "error_description":
// ...} made of the fixed texts, never of the cause.
func WriteError(w http.ResponseWriter, _ *http.Request, e *Error) {
	code := e.Code
	if code == "" {
		code = "unauthorized"
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(errorBody{code, e.Description})
}

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// The causes of the request-level failures, in [Error.Err]. Their texts
// say what was wrong, for logs; the client gets the fixed description.
var (
	errMalformedAuthorization = errors.New("middleware: malformed Authorization header")
	errMultipleAuthorization  = errors.New("middleware: more than one Authorization header")
	errMultipleTokens         = errors.New("middleware: more than one token in the request")
	errAuthorizationTooLong   = fmt.Errorf("%w: longer than %d bytes", errMalformedAuthorization, maxAuthorizationLength)
	errNotAuthenticated       = errors.New("middleware: no verified claims in the request context; mount Authenticate before the guard")
	errInsufficientScope      = errors.New("middleware: the token's claims do not satisfy the guard")
	errNoClaims               = errors.New("middleware: verification returned no claims and no error")
)

// failure is one kind of rejection, with its fixed texts.
type failure struct {
	status      int
	code        string
	description string
	reason      Reason
}

var (
	failMissing     = failure{http.StatusUnauthorized, "", "bearer token required", ReasonMissing}
	failRequest     = failure{http.StatusBadRequest, "invalid_request", "malformed credentials", ReasonMalformed}
	failInvalid     = failure{http.StatusUnauthorized, "invalid_token", "token invalid", ReasonInvalid}
	failExpired     = failure{http.StatusUnauthorized, "invalid_token", "token expired", ReasonExpired}
	failNotYet      = failure{http.StatusUnauthorized, "invalid_token", "token not yet valid", ReasonInvalid}
	failRevoked     = failure{http.StatusUnauthorized, "invalid_token", "token revoked", ReasonRevoked}
	failUnavailable = failure{http.StatusServiceUnavailable, "temporarily_unavailable", "authentication temporarily unavailable", ReasonUnavailable}
	failScope       = failure{http.StatusForbidden, "insufficient_scope", "insufficient scope", ReasonForbidden}
	// failCrossOrigin has no challenge: the credentials are fine, the
	// request's origin is not.
	failCrossOrigin = failure{http.StatusForbidden, "cross_origin_request", "cross-origin request refused", ReasonForbidden}
)

// newError returns the *Error of f with cause err.
func (f failure) newError(err error) *Error {
	return &Error{Status: f.status, Code: f.code, Description: f.description, Reason: f.reason, Err: err}
}

// classify maps a verification error to its failure. A server-side fault
// is never reported as the client's.
func classify(err error) failure {
	switch {
	case errors.Is(err, session.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return failUnavailable
	case errors.Is(err, session.ErrExpired):
		return failExpired
	case errors.Is(err, session.ErrNotYetValid):
		return failNotYet
	case errors.Is(err, session.ErrRevoked):
		return failRevoked
	}
	return failInvalid
}

// challenges holds the WWW-Authenticate value of each failure for one
// realm, built once. A failure without an entry (503, cross-origin) sends
// no challenge.
type challenges map[failure]string

func newChallenges(realm string) challenges {
	c := challenges{}
	for _, f := range []failure{failMissing, failRequest, failInvalid, failExpired, failNotYet, failRevoked, failScope, failBoundBearer} {
		c[f] = challenge(realm, f, "")
	}
	return c
}

// challenge returns the WWW-Authenticate value of f for realm; a non-empty
// scope (already checked by [validScope]) is added as RFC 6750 §3 scope.
func challenge(realm string, f failure, scope string) string {
	v := fmt.Sprintf("Bearer realm=%q", realm)
	if f.code != "" {
		v += fmt.Sprintf(", error=%q, error_description=%q", f.code, f.description)
	}
	if scope != "" {
		v += fmt.Sprintf(", scope=%q", scope)
	}
	return v
}
